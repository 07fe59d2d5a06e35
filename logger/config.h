/* config.h: the library's settings, read once from the environment that
 * `trainprov run` prepared (docs/FORMAT.md section 7). Immutable after load. */
#ifndef TP_CONFIG_H
#define TP_CONFIG_H
#include <stddef.h>
#include <stdint.h>

#include "core/format.h"
#include "core/merkle.h"

#define TP_MAX_PATTERNS 128

typedef struct {
    char *items[TP_MAX_PATTERNS];
    size_t n;
} tp_pattern_list;

/* The launcher's identity of this process (RunStart.launcher, docs/FORMAT.md
 * section 9): -1 / "" where the launcher did not set a variable. */
typedef struct {
    char kind[16];              /* "torchrun", "env", "slurm" or "" (a zeroed config: "") */
    int32_t rank, local_rank, world_size, group_rank;
    char torchelastic_run_id[128];
    int32_t torchelastic_restart_count;
    char slurm_job_id[64], slurm_step_id[64];
    int32_t slurm_procid, slurm_nodeid, slurm_restart_count;
    int32_t node, nodes;        /* the `trainprov run` wrapper's (TRAINPROV_NODE_RANK/NODES) */
} tp_launcher;

typedef struct {
    char log_path[4096];
    char journal_dir[4096];
    char key_path[4096];
    char lib_path[4096];        /* this library, re-injected into exec'd children */
    uint8_t run_id[TP_RUN_ID_LEN];
    tp_pattern_list data_globs;
    tp_pattern_list checkpoint_globs;
    tp_pattern_list exclude_prefixes; /* system prefixes + TRAINPROV_EXCLUDE + own files */
    uint8_t exclude_sources[TP_MAX_PATTERNS]; /* enum tp_exclude_source of each */
    tp_pattern_list include_prefixes; /* TRAINPROV_INCLUDE: recorded even if excluded */
    uint64_t head_every;        /* sign a head after this many records */
    uint64_t head_interval_ms;  /* ... or when the last head is this old (records pending) */
    uint64_t exit_timeout_s;    /* how long exit waits for pending hashes */
    uint64_t test_hash_delay_ms; /* tests only: the worker waits this long between taking
                                    a file's identity and reading its bytes, so the tests
                                    can race the hash deterministically */
    /* exec hand-off: set when this image was exec'd by a traced process */
    uint64_t inherited_stream;
    uint64_t inherited_parent;
    char inherited_origin[16];
    /* under mpirun: this process tree's MPI_COMM_WORLD rank and size from the
     * launcher's environment (OMPI_COMM_WORLD_RANK/SIZE); -1 and 0 otherwise */
    int32_t mpi_rank;
    int32_t mpi_world_size;
    tp_launcher launcher;
    /* the evaluator's challenge (`trainprov run --challenge`), empty if none */
    uint8_t nonce[TP_NONCE_MAX];
    size_t nonce_len;
    uint8_t challenge[TP_CHALLENGE_MAX];
    size_t challenge_len;
    /* the previous segment's digest (`trainprov run --resume-from`), empty if none */
    uint8_t resume_from[TP_HASH_LEN];
    size_t resume_from_len;
} tp_config;

/* The names of the environment variables that must survive an exec. */
extern const char *const tp_config_env_names[];

/* Fills cfg from the environment. Returns 0 when logging should be active,
 * 1 when trainprov is simply not configured (no TRAINPROV_LOG), -1 on a
 * configuration error (msg says what to fix). */
int tp_config_load(tp_config *cfg, char *msg, size_t msglen);

#endif
