/* trainprov_mpi.h: the small private interface between libtrainprov.so and
 * libtrainprov-mpi.so (mpi_hooks/). The MPI library owns no stream: it asks
 * this library for the run id, posts MPI events (turned into MpiEvent records
 * by the worker thread) and seals the stream at MPI_Finalize / MPI_Abort,
 * getting the final signed head back to gather on rank 0. These trainprov_mpi_*
 * symbols are exported (libtrainprov.map) but are not public API: they may
 * change with any release, and nothing but libtrainprov-mpi.so calls them. */
#ifndef TP_MPI_IFACE_H
#define TP_MPI_IFACE_H
#include <stddef.h>
#include <stdint.h>

#include "core/format.h"

#define TRAINPROV_MPI_RUN_ID_LEN TP_RUN_ID_LEN
#define TRAINPROV_MPI_DIGEST_LEN 32
#define TRAINPROV_MPI_AGREEMENT_LEN 32
#define TRAINPROV_MPI_TEXT_MAX 256        /* kind, op, job, note: longer is refused */
#define TRAINPROV_MPI_MAX_RANKS 100000    /* ranks listed in one "finalize" record */

/* One rank's final signed head (has_root 0: that rank could not seal). */
typedef struct {
    int32_t rank;
    int32_t has_root;
    uint64_t stream_id;
    uint64_t tree_size;
    uint8_t root[TRAINPROV_MPI_DIGEST_LEN];
} trainprov_mpi_head;

/* An MpiEvent (proto/trainprov.proto); NULL pointers and zeros are absent
 * fields. trainprov_mpi_post copies everything. */
typedef struct {
    const char *kind, *op, *job, *note;
    int32_t root, rank, world_size, comm_size;
    uint64_t bytes, calls, index;
    const uint8_t *sha256;         /* TRAINPROV_MPI_DIGEST_LEN bytes */
    const uint8_t *agreed_run_id;  /* TRAINPROV_MPI_RUN_ID_LEN bytes */
    const uint8_t *agreement;      /* TRAINPROV_MPI_AGREEMENT_LEN bytes */
    const trainprov_mpi_head *ranks;
    size_t n_ranks;
} trainprov_mpi_event;

/* 1 while this process's stream records. */
int trainprov_mpi_active(void);
/* This run's id (all zero when not recording). */
void trainprov_mpi_run_id(uint8_t out[TRAINPROV_MPI_RUN_ID_LEN]);
/* Queues an MpiEvent record; never blocks on I/O. 0, or -1 (not recording,
 * a text too long, too many ranks, out of memory). */
int trainprov_mpi_post(const trainprov_mpi_event *e);
/* SHA-256 of len bytes at data into out (TRAINPROV_MPI_DIGEST_LEN bytes),
 * with this library's own libcrypto: libtrainprov-mpi.so then loads no
 * libcrypto of its own. 0, or -1. */
int trainprov_mpi_sha256(const void *data, size_t len, uint8_t out[TRAINPROV_MPI_DIGEST_LEN]);
/* Seals the stream now (StreamEnd with reason and status, final head) and
 * fills out with its final head. Waits at most TRAINPROV_EXIT_TIMEOUT for
 * pending hashes. 0, or -1 when the stream was not sealed (out->has_root 0). */
int trainprov_mpi_seal(const char *reason, int status, trainprov_mpi_head *out);

#endif
