/* mpi_init.c: MPI_Init and MPI_Init_thread. After PMPI_Init succeeds, every
 * rank takes part in the run-id agreement (mpi_hooks.h): one PMPI_Bcast of
 * rank 0's run id and 32 fresh random bytes. The collective runs whether or
 * not this rank records, so that a rank without the logger never leaves the
 * others waiting; a rank that records writes an MpiEvent "init". */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "mpi_hooks/mpi_hooks.h"
#include "trainprov_mpi.h"
#include "core/vocab.h"

int tp_mpih_rank = -1, tp_mpih_world_size = 0;

static void fill_random(uint8_t *out, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = getrandom(out + got, n - got, 0);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    if (got < n) /* fail closed: an all-zero agreement is what run.binding rejects */
        memset(out, 0, n);
}

static void agree(void)
{
    uint8_t msg[TRAINPROV_MPI_RUN_ID_LEN + TRAINPROV_MPI_AGREEMENT_LEN] = {0};
    PMPI_Comm_rank(MPI_COMM_WORLD, &tp_mpih_rank);
    PMPI_Comm_size(MPI_COMM_WORLD, &tp_mpih_world_size);
    if (tp_mpih_rank == 0) {
        trainprov_mpi_run_id(msg);
        fill_random(msg + TRAINPROV_MPI_RUN_ID_LEN, TRAINPROV_MPI_AGREEMENT_LEN);
    }
    if (PMPI_Bcast(msg, (int)sizeof msg, MPI_BYTE, 0, MPI_COMM_WORLD) != MPI_SUCCESS ||
        !trainprov_mpi_active())
        return;
    uint8_t own[TRAINPROV_MPI_RUN_ID_LEN];
    trainprov_mpi_run_id(own);
    if (memcmp(own, msg, sizeof own) != 0)
        fprintf(stderr, "trainprov: MPI rank %d has another run id than rank 0: the ranks were "
                "not all started by `mpirun ... trainprov run` with the same --log; the log "
                "will fail run.binding\n", tp_mpih_rank);
    const char *job = getenv("PMIX_NAMESPACE");
    trainprov_mpi_event e = {.kind = tp_mpi_kind_name(TP_MPI_INIT),
                      .rank = tp_mpih_rank,
                      .world_size = tp_mpih_world_size,
                      .job = job && strlen(job) < TRAINPROV_MPI_TEXT_MAX ? job : "",
                      .agreed_run_id = msg,
                      .agreement = msg + TRAINPROV_MPI_RUN_ID_LEN};
    if (trainprov_mpi_post(&e) != 0)
        fprintf(stderr, "trainprov: MPI rank %d could not record its MPI_Init; the log will "
                "fail run.binding\n", tp_mpih_rank);
}

int MPI_Init(int *argc, char ***argv)
{
    int rc = PMPI_Init(argc, argv);
    if (rc == MPI_SUCCESS)
        agree();
    return rc;
}

int MPI_Init_thread(int *argc, char ***argv, int required, int *provided)
{
    int rc = PMPI_Init_thread(argc, argv, required, provided);
    if (rc == MPI_SUCCESS)
        agree();
    return rc;
}
