/* fuzz_render.c: a run log decoded and rendered as `trainprov dump` would,
 * then verified and rendered as `trainprov report`'s HTML page, output to
 * /dev/null (see fuzz_render.h). */
#include "fuzz/fuzz_render.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "fuzz/fuzz_input.h"
#include "runlog/records.h"
#include "verify/claims.h"
#include "verify/html_report.h"

static void render_json(struct json_object *o)
{
    if (o)
        tp_json_write(tp_fuzz_sink(), o);
    json_object_put(o);
}

/* An Ed25519 public key to verify against, made once: no input is signed
 * with it, so every record is unsigned and the claims do no work a signed
 * record would ask for (as for a forged log). */
static tp_key *fuzz_key(void)
{
    static tp_key *key;
    static int tried;
    char dir[] = "/tmp/tp-fuzz-key.XXXXXX", priv[64], pub[64], err[256];
    if (tried || !mkdtemp(dir))
        return key;
    tried = 1;
    snprintf(priv, sizeof priv, "%s/k.pem", dir);
    snprintf(pub, sizeof pub, "%s/k.pub.pem", dir);
    if (tp_key_generate(priv, pub, err, sizeof err) == 0)
        tp_key_load_public(pub, &key, err, sizeof err);
    unlink(priv);
    unlink(pub);
    rmdir(dir);
    return key;
}

/* The claims over the log (no /files index, no options) and the page. */
static void render_report(const tp_runlog *log)
{
    tp_key *key = fuzz_key();
    tp_file_table index = {0};
    tp_claim_options opt = {0};
    tp_verdict v;
    char err[256];
    if (!key)
        return;
    if (tp_claims_evaluate(log, &index, key, &opt, &v, err, sizeof err) == 0)
        tp_html_report(tp_fuzz_sink(), "fuzz.h5", log, &v, NULL);
    tp_verdict_free(&v);
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
    render_report(log);
}
