/* claims.c: evaluates the claims over a run log. Records are decoded once;
 * each claim walks them and collects problems (the first few go into its
 * detail line, all of them, up to a bound, into its evidence). Fails closed:
 * anything that cannot be checked (a record that does not decode, a missing
 * head, an unhashed file) is a problem, never a pass. log.integrity decides
 * whether the records are the signed ones; the other claims are computed over
 * the records either way and say so when their evidence is unsigned. */
#include "verify/claims.h"
#include "verify/problems.h"
#include "verify/claims_init.h"
#include "verify/claims_mpi.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hashfile.h"
#include "core/merkle.h"
#include "core/vocab.h"
#include "core/hex.h"

#define TP_UNDECLARED_MIN 65536 /* undeclared inputs smaller than this are ignored */
#define TP_MANIFEST_LINE_MAX 8192

enum { C_INTEGRITY, C_COMPLETE, C_BINDING, C_FOREIGN, C_DATA, C_LINEAGE, C_MPI, C_INIT };

static const struct {
    const char *id;
    const char *does_not_prove;
} claim_info[TP_CLAIM_COUNT] = {
    {"log.integrity", "that the logger saw everything the job did, or that the key was not "
                      "misused: only that these are the records the key signed"},
    {"log.complete", "that no work happened outside the traced processes (a program started "
                     "without the preload, another machine)"},
    {"run.binding", "when the run happened; only an evaluator's challenge nonce binds it to a "
                    "time"},
    {"init.no_foreign_weights", "that no weights arrived through a channel trainprov does not "
                                "see (network, shared memory, a custom format read as data)"},
    {"data.accounted", "what the data contains or that training used it: only which files were "
                       "read and their digests"},
    {"lineage.final", "that the checkpoint came only from the logged inputs; only that the "
                      "file is byte-identical to one this run wrote"},
    {TP_CLAIM_MPI_ID, TP_CLAIM_MPI_DOES_NOT_PROVE},
    {TP_CLAIM_INIT_ID, TP_CLAIM_INIT_DOES_NOT_PROVE},
};

/* ---- problem lists and detail strings ---- */


__attribute__((format(printf, 2, 3))) static void set_detail(tp_claim *c, const char *fmt, ...)
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

static struct json_object *evidence(tp_claim *c)
{
    if (!c->evidence)
        c->evidence = json_object_new_object();
    return c->evidence;
}

/* Fail with the problems, or pass with pass_detail. */
static void conclude(tp_claim *c, tp_problems *p, const char *pass_detail)
{
    if (p->count == 0) {
        c->status = TP_CLAIM_PASS;
        set_detail(c, "%s", pass_detail);
        return;
    }
    c->status = TP_CLAIM_FAIL;
    if (p->count > TP_DETAIL_PROBLEMS)
        set_detail(c, "%s; and %zu more", p->text, p->count - TP_DETAIL_PROBLEMS);
    else
        set_detail(c, "%s", p->text);
    json_object_object_add(evidence(c), "problems", p->list);
    p->list = NULL;
}

/* ---- the evaluation context ---- */

typedef struct {
    uint64_t id;
    size_t index;
} stream_ref;

typedef struct {
    const tp_runlog *log;
    const tp_key *key;
    const tp_claim_options *opt;
    tp_decoded_stream *dec;
    int ids_ok;                        /* run_id / key_id attributes are hex */
    int key_ok;                        /* --pubkey is the key the log names */
    uint8_t run_id[TP_RUN_ID_LEN];
    uint8_t key_id[TP_KEY_ID_LEN];
    uint8_t (*roots)[TP_HASH_LEN];     /* root over all records of each stream (log.integrity
                                        * computes them, log.complete compares them) */
    stream_ref *by_id;                 /* streams sorted by id */
    char (*names)[64];                 /* "stream <hex> (pid N)" */
    size_t n_file_events;
} ctx;

static int bytes_eq(const ProtobufCBinaryData *b, const uint8_t *want, size_t n)
{
    return b->len == n && (n == 0 || memcmp(b->data, want, n) == 0);
}

static int cmp_ref(const void *a, const void *b)
{
    uint64_t x = ((const stream_ref *)a)->id, y = ((const stream_ref *)b)->id;
    return x < y ? -1 : x > y;
}

/* Index of the stream with this id, or -1. */
static long find_stream(const ctx *c, uint64_t id)
{
    stream_ref key = {id, 0};
    const stream_ref *r = bsearch(&key, c->by_id, c->log->n_streams, sizeof key, cmp_ref);
    return r ? (long)r->index : -1;
}

static const Trainprov__V1__RunStart *run_start(const ctx *c, size_t s)
{
    const Trainprov__V1__Record *r = c->dec[s].n ? c->dec[s].records[0] : NULL;
    return r && r->body_case == TRAINPROV__V1__RECORD__BODY_RUN_START ? r->run_start : NULL;
}

static const Trainprov__V1__FileEvent *file_event(const Trainprov__V1__Record *r)
{
    return r && r->body_case == TRAINPROV__V1__RECORD__BODY_FILE ? r->file : NULL;
}

static int wrote(const Trainprov__V1__FileEvent *f)
{
    enum tp_access a = tp_access_parse(f->access);
    return f->bytes_written > 0 || a == TP_ACCESS_WRITE || a == TP_ACCESS_READWRITE ||
           a == TP_ACCESS_RENAME;
}

static int was_read(const Trainprov__V1__FileEvent *f)
{
    enum tp_access a = tp_access_parse(f->access);
    return f->bytes_read > 0 || a == TP_ACCESS_READ || a == TP_ACCESS_READWRITE;
}

static int ctx_init(ctx *c, const tp_runlog *log, const tp_key *key, const tp_claim_options *opt,
                    tp_decoded_stream *dec, int key_ok)
{
    size_t n = log->n_streams ? log->n_streams : 1;
    c->log = log;
    c->key_ok = key_ok;
    c->key = key;
    c->opt = opt;
    c->dec = dec;
    c->ids_ok = log->has_run_id && log->has_key_id;
    memcpy(c->run_id, log->run_id, TP_RUN_ID_LEN);
    memcpy(c->key_id, log->key_id, TP_KEY_ID_LEN);
    c->roots = calloc(n, sizeof *c->roots);
    c->by_id = calloc(n, sizeof *c->by_id);
    c->names = calloc(n, sizeof *c->names);
    if (!c->roots || !c->by_id || !c->names)
        return -1;
    for (size_t s = 0; s < log->n_streams; s++) {
        const Trainprov__V1__RunStart *rs = run_start(c, s);
        char hex[17];
        tp_stream_hex(log->streams[s].stream_id, hex);
        if (rs)
            snprintf(c->names[s], sizeof c->names[s], "stream %s (pid %d)", hex, rs->pid);
        else
            snprintf(c->names[s], sizeof c->names[s], "stream %s", hex);
        c->by_id[s] = (stream_ref){log->streams[s].stream_id, s};
    }
    qsort(c->by_id, log->n_streams, sizeof *c->by_id, cmp_ref);
    return 0;
}

static void ctx_free(ctx *c)
{
    free(c->roots);
    free(c->by_id);
    free(c->names);
}

/* ---- log.integrity ---- */

static void check_heads(ctx *c, size_t s, tp_problems *p)
{
    const tp_stream_data *st = &c->log->streams[s];
    const char *name = c->names[s];
    tp_merkle m;
    tp_merkle_init(&m);
    uint64_t signed_size = 0;
    for (size_t j = 0; j < st->n_heads; j++) {
        Trainprov__V1__TreeHead *h = tp_head_decode(&st->head_bodies[j], NULL, 0);
        if (!h) {
            tp_problems_add(p, "%s: head %zu does not decode", name, j);
            continue;
        }
        if (c->key_ok && tp_key_verify(c->key, TP_PAYLOAD_TREEHEAD, st->head_bodies[j].data,
                                    st->head_bodies[j].len, st->head_sigs[j], TP_SIG_LEN) != 0)
            tp_problems_add(p, "%s: signature of head %zu does not verify", name, j);
        if (h->stream_id != st->stream_id)
            tp_problems_add(p, "%s: head %zu is for another stream", name, j);
        if (!bytes_eq(&h->run_id, c->run_id, TP_RUN_ID_LEN))
            tp_problems_add(p, "%s: head %zu names another run", name, j);
        if (!bytes_eq(&h->key_id, c->key_id, TP_KEY_ID_LEN))
            tp_problems_add(p, "%s: head %zu names another key", name, j);
        if (j > 0 && h->tree_size <= signed_size) {
            tp_problems_add(p, "%s: head %zu covers %" PRIu64 " records, not more than head %zu",
                        name, j, h->tree_size, j - 1);
        } else if (h->tree_size > st->n_records) {
            tp_problems_add(p, "%s: head %zu covers %" PRIu64 " records but the stream has %zu",
                        name, j, h->tree_size, st->n_records);
        } else {
            uint8_t root[TP_HASH_LEN];
            while (m.size < h->tree_size)
                tp_merkle_append(&m, st->records[m.size].data, st->records[m.size].len);
            tp_merkle_root(&m, root);
            if (!bytes_eq(&h->root, root, TP_HASH_LEN))
                tp_problems_add(p, "%s: records 0..%" PRIu64 " do not hash to the root of head %zu",
                            name, h->tree_size ? h->tree_size - 1 : 0, j);
            signed_size = h->tree_size;
        }
        trainprov__v1__tree_head__free_unpacked(h, NULL);
    }
    while (m.size < st->n_records)
        tp_merkle_append(&m, st->records[m.size].data, st->records[m.size].len);
    tp_merkle_root(&m, c->roots[s]);
    if (st->n_records > signed_size)
        tp_problems_add(p, "%s: records %" PRIu64 "..%zu are not covered by a signed head", name,
                    signed_size, st->n_records - 1);
}

static void check_records(ctx *c, size_t s, tp_problems *p)
{
    const tp_stream_data *st = &c->log->streams[s];
    for (size_t i = 0; i < st->n_records; i++) {
        const Trainprov__V1__Record *r = c->dec[s].records[i];
        if (!r)
            tp_problems_add(p, "%s: record %zu does not decode", c->names[s], i);
        else if (r->seq != i)
            tp_problems_add(p, "%s: record %zu has seq %" PRIu64, c->names[s], i, r->seq);
        else if (r->stream_id != st->stream_id) {
            char hex[17];
            tp_stream_hex(r->stream_id, hex);
            tp_problems_add(p, "%s: record %zu belongs to stream %s", c->names[s], i, hex);
        }
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

static void claim_integrity(ctx *c, const tp_file_table *index, const tp_verdict *v,
                            tp_claim *cl)
{
    tp_problems p = {0};
    char pubkey_hex[2 * TP_KEY_ID_LEN + 1];
    tp_hex_encode(v->pubkey_id, TP_KEY_ID_LEN, pubkey_hex);
    if (!v->key_matches)
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
    }
    check_index(index, &v->files, &p);
    char pass[160];
    snprintf(pass, sizeof pass, "%zu records in %zu streams hash into signed heads that verify "
             "with --pubkey", v->n_records, c->log->n_streams);
    conclude(cl, &p, pass);
}

/* ---- log.complete ---- */

static void check_manifest(ctx *c, tp_problems *p, tp_claim *cl)
{
    const tp_runlog *log = c->log;
    if (!log->has_manifest) {
        tp_problems_add(p, "no signed run manifest (log was recovered after a crash)");
        return;
    }
    if (tp_key_verify(c->key, TP_PAYLOAD_MANIFEST, log->manifest_body.data,
                      log->manifest_body.len, log->manifest_sig, TP_SIG_LEN) != 0)
        tp_problems_add(p, "the run manifest's signature does not verify with --pubkey");
    Trainprov__V1__RunManifest *m = tp_manifest_decode(&log->manifest_body, NULL, 0);
    if (!m) {
        tp_problems_add(p, "the run manifest does not decode");
        return;
    }
    if (!bytes_eq(&m->run_id, c->run_id, TP_RUN_ID_LEN))
        tp_problems_add(p, "the run manifest names another run");
    if (!bytes_eq(&m->key_id, c->key_id, TP_KEY_ID_LEN))
        tp_problems_add(p, "the run manifest names another key");
    json_object_object_add(evidence(cl), "manifest_streams",
                           json_object_new_uint64(m->n_streams));
    uint8_t *listed = calloc(log->n_streams ? log->n_streams : 1, 1);
    for (size_t k = 0; listed && k < m->n_streams; k++) {
        const Trainprov__V1__ManifestStream *ms = m->streams[k];
        long s = find_stream(c, ms->stream_id);
        if (s < 0) {
            tp_problems_add(p, "the manifest lists stream %016" PRIx64 ", which is not in the log",
                        ms->stream_id);
            continue;
        }
        if (listed[s]++)
            tp_problems_add(p, "the manifest lists %s twice", c->names[s]);
        if (ms->tree_size != log->streams[s].n_records ||
            !bytes_eq(&ms->root, c->roots[s], TP_HASH_LEN))
            tp_problems_add(p, "%s: the manifest signed %" PRIu64 " records, the log has %zu%s",
                        c->names[s], ms->tree_size, log->streams[s].n_records,
                        ms->tree_size == log->streams[s].n_records ? " with another root" : "");
        if (!ms->final)
            tp_problems_add(p, "%s: the manifest's head for it is not final", c->names[s]);
    }
    for (size_t s = 0; listed && s < log->n_streams; s++)
        if (!listed[s])
            tp_problems_add(p, "%s is not in the run manifest", c->names[s]);
    if (!listed)
        tp_problems_add(p, "out of memory checking the manifest");
    free(listed);
    trainprov__v1__run_manifest__free_unpacked(m, NULL);
}

/* 1 when the stream's last head is final and its last record a StreamEnd. */
static int stream_ended(const ctx *c, size_t s)
{
    const tp_stream_data *st = &c->log->streams[s];
    const tp_decoded_stream *d = &c->dec[s];
    if (st->n_heads == 0 || d->n == 0 || !d->records[d->n - 1] ||
        d->records[d->n - 1]->body_case != TRAINPROV__V1__RECORD__BODY_STREAM_END)
        return 0;
    Trainprov__V1__TreeHead *h = tp_head_decode(&st->head_bodies[st->n_heads - 1], NULL, 0);
    int ended = h && h->final && h->tree_size == st->n_records;
    if (h)
        trainprov__v1__tree_head__free_unpacked(h, NULL);
    return ended;
}

static void check_children(ctx *c, size_t s, tp_problems *p)
{
    for (size_t i = 0; i < c->dec[s].n; i++) {
        const Trainprov__V1__Record *r = c->dec[s].records[i];
        if (!r || r->body_case != TRAINPROV__V1__RECORD__BODY_CHILD)
            continue;
        if (find_stream(c, r->child->child_stream) < 0)
            tp_problems_add(p, "%s announced child stream %016" PRIx64 " (%s, pid %d%s%s), which "
                        "is not in the log", c->names[s], r->child->child_stream, r->child->how,
                        r->child->child_pid, r->child->exec_path[0] ? ", " : "",
                        r->child->exec_path);
    }
}

/* A stream that could not record everything says so in its StreamEnd: a
 * journal write that failed (disk full) or files opened beyond the fd table. */
static void check_reported_gaps(ctx *c, size_t s, tp_problems *p)
{
    const tp_decoded_stream *d = &c->dec[s];
    const Trainprov__V1__Record *last = d->n ? d->records[d->n - 1] : NULL;
    if (!last || last->body_case != TRAINPROV__V1__RECORD__BODY_STREAM_END)
        return;
    if (last->stream_end->dropped_events)
        tp_problems_add(p, "%s: the logger could not write %" PRIu64 " records (journal write "
                    "failed, e.g. disk full)", c->names[s], last->stream_end->dropped_events);
    if (last->stream_end->untracked_fds)
        tp_problems_add(p, "%s: %" PRIu64 " files were opened on descriptors beyond the logger's "
                    "table and not recorded", c->names[s], last->stream_end->untracked_fds);
}

static void claim_complete(ctx *c, tp_claim *cl)
{
    tp_problems p = {0};
    check_manifest(c, &p, cl);
    for (size_t s = 0; s < c->log->n_streams; s++) {
        const tp_stream_data *st = &c->log->streams[s];
        if (!stream_ended(c, s))
            tp_problems_add(&p, "%s did not end with a StreamEnd under a final signed head "
                        "(truncated?)", c->names[s]);
        if (tp_jstatus_parse(st->journal_status) != TP_JSTATUS_COMPLETE)
            tp_problems_add(&p, "%s: its journal was %s", c->names[s], st->journal_status);
        if (st->dropped_unsigned)
            tp_problems_add(&p, "%s: %" PRIu64 " unsigned records after its last head were lost",
                        c->names[s], st->dropped_unsigned);
        check_reported_gaps(c, s, &p);
        check_children(c, s, &p);
    }
    char pass[160];
    snprintf(pass, sizeof pass, "all %zu streams ended and are listed with their final heads in "
             "the signed run manifest", c->log->n_streams);
    conclude(cl, &p, pass);
}

/* ---- run.binding ---- */

static void check_run_start(ctx *c, size_t s, const Trainprov__V1__RunStart *first,
                            tp_problems *p)
{
    const Trainprov__V1__RunStart *rs = run_start(c, s);
    if (!rs) {
        tp_problems_add(p, "%s: record 0 is not a RunStart", c->names[s]);
        return;
    }
    if (!bytes_eq(&rs->key_id, c->key_id, TP_KEY_ID_LEN))
        tp_problems_add(p, "%s: its RunStart names another key", c->names[s]);
    if (rs->parent_stream && find_stream(c, rs->parent_stream) < 0)
        tp_problems_add(p, "%s: its parent stream %016" PRIx64 " is not in the log", c->names[s],
                    rs->parent_stream);
    if (first && (!bytes_eq(&rs->nonce, first->nonce.data, first->nonce.len) ||
                  !bytes_eq(&rs->resume_from, first->resume_from.data, first->resume_from.len)))
        tp_problems_add(p, "%s: its challenge nonce or resume-from digest differs from %s",
                    c->names[s], c->names[0]);
}

static void claim_binding(ctx *c, tp_claim *cl)
{
    const tp_runlog *log = c->log;
    tp_problems p = {0};
    const Trainprov__V1__RunStart *first = log->n_streams ? run_start(c, 0) : NULL;
    for (size_t s = 0; s < log->n_streams; s++) {
        size_t foreign = 0;
        for (size_t i = 0; i < c->dec[s].n; i++) {
            const Trainprov__V1__Record *r = c->dec[s].records[i];
            foreign += r && !bytes_eq(&r->run_id, c->run_id, TP_RUN_ID_LEN);
        }
        if (foreign)
            tp_problems_add(&p, "%s: %zu records carry another run id than the log's %s",
                        c->names[s], foreign, tp_runlog_ids(log).run_id);
        for (size_t j = 0; j < log->streams[s].n_heads; j++) {
            Trainprov__V1__TreeHead *h = tp_head_decode(&log->streams[s].head_bodies[j], NULL, 0);
            if (h && !bytes_eq(&h->run_id, c->run_id, TP_RUN_ID_LEN))
                tp_problems_add(&p, "%s: head %zu carries another run id", c->names[s], j);
            if (h)
                trainprov__v1__tree_head__free_unpacked(h, NULL);
        }
        check_run_start(c, s, first, &p);
    }
    if (log->has_manifest) {
        Trainprov__V1__RunManifest *m = tp_manifest_decode(&log->manifest_body, NULL, 0);
        if (m && !bytes_eq(&m->run_id, c->run_id, TP_RUN_ID_LEN))
            tp_problems_add(&p, "the run manifest carries another run id");
        if (m)
            trainprov__v1__run_manifest__free_unpacked(m, NULL);
    }
    if (!c->ids_ok)
        tp_problems_add(&p, "the log's run_id attribute is not 32 hex digits");
    char pass[160];
    snprintf(pass, sizeof pass, "every record, head and the manifest carry run id %s; every "
             "stream starts with a RunStart of this run", tp_runlog_ids(log).run_id);
    conclude(cl, &p, pass);
}

/* ---- init.no_foreign_weights ---- */

typedef struct {
    const uint8_t *sha256;
    int64_t done_ns; /* when writing it ended */
} written_ckpt;

static int64_t or_time(int64_t t, const Trainprov__V1__Record *r) { return t ? t : r->time_ns; }

/* Checkpoints this run wrote, with a digest. *n gets the count; NULL when out of memory. */
static written_ckpt *written_checkpoints(const ctx *c, size_t *n)
{
    size_t cap = 16;
    written_ckpt *w = malloc(cap * sizeof *w);
    *n = 0;
    for (size_t s = 0; w && s < c->log->n_streams; s++)
        for (size_t i = 0; w && i < c->dec[s].n; i++) {
            const Trainprov__V1__FileEvent *f = file_event(c->dec[s].records[i]);
            if (!f || tp_role_parse(f->role) != TP_ROLE_CHECKPOINT || !wrote(f) ||
                f->sha256.len != TP_HASH_LEN)
                continue;
            if (*n == cap) {
                written_ckpt *g = realloc(w, 2 * cap * sizeof *w);
                if (!g) {
                    free(w);
                    return NULL;
                }
                w = g;
                cap *= 2;
            }
            w[(*n)++] = (written_ckpt){f->sha256.data,
                                       or_time(f->last_access_ns, c->dec[s].records[i])};
        }
    return w;
}

/* A weights read: role weights, or a checkpoint-role file only read. */
static int weights_read(const Trainprov__V1__FileEvent *f)
{
    enum tp_role role = tp_role_parse(f->role);
    return role == TP_ROLE_WEIGHTS || (role == TP_ROLE_CHECKPOINT && !wrote(f) && was_read(f));
}

static int declared_data(const ctx *c)
{
    for (size_t s = 0; s < c->log->n_streams; s++) {
        const Trainprov__V1__RunStart *rs = run_start(c, s);
        if (rs && rs->n_data_globs)
            return 1;
    }
    return 0;
}

static struct json_object *file_json(const Trainprov__V1__FileEvent *f)
{
    struct json_object *o = json_object_new_object();
    char *hex = tp_hex_dup(f->sha256.data, f->sha256.len);
    json_object_object_add(o, "path", json_object_new_string(f->path));
    json_object_object_add(o, "sha256", json_object_new_string(hex ? hex : ""));
    json_object_object_add(o, "size", json_object_new_uint64(f->size));
    free(hex);
    return o;
}

static void claim_foreign(ctx *c, tp_claim *cl)
{
    size_t n_ckpt, n_weights = 0, n_undeclared = 0;
    written_ckpt *ck = written_checkpoints(c, &n_ckpt);
    tp_problems p = {0}, undeclared = {0};
    int declared = declared_data(c);
    struct json_object *foreign = json_object_new_array(), *undecl = json_object_new_array();
    if (!ck)
        tp_problems_add(&p, "out of memory listing checkpoints");
    for (size_t s = 0; ck && s < c->log->n_streams; s++)
        for (size_t i = 0; i < c->dec[s].n; i++) {
            const Trainprov__V1__Record *r = c->dec[s].records[i];
            const Trainprov__V1__FileEvent *f = file_event(r);
            if (!f)
                continue;
            if (declared && tp_role_parse(f->role) == TP_ROLE_OTHER && was_read(f) &&
                f->size > TP_UNDECLARED_MIN) {
                n_undeclared++;
                tp_problems_add(&undeclared, "%s (%" PRIu64 " bytes)", f->path, f->size);
                json_object_array_add(undecl, file_json(f));
            }
            if (!weights_read(f))
                continue;
            n_weights++;
            int own = 0;
            for (size_t k = 0; f->sha256.len == TP_HASH_LEN && !own && k < n_ckpt; k++)
                own = !memcmp(ck[k].sha256, f->sha256.data, TP_HASH_LEN) &&
                      ck[k].done_ns <= or_time(f->first_access_ns, r);
            if (own)
                continue;
            char hex[2 * TP_HASH_LEN + 1] = "";
            if (f->sha256.len == TP_HASH_LEN)
                tp_hex_encode(f->sha256.data, TP_HASH_LEN, hex);
            if (hex[0])
                tp_problems_add(&p, "read weights %s (sha256 %s) that this run did not write",
                            f->path, hex);
            else
                tp_problems_add(&p, "read weights %s that could not be hashed (%s)", f->path,
                            f->hash_error);
            json_object_array_add(foreign, file_json(f));
        }
    free(ck);
    json_object_object_add(evidence(cl), "weights_reads", json_object_new_uint64(n_weights));
    json_object_object_add(evidence(cl), "foreign_weights", foreign);
    json_object_object_add(evidence(cl), "undeclared_inputs", undecl);
    json_object_put(undeclared.list);
    char pass[128];
    if (n_weights)
        snprintf(pass, sizeof pass, "%zu weights read%s, all of files this run wrote", n_weights,
                 n_weights == 1 ? "" : "s");
    else
        snprintf(pass, sizeof pass, "no weights file was read");
    conclude(cl, &p, pass);
    if (n_undeclared) {
        char *d = cl->detail;
        cl->detail = NULL;
        set_detail(cl, "%s; %zu undeclared input%s over 64 KiB could be weights in a format "
                   "trainprov does not recognise (declare data with --data): %s%s", d ? d : "",
                   n_undeclared, n_undeclared == 1 ? "" : "s", undeclared.text,
                   n_undeclared > TP_DETAIL_PROBLEMS ? "; ..." : "");
        free(d);
        if (cl->status == TP_CLAIM_PASS)
            cl->status = c->opt->strict ? TP_CLAIM_FAIL : TP_CLAIM_UNKNOWN;
    }
}

/* ---- data.accounted ---- */

typedef struct {
    uint8_t (*digests)[TP_HASH_LEN];
    size_t n;
} digest_set;

static int cmp_digest(const void *a, const void *b) { return memcmp(a, b, TP_HASH_LEN); }

/* Parses a sha256sum file ("HEX  PATH" or "HEX *PATH" lines). */
static int load_data_manifest(const char *path, digest_set *set, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "cannot read data manifest %s: %s", path, strerror(errno));
        return -1;
    }
    char line[TP_MANIFEST_LINE_MAX + 2];
    size_t cap = 0, lineno = 0;
    int rc = 0;
    set->digests = NULL;
    set->n = 0;
    while (rc == 0 && fgets(line, sizeof line, f)) {
        lineno++;
        size_t len = strlen(line);
        if (len && line[len - 1] == '\n')
            line[--len] = '\0';
        else if (!feof(f))
            rc = -1;
        const char *h = line[0] == '\\' ? line + 1 : line; /* sha256sum escapes odd names */
        char hex[2 * TP_HASH_LEN + 1];
        size_t k;
        for (k = 0; rc == 0 && k < 2 * TP_HASH_LEN && h[k]; k++)
            hex[k] = (char)(h[k] >= 'A' && h[k] <= 'F' ? h[k] - 'A' + 'a' : h[k]);
        hex[k] = '\0';
        if (len == 0)
            continue;
        if (rc != 0 || k != 2 * TP_HASH_LEN || h[k] != ' ' || (h[k + 1] != ' ' && h[k + 1] != '*') ||
            h[k + 2] == '\0') {
            rc = -1;
            break;
        }
        if (set->n == cap) {
            cap = cap ? 2 * cap : 64;
            void *g = realloc(set->digests, cap * sizeof *set->digests);
            if (!g) {
                snprintf(err, errlen, "out of memory reading %s", path);
                fclose(f);
                return -1;
            }
            set->digests = g;
        }
        if (tp_hex_decode(hex, set->digests[set->n], TP_HASH_LEN) != 0) {
            rc = -1;
            break;
        }
        set->n++;
    }
    if (rc == 0 && ferror(f)) {
        snprintf(err, errlen, "cannot read data manifest %s: %s", path, strerror(errno));
        rc = -2;
    }
    fclose(f);
    if (rc == -1)
        snprintf(err, errlen, "%s:%zu: not a sha256sum line (\"<64 hex>  <path>\", at most %d "
                 "bytes)", path, lineno, TP_MANIFEST_LINE_MAX);
    if (rc != 0) {
        free(set->digests);
        set->digests = NULL;
        return -1;
    }
    qsort(set->digests, set->n, sizeof *set->digests, cmp_digest);
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Number of distinct strings in v (sorts v). */
static size_t count_distinct(const char **v, size_t n)
{
    size_t d = 0;
    qsort(v, n, sizeof *v, cmp_str);
    for (size_t i = 0; i < n; i++)
        d += i == 0 || strcmp(v[i], v[i - 1]) != 0;
    return d;
}

static int claim_data(ctx *c, tp_claim *cl, char *err, size_t errlen)
{
    digest_set set = {0};
    const char *mpath = c->opt->data_manifest_path;
    if (mpath && load_data_manifest(mpath, &set, err, errlen) != 0)
        return -1;
    tp_problems p = {0};
    size_t n_events = 0;
    uint64_t bytes = 0;
    const char **paths = calloc(c->n_file_events ? c->n_file_events : 1, sizeof *paths);
    if (!paths) {
        free(set.digests);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (size_t s = 0; s < c->log->n_streams; s++)
        for (size_t i = 0; i < c->dec[s].n; i++) {
            const Trainprov__V1__FileEvent *f = file_event(c->dec[s].records[i]);
            if (!f || tp_role_parse(f->role) != TP_ROLE_DATA)
                continue;
            paths[n_events++] = f->path;
            bytes += f->bytes_read;
            if (f->sha256.len != TP_HASH_LEN) {
                tp_problems_add(&p, "data file %s has no digest (%s)", f->path,
                            f->hash_error[0] ? f->hash_error : "no hash_error given");
                continue;
            }
            if (mpath && !bsearch(f->sha256.data, set.digests, set.n, TP_HASH_LEN, cmp_digest)) {
                char hex[2 * TP_HASH_LEN + 1];
                tp_hex_encode(f->sha256.data, TP_HASH_LEN, hex);
                tp_problems_add(&p, "data file %s (sha256 %s) is not in %s", f->path, hex, mpath);
            }
        }
    size_t n_files = count_distinct(paths, n_events);
    free(paths);
    free(set.digests);
    json_object_object_add(evidence(cl), "data_files", json_object_new_uint64(n_files));
    json_object_object_add(evidence(cl), "data_reads", json_object_new_uint64(n_events));
    json_object_object_add(evidence(cl), "bytes_read", json_object_new_uint64(bytes));
    char pass[TP_PROBLEM_MAX];
    snprintf(pass, sizeof pass, "%zu data files (%" PRIu64 " bytes read), all hashed%s%s",
             n_files, bytes, mpath ? " and listed in " : "", mpath ? mpath : "");
    conclude(cl, &p, pass);
    return 0;
}

/* ---- lineage.final ---- */

static int claim_lineage(ctx *c, tp_claim *cl, char *err, size_t errlen)
{
    const char *model = c->opt->model_path;
    if (!model) {
        cl->status = TP_CLAIM_UNKNOWN;
        set_detail(cl, "no --model given");
        return 0;
    }
    uint8_t digest[TP_HASH_LEN];
    uint64_t size;
    int rc = tp_sha256_path(model, digest, &size);
    if (rc != 0) {
        snprintf(err, errlen, "cannot read --model %s: %s", model, strerror(-rc));
        return -1;
    }
    char hex[2 * TP_HASH_LEN + 1];
    tp_hex_encode(digest, TP_HASH_LEN, hex);
    json_object_object_add(evidence(cl), "model", json_object_new_string(model));
    json_object_object_add(evidence(cl), "model_sha256", json_object_new_string(hex));
    for (size_t s = 0; s < c->log->n_streams; s++)
        for (size_t i = 0; i < c->dec[s].n; i++) {
            const Trainprov__V1__FileEvent *f = file_event(c->dec[s].records[i]);
            if (!f || tp_role_parse(f->role) != TP_ROLE_CHECKPOINT || !wrote(f) ||
                !bytes_eq(&f->sha256, digest, TP_HASH_LEN))
                continue;
            cl->status = TP_CLAIM_PASS;
            set_detail(cl, "sha256 %s of %s equals checkpoint %s written by %s", hex, model,
                       f->path, c->names[s]);
            json_object_object_add(evidence(cl), "checkpoint", json_object_new_string(f->path));
            return 0;
        }
    cl->status = TP_CLAIM_FAIL;
    set_detail(cl, "sha256 %s of %s matches no checkpoint this run wrote", hex, model);
    return 0;
}

/* ---- summaries and the verdict ---- */

static void summarize(ctx *c, tp_verdict *v)
{
    for (size_t s = 0; s < c->log->n_streams; s++) {
        const Trainprov__V1__RunStart *rs = run_start(c, s);
        tp_stream_summary *sum = &v->streams[s];
        sum->stream_id = c->log->streams[s].stream_id;
        sum->pid = rs ? rs->pid : -1;
        sum->rank = rs && rs->world_size > 0 ? rs->rank : -1;
        sum->origin = rs && rs->origin[0] ? rs->origin : "?";
        sum->parent_stream = rs ? rs->parent_stream : 0;
        sum->records = c->log->streams[s].n_records;
        sum->heads = c->log->streams[s].n_heads;
        sum->ended = stream_ended(c, s);
        sum->journal_status = c->log->streams[s].journal_status;
        for (size_t i = 0; i < c->dec[s].n; i++) {
            const Trainprov__V1__FileEvent *f = file_event(c->dec[s].records[i]);
            if (!f)
                continue;
            sum->files++;
            sum->bytes_read += f->bytes_read;
            sum->bytes_written += f->bytes_written;
        }
        v->n_records += sum->records;
    }
}

const char *tp_claim_status_name(tp_claim_status s)
{
    return s == TP_CLAIM_PASS ? "pass" : s == TP_CLAIM_FAIL ? "fail" : "unknown";
}

int tp_claim_known(const char *id)
{
    for (size_t k = 0; k < TP_CLAIM_COUNT; k++)
        if (!strcmp(claim_info[k].id, id))
            return 1;
    return 0;
}

static int required(const tp_claim_options *opt, const char *id)
{
    for (size_t k = 0; k < opt->n_require; k++)
        if (!strcmp(opt->require[k], id))
            return 1;
    return 0;
}

static void decide(const ctx *c, tp_verdict *v)
{
    int integrity_ok = v->claims[C_INTEGRITY].status == TP_CLAIM_PASS;
    v->pass = 1;
    for (size_t k = 0; k < TP_CLAIM_COUNT; k++) {
        tp_claim *cl = &v->claims[k];
        if (!integrity_ok && k != C_INTEGRITY && cl->detail) {
            char *d = cl->detail;
            cl->detail = NULL;
            set_detail(cl, "%s [evidence unsigned: log.integrity failed]", d);
            free(d);
        }
        if (cl->status == TP_CLAIM_FAIL ||
            (cl->status == TP_CLAIM_UNKNOWN && (c->opt->strict || required(c->opt, cl->id))))
            v->pass = 0;
    }
}

int tp_claims_evaluate(const tp_runlog *log, const tp_file_table *index, const tp_key *key,
                       const tp_claim_options *opt, tp_verdict *v, char *err, size_t errlen)
{
    ctx c = {0};
    memset(v, 0, sizeof *v);
    for (size_t k = 0; k < opt->n_require; k++)
        if (!tp_claim_known(opt->require[k])) {
            snprintf(err, errlen, "--require %s: not a claim this verifier checks",
                     opt->require[k]);
            return -1;
        }
    for (size_t k = 0; k < TP_CLAIM_COUNT; k++) {
        v->claims[k].id = claim_info[k].id;
        v->claims[k].does_not_prove = claim_info[k].does_not_prove;
        v->claims[k].status = TP_CLAIM_UNKNOWN;
    }
    tp_key_id(key, v->pubkey_id);
    v->key_matches = log->has_key_id && memcmp(v->pubkey_id, log->key_id, TP_KEY_ID_LEN) == 0;
    v->n_streams = log->n_streams;
    v->streams = calloc(log->n_streams ? log->n_streams : 1, sizeof *v->streams);
    if (!v->streams || tp_records_decode_all(log, &v->decoded) != 0 ||
        tp_files_from_records(log, v->decoded, &v->files) != 0 ||
        ctx_init(&c, log, key, opt, v->decoded, v->key_matches) != 0) {
        snprintf(err, errlen, "out of memory");
        ctx_free(&c);
        return -1;
    }
    summarize(&c, v);
    c.n_file_events = v->files.n;
    claim_integrity(&c, index, v, &v->claims[C_INTEGRITY]);
    claim_complete(&c, &v->claims[C_COMPLETE]);
    claim_binding(&c, &v->claims[C_BINDING]);
    claim_foreign(&c, &v->claims[C_FOREIGN]);
    int rc = claim_data(&c, &v->claims[C_DATA], err, errlen);
    if (rc == 0)
        rc = claim_lineage(&c, &v->claims[C_LINEAGE], err, errlen);
    if (rc == 0)
        tp_claims_mpi(log, v->decoded, &v->claims[C_MPI], &v->claims[C_COMPLETE],
                      &v->claims[C_BINDING]);
    if (rc == 0)
        rc = tp_claim_init_random(log, v->decoded, opt, &v->claims[C_INIT], err, errlen);
    if (rc == 0)
        decide(&c, v);
    ctx_free(&c);
    return rc;
}

void tp_verdict_free(tp_verdict *v)
{
    for (size_t k = 0; k < TP_CLAIM_COUNT; k++) {
        free(v->claims[k].detail);
        json_object_put(v->claims[k].evidence);
    }
    tp_files_free(&v->files);
    tp_records_free_all(v->decoded, v->n_streams);
    free(v->streams);
    memset(v, 0, sizeof *v);
}
