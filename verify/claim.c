/* claim.c: the facts every claim shares, derived once (claim.h), and how a
 * claim writes its detail, evidence and conclusion. */
#define _GNU_SOURCE /* sigabbrev_np */
#include "verify/claim.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/vocab.h"
#include "core/progress.h"

/* ---- writing a claim ---- */

void tp_claim_detail(tp_claim *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    free(c->detail);
    c->detail = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (!c->detail)
        return;
    va_start(ap, fmt);
    vsnprintf(c->detail, (size_t)n + 1, fmt, ap);
    va_end(ap);
}

struct json_object *tp_claim_evidence(tp_claim *c)
{
    if (!c->evidence)
        c->evidence = json_object_new_object();
    return c->evidence;
}

static size_t more(const tp_problems *p)
{
    return p->count > TP_DETAIL_PROBLEMS ? p->count - TP_DETAIL_PROBLEMS : 0;
}

void tp_claim_conclude_ranks(tp_claim *c, tp_problems *p, tp_problems *ranks,
                             const char *pass_detail)
{
    if (p->count == 0 && ranks->count == 0) {
        c->status = TP_CLAIM_PASS;
        tp_claim_detail(c, "%s", pass_detail);
        return;
    }
    char own_more[64] = "", rank_more[64] = "";
    if (more(p))
        snprintf(own_more, sizeof own_more, "; and %zu more", more(p));
    if (more(ranks))
        snprintf(rank_more, sizeof rank_more, "; and %zu more", more(ranks));
    c->status = TP_CLAIM_FAIL;
    tp_claim_detail(c, "%s%s%s%s%s", p->text, own_more, p->count && ranks->count ? "; " : "",
                    ranks->text, rank_more);
    if (p->list)
        json_object_object_add(tp_claim_evidence(c), "problems", p->list);
    if (ranks->list)
        json_object_object_add(tp_claim_evidence(c), "mpi_problems", ranks->list);
    p->list = ranks->list = NULL;
}

void tp_claim_conclude(tp_claim *c, tp_problems *p, const char *pass_detail)
{
    tp_problems none = {0};
    tp_claim_conclude_ranks(c, p, &none, pass_detail);
}

/* ---- the shared facts ---- */

int tp_bytes_eq(const ProtobufCBinaryData *b, const uint8_t *want, size_t n)
{
    return b->len == n && (n == 0 || memcmp(b->data, want, n) == 0);
}

const Trainprov__V1__FileEvent *tp_file_event(const Trainprov__V1__Record *r)
{
    return r && r->body_case == TRAINPROV__V1__RECORD__BODY_FILE ? r->file : NULL;
}

int tp_file_wrote(const Trainprov__V1__FileEvent *f)
{
    enum tp_access a = tp_access_parse(f->access);
    return f->bytes_written > 0 || a == TP_ACCESS_WRITE || a == TP_ACCESS_READWRITE ||
           a == TP_ACCESS_RENAME;
}

int tp_file_was_read(const Trainprov__V1__FileEvent *f)
{
    enum tp_access a = tp_access_parse(f->access);
    return f->bytes_read > 0 || a == TP_ACCESS_READ || a == TP_ACCESS_READWRITE;
}

int tp_file_authored(const Trainprov__V1__FileEvent *f)
{
    enum tp_access a = tp_access_parse(f->access);
    return f->authored && !f->changed && f->sha256.len == TP_HASH_LEN &&
           (a == TP_ACCESS_WRITE || a == TP_ACCESS_READWRITE || a == TP_ACCESS_RENAME);
}

int tp_file_foreign_read(const Trainprov__V1__FileEvent *f, const ProtobufCBinaryData **digest,
                         const char **hash_error)
{
    *digest = &f->sha256;
    *hash_error = f->hash_error;
    switch (tp_access_parse(f->access)) {
    case TP_ACCESS_WRITE:
    case TP_ACCESS_READWRITE:
        if (f->authored || (!f->prior_sha256.len && !f->prior_hash_error[0]))
            return 0; /* its own content, or content it could not read (write-only) */
        *digest = &f->prior_sha256;
        *hash_error = f->prior_hash_error;
        return 1;
    case TP_ACCESS_RENAME:
        return !f->authored;
    default: /* a read; authored: of content the run produced, unchanged since */
        return !f->authored && tp_file_was_read(f);
    }
}

int tp_file_recorder(const Trainprov__V1__FileEvent *f) { return f->recorder_file; }

static int cmp_ref(const void *a, const void *b)
{
    uint64_t x = ((const tp_stream_ref *)a)->id, y = ((const tp_stream_ref *)b)->id;
    return x < y ? -1 : x > y;
}

long tp_claim_find_stream(const tp_claim_ctx *c, uint64_t id)
{
    tp_stream_ref key = {id, 0};
    const tp_stream_ref *r = bsearch(&key, c->by_id, c->log->n_streams, sizeof key, cmp_ref);
    return r ? (long)r->index : -1;
}

int tp_record_signed(const tp_claim_ctx *c, size_t s, size_t i)
{
    return c->key_matches && s < c->log->n_streams && i < c->streams[s].signed_records;
}

/* Whether head j of stream st is one the key signed over these records
 * (TP_HEAD_*, claim.h): the signature is checked (once) for a head that
 * decodes and covers a prefix of the records; TP_HEAD_OK when it verifies
 * with --pubkey (the log's key), names this stream, run and key, and its
 * root is the root of the records it covers. */
static uint8_t head_ok(const tp_claim_ctx *c, const tp_stream_data *st, const tp_stream_facts *f,
                       size_t j)
{
    const Trainprov__V1__TreeHead *h = f->heads[j];
    if (!c->key_matches || !h || !f->head_root_ok[j])
        return TP_HEAD_UNCHECKED;
    if (tp_key_verify(c->key, TP_PAYLOAD_TREEHEAD, st->head_bodies[j].data,
                      st->head_bodies[j].len, st->head_sigs[j], TP_SIG_LEN) != 0)
        return TP_HEAD_BAD_SIGNATURE;
    return h->stream_id == st->stream_id &&
                   tp_bytes_eq(&h->run_id, c->log->run_id, TP_RUN_ID_LEN) &&
                   tp_bytes_eq(&h->key_id, c->log->key_id, TP_KEY_ID_LEN) &&
                   tp_bytes_eq(&h->root, f->head_roots[j], TP_HASH_LEN)
               ? TP_HEAD_OK
               : TP_HEAD_NOT_THESE_RECORDS;
}

/* How a stream ended, from its StreamEnd (claim.h). */
void tp_stream_end_text(const Trainprov__V1__StreamEnd *e, char *out, size_t len)
{
    const char *abbrev = NULL;
    if (tp_end_parse(e->reason) == TP_END_SIGNAL && e->status > 0 && e->status < NSIG)
        abbrev = sigabbrev_np(e->status);
    if (abbrev)
        snprintf(out, len, "signal SIG%s", abbrev);
    else if (tp_end_parse(e->reason) == TP_END_SIGNAL)
        snprintf(out, len, "signal %d", (int)e->status);
    else if (e->status >= 0)
        snprintf(out, len, "%.16s %d", e->reason, (int)e->status);
    else
        snprintf(out, len, "%.16s", e->reason);
}

/* Decodes the heads once and hashes the records once: the root at each
 * head's size (when the heads grow and stay within the records; log.integrity
 * names the others) and over all records; then which heads the key signed
 * (signatures are checked only for those heads, one each), and so how many
 * records are signed. checked: the records of the log hashed before this
 * stream's (for the progress report). */
static int stream_facts(const tp_claim_ctx *c, const tp_stream_data *st,
                        const tp_decoded_stream *d, tp_stream_facts *f, uint64_t checked)
{
    size_t nh = st->n_heads ? st->n_heads : 1;
    f->heads = calloc(nh, sizeof *f->heads);
    f->head_roots = calloc(nh, sizeof *f->head_roots);
    f->head_root_ok = calloc(nh, 1);
    f->head_ok = calloc(nh, 1);
    if (!f->heads || !f->head_roots || !f->head_root_ok || !f->head_ok)
        return -1;
    const Trainprov__V1__Record *r0 = d->n ? d->records[0] : NULL;
    f->run_start = r0 && r0->body_case == TRAINPROV__V1__RECORD__BODY_RUN_START ? r0->run_start
                                                                                : NULL;
    char hex[TP_STREAM_HEX_LEN + 1];
    tp_stream_hex(st->stream_id, hex);
    if (f->run_start)
        snprintf(f->name, sizeof f->name, "stream %s (pid %d)", hex, f->run_start->pid);
    else
        snprintf(f->name, sizeof f->name, "stream %s", hex);
    tp_merkle m;
    tp_merkle_init(&m);
    for (size_t j = 0; j < st->n_heads; j++) {
        const Trainprov__V1__TreeHead *h = f->heads[j] = tp_head_decode(&st->head_bodies[j], NULL, 0);
        if (!h || h->tree_size < m.size || h->tree_size > st->n_records)
            continue;
        while (m.size < h->tree_size) {
            tp_merkle_append(&m, st->records[m.size].data, st->records[m.size].len);
            tp_progress_report("hashing records", TP_PROGRESS_ITEMS, checked + m.size,
                               c->n_records);
        }
        tp_merkle_root(&m, f->head_roots[j]);
        f->head_root_ok[j] = 1;
    }
    while (m.size < st->n_records) {
        tp_merkle_append(&m, st->records[m.size].data, st->records[m.size].len);
        tp_progress_report("hashing records", TP_PROGRESS_ITEMS, checked + m.size, c->n_records);
    }
    tp_merkle_root(&m, f->root);
    /* a head that does not grow is a problem (log.integrity), never worth a
     * signature check: a log of a million copies of one head costs one */
    uint64_t tried = 0;
    for (size_t j = 0, any = 0; j < st->n_heads; j++) {
        if (!f->head_root_ok[j] || (any && f->heads[j]->tree_size <= tried))
            continue;
        any = 1;
        tried = f->heads[j]->tree_size;
        if ((f->head_ok[j] = head_ok(c, st, f, j)) == TP_HEAD_OK)
            f->signed_records = (size_t)tried;
    }
    const Trainprov__V1__TreeHead *last = st->n_heads ? f->heads[st->n_heads - 1] : NULL;
    const Trainprov__V1__Record *end = d->n ? d->records[d->n - 1] : NULL;
    f->ended = last && last->final && last->tree_size == st->n_records && end &&
               end->body_case == TRAINPROV__V1__RECORD__BODY_STREAM_END;
    if (f->ended)
        tp_stream_end_text(end->stream_end, f->end, sizeof f->end);
    return 0;
}

/* The streams the manifest marks as outliving the job (cli/run_drain.c). The
 * mark is the wrapper's signed word: log.complete checks that signature. */
static void mark_outlived(tp_claim_ctx *c)
{
    if (!c->log->has_manifest)
        return;
    Trainprov__V1__RunManifest *m = tp_manifest_decode(&c->log->manifest_body, NULL, 0);
    for (size_t k = 0; m && k < m->n_streams; k++) {
        long s = m->streams[k]->outlived ? tp_claim_find_stream(c, m->streams[k]->stream_id) : -1;
        if (s >= 0)
            c->streams[s].outlived = 1;
    }
    if (m)
        trainprov__v1__run_manifest__free_unpacked(m, NULL);
}

int tp_claim_ctx_init(tp_claim_ctx *c, const tp_runlog *log, const tp_file_table *index,
                      const tp_key *key, const tp_claim_options *opt,
                      const tp_decoded_stream *dec, const tp_file_table *files,
                      const uint8_t pubkey_id[TP_KEY_ID_LEN])
{
    size_t n = log->n_streams ? log->n_streams : 1;
    memset(c, 0, sizeof *c);
    c->log = log;
    c->index = index;
    c->key = key;
    c->opt = opt;
    c->dec = dec;
    c->files = files;
    c->pubkey_id = pubkey_id;
    c->key_matches =
        log->has_key_id && memcmp(pubkey_id, log->key_id, TP_KEY_ID_LEN) == 0;
    c->ids_ok = log->has_run_id && log->has_key_id;
    c->n_records = tp_runlog_count_records(log);
    c->streams = calloc(n, sizeof *c->streams);
    c->by_id = calloc(n, sizeof *c->by_id);
    if (!c->streams || !c->by_id)
        return -1;
    uint64_t checked = 0;
    for (size_t s = 0; s < log->n_streams; s++) {
        if (stream_facts(c, &log->streams[s], &dec[s], &c->streams[s], checked) != 0)
            return -1;
        checked += log->streams[s].n_records;
        c->by_id[s] = (tp_stream_ref){log->streams[s].stream_id, s};
    }
    qsort(c->by_id, log->n_streams, sizeof *c->by_id, cmp_ref);
    mark_outlived(c);
    return tp_mpi_facts_init(&c->mpi, log, dec) == 0 && tp_launch_facts_init(&c->launch, log, dec) == 0
               ? 0
               : -1;
}

void tp_claim_ctx_free(tp_claim_ctx *c)
{
    for (size_t s = 0; c->streams && s < c->log->n_streams; s++) {
        tp_stream_facts *f = &c->streams[s];
        for (size_t j = 0; f->heads && j < c->log->streams[s].n_heads; j++)
            if (f->heads[j])
                trainprov__v1__tree_head__free_unpacked(f->heads[j], NULL);
        free(f->heads);
        free(f->head_roots);
        free(f->head_root_ok);
        free(f->head_ok);
    }
    free(c->streams);
    free(c->by_id);
    tp_mpi_facts_free(&c->mpi);
    tp_launch_facts_free(&c->launch);
    memset(c, 0, sizeof *c);
}
