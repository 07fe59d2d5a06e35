/* mpi_facts.c: the ranks of an MPI run and the rank checks (mpi_facts.h).
 * Fails closed: a missing or duplicated rank, a stream that disagrees with
 * rank 0's MPI_Init agreement or with the final heads rank 0 gathered at
 * MPI_Finalize is a problem, never a pass. */
#include "verify/mpi_facts.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/merkle.h"

const Trainprov__V1__MpiEvent *tp_mpi_event(const Trainprov__V1__Record *r, enum tp_mpi_kind kind)
{
    return r && r->body_case == TRAINPROV__V1__RECORD__BODY_MPI_EVENT &&
                   tp_mpi_kind_parse(r->mpi_event->kind) == kind
               ? r->mpi_event
               : NULL;
}

static const Trainprov__V1__RunStart *run_start(const tp_mpi_facts *v, size_t s)
{
    const Trainprov__V1__Record *r = v->dec[s].n ? v->dec[s].records[0] : NULL;
    return r && r->body_case == TRAINPROV__V1__RECORD__BODY_RUN_START ? r->run_start : NULL;
}

static const Trainprov__V1__MpiEvent *init_of(const tp_mpi_facts *v, size_t s)
{
    for (size_t i = 0; i < v->dec[s].n; i++) {
        const Trainprov__V1__MpiEvent *e = tp_mpi_event(v->dec[s].records[i], TP_MPI_INIT);
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
static int world_size(const tp_mpi_facts *v)
{
    int w = 0;
    for (size_t s = 0; s < v->log->n_streams; s++) {
        const Trainprov__V1__MpiEvent *e = init_of(v, s);
        if (e && e->world_size > w)
            w = e->world_size;
    }
    return (size_t)w > v->log->n_streams + 1024 ? (int)(v->log->n_streams + 1024) : w;
}

/* The rank a stream belongs to (its MPI_Init record's, else its RunStart's);
 * 0 when it has neither (run.binding says a stream lacks its RunStart). */
static int stream_rank(const tp_mpi_facts *v, size_t s, const Trainprov__V1__MpiEvent **init,
                       int *rank)
{
    const Trainprov__V1__RunStart *rs = run_start(v, s);
    *init = init_of(v, s);
    if (!*init && !rs)
        return 0;
    *rank = *init ? (*init)->rank : rs->rank;
    return 1;
}

const Trainprov__V1__MpiEvent **tp_mpi_broadcasts(const tp_mpi_facts *v, int r, size_t *n)
{
    const tp_decoded_stream *d = &v->dec[v->ranks[r].stream];
    const Trainprov__V1__MpiEvent **b = calloc(d->n ? d->n : 1, sizeof *b);
    *n = 0;
    for (size_t i = 0; b && i < d->n; i++) {
        const Trainprov__V1__MpiEvent *e = tp_mpi_event(d->records[i], TP_MPI_BCAST);
        if (e)
            b[(*n)++] = e;
    }
    return b;
}

static int collect(tp_mpi_facts *v)
{
    for (int r = 0; r < v->world; r++)
        v->ranks[r].stream = -1;
    for (size_t s = 0; s < v->log->n_streams; s++) {
        const Trainprov__V1__MpiEvent *init;
        int rank;
        if (!stream_rank(v, s, &init, &rank) || rank < 0 || rank >= v->world)
            continue;
        tp_rank_info *ri = &v->ranks[rank];
        if (init && ri->stream < 0) {
            ri->stream = (long)s;
            ri->init = init;
        }
        ri->streams++;
        ri->records += v->dec[s].n;
        for (size_t i = 0; i < v->dec[s].n; i++) {
            const Trainprov__V1__Record *r = v->dec[s].records[i];
            const Trainprov__V1__MpiEvent *c = tp_mpi_event(r, TP_MPI_COUNTERS);
            if (r && r->body_case == TRAINPROV__V1__RECORD__BODY_FILE) {
                ri->files++;
                ri->bytes_read += r->file->bytes_read;
            }
            if (c && tp_mpi_op_parse(c->op) == TP_MPI_OP_ALLREDUCE && c->calls > ri->allreduce_calls)
                ri->allreduce_calls = c->calls; /* counters are cumulative */
        }
    }
    for (int r = 0; r < v->world; r++) {
        tp_rank_info *ri = &v->ranks[r];
        size_t n;
        const Trainprov__V1__MpiEvent **b = ri->init ? tp_mpi_broadcasts(v, r, &n) : NULL;
        if (ri->init && !b)
            return -1;
        for (size_t i = 0; b && i < n; i++)
            ri->bcast_bytes += b[i]->bytes;
        ri->broadcasts = b ? n : 0;
        free(b);
    }
    return 0;
}

int tp_mpi_facts_init(tp_mpi_facts *v, const tp_runlog *log, const tp_decoded_stream *dec)
{
    memset(v, 0, sizeof *v);
    v->log = log;
    v->dec = dec;
    v->run_id_ok = log->has_run_id;
    memcpy(v->run_id, log->run_id, TP_RUN_ID_LEN);
    v->world = world_size(v);
    if (v->world == 0)
        return 0;
    v->ranks = calloc((size_t)v->world, sizeof *v->ranks);
    return v->ranks && collect(v) == 0 ? 0 : -1;
}

void tp_mpi_facts_free(tp_mpi_facts *v)
{
    free(v->ranks);
    memset(v, 0, sizeof *v);
}

void tp_mpi_check_binding(const tp_mpi_facts *v, tp_problems *p)
{
    for (size_t s = 0; s < v->log->n_streams; s++) {
        const Trainprov__V1__MpiEvent *init;
        int rank;
        char hex[17];
        if (!stream_rank(v, s, &init, &rank))
            continue;
        tp_stream_hex(v->log->streams[s].stream_id, hex);
        if (rank < 0 || rank >= v->world) {
            tp_problems_add(p, "stream %s names no rank of the %d-rank job (rank %d)", hex, v->world,
                rank);
        } else if (init && v->ranks[rank].stream != (long)s) {
            char other[17];
            tp_stream_hex(v->log->streams[v->ranks[rank].stream].stream_id, other);
            tp_problems_add(p, "rank %d has two MPI streams, %s and %s (one from another run?)", rank,
                other, hex);
        }
    }
    const Trainprov__V1__MpiEvent *root = v->ranks[0].init;
    for (int r = 0; r < v->world; r++) {
        const tp_rank_info *ri = &v->ranks[r];
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

static void stream_root(const tp_stream_data *s, uint8_t out[TP_HASH_LEN])
{
    tp_merkle m;
    tp_merkle_init(&m);
    for (size_t i = 0; i < s->n_records; i++)
        tp_merkle_append(&m, s->records[i].data, s->records[i].len);
    tp_merkle_root(&m, out);
}

static long find_stream(const tp_mpi_facts *v, uint64_t id)
{
    for (size_t s = 0; s < v->log->n_streams; s++)
        if (v->log->streams[s].stream_id == id)
            return (long)s;
    return -1;
}

static const Trainprov__V1__StreamEnd *stream_end(const tp_mpi_facts *v, size_t s)
{
    const tp_decoded_stream *d = &v->dec[s];
    const Trainprov__V1__Record *r = d->n ? d->records[d->n - 1] : NULL;
    return r && r->body_case == TRAINPROV__V1__RECORD__BODY_STREAM_END ? r->stream_end : NULL;
}

void tp_mpi_check_complete(const tp_mpi_facts *v, tp_problems *p)
{
    for (int r = 0; r < v->world; r++) {
        const tp_rank_info *ri = &v->ranks[r];
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
        fin = tp_mpi_event(d0->records[i], TP_MPI_FINALIZE);
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

struct json_object *tp_mpi_ranks_json(const tp_mpi_facts *v)
{
    struct json_object *a = json_object_new_array();
    for (int r = 0; r < v->world; r++) {
        const tp_rank_info *ri = &v->ranks[r];
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
