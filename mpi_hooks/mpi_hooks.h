/* mpi_hooks.h: state shared by the PMPI wrappers of libtrainprov-mpi.so.
 *
 * The run id (docs/FORMAT.md section 8). Records written before MPI_Init
 * already carry a run id, so it cannot be drawn at MPI_Init. Every rank's
 * `trainprov run` wrapper derives the same id on its own, without talking to
 * the others: the first 16 bytes of SHA-256("trainprov/v1/mpi-run-id" NUL
 * PMIX_NAMESPACE NUL log path). Open MPI's job id repeats over time, so the id
 * alone does not make a run unique: at MPI_Init, rank 0 draws 32 fresh random
 * bytes (the agreement) and broadcasts them with its run id; every rank
 * records both in an MpiEvent "init" with its rank and world size. A stream
 * from another job that happens to share the derived id carries another
 * agreement, and run.binding rejects it; a rank started by another wrapper
 * (another run id) is warned about at once and rejected by run.binding.
 *
 * Collective steps: only the agreement (MPI_Init) and the gathering of final
 * heads (MPI_Finalize). No other wrapper ever waits on another rank. */
#ifndef TP_MPI_HOOKS_H
#define TP_MPI_HOOKS_H
#include <stdint.h>

#include <mpi.h>

/* MPI_COMM_WORLD rank and size, set after the agreement (-1 / 0 before). */
extern int tp_mpih_rank, tp_mpih_world_size;

/* Ends the initial-broadcast phase (first MPI_Allreduce, or byte budget). */
void tp_mpih_end_initial_phase(void);
/* Posts the collective counters as "counters" records (one per op used). */
void tp_mpih_post_counters(void);

#endif
