/* run_nodes.h: `trainprov run` on several nodes without MPI (torchrun with
 * --nnodes, srun): one wrapper per node, all with the same --log on a shared
 * file system, give one log. The wrappers never talk to each other: they
 * meet in the journal directory (docs/FORMAT.md section 9). The first to
 * arrive draws the run id and publishes it with the job's identity in one
 * file created atomically; the others adopt it, or refuse when it names
 * another job. Each node registers once (O_EXCL), marks itself done when its
 * job and descendants ended, and node 0's wrapper writes the log once every
 * node is done, waiting at most TRAINPROV_NODE_WAIT_SECONDS. */
#ifndef TP_RUN_NODES_H
#define TP_RUN_NODES_H
#include <stddef.h>
#include <stdint.h>

#define TP_RUN_NODES_JOB_MAX 256
#define TP_RUN_NODES_MAX 65536

typedef struct {
    int on;                          /* several wrappers share the log */
    int node, nodes;                 /* this wrapper's node rank, how many */
    char job[TP_RUN_NODES_JOB_MAX];  /* "<source>:<id>", the same on every node */
    const char *source;              /* "option", "slurm", "torchrun" */
} tp_run_nodes;

/* The node options of `trainprov run` (NULL when not given). */
typedef struct {
    const char *nodes, *node_rank, *job_id;
} tp_run_nodes_args;

/* Fills n from the options (--nodes, --node-rank, --job-id, or
 * TRAINPROV_NODES / TRAINPROV_NODE_RANK / TRAINPROV_JOB_ID), else from srun
 * (SLURM_STEP_NUM_TASKS > 1: SLURM_PROCID of SLURM_STEP_NUM_TASKS, job
 * SLURM_JOB_ID.SLURM_STEP_ID and SLURM_RESTART_COUNT), else from torchrun's
 * own variables (PET_NNODES > 1, PET_NODE_RANK, PET_RDZV_ID). One node is
 * off. 0, or -1 with err for values that are there but unusable. */
int tp_run_nodes_detect(tp_run_nodes *n, const tp_run_nodes_args *a, char *err, size_t errlen);

/* Before the job: meets the other nodes in the journal directory dir (made
 * 0700 unless there): adopts the run id published there or publishes
 * run_id (drawn by the caller), refuses a directory another job uses or
 * journals of another run, and registers this node. On success run_id holds
 * the run's id and the directory's descriptor is returned; -1 with err. */
int tp_run_nodes_join(const tp_run_nodes *n, const char *dir, uint8_t run_id[16], char *err,
                      size_t errlen);

/* The environment of the job (in the forked child): TRAINPROV_NODE_RANK and
 * TRAINPROV_NODES when on, both unset otherwise. 0 or -1 (errno). */
int tp_run_nodes_env(const tp_run_nodes *n);

/* A node other than 0, after its job and descendants ended: marks it done
 * and says who writes the log. */
void tp_run_nodes_done(const tp_run_nodes *n, const char *dir, const char *log);

/* Node 0, after its own job and descendants ended: waits until every node
 * is done, at most TRAINPROV_NODE_WAIT_SECONDS (default 60), then removes
 * the meeting files so the journals can be assembled. 0, or -1 after
 * printing which nodes never joined or never finished (journals kept). */
int tp_run_nodes_wait(const tp_run_nodes *n, const char *dir, const char *log);

#endif
