/* api_job.c: a C job linked against libtrainprov (not preloaded by hand:
 * `trainprov run` preloads the same library) that records a seed and a note
 * through include/trainprov.h. */
#include <stdio.h>

#include "trainprov.h"

int main(void)
{
    printf("active %d version %s\n", tp_log_active(), tp_version());
    int seed = tp_seed_record("c.seed", 42u, NULL);
    int note = tp_note_record("phase", "init");
    int bad = tp_file_set_role("x.bin", "nonsense");
    printf("seed %d note %d bad-role %d\n", seed, note, bad);
    return seed == TP_OK && note == TP_OK && bad == TP_EINVAL ? 0 : 1;
}
