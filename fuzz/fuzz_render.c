/* fuzz_render.c: a run log decoded and rendered as `trainprov dump` would,
 * output to /dev/null (see fuzz_render.h). */
#include "fuzz/fuzz_render.h"

#include <stdlib.h>

#include "fuzz/fuzz_input.h"
#include "runlog/records.h"

static void render_json(struct json_object *o)
{
    if (o)
        tp_json_write(tp_fuzz_sink(), o);
    json_object_put(o);
}

void tp_fuzz_render_log(const tp_runlog *log)
{
    FILE *sink = tp_fuzz_sink();
    tp_decoded_stream *dec = NULL;
    if (tp_records_decode_all(log, &dec) == 0) {
        for (size_t s = 0; s < log->n_streams; s++)
            for (size_t i = 0; i < dec[s].n; i++)
                if (dec[s].records[i]) {
                    tp_record_print(sink, dec[s].records[i]);
                    render_json(tp_record_json(dec[s].records[i]));
                }
        tp_file_table files;
        if (tp_files_from_records(log, dec, &files) == 0) {
            render_json(tp_files_json(&files));
            tp_files_free(&files);
        }
    }
    tp_records_free_all(dec, log->n_streams);
    for (size_t s = 0; s < log->n_streams; s++) {
        const tp_stream_data *st = &log->streams[s];
        for (size_t j = 0; j < st->n_heads; j++) {
            Trainprov__V1__TreeHead *h = tp_head_decode(&st->head_bodies[j], NULL, 0);
            if (h) {
                render_json(tp_head_json(h, st->head_sigs[j]));
                trainprov__v1__tree_head__free_unpacked(h, NULL);
            }
        }
    }
    if (log->has_manifest) {
        Trainprov__V1__RunManifest *m = tp_manifest_decode(&log->manifest_body, NULL, 0);
        if (m)
            trainprov__v1__run_manifest__free_unpacked(m, NULL);
    }
    tp_runlog_ids_hex ids = tp_runlog_ids(log);
    tp_print_safe(sink, ids.run_id);
    tp_print_safe(sink, ids.key_id);
    tp_print_safe(sink, log->library_version);
}
