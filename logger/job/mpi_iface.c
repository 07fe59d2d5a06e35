/* mpi_iface.c: the private interface of include/trainprov_mpi.h. Posting
 * builds the MpiEvent message and everything it points to in one malloc block (the
 * worker frees events' bodies with one free), so the record is serialized
 * once, by the worker, like every other record. */
#define _GNU_SOURCE
#include "trainprov_mpi.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "logger/job/guard.h"
#include "logger/runtime.h"
#include "proto/trainprov.pb-c.h"

#define TP_EXPORT __attribute__((visibility("default")))

TP_EXPORT int trainprov_mpi_active(void) { return tp_runtime_recording(); }

TP_EXPORT void trainprov_mpi_run_id(uint8_t out[TRAINPROV_MPI_RUN_ID_LEN])
{
    if (tp_runtime_recording())
        memcpy(out, tp_cfg.run_id, TRAINPROV_MPI_RUN_ID_LEN);
    else
        memset(out, 0, TRAINPROV_MPI_RUN_ID_LEN);
}

/* A bump allocator over the event's single block. */
typedef struct {
    uint8_t *next;
} arena;

static void *take(arena *a, size_t n)
{
    void *p = a->next;
    a->next += (n + 7) & ~(size_t)7;
    return p;
}

static size_t text_size(const char *s) { return s ? ((strlen(s) + 1 + 7) & ~(size_t)7) : 0; }

static char *copy_text(arena *a, const char *s)
{
    if (!s)
        return (char *)"";
    size_t n = strlen(s) + 1;
    return memcpy(take(a, n), s, n);
}

static ProtobufCBinaryData copy_bytes(arena *a, const uint8_t *b, size_t n)
{
    ProtobufCBinaryData d = {0, NULL};
    if (b) {
        d.data = memcpy(take(a, n), b, n);
        d.len = n;
    }
    return d;
}

static int texts_ok(const trainprov_mpi_event *e)
{
    const char *t[] = {e->kind, e->op, e->job, e->note};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (t[i] && strnlen(t[i], TRAINPROV_MPI_TEXT_MAX) == TRAINPROV_MPI_TEXT_MAX)
            return 0;
    return e->kind != NULL;
}

static Trainprov__V1__MpiEvent *build(const trainprov_mpi_event *e)
{
    size_t per_rank = sizeof(Trainprov__V1__MpiRankHead *) + sizeof(Trainprov__V1__MpiRankHead) +
                      TRAINPROV_MPI_DIGEST_LEN + 24;
    size_t size = sizeof(Trainprov__V1__MpiEvent) + 8 + text_size(e->kind) + text_size(e->op) +
                  text_size(e->job) + text_size(e->note) + TRAINPROV_MPI_DIGEST_LEN +
                  TRAINPROV_MPI_RUN_ID_LEN + TRAINPROV_MPI_AGREEMENT_LEN + e->n_ranks * per_rank;
    uint8_t *block = calloc(1, size);
    if (!block)
        return NULL;
    arena a = {block};
    Trainprov__V1__MpiEvent *m = take(&a, sizeof *m);
    trainprov__v1__mpi_event__init(m);
    m->kind = copy_text(&a, e->kind);
    m->op = copy_text(&a, e->op);
    m->job = copy_text(&a, e->job);
    m->note = copy_text(&a, e->note);
    m->root = e->root;
    m->rank = e->rank;
    m->world_size = e->world_size;
    m->comm_size = e->comm_size;
    m->bytes = e->bytes;
    m->calls = e->calls;
    m->index = e->index;
    m->sha256 = copy_bytes(&a, e->sha256, TRAINPROV_MPI_DIGEST_LEN);
    m->agreed_run_id = copy_bytes(&a, e->agreed_run_id, TRAINPROV_MPI_RUN_ID_LEN);
    m->agreement = copy_bytes(&a, e->agreement, TRAINPROV_MPI_AGREEMENT_LEN);
    if (e->n_ranks) {
        m->ranks = take(&a, e->n_ranks * sizeof *m->ranks);
        m->n_ranks = e->n_ranks;
        for (size_t i = 0; i < e->n_ranks; i++) {
            Trainprov__V1__MpiRankHead *h = take(&a, sizeof *h);
            trainprov__v1__mpi_rank_head__init(h);
            h->rank = e->ranks[i].rank;
            h->stream_id = e->ranks[i].stream_id;
            h->tree_size = e->ranks[i].tree_size;
            if (e->ranks[i].has_root)
                h->root = copy_bytes(&a, e->ranks[i].root, TRAINPROV_MPI_DIGEST_LEN);
            m->ranks[i] = h;
        }
    }
    return m;
}

TP_EXPORT int trainprov_mpi_post(const trainprov_mpi_event *e)
{
    if (!tp_runtime_recording() || !texts_ok(e) || e->n_ranks > TRAINPROV_MPI_MAX_RANKS)
        return -1;
    tp_guard_enter();
    tp_event *ev = tp_event_new(TP_EV_MPI, NULL, NULL);
    int rc = -1;
    if (ev && (ev->body = build(e)) != NULL) {
        tp_runtime_post(ev);
        rc = 0;
    } else {
        tp_event_free(ev);
    }
    tp_guard_leave();
    return rc;
}

TP_EXPORT int trainprov_mpi_sha256(const void *data, size_t len,
                                   uint8_t out[TRAINPROV_MPI_DIGEST_LEN])
{
    unsigned int out_len = 0;
    tp_guard_enter();
    int ok = EVP_Digest(data, len, out, &out_len, EVP_sha256(), NULL) == 1 &&
             out_len == TRAINPROV_MPI_DIGEST_LEN;
    tp_guard_leave();
    return ok ? 0 : -1;
}

TP_EXPORT int trainprov_mpi_seal(const char *reason, int status, trainprov_mpi_head *out)
{
    memset(out, 0, sizeof *out);
    out->stream_id = tp_runtime_stream_id();
    if (!out->stream_id)
        return -1;
    tp_runtime_shutdown(reason, status);
    if (tp_worker_final_head(&out->tree_size, out->root) != 0)
        return -1;
    out->has_root = 1;
    return 0;
}
