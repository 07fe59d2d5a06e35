/* claims_mpi.h: the cross-rank checks of an MPI run (docs/CLAIMS.md):
 * the claim mpi.init_consistent, and the rank checks added to log.complete
 * (every rank's stream present and final, as rank 0 gathered them at
 * MPI_Finalize) and run.binding (every rank of the job exactly once, all
 * with rank 0's MPI_Init agreement). A log without MPI records is left alone
 * and mpi.init_consistent is unknown. */
#ifndef TP_CLAIMS_MPI_H
#define TP_CLAIMS_MPI_H
#include "verify/claims.h"
#include "runlog/records.h"
#include "runlog/runlog.h"

#define TP_CLAIM_MPI_ID "mpi.init_consistent"
#define TP_CLAIM_MPI_DOES_NOT_PROVE                                                            \
    "that the ranks trained from these parameters afterwards, or anything about broadcasts "   \
    "after the first MPI_Allreduce; only that every rank received the same initial "           \
    "broadcasts as rank 0"

/* Evaluates mpi.init_consistent into cl and adds the rank problems to the
 * already concluded complete and binding claims (a pass becomes a fail). */
void tp_claims_mpi(const tp_runlog *log, const tp_decoded_stream *dec, tp_claim *cl,
                   tp_claim *complete, tp_claim *binding);

#endif
