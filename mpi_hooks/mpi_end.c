/* mpi_end.c: MPI_Finalize and MPI_Abort.
 *
 * MPI_Finalize: the counters are posted, every rank but 0 seals its stream
 * (StreamEnd "mpi_finalize", final signed head), and the final heads are
 * gathered to rank 0 (one PMPI_Gather of fixed-size entries; every rank takes
 * part even when it does not record, so nobody waits forever). Rank 0 records
 * them in an MpiEvent "finalize", then seals its own stream: its final head
 * signs the list. Then PMPI_Finalize. Nothing the process does after
 * MPI_Finalize is recorded. The entries travel as raw bytes: the ranks of one
 * job share one architecture.
 *
 * MPI_Abort: the counters are posted and the stream sealed with StreamEnd
 * "mpi_abort" and the error code, before PMPI_Abort kills the job. */
#include <stdlib.h>
#include <string.h>

#include "mpi_hooks/mpi_hooks.h"
#include "trainprov_mpi.h"
#include "core/vocab.h"

int MPI_Finalize(void)
{
    int initialized = 0;
    PMPI_Initialized(&initialized);
    if (!initialized)
        return PMPI_Finalize(); /* erroneous; MPI reports it */
    if (tp_mpih_rank < 0) { /* MPI was initialized without our MPI_Init */
        PMPI_Comm_rank(MPI_COMM_WORLD, &tp_mpih_rank);
        PMPI_Comm_size(MPI_COMM_WORLD, &tp_mpih_world_size);
    }
    trainprov_mpi_head mine;
    memset(&mine, 0, sizeof mine);
    if (trainprov_mpi_active())
        tp_mpih_post_counters();
    if (tp_mpih_rank != 0)
        trainprov_mpi_seal(tp_end_name(TP_END_MPI_FINALIZE), 0, &mine);
    mine.rank = tp_mpih_rank;
    trainprov_mpi_head *all = NULL;
    int have = 1;
    if (tp_mpih_rank == 0)
        have = (all = calloc((size_t)tp_mpih_world_size, sizeof *all)) != NULL;
    /* rank 0 says first whether it can receive the heads, so that nobody
     * sends into a gather rank 0 cannot take part in */
    int ok = PMPI_Bcast(&have, 1, MPI_INT, 0, MPI_COMM_WORLD) == MPI_SUCCESS && have &&
             PMPI_Gather(&mine, (int)sizeof mine, MPI_BYTE, all, (int)sizeof mine, MPI_BYTE, 0,
                         MPI_COMM_WORLD) == MPI_SUCCESS;
    if (tp_mpih_rank == 0) {
        if (ok && trainprov_mpi_active()) {
            trainprov_mpi_event e = {.kind = tp_mpi_kind_name(TP_MPI_FINALIZE),
                              .rank = 0,
                              .world_size = tp_mpih_world_size,
                              .ranks = all + 1,
                              .n_ranks = (size_t)tp_mpih_world_size - 1};
            trainprov_mpi_post(&e);
        }
        trainprov_mpi_seal(tp_end_name(TP_END_MPI_FINALIZE), 0, &mine);
        free(all);
    }
    return PMPI_Finalize();
}

int MPI_Abort(MPI_Comm comm, int errorcode)
{
    trainprov_mpi_head mine;
    if (trainprov_mpi_active()) {
        tp_mpih_post_counters();
        trainprov_mpi_event e = {.kind = tp_mpi_kind_name(TP_MPI_ABORT), .rank = tp_mpih_rank,
                          .world_size = tp_mpih_world_size};
        trainprov_mpi_post(&e);
    }
    trainprov_mpi_seal(tp_end_name(TP_END_MPI_ABORT), errorcode, &mine);
    return PMPI_Abort(comm, errorcode);
}
