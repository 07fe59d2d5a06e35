/* cmd_dump.c: `trainprov dump RUN.h5 [--json]`: every record and signed head
 * of every stream, one line each or as JSON. dump needs no key and checks
 * nothing beyond the file's structure: bytes that do not decode are shown as
 * such, for `trainprov verify` to judge. It checks no signature, so it says
 * so, and shows the HDF5 attributes (assembled_by, library_version,
 * journal_status, ...) as the unsigned attributes they are. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "runlog/h5log.h"
#include "core/merkle.h"
#include "runlog/records.h"
#include "core/hex.h"

static const char usage[] =
    "usage: trainprov dump RUN.h5 [--json]\n"
    "  Prints every record and signed head of every stream of a run log, one line\n"
    "  each, or as JSON with --json. Does not verify; see trainprov verify.\n";

static struct json_object *undecodable_json(const tp_bytes *b)
{
    struct json_object *o = json_object_new_object();
    char *hex = tp_hex_dup(b->data, b->len);
    json_object_object_add(o, "undecodable", json_object_new_boolean(1));
    json_object_object_add(o, "bytes", json_object_new_string(hex ? hex : ""));
    free(hex);
    return o;
}

static struct json_object *stream_json(const tp_stream_data *s, const tp_decoded_stream *d)
{
    struct json_object *o = json_object_new_object(), *recs = json_object_new_array(),
                       *heads = json_object_new_array();
    char hex[17];
    tp_stream_hex(s->stream_id, hex);
    json_object_object_add(o, "stream_id", json_object_new_string(hex));
    struct json_object *attrs = json_object_new_object();
    json_object_object_add(attrs, "journal_status", json_object_new_string(s->journal_status));
    json_object_object_add(attrs, "dropped_unsigned_records",
                           json_object_new_uint64(s->dropped_unsigned));
    json_object_object_add(o, "unsigned_attributes", attrs);
    for (size_t i = 0; i < d->n; i++)
        json_object_array_add(recs, d->records[i] ? tp_record_json(d->records[i])
                                                  : undecodable_json(&s->records[i]));
    for (size_t j = 0; j < s->n_heads; j++) {
        Trainprov__V1__TreeHead *h = tp_head_decode(&s->head_bodies[j], NULL, 0);
        json_object_array_add(heads, h ? tp_head_json(h, s->head_sigs[j])
                                       : undecodable_json(&s->head_bodies[j]));
        if (h)
            trainprov__v1__tree_head__free_unpacked(h, NULL);
    }
    json_object_object_add(o, "records", recs);
    json_object_object_add(o, "heads", heads);
    return o;
}

static struct json_object *manifest_json(const tp_runlog *log)
{
    if (!log->has_manifest)
        return NULL;
    Trainprov__V1__RunManifest *m = tp_manifest_decode(&log->manifest_body, NULL, 0);
    if (!m)
        return undecodable_json(&log->manifest_body);
    struct json_object *o = json_object_new_object(), *streams = json_object_new_array();
    char *rid = tp_hex_dup(m->run_id.data, m->run_id.len);
    char *kid = tp_hex_dup(m->key_id.data, m->key_id.len);
    char *sig = tp_hex_dup(log->manifest_sig, TP_SIG_LEN);
    json_object_object_add(o, "run_id", json_object_new_string(rid ? rid : ""));
    json_object_object_add(o, "key_id", json_object_new_string(kid ? kid : ""));
    json_object_object_add(o, "time_ns", json_object_new_int64(m->time_ns));
    json_object_object_add(o, "assembled_by", json_object_new_string(m->assembled_by));
    for (size_t k = 0; k < m->n_streams; k++) {
        struct json_object *s = json_object_new_object();
        char hex[17], *root = tp_hex_dup(m->streams[k]->root.data, m->streams[k]->root.len);
        tp_stream_hex(m->streams[k]->stream_id, hex);
        json_object_object_add(s, "stream_id", json_object_new_string(hex));
        json_object_object_add(s, "tree_size", json_object_new_uint64(m->streams[k]->tree_size));
        json_object_object_add(s, "root", json_object_new_string(root ? root : ""));
        json_object_object_add(s, "final", json_object_new_boolean(m->streams[k]->final));
        json_object_object_add(s, "outlived", json_object_new_boolean(m->streams[k]->outlived));
        json_object_array_add(streams, s);
        free(root);
    }
    json_object_object_add(o, "streams", streams);
    json_object_object_add(o, "signature", json_object_new_string(sig ? sig : ""));
    free(rid);
    free(kid);
    free(sig);
    trainprov__v1__run_manifest__free_unpacked(m, NULL);
    return o;
}

static int dump_json(const tp_runlog *log, const tp_decoded_stream *dec)
{
    tp_file_table files;
    struct json_object *o = json_object_new_object(), *streams = json_object_new_array();
    tp_runlog_ids_hex ids = tp_runlog_ids(log);
    json_object_object_add(o, "run_id", json_object_new_string(ids.run_id));
    json_object_object_add(o, "key_id", json_object_new_string(ids.key_id));
    /* dump checks no signature: what follows is what the file says */
    json_object_object_add(o, "signatures_checked", json_object_new_boolean(0));
    struct json_object *attrs = json_object_new_object();
    json_object_object_add(attrs, "library_version", json_object_new_string(log->library_version));
    json_object_object_add(attrs, "assembled_by", json_object_new_string(log->assembled_by));
    json_object_object_add(o, "unsigned_attributes", attrs);
    for (size_t s = 0; s < log->n_streams; s++)
        json_object_array_add(streams, stream_json(&log->streams[s], &dec[s]));
    json_object_object_add(o, "streams", streams);
    json_object_object_add(o, "manifest", manifest_json(log));
    int rc = tp_files_from_records(log, dec, &files);
    json_object_object_add(o, "files", tp_files_json(&files));
    tp_files_free(&files);
    if (rc == 0)
        rc = tp_json_write(stdout, o);
    json_object_put(o);
    return rc;
}

static void dump_text(const tp_runlog *log, const tp_decoded_stream *dec)
{
    tp_runlog_ids_hex ids = tp_runlog_ids(log);
    printf("run %s key %s, %zu streams, %s (no signature checked: see trainprov verify)\n",
           ids.run_id, ids.key_id, log->n_streams,
           log->has_manifest ? "a run manifest" : "no run manifest");
    fputs("unsigned attributes: assembled by ", stdout);
    tp_print_safe(stdout, log->assembled_by);
    fputs(", trainprov ", stdout);
    tp_print_safe(stdout, log->library_version);
    fputc('\n', stdout);
    for (size_t s = 0; s < log->n_streams; s++) {
        const tp_stream_data *st = &log->streams[s];
        char hex[17], iso[40], root[2 * TP_HASH_LEN + 1];
        tp_stream_hex(st->stream_id, hex);
        printf("stream %s: %zu records, %zu heads (unsigned attributes: journal ", hex,
               st->n_records, st->n_heads);
        tp_print_safe(stdout, st->journal_status);
        printf(", %" PRIu64 " unsigned records dropped)\n", st->dropped_unsigned);
        for (size_t i = 0; i < dec[s].n; i++) {
            if (dec[s].records[i])
                tp_record_print(stdout, dec[s].records[i]);
            else
                printf("%s %6zu undecodable (%zu bytes)\n", hex, i, st->records[i].len);
        }
        for (size_t j = 0; j < st->n_heads; j++) {
            Trainprov__V1__TreeHead *h = tp_head_decode(&st->head_bodies[j], NULL, 0);
            if (!h) {
                printf("%s head %zu undecodable (%zu bytes)\n", hex, j, st->head_bodies[j].len);
                continue;
            }
            tp_time_iso(h->time_ns, iso);
            snprintf(root, sizeof root, "-");
            if (h->root.len == TP_HASH_LEN)
                tp_hex_encode(h->root.data, TP_HASH_LEN, root);
            printf("%s head %zu %s tree_size=%" PRIu64 " root=%s%s\n", hex, j, iso,
                   h->tree_size, root, h->final ? " final" : "");
            trainprov__v1__tree_head__free_unpacked(h, NULL);
        }
    }
}

int tp_cmd_dump(int argc, char **argv)
{
    static const struct option opts[] = {{"json", no_argument, NULL, 'j'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int json = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
        if (c == 'j') {
            json = 1;
        } else if (c == 'h') {
            fputs(usage, stdout);
            return 0;
        } else {
            fputs(usage, stderr);
            return 2;
        }
    }
    if (optind != argc - 1) {
        fputs(usage, stderr);
        return 2;
    }
    char err[1024];
    tp_runlog log;
    tp_decoded_stream *dec = NULL;
    if (tp_h5log_read(argv[optind], &log, err, sizeof err) != 0) {
        fprintf(stderr, "trainprov dump: %s\n", err);
        return 2;
    }
    int rc = 0;
    if (tp_records_decode_all(&log, &dec) != 0) {
        fprintf(stderr, "trainprov dump: out of memory\n");
        rc = 2;
    } else if (json) {
        rc = dump_json(&log, dec) == 0 ? 0 : 2;
    } else {
        dump_text(&log, dec);
    }
    tp_records_free_all(dec, log.n_streams);
    tp_runlog_free(&log);
    return rc;
}
