/* settings.h: the TRAINPROV_* environment, each name defined once. `trainprov
 * run` sets them (cli/cmd_run.c), the preloaded library reads them
 * (logger/config.c, docs/FORMAT.md section 7), and the library hands the
 * stream hand-off ones to exec'd children (logger/runtime.c). */
#ifndef TP_SETTINGS_H
#define TP_SETTINGS_H

/* Set by `trainprov run` for the job; all survive an exec. */
#define TP_ENV_KEY "TRAINPROV_KEY"                   /* private signing key */
#define TP_ENV_LOG "TRAINPROV_LOG"                   /* the run log path */
#define TP_ENV_RUN_ID "TRAINPROV_RUN_ID"             /* 32 hex digits */
#define TP_ENV_DATA "TRAINPROV_DATA"                 /* ':'-separated globs (--data) */
#define TP_ENV_CHECKPOINTS "TRAINPROV_CHECKPOINTS"   /* ':'-separated globs (--checkpoint) */
#define TP_ENV_EXCLUDE "TRAINPROV_EXCLUDE"           /* ':'-separated path prefixes */
#define TP_ENV_INCLUDE "TRAINPROV_INCLUDE"           /* ':'-separated path prefixes */
#define TP_ENV_HEAD_EVERY "TRAINPROV_HEAD_EVERY"     /* records per signed head */
#define TP_ENV_HEAD_SECONDS "TRAINPROV_HEAD_SECONDS" /* seconds per signed head */
#define TP_ENV_EXIT_TIMEOUT "TRAINPROV_EXIT_TIMEOUT" /* seconds exit waits for hashes */
#define TP_ENV_NONCE "TRAINPROV_NONCE"               /* the challenge nonce, hex */
#define TP_ENV_CHALLENGE "TRAINPROV_CHALLENGE"       /* the challenge document, hex */
#define TP_ENV_RESUME_FROM "TRAINPROV_RESUME_FROM"   /* previous segment digest, hex (--resume-from) */
#define TP_ENV_NODE_RANK "TRAINPROV_NODE_RANK"       /* the wrapper's node (several nodes) */
#define TP_ENV_NODES "TRAINPROV_NODES"               /* how many wrappers share the log */

/* The stream hand-off from a traced process to the image it exec'd. */
#define TP_ENV_STREAM_ID "TRAINPROV_STREAM_ID"
#define TP_ENV_PARENT_STREAM "TRAINPROV_PARENT_STREAM"
#define TP_ENV_ORIGIN "TRAINPROV_ORIGIN"

/* Read by libtrainprov-mpi.so: bytes of initial broadcasts hashed. */
#define TP_ENV_MPI_BCAST_BUDGET "TRAINPROV_MPI_BCAST_BUDGET"

/* Read by the CLI only: where the libraries and the Python package are, and
 * how long `run` waits for a job's journals. */
#define TP_ENV_LIB "TRAINPROV_LIB"
#define TP_ENV_MPI_LIB "TRAINPROV_MPI_LIB"
#define TP_ENV_PYTHONDIR "TRAINPROV_PYTHONDIR"
#define TP_ENV_DRAIN_SECONDS "TRAINPROV_DRAIN_SECONDS"
#define TP_ENV_MPI_WAIT_SECONDS "TRAINPROV_MPI_WAIT_SECONDS"
/* `run` on several nodes (cli/run_nodes.c): the job identity when no option
 * or launcher gives it, and node 0's bounded wait. */
#define TP_ENV_JOB_ID "TRAINPROV_JOB_ID"
#define TP_ENV_NODE_WAIT_SECONDS "TRAINPROV_NODE_WAIT_SECONDS"

#endif
