/* launch_facts.h: the ranks and nodes of a job started without MPI, by
 * torchrun, srun or several `trainprov run` wrappers sharing one log, as
 * every stream's RunStart.launcher records them (docs/FORMAT.md section 9),
 * derived once before the claims run. A rank's stream is the first process
 * of that rank (a stream whose parent is not of the same rank: DataLoader
 * workers and other children are not); an elastic restart gives a rank
 * several, and its latest (by restart count, then RunStart time) is the one
 * that must end. torchrun counts restarts per node (GROUP_RANK; SLURM_NODEID
 * under srun): every rank must have a stream of its node's latest restart.
 * When both torchrun's RANK and srun's SLURM_PROCID are there (torchrun
 * under srun), the ranks are torchrun's. run.binding calls
 * tp_launch_check_binding (every rank and every node present, every rank of
 * one job), log.complete tp_launch_check_complete (every rank's latest
 * stream ended). A log without launcher records has world 0 and nodes 0. */
#ifndef TP_LAUNCH_FACTS_H
#define TP_LAUNCH_FACTS_H
#include <stddef.h>
#include <stdint.h>

#include "runlog/records.h"
#include "runlog/runlog.h"
#include "verify/problems.h"

typedef struct {
    long latest;          /* its latest rank stream (restart count, then time), -1 */
    size_t attempts;      /* its rank streams (1 + elastic restarts it took part in) */
    int restart;          /* the latest stream's restart count (0 when not set) */
    int node_restart;     /* the highest restart count of any rank on its node */
} tp_launch_rank;

typedef struct {
    const tp_runlog *log;
    const tp_decoded_stream *dec;
    const char *kind;     /* "torchrun", "env", "slurm"; "" when world is 0 */
    int world;            /* ranks 0..world-1; 0 when no stream names a launcher rank */
    tp_launch_rank *ranks;
    int nodes;            /* `trainprov run` wrappers that shared the log; 0 for one */
    long *node_root;      /* per node: its wrapper's root stream, -1 when none */
    int restarts;         /* the highest restart count any stream names */
    const char *job;      /* the job id of rank 0's latest stream ("" if none) */
} tp_launch_facts;

/* 0, or -1 when out of memory. */
int tp_launch_facts_init(tp_launch_facts *f, const tp_runlog *log, const tp_decoded_stream *dec);
void tp_launch_facts_free(tp_launch_facts *f);

/* The stream's launcher record, NULL when it has none. */
const Trainprov__V1__Launcher *tp_launch_of(const tp_decoded_stream *d);
/* The restart count a launcher record names (torchrun's, else SLURM's), -1. */
int tp_launch_restart(const Trainprov__V1__Launcher *l);

/* run.binding: every rank 0..world-1 has a stream of its node's latest
 * restart, every rank stream names the same job, every node 0..nodes-1 has
 * its wrapper's root stream. */
void tp_launch_check_binding(const tp_launch_facts *f, tp_problems *p);
/* log.complete: every rank's latest stream ended (StreamEnd). */
void tp_launch_check_complete(const tp_launch_facts *f, tp_problems *p);

#endif
