/* claims_mpi.c: the cross-rank checks of claims_mpi.h.
 *
 * A rank's stream is the one that recorded an MpiEvent "init" (the process
 * that called MPI_Init); its rank and world size come from that record, and
 * the other streams of its process tree (DataLoader workers) carry the same
 * rank in their RunStart. Rank 0's list of initial broadcasts is the
 * reference: every rank takes part in every MPI_COMM_WORLD broadcast and must
 * have recorded the same sequence (root, bytes, SHA-256). Fails closed: a
 * broadcast that was not hashed, a missing or duplicated rank, a stream that
 * disagrees with rank 0's MPI_Init agreement or with the final heads rank 0
 * gathered at MPI_Finalize is a problem, never a pass. */
#include "verify/claims_mpi.h"
#include "verify/problems.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/merkle.h"
#include "core/vocab.h"
#include "core/hex.h"



static struct json_object *evidence(tp_claim *c)
{
    if (!c->evidence)
        c->evidence = json_object_new_object();
    return c->evidence;
}

static void set_detail(tp_claim *c, const char *a, const char *b, size_t more)
{
    char tail[64] = "";
    if (more)
        snprintf(tail, sizeof tail, "; and %zu more", more);
    size_t n = strlen(a) + strlen(b) + strlen(tail) + 3;
    char *d = malloc(n);
    if (d)
        snprintf(d, n, "%s%s%s%s", a, *a && *b ? "; " : "", b, tail);
    free(c->detail);
    c->detail = d;
}

/* Adds the problems to a claim another file concluded: a pass becomes a fail
 * whose detail is these problems; a fail keeps its detail and gets them too. */
static void amend(tp_claim *c, tp_problems *p, const char *key)
{
    if (!p->count) {
        json_object_put(p->list);
        return;
    }
    size_t more = p->count > TP_DETAIL_PROBLEMS ? p->count - TP_DETAIL_PROBLEMS : 0;
    if (c->status == TP_CLAIM_FAIL) {
        char *old = c->detail;
        c->detail = NULL;
        set_detail(c, old ? old : "", p->text, more);
        free(old);
    } else {
        c->status = TP_CLAIM_FAIL;
        set_detail(c, "", p->text, more);
    }
    json_object_object_add(evidence(c), key, p->list);
    p->list = NULL;
}

/* ---- the ranks of the log ---- */

typedef struct {
    long stream;                 /* index of its MPI_Init stream, -1 when none */
    const Trainprov__V1__MpiEvent *init;
    size_t streams, records, files, broadcasts;
    uint64_t bytes_read, bcast_bytes, allreduce_calls;
} rank_info;

typedef struct {
    const tp_runlog *log;
    const tp_decoded_stream *dec;
    int world;                   /* world size, 0 when not an MPI run */
    rank_info *ranks;
    uint8_t run_id[TP_RUN_ID_LEN];
    int run_id_ok;
} mpi_view;

static const Trainprov__V1__MpiEvent *mpi_event(const Trainprov__V1__Record *r,
                                                enum tp_mpi_kind kind)
{
    return r && r->body_case == TRAINPROV__V1__RECORD__BODY_MPI_EVENT &&
                   tp_mpi_kind_parse(r->mpi_event->kind) == kind
               ? r->mpi_event
               : NULL;
}

static const Trainprov__V1__RunStart *run_start(const mpi_view *v, size_t s)
{
    const Trainprov__V1__Record *r = v->dec[s].n ? v->dec[s].records[0] : NULL;
    return r && r->body_case == TRAINPROV__V1__RECORD__BODY_RUN_START ? r->run_start : NULL;
}

static const Trainprov__V1__MpiEvent *init_of(const mpi_view *v, size_t s)
{
    for (size_t i = 0; i < v->dec[s].n; i++) {
        const Trainprov__V1__MpiEvent *e = mpi_event(v->dec[s].records[i], TP_MPI_INIT);
        if (e)
            return e;
    }
    return NULL;
}

static int bytes_eq(const ProtobufCBinaryData *a, const ProtobufCBinaryData *b)
{
    return a->len == b->len && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

/* The world size: the largest any MPI_Init record names (bounded by what a
 * log of this many streams could hold, so a forged size cannot exhaust
 * memory); 0 when no process called MPI_Init. */
static int world_size(const mpi_view *v)
{
    int w = 0;
    for (size_t s = 0; s < v->log->n_streams; s++) {
        const Trainprov__V1__MpiEvent *e = init_of(v, s);
        if (e && e->world_size > w)
            w = e->world_size;
    }
    return (size_t)w > v->log->n_streams + 1024 ? (int)(v->log->n_streams + 1024) : w;
}

static void collect(mpi_view *v, tp_problems *binding)
{
    for (int r = 0; r < v->world; r++)
        v->ranks[r].stream = -1;
    for (size_t s = 0; s < v->log->n_streams; s++) {
        const Trainprov__V1__RunStart *rs = run_start(v, s);
        const Trainprov__V1__MpiEvent *init = init_of(v, s);
        char hex[17];
        tp_stream_hex(v->log->streams[s].stream_id, hex);
        if (!init && !rs)
            continue; /* no RunStart: run.binding already says so */
        int rank = init ? init->rank : rs->rank;
        if (rank < 0 || rank >= v->world) {
            tp_problems_add(binding, "stream %s names no rank of the %d-rank job (rank %d)", hex, v->world,
                rank);
            continue;
        }
        rank_info *ri = &v->ranks[rank];
        if (init && ri->stream >= 0) {
            char other[17];
            tp_stream_hex(v->log->streams[ri->stream].stream_id, other);
            tp_problems_add(binding, "rank %d has two MPI streams, %s and %s (one from another run?)", rank,
                other, hex);
        } else if (init) {
            ri->stream = (long)s;
            ri->init = init;
        }
        ri->streams++;
        ri->records += v->dec[s].n;
        for (size_t i = 0; i < v->dec[s].n; i++) {
            const Trainprov__V1__Record *r = v->dec[s].records[i];
            const Trainprov__V1__MpiEvent *c = mpi_event(r, TP_MPI_COUNTERS);
            if (r && r->body_case == TRAINPROV__V1__RECORD__BODY_FILE) {
                ri->files++;
                ri->bytes_read += r->file->bytes_read;
            }
            if (c && tp_mpi_op_parse(c->op) == TP_MPI_OP_ALLREDUCE && c->calls > ri->allreduce_calls)
                ri->allreduce_calls = c->calls; /* counters are cumulative */
        }
    }
}

/* ---- run.binding: every rank once, with rank 0's agreement ---- */

static void check_binding(mpi_view *v, tp_problems *p)
{
    const Trainprov__V1__MpiEvent *root = v->ranks[0].init;
    for (int r = 0; r < v->world; r++) {
        const rank_info *ri = &v->ranks[r];
        if (!ri->init) {
            tp_problems_add(p, "rank %d of %d: no stream of it called MPI_Init in this log (missing rank)",
                r, v->world);
            continue;
        }
        char hex[17];
        tp_stream_hex(v->log->streams[ri->stream].stream_id, hex);
        if (ri->init->world_size != v->world)
            tp_problems_add(p, "rank %d (stream %s) says the job has %d ranks, not %d", r, hex,
                ri->init->world_size, v->world);
        if (!v->run_id_ok || ri->init->agreed_run_id.len != TP_RUN_ID_LEN ||
            memcmp(ri->init->agreed_run_id.data, v->run_id, TP_RUN_ID_LEN) != 0)
            tp_problems_add(p, "rank %d (stream %s): the run id rank 0 broadcast at MPI_Init is not the "
                "log's", r, hex);
        int zero = 1;
        for (size_t i = 0; i < ri->init->agreement.len; i++)
            zero &= ri->init->agreement.data[i] == 0;
        if (ri->init->agreement.len != 32 || zero)
            tp_problems_add(p, "rank %d (stream %s) has no MPI_Init agreement", r, hex);
        else if (root && r != 0 && !bytes_eq(&ri->init->agreement, &root->agreement))
            tp_problems_add(p, "rank %d (stream %s): its MPI_Init agreement differs from rank 0's (a stream "
                "of another job)", r, hex);
    }
}

/* ---- log.complete: the final heads rank 0 gathered ---- */

static void stream_root(const tp_stream_data *s, uint8_t out[TP_HASH_LEN])
{
    tp_merkle m;
    tp_merkle_init(&m);
    for (size_t i = 0; i < s->n_records; i++)
        tp_merkle_append(&m, s->records[i].data, s->records[i].len);
    tp_merkle_root(&m, out);
}

static long find_stream(const mpi_view *v, uint64_t id)
{
    for (size_t s = 0; s < v->log->n_streams; s++)
        if (v->log->streams[s].stream_id == id)
            return (long)s;
    return -1;
}

static const Trainprov__V1__StreamEnd *stream_end(const mpi_view *v, size_t s)
{
    const tp_decoded_stream *d = &v->dec[s];
    const Trainprov__V1__Record *r = d->n ? d->records[d->n - 1] : NULL;
    return r && r->body_case == TRAINPROV__V1__RECORD__BODY_STREAM_END ? r->stream_end : NULL;
}

static void check_complete(mpi_view *v, tp_problems *p)
{
    for (int r = 0; r < v->world; r++) {
        const rank_info *ri = &v->ranks[r];
        if (!ri->init) {
            tp_problems_add(p, "rank %d of %d has no stream in the log", r, v->world);
            continue;
        }
        const Trainprov__V1__StreamEnd *end = stream_end(v, (size_t)ri->stream);
        char hex[17];
        tp_stream_hex(v->log->streams[ri->stream].stream_id, hex);
        if (!end)
            tp_problems_add(p, "rank %d (stream %s) did not end: killed or lost before MPI_Finalize", r, hex);
        else if (tp_end_parse(end->reason) != TP_END_MPI_FINALIZE)
            tp_problems_add(p, "rank %d (stream %s) ended with %s (status %d), not MPI_Finalize", r, hex,
                end->reason, end->status);
    }
    if (!v->ranks[0].init)
        return;
    const tp_decoded_stream *d0 = &v->dec[v->ranks[0].stream];
    const Trainprov__V1__MpiEvent *fin = NULL;
    for (size_t i = 0; i < d0->n && !fin; i++)
        fin = mpi_event(d0->records[i], TP_MPI_FINALIZE);
    if (!fin) {
        tp_problems_add(p, "rank 0 recorded no MPI_Finalize: the final heads of the ranks were never "
            "gathered");
        return;
    }
    uint8_t *listed = calloc((size_t)v->world, 1);
    for (size_t k = 0; listed && k < fin->n_ranks; k++) {
        const Trainprov__V1__MpiRankHead *h = fin->ranks[k];
        char hex[17];
        tp_stream_hex(h->stream_id, hex);
        if (h->rank <= 0 || h->rank >= v->world || listed[h->rank]++) {
            tp_problems_add(p, "rank 0's MPI_Finalize record lists rank %d wrongly", h->rank);
            continue;
        }
        long s = find_stream(v, h->stream_id);
        uint8_t root[TP_HASH_LEN];
        if (h->root.len != TP_HASH_LEN) {
            tp_problems_add(p, "rank %d could not seal its stream %s at MPI_Finalize", h->rank, hex);
        } else if (s < 0) {
            tp_problems_add(p, "rank %d: its stream %s, gathered by rank 0 at MPI_Finalize, is not in the "
                "log", h->rank, hex);
        } else if (s != v->ranks[h->rank].stream) {
            tp_problems_add(p, "rank %d: rank 0 gathered stream %s, but rank %d's MPI stream in the log is "
                "another", h->rank, hex, h->rank);
        } else {
            stream_root(&v->log->streams[s], root);
            if (h->tree_size != v->log->streams[s].n_records ||
                memcmp(root, h->root.data, TP_HASH_LEN) != 0)
                tp_problems_add(p, "rank %d: stream %s is not the one whose final head rank 0 gathered "
                    "(%" PRIu64 " records signed, %zu in the log)", h->rank, hex, h->tree_size,
                    v->log->streams[s].n_records);
        }
    }
    for (int r = 1; listed && r < v->world; r++)
        if (!listed[r])
            tp_problems_add(p, "rank 0's MPI_Finalize record lacks rank %d", r);
    if (!listed)
        tp_problems_add(p, "out of memory checking the MPI_Finalize record");
    free(listed);
}

/* ---- mpi.init_consistent ---- */

static const Trainprov__V1__MpiEvent **broadcasts(const mpi_view *v, int r, size_t *n)
{
    const tp_decoded_stream *d = &v->dec[v->ranks[r].stream];
    const Trainprov__V1__MpiEvent **b = calloc(d->n ? d->n : 1, sizeof *b);
    *n = 0;
    for (size_t i = 0; b && i < d->n; i++) {
        const Trainprov__V1__MpiEvent *e = mpi_event(d->records[i], TP_MPI_BCAST);
        if (e)
            b[(*n)++] = e;
    }
    return b;
}

static void check_broadcasts(mpi_view *v, tp_claim *cl)
{
    tp_problems p = {0};
    size_t n_ref = 0, total = 0;
    uint64_t ref_bytes = 0;
    const Trainprov__V1__MpiEvent **ref = v->ranks[0].init ? broadcasts(v, 0, &n_ref) : NULL;
    if (!v->ranks[0].init)
        tp_problems_add(&p, "rank 0 (the root) has no MPI stream in the log: nothing to compare with");
    for (size_t i = 0; ref && i < n_ref; i++) {
        ref_bytes += ref[i]->bytes;
        if (ref[i]->sha256.len != TP_HASH_LEN)
            tp_problems_add(&p, "rank 0: broadcast %zu (%" PRIu64 " bytes) was not hashed (%s)", i,
                ref[i]->bytes, ref[i]->note);
    }
    for (int r = 0; ref && r < v->world; r++) {
        rank_info *ri = &v->ranks[r];
        if (!ri->init) {
            tp_problems_add(&p, "rank %d: no stream, so no broadcast it received", r);
            continue;
        }
        size_t n;
        const Trainprov__V1__MpiEvent **b = broadcasts(v, r, &n);
        ri->broadcasts = n;
        for (size_t i = 0; b && i < n; i++)
            ri->bcast_bytes += b[i]->bytes;
        total += n;
        if (!b)
            tp_problems_add(&p, "out of memory");
        else if (n != n_ref)
            tp_problems_add(&p, "rank %d recorded %zu initial broadcasts, rank 0 (the root) %zu: rank %d "
                "did not receive the root's parameters", r, n, n_ref, r);
        for (size_t i = 0; b && r && n == n_ref && i < n; i++) {
            char got[65] = "", want[65] = "";
            if (b[i]->sha256.len == TP_HASH_LEN)
                tp_hex_encode(b[i]->sha256.data, TP_HASH_LEN, got);
            if (ref[i]->sha256.len == TP_HASH_LEN)
                tp_hex_encode(ref[i]->sha256.data, TP_HASH_LEN, want);
            if (b[i]->root != ref[i]->root || b[i]->bytes != ref[i]->bytes || !got[0] ||
                strcmp(got, want) != 0) {
                tp_problems_add(&p, "rank %d: broadcast %zu (root %d, %" PRIu64 " bytes, sha256 %.16s...) "
                    "differs from the root's (root %d, %" PRIu64 " bytes, sha256 %.16s...)", r, i,
                    b[i]->root, b[i]->bytes, got[0] ? got : "none", ref[i]->root, ref[i]->bytes,
                    want[0] ? want : "none");
                break; /* one mismatch per rank is enough to name it */
            }
        }
        free(b);
    }
    free(ref);
    if (!p.count && total == 0) {
        cl->status = TP_CLAIM_UNKNOWN;
        set_detail(cl, "", "no rank recorded a broadcast before its first MPI_Allreduce: "
                   "nothing shows the ranks started from the same parameters", 0);
        return;
    }
    if (p.count) {
        cl->status = TP_CLAIM_FAIL;
        set_detail(cl, "", p.text, p.count > TP_DETAIL_PROBLEMS ? p.count - TP_DETAIL_PROBLEMS : 0);
        json_object_object_add(evidence(cl), "problems", p.list);
        return;
    }
    char pass[256];
    snprintf(pass, sizeof pass, "all %d ranks received the same %zu initial broadcasts "
             "(%" PRIu64 " bytes) as rank 0, the root", v->world, n_ref, ref_bytes);
    cl->status = TP_CLAIM_PASS;
    set_detail(cl, "", pass, 0);
}

static struct json_object *ranks_json(const mpi_view *v)
{
    struct json_object *a = json_object_new_array();
    for (int r = 0; r < v->world; r++) {
        const rank_info *ri = &v->ranks[r];
        struct json_object *o = json_object_new_object();
        char hex[17] = "";
        if (ri->stream >= 0)
            tp_stream_hex(v->log->streams[ri->stream].stream_id, hex);
        json_object_object_add(o, "rank", json_object_new_int(r));
        json_object_object_add(o, "stream_id", json_object_new_string(hex));
        json_object_object_add(o, "streams", json_object_new_uint64(ri->streams));
        json_object_object_add(o, "records", json_object_new_uint64(ri->records));
        json_object_object_add(o, "files", json_object_new_uint64(ri->files));
        json_object_object_add(o, "bytes_read", json_object_new_uint64(ri->bytes_read));
        json_object_object_add(o, "broadcasts", json_object_new_uint64(ri->broadcasts));
        json_object_object_add(o, "broadcast_bytes", json_object_new_uint64(ri->bcast_bytes));
        json_object_object_add(o, "allreduce_calls", json_object_new_uint64(ri->allreduce_calls));
        json_object_array_add(a, o);
    }
    return a;
}

void tp_claims_mpi(const tp_runlog *log, const tp_decoded_stream *dec, tp_claim *cl,
                   tp_claim *complete, tp_claim *binding)
{
    mpi_view v = {.log = log, .dec = dec};
    v.run_id_ok = log->has_run_id;
    memcpy(v.run_id, log->run_id, TP_RUN_ID_LEN);
    v.world = world_size(&v);
    if (v.world == 0) {
        cl->status = TP_CLAIM_UNKNOWN;
        set_detail(cl, "", "not an MPI job (no process of the run called MPI_Init)", 0);
        return;
    }
    tp_problems pb = {0}, pc = {0};
    v.ranks = calloc((size_t)v.world, sizeof *v.ranks);
    if (!v.ranks) {
        tp_problems_add(&pb, "out of memory checking %d ranks", v.world);
        amend(binding, &pb, "mpi_problems");
        cl->status = TP_CLAIM_FAIL;
        set_detail(cl, "", "out of memory", 0);
        return;
    }
    collect(&v, &pb);
    check_binding(&v, &pb);
    check_complete(&v, &pc);
    check_broadcasts(&v, cl);
    json_object_object_add(evidence(cl), "world_size", json_object_new_int(v.world));
    json_object_object_add(evidence(cl), "ranks", ranks_json(&v));
    amend(binding, &pb, "mpi_problems");
    amend(complete, &pc, "mpi_problems");
    free(v.ranks);
}
