/* claim_log_integrity.c: the claim log.integrity (docs/CLAIMS.md): the
 * records are the ones the key signed. Every record decodes and sits at its
 * place, every head verifies with --pubkey and covers a prefix whose Merkle
 * root it names, no record is left unsigned, and the /files index says what
 * the FileEvent records say; and the job never opened the run's key file or
 * journal directory. */
#include "verify/claim.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hex.h"

static void check_heads(const tp_claim_ctx *c, size_t s, tp_problems *p)
{
    const tp_stream_data *st = &c->log->streams[s];
    const tp_stream_facts *sf = &c->streams[s];
    const char *name = sf->name;
    uint64_t signed_size = 0;
    for (size_t j = 0; j < st->n_heads; j++) {
        const Trainprov__V1__TreeHead *h = sf->heads[j];
        if (!h) {
            tp_problems_add(p, "%s: head %zu does not decode", name, j);
            continue;
        }
        if (sf->head_ok[j] == TP_HEAD_BAD_SIGNATURE) /* checked once, in claim.c */
            tp_problems_add(p, "%s: signature of head %zu does not verify", name, j);
        if (h->stream_id != st->stream_id)
            tp_problems_add(p, "%s: head %zu is for another stream", name, j);
        if (!tp_bytes_eq(&h->run_id, c->log->run_id, TP_RUN_ID_LEN))
            tp_problems_add(p, "%s: head %zu names another run", name, j);
        if (!tp_bytes_eq(&h->key_id, c->log->key_id, TP_KEY_ID_LEN))
            tp_problems_add(p, "%s: head %zu names another key", name, j);
        if (j > 0 && h->tree_size <= signed_size) {
            tp_problems_add(p, "%s: head %zu covers %" PRIu64 " records, not more than head %zu",
                        name, j, h->tree_size, j - 1);
        } else if (h->tree_size > st->n_records) {
            tp_problems_add(p, "%s: head %zu covers %" PRIu64 " records but the stream has %zu",
                        name, j, h->tree_size, st->n_records);
        } else {
            if (!sf->head_root_ok[j] || !tp_bytes_eq(&h->root, sf->head_roots[j], TP_HASH_LEN))
                tp_problems_add(p, "%s: records 0..%" PRIu64 " do not hash to the root of head %zu",
                            name, h->tree_size ? h->tree_size - 1 : 0, j);
            signed_size = h->tree_size;
        }
    }
    if (st->n_records > signed_size)
        tp_problems_add(p, "%s: records %" PRIu64 "..%zu are not covered by a signed head", name,
                    signed_size, st->n_records - 1);
}

static void check_records(const tp_claim_ctx *c, size_t s, tp_problems *p)
{
    const tp_stream_data *st = &c->log->streams[s];
    for (size_t i = 0; i < st->n_records; i++) {
        const Trainprov__V1__Record *r = c->dec[s].records[i];
        if (!r)
            tp_problems_add(p, "%s: record %zu does not decode", c->streams[s].name, i);
        else if (r->seq != i)
            tp_problems_add(p, "%s: record %zu has seq %" PRIu64, c->streams[s].name, i, r->seq);
        else if (r->stream_id != st->stream_id) {
            char hex[17];
            tp_stream_hex(r->stream_id, hex);
            tp_problems_add(p, "%s: record %zu belongs to stream %s", c->streams[s].name, i, hex);
        }
    }
}

/* The job itself opened the run's key file or its journal directory (the
 * signing key, the journals, the digest cache): the recorder's own state
 * may have been read or forged, so nothing signed can be relied on. */
static void check_recorder_files(const tp_claim_ctx *c, size_t s, tp_problems *p)
{
    for (size_t i = 0; i < c->dec[s].n; i++) {
        const Trainprov__V1__FileEvent *f = tp_file_event(c->dec[s].records[i]);
        if (f && tp_file_recorder(f))
            tp_problems_add(p, "%s: the job opened trainprov's own file %s (%s): the run's "
                               "signing key or journal directory",
                            c->streams[s].name, f->path, f->access);
    }
}

static int cmp_row(const void *a, const void *b)
{
    const tp_file_row *x = *(tp_file_row *const *)a, *y = *(tp_file_row *const *)b;
    int d = strcmp(x->stream, y->stream);
    return d ? d : (x->seq > y->seq) - (x->seq < y->seq);
}

static int rows_equal(const tp_file_row *x, const tp_file_row *y)
{
    return !strcmp(x->path, y->path) && !strcmp(x->role, y->role) &&
           !strcmp(x->sha256, y->sha256) && !strcmp(x->access, y->access) &&
           !strcmp(x->stream, y->stream) && x->size == y->size &&
           x->bytes_read == y->bytes_read && x->bytes_written == y->bytes_written &&
           x->seq == y->seq;
}

/* The /files index must say exactly what the FileEvent records say. */
static void check_index(const tp_file_table *index, const tp_file_table *files, tp_problems *p)
{
    if (!index->present) {
        if (files->n)
            tp_problems_add(p, "the /files index is missing (%zu FileEvent records)", files->n);
        return;
    }
    if (index->n != files->n) {
        tp_problems_add(p, "the /files index has %zu rows but the records have %zu FileEvents",
                    index->n, files->n);
        return;
    }
    const tp_file_row **a = calloc(files->n ? files->n : 1, sizeof *a);
    const tp_file_row **b = calloc(files->n ? files->n : 1, sizeof *b);
    if (!a || !b) {
        tp_problems_add(p, "out of memory comparing the /files index");
    } else {
        for (size_t i = 0; i < files->n; i++) {
            a[i] = &index->rows[i];
            b[i] = &files->rows[i];
        }
        qsort(a, files->n, sizeof *a, cmp_row);
        qsort(b, files->n, sizeof *b, cmp_row);
        for (size_t i = 0; i < files->n; i++)
            if (!rows_equal(a[i], b[i]))
                tp_problems_add(p, "the /files row for %s differs from its record (stream %s seq %" PRIu64 ")",
                            a[i]->path, a[i]->stream, a[i]->seq);
    }
    free(a);
    free(b);
}

int tp_claim_log_integrity(const tp_claim_ctx *c, tp_claim *cl, char *err, size_t errlen)
{
    tp_problems p = {0};
    char pubkey_hex[2 * TP_KEY_ID_LEN + 1];
    tp_hex_encode(c->pubkey_id, TP_KEY_ID_LEN, pubkey_hex);
    if (!c->key_matches)
        tp_problems_add(&p, "log was signed by key %s, --pubkey is %s",
                        tp_runlog_ids(c->log).key_id, pubkey_hex);
    if (!c->ids_ok)
        tp_problems_add(&p, "the log's run_id / key_id attributes are not hex");
    if (c->log->n_streams == 0)
        tp_problems_add(&p, "the log has no streams");
    for (size_t k = 1; k < c->log->n_streams; k++)
        if (c->by_id[k].id == c->by_id[k - 1].id)
            tp_problems_add(&p, "two streams have the id %016" PRIx64, c->by_id[k].id);
    for (size_t s = 0; s < c->log->n_streams; s++) {
        check_records(c, s, &p);
        check_heads(c, s, &p);
        check_recorder_files(c, s, &p);
    }
    check_index(c->index, c->files, &p);
    char pass[160];
    snprintf(pass, sizeof pass, "%zu records in %zu streams hash into signed heads that verify "
             "with --pubkey", c->n_records, c->log->n_streams);
    tp_claim_conclude(cl, &p, pass);
    return 0;
}
