/* report.c: renders a tp_verdict. The text report leads with what was
 * checked (log, run, key, streams), then one line per claim with its detail
 * and what it does not prove, then the verdict. The JSON carries the same and
 * the file list built from the records. */
#include "verify/report.h"

#include <inttypes.h>
#include <string.h>

#include "core/hex.h"
#include "runlog/records.h"
#include "verify/checkpoints.h"
#include "verify/exclusions.h"

static const char *status_word(tp_claim_status s)
{
    return s == TP_CLAIM_PASS ? "PASS" : s == TP_CLAIM_FAIL ? "FAIL"
                                       : s == TP_CLAIM_NA   ? "n/a"
                                                            : "UNKNOWN";
}

/* "  not hashed  SOURCE: PREFIX PREFIX ...", one line per source, blind
 * spots marked (init.no_foreign_weights says what they mean). */
static void print_exclusions(FILE *out, const tp_verdict *v)
{
    tp_exclusion_list ex;
    if (!v->decoded || tp_exclusions_collect(v->decoded, v->n_streams, &ex) != 0)
        return;
    if (!ex.recorded)
        fputs("  not hashed  (the log does not record its exclusions)\n", out);
    for (size_t i = 0; i < ex.n; i++) {
        size_t first = 0;
        while (strcmp(ex.items[first].source, ex.items[i].source) != 0)
            first++;
        if (first != i)
            continue; /* this source was printed with its first prefix */
        fputs("  not hashed  ", out);
        tp_print_safe(out, ex.items[i].source);
        fputc(':', out);
        for (size_t k = i; k < ex.n; k++) {
            if (strcmp(ex.items[k].source, ex.items[i].source) != 0)
                continue;
            fputc(' ', out);
            tp_print_safe(out, ex.items[k].prefix);
            if (ex.items[k].blind)
                fputs(" (a job can write there)", out);
        }
        fputc('\n', out);
    }
    if (ex.truncated)
        fprintf(out, "  not hashed  and more: the log lists over %d exclusions\n",
                TP_EXCLUSIONS_MAX);
    tp_exclusions_free(&ex);
}

/* "  launcher torchrun job ID: 4 ranks on 2 nodes, 1 restart", for a job
 * started by torchrun, srun or several `trainprov run` wrappers. */
static void print_launch(FILE *out, const tp_verdict *v)
{
    if (!v->launch_world && !v->launch_nodes)
        return;
    fputs("  launcher ", out);
    tp_print_safe(out, v->launch_world ? v->launch_kind : "trainprov run");
    if (v->launch_job && v->launch_job[0]) {
        fputs(" job ", out);
        tp_print_safe(out, v->launch_job);
    }
    fputc(':', out);
    if (v->launch_world)
        fprintf(out, " %d rank%s", v->launch_world, v->launch_world == 1 ? "" : "s");
    if (v->launch_nodes)
        fprintf(out, "%s %d nodes (one `trainprov run` each)", v->launch_world ? " on" : "",
                v->launch_nodes);
    fprintf(out, ", %d restart%s\n", v->launch_restarts, v->launch_restarts == 1 ? "" : "s");
}

/* A fact from signed bytes as is; else the HDF5 attribute that says it,
 * marked as unsigned (nothing signed backs it). */
static void print_signed_or_not(FILE *out, const char *label, const char *signed_value,
                                const char *attribute)
{
    fputs(label, out);
    tp_print_safe(out, signed_value[0] ? signed_value : attribute);
    if (!signed_value[0])
        fputs(" [unsigned attribute]", out);
}

void tp_report_text(FILE *out, const char *log_path, const tp_runlog *log, const tp_verdict *v)
{
    tp_runlog_ids_hex ids = tp_runlog_ids(log);
    char pubkey_id[2 * TP_KEY_ID_LEN + 1];
    tp_hex_encode(v->pubkey_id, TP_KEY_ID_LEN, pubkey_id);
    fputs("trainprov verify ", out);
    tp_print_safe(out, log_path);
    fprintf(out, "\n  run id   %s (", ids.run_id);
    print_signed_or_not(out, "assembled by ", v->assembled_by, log->assembled_by);
    fputs(", ", out);
    print_signed_or_not(out, "trainprov ", v->library_version, log->library_version);
    if (v->key_matches)
        fprintf(out, ")\n  key id   %s, matches --pubkey\n", ids.key_id);
    else
        fprintf(out, ")\n  key id   %s, DOES NOT match --pubkey (%s)\n", ids.key_id, pubkey_id);
    fprintf(out, "  streams  %zu, records %zu, files %zu\n", v->n_streams, v->n_records,
            v->files.n);
    print_launch(out, v);
    for (size_t s = 0; s < v->n_streams; s++) {
        const tp_stream_summary *st = &v->streams[s];
        char hex[17];
        tp_stream_hex(st->stream_id, hex);
        fprintf(out, "  stream %s pid %-7d ", hex, st->pid);
        if (st->rank >= 0)
            fprintf(out, "rank %-5d ", st->rank);
        if (st->node >= 0)
            fprintf(out, "node %-4d ", st->node);
        if (st->restart > 0)
            fprintf(out, "restart %-3d ", st->restart);
        tp_print_safe(out, st->origin);
        fprintf(out, " %6zu records %5zu files %12" PRIu64 " bytes read %12" PRIu64
                " bytes written",
                st->records, st->files, st->bytes_read, st->bytes_written);
        if (st->outlived)
            fputs("  (outlived the job: recorded up to the manifest)", out);
        else if (!st->ended)
            fputs("  (did not end: killed)", out);
        else if (!strncmp(st->end, "signal ", 7))
            fprintf(out, "  (ended by %s)", st->end + 7);
        if (st->signed_records < st->records)
            fprintf(out, "  (unsigned: %zu of its records are under no head that verifies)",
                    st->records - st->signed_records);
        fputc('\n', out);
    }
    print_exclusions(out, v);
    tp_checkpoint_list ck;
    if (v->decoded && tp_checkpoints_collect(v->decoded, v->n_streams, &ck) == 0) {
        tp_checkpoints_print(out, &ck);
        tp_checkpoints_free(&ck);
    }
    fputc('\n', out);
    for (size_t k = 0; k < TP_CLAIM_COUNT; k++) {
        const tp_claim *c = &v->claims[k];
        fprintf(out, "%-8s %-24s ", status_word(c->status), c->id);
        tp_print_safe(out, c->detail ? c->detail : "");
        fprintf(out, "\n%-8s %-24s does not prove: %s\n", "", "", c->does_not_prove);
    }
    fprintf(out, "\nverdict: %s\n", v->pass ? "PASS" : "FAIL");
}

static struct json_object *streams_json(const tp_verdict *v)
{
    struct json_object *a = json_object_new_array();
    for (size_t s = 0; s < v->n_streams; s++) {
        const tp_stream_summary *st = &v->streams[s];
        struct json_object *o = json_object_new_object();
        char hex[17], parent[17];
        tp_stream_hex(st->stream_id, hex);
        tp_stream_hex(st->parent_stream, parent);
        json_object_object_add(o, "stream_id", json_object_new_string(hex));
        json_object_object_add(o, "pid", json_object_new_int(st->pid));
        json_object_object_add(o, "rank", json_object_new_int(st->rank));
        json_object_object_add(o, "node", json_object_new_int(st->node));
        json_object_object_add(o, "restart", json_object_new_int(st->restart));
        json_object_object_add(o, "origin", json_object_new_string(st->origin));
        json_object_object_add(o, "parent_stream", json_object_new_string(parent));
        json_object_object_add(o, "records", json_object_new_uint64(st->records));
        json_object_object_add(o, "heads", json_object_new_uint64(st->heads));
        json_object_object_add(o, "files", json_object_new_uint64(st->files));
        json_object_object_add(o, "bytes_read", json_object_new_uint64(st->bytes_read));
        json_object_object_add(o, "bytes_written", json_object_new_uint64(st->bytes_written));
        json_object_object_add(o, "ended", json_object_new_boolean(st->ended));
        json_object_object_add(o, "outlived", json_object_new_boolean(st->outlived));
        json_object_object_add(o, "end", json_object_new_string(st->end));
        json_object_object_add(o, "signed_records", json_object_new_uint64(st->signed_records));
        json_object_object_add(o, "unsigned_journal_status",
                               json_object_new_string(st->journal_status));
        json_object_array_add(a, o);
    }
    return a;
}

struct json_object *tp_report_json(const char *log_path, const tp_runlog *log,
                                   const tp_verdict *v)
{
    struct json_object *o = json_object_new_object(), *claims = json_object_new_array();
    json_object_object_add(o, "log", json_object_new_string(log_path));
    tp_runlog_ids_hex ids = tp_runlog_ids(log);
    char pubkey_id[2 * TP_KEY_ID_LEN + 1];
    tp_hex_encode(v->pubkey_id, TP_KEY_ID_LEN, pubkey_id);
    json_object_object_add(o, "run_id", json_object_new_string(ids.run_id));
    json_object_object_add(o, "key_id", json_object_new_string(ids.key_id));
    json_object_object_add(o, "pubkey_id", json_object_new_string(pubkey_id));
    json_object_object_add(o, "key_matches", json_object_new_boolean(v->key_matches));
    /* signed facts, null when nothing signed says them; the attributes apart */
    json_object_object_add(o, "assembled_by", v->assembled_by[0]
                                                  ? json_object_new_string(v->assembled_by)
                                                  : NULL);
    json_object_object_add(o, "library_version", v->library_version[0]
                                                     ? json_object_new_string(v->library_version)
                                                     : NULL);
    struct json_object *attrs = json_object_new_object();
    json_object_object_add(attrs, "assembled_by", json_object_new_string(log->assembled_by));
    json_object_object_add(attrs, "library_version", json_object_new_string(log->library_version));
    json_object_object_add(o, "unsigned_attributes", attrs);
    json_object_object_add(o, "verdict", json_object_new_string(v->pass ? "pass" : "fail"));
    for (size_t k = 0; k < TP_CLAIM_COUNT; k++) {
        const tp_claim *c = &v->claims[k];
        struct json_object *j = json_object_new_object();
        json_object_object_add(j, "id", json_object_new_string(c->id));
        json_object_object_add(j, "status", json_object_new_string(tp_claim_status_name(c->status)));
        json_object_object_add(j, "detail", json_object_new_string(c->detail ? c->detail : ""));
        json_object_object_add(j, "does_not_prove", json_object_new_string(c->does_not_prove));
        if (c->evidence)
            json_object_object_add(j, "evidence", json_object_get(c->evidence));
        json_object_array_add(claims, j);
    }
    json_object_object_add(o, "claims", claims);
    json_object_object_add(o, "files", tp_files_json(&v->files));
    tp_checkpoint_list ck;
    if (v->decoded && tp_checkpoints_collect(v->decoded, v->n_streams, &ck) == 0) {
        json_object_object_add(o, "checkpoints", tp_checkpoints_json(&ck));
        tp_checkpoints_free(&ck);
    }
    json_object_object_add(o, "streams", streams_json(v));
    if (v->launch_world || v->launch_nodes) {
        struct json_object *l = json_object_new_object();
        json_object_object_add(l, "kind", json_object_new_string(v->launch_kind));
        json_object_object_add(l, "job", json_object_new_string(v->launch_job ? v->launch_job : ""));
        json_object_object_add(l, "world_size", json_object_new_int(v->launch_world));
        json_object_object_add(l, "nodes", json_object_new_int(v->launch_nodes));
        json_object_object_add(l, "restarts", json_object_new_int(v->launch_restarts));
        json_object_object_add(o, "launcher", l);
    }
    return o;
}
