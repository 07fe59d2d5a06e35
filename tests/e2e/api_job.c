/* api_job.c: a C job linked against libtrainprov (not preloaded by hand:
 * `trainprov run` preloads the same library) that records a seed and a note
 * through include/trainprov.h. */
#include <stdio.h>

#include "trainprov.h"

int main(void)
{
    printf("active %d version %s\n", trainprov_log_active(), trainprov_version());
    int seed = trainprov_seed_record("c.seed", 42u, NULL);
    int note = trainprov_note_record("phase", "init");
    int bad = trainprov_file_set_role("x.bin", "nonsense");
    printf("seed %d note %d bad-role %d\n", seed, note, bad);
    return seed == TRAINPROV_OK && note == TRAINPROV_OK && bad == TRAINPROV_EINVAL ? 0 : 1;
}
