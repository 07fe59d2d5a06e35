/* fuzz_records.c: libFuzzer target for the exact bytes of a record, a tree
 * head and a run manifest (runlog/records.c): each decoder on the input, and
 * what decodes rendered as JSON and as a text line, as dump and verify do. */
#include <stdint.h>
#include <string.h>

#include "fuzz/fuzz_input.h"
#include "runlog/records.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tp_bytes b = {(uint8_t *)data, size};
    char err[256];
    struct json_object *o;

    Trainprov__V1__Record *r = tp_record_decode(&b, err, sizeof err);
    if (r) {
        tp_record_print(tp_fuzz_sink(), r);
        tp_record_type(r);
        if ((o = tp_record_json(r)) != NULL)
            tp_json_write(tp_fuzz_sink(), o);
        json_object_put(o);
        trainprov__v1__record__free_unpacked(r, NULL);
    }

    Trainprov__V1__TreeHead *h = tp_head_decode(&b, err, sizeof err);
    if (h) {
        uint8_t sig[TP_SIG_LEN];
        memset(sig, 0xa5, sizeof sig);
        if ((o = tp_head_json(h, sig)) != NULL)
            tp_json_write(tp_fuzz_sink(), o);
        json_object_put(o);
        trainprov__v1__tree_head__free_unpacked(h, NULL);
    }

    Trainprov__V1__RunManifest *m = tp_manifest_decode(&b, err, sizeof err);
    if (m)
        trainprov__v1__run_manifest__free_unpacked(m, NULL);
    return 0;
}
