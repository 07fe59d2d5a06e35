/* report.c: renders a tp_verdict. The text report leads with what was
 * checked (log, run, key, streams), then one line per claim with its detail
 * and what it does not prove, then the verdict. The JSON carries the same and
 * the file list built from the records. */
#include "verify/report.h"

#include <inttypes.h>
#include <string.h>

#include "core/hex.h"
#include "runlog/records.h"
#include "verify/exclusions.h"

static const char *status_word(tp_claim_status s)
{
    return s == TP_CLAIM_PASS ? "PASS" : s == TP_CLAIM_FAIL ? "FAIL" : "UNKNOWN";
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
    tp_exclusions_free(&ex);
}

void tp_report_text(FILE *out, const char *log_path, const tp_runlog *log, const tp_verdict *v)
{
    tp_runlog_ids_hex ids = tp_runlog_ids(log);
    char pubkey_id[2 * TP_KEY_ID_LEN + 1];
    tp_hex_encode(v->pubkey_id, TP_KEY_ID_LEN, pubkey_id);
    fputs("trainprov verify ", out);
    tp_print_safe(out, log_path);
    fprintf(out, "\n  run id   %s (assembled by ", ids.run_id);
    tp_print_safe(out, log->assembled_by);
    fputs(", trainprov ", out);
    tp_print_safe(out, log->library_version);
    if (v->key_matches)
        fprintf(out, ")\n  key id   %s, matches --pubkey\n", ids.key_id);
    else
        fprintf(out, ")\n  key id   %s, DOES NOT match --pubkey (%s)\n", ids.key_id, pubkey_id);
    fprintf(out, "  streams  %zu, records %zu, files %zu\n", v->n_streams, v->n_records,
            v->files.n);
    for (size_t s = 0; s < v->n_streams; s++) {
        const tp_stream_summary *st = &v->streams[s];
        char hex[17];
        tp_stream_hex(st->stream_id, hex);
        fprintf(out, "  stream %s pid %-7d ", hex, st->pid);
        if (st->rank >= 0)
            fprintf(out, "rank %-5d ", st->rank);
        tp_print_safe(out, st->origin);
        fprintf(out, " %6zu records %5zu files %12" PRIu64 " bytes read %12" PRIu64
                " bytes written",
                st->records, st->files, st->bytes_read, st->bytes_written);
        if (!st->ended)
            fputs("  (did not end: killed)", out);
        else if (!strncmp(st->end, "signal ", 7))
            fprintf(out, "  (ended by %s)", st->end + 7);
        fputc('\n', out);
    }
    print_exclusions(out, v);
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
        json_object_object_add(o, "origin", json_object_new_string(st->origin));
        json_object_object_add(o, "parent_stream", json_object_new_string(parent));
        json_object_object_add(o, "records", json_object_new_uint64(st->records));
        json_object_object_add(o, "heads", json_object_new_uint64(st->heads));
        json_object_object_add(o, "files", json_object_new_uint64(st->files));
        json_object_object_add(o, "bytes_read", json_object_new_uint64(st->bytes_read));
        json_object_object_add(o, "bytes_written", json_object_new_uint64(st->bytes_written));
        json_object_object_add(o, "ended", json_object_new_boolean(st->ended));
        json_object_object_add(o, "end", json_object_new_string(st->end));
        json_object_object_add(o, "journal_status", json_object_new_string(st->journal_status));
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
    json_object_object_add(o, "assembled_by", json_object_new_string(log->assembled_by));
    json_object_object_add(o, "library_version", json_object_new_string(log->library_version));
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
    json_object_object_add(o, "streams", streams_json(v));
    return o;
}
