/* mpi_collectives.c: MPI_Bcast digests during the initial parameter
 * broadcast, and counters for MPI_Allreduce / MPI_Reduce / MPI_Allgather.
 *
 * The initial phase lasts from MPI_Init to the first MPI_Allreduce, or until
 * TRAINPROV_MPI_BCAST_BUDGET bytes (default 16 GiB) were broadcast. In it,
 * each MPI_Bcast's buffer is hashed (SHA-256) after the call, on the root and
 * on every receiver, and recorded with its index, world root and size: the
 * evidence of mpi.init_consistent. Afterwards MPI_Bcast is passed through.
 *
 * The reductions are the training loop's hot path: a wrapper only adds to
 * two atomic counters (no hashing, no allocation, no lock); every 16384th
 * call of an op also reads the clock, and once a minute the counters are
 * posted as "counters" records (and always at MPI_Finalize / MPI_Abort). */
#define _GNU_SOURCE
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mpi_hooks/mpi_hooks.h"
#include "trainprov_mpi.h"
#include "core/settings.h"
#include "core/vocab.h"

#define BUDGET_DEFAULT (16ull << 30)
#define SUMMARY_EVERY_CALLS 16384u
#define SUMMARY_SECONDS 60

static atomic_ullong op_calls[TP_mpi_op_count], op_bytes[TP_mpi_op_count]; /* by enum tp_mpi_op */
static atomic_llong last_summary_s;

static atomic_int initial_over;
static atomic_ullong bcast_index, bcast_bytes;
static unsigned long long budget;
static atomic_int budget_read;

void tp_mpih_end_initial_phase(void) { atomic_store(&initial_over, 1); }

static unsigned long long bcast_budget(void)
{
    if (!atomic_load(&budget_read)) {
        const char *v = getenv(TP_ENV_MPI_BCAST_BUDGET);
        char *end;
        unsigned long long b = v && *v ? strtoull(v, &end, 10) : 0;
        budget = v && *v && !*end && b ? b : BUDGET_DEFAULT;
        atomic_store(&budget_read, 1);
    }
    return budget;
}

/* The communicator's root as a rank of MPI_COMM_WORLD (-1 when unknown). */
static int world_root(MPI_Comm comm, int root)
{
    if (comm == MPI_COMM_WORLD)
        return root;
    MPI_Group g, wg;
    int w = -1;
    if (PMPI_Comm_group(comm, &g) != MPI_SUCCESS)
        return -1;
    if (PMPI_Comm_group(MPI_COMM_WORLD, &wg) == MPI_SUCCESS) {
        if (PMPI_Group_translate_ranks(g, 1, &root, wg, &w) != MPI_SUCCESS ||
            w == MPI_UNDEFINED)
            w = -1;
        PMPI_Group_free(&wg);
    }
    PMPI_Group_free(&g);
    return w;
}

static void record_bcast(const void *buf, int count, MPI_Datatype dt, int root, MPI_Comm comm)
{
    int size = 0, comm_size = 0;
    MPI_Aint lb = 0, extent = 0;
    if (PMPI_Type_size(dt, &size) != MPI_SUCCESS ||
        PMPI_Type_get_true_extent(dt, &lb, &extent) != MPI_SUCCESS || count < 0)
        return;
    PMPI_Comm_size(comm, &comm_size);
    unsigned long long bytes = (unsigned long long)count * (unsigned long long)size;
    if (atomic_fetch_add(&bcast_bytes, bytes) + bytes > bcast_budget()) {
        tp_mpih_end_initial_phase();
        return;
    }
    uint8_t digest[TRAINPROV_MPI_DIGEST_LEN];
    int contiguous = lb == 0 && extent == size;
    trainprov_mpi_event e = {.kind = tp_mpi_kind_name(TP_MPI_BCAST),
                      .rank = tp_mpih_rank,
                      .world_size = tp_mpih_world_size,
                      .root = world_root(comm, root),
                      .comm_size = comm_size,
                      .bytes = bytes,
                      .index = atomic_fetch_add(&bcast_index, 1)};
    if (!contiguous)
        e.note = "noncontiguous datatype: not hashed";
    else if (trainprov_mpi_sha256(buf, (size_t)bytes, digest) == 0)
        e.sha256 = digest;
    else
        e.note = "hashing failed";
    trainprov_mpi_post(&e);
}

int MPI_Bcast(void *buf, int count, MPI_Datatype dt, int root, MPI_Comm comm)
{
    int rc = PMPI_Bcast(buf, count, dt, root, comm);
    if (rc == MPI_SUCCESS && !atomic_load_explicit(&initial_over, memory_order_relaxed) &&
        trainprov_mpi_active())
        record_bcast(buf, count, dt, root, comm);
    return rc;
}

void tp_mpih_post_counters(void)
{
    for (int op = TP_MPI_OP_UNKNOWN + 1; op < TP_mpi_op_count; op++) {
        unsigned long long calls = atomic_load(&op_calls[op]);
        if (!calls)
            continue;
        trainprov_mpi_event e = {.kind = tp_mpi_kind_name(TP_MPI_COUNTERS),
                          .op = tp_mpi_op_name((enum tp_mpi_op)op),
                          .rank = tp_mpih_rank,
                          .world_size = tp_mpih_world_size,
                          .calls = calls,
                          .bytes = atomic_load(&op_bytes[op])};
        trainprov_mpi_post(&e);
    }
}

static void count(int op, int n, MPI_Datatype dt)
{
    int size = 0;
    PMPI_Type_size(dt, &size);
    atomic_fetch_add_explicit(&op_bytes[op], (unsigned long long)n * (unsigned)size,
                              memory_order_relaxed);
    unsigned long long calls = atomic_fetch_add_explicit(&op_calls[op], 1, memory_order_relaxed);
    if (calls % SUMMARY_EVERY_CALLS != SUMMARY_EVERY_CALLS - 1)
        return;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long long last = atomic_load(&last_summary_s);
    if (now.tv_sec - last >= SUMMARY_SECONDS &&
        atomic_compare_exchange_strong(&last_summary_s, &last, (long long)now.tv_sec) &&
        trainprov_mpi_active())
        tp_mpih_post_counters();
}

int MPI_Allreduce(const void *sendbuf, void *recvbuf, int n, MPI_Datatype dt, MPI_Op op,
                  MPI_Comm comm)
{
    if (!atomic_load_explicit(&initial_over, memory_order_relaxed))
        tp_mpih_end_initial_phase();
    count(TP_MPI_OP_ALLREDUCE, n, dt);
    return PMPI_Allreduce(sendbuf, recvbuf, n, dt, op, comm);
}

int MPI_Reduce(const void *sendbuf, void *recvbuf, int n, MPI_Datatype dt, MPI_Op op, int root,
               MPI_Comm comm)
{
    count(TP_MPI_OP_REDUCE, n, dt);
    return PMPI_Reduce(sendbuf, recvbuf, n, dt, op, root, comm);
}

int MPI_Allgather(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf,
                  int recvcount, MPI_Datatype recvtype, MPI_Comm comm)
{
    if (sendbuf == MPI_IN_PLACE)
        count(TP_MPI_OP_ALLGATHER, recvcount, recvtype);
    else
        count(TP_MPI_OP_ALLGATHER, sendcount, sendtype);
    return PMPI_Allgather(sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, comm);
}
