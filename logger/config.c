/* config.c: parses the TRAINPROV_* environment into a tp_config, and builds
 * the exclusion list, each entry with its source (recorded in RunStart):
 * the read-only system locations (core/syspaths.h), --exclude, the Python
 * installation running the job, trainprov's own files (journals, log, key)
 * and the MPI launcher's session directories. An exclusion only skips
 * hashing: the worker still looks at the bytes of a file read there. */
#define _GNU_SOURCE
#include "logger/config.h"

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/hex.h"
#include "core/settings.h"
#include "core/sigboard.h"
#include "core/syspaths.h"
#include "core/vocab.h"

/* A SIGKILL loses at most the records younger than this (docs/PERFORMANCE.md
 * "Head interval": its cost, measured). */
#define HEAD_INTERVAL_DEFAULT_MS 1000

const char *const tp_config_env_names[] = {
    TP_ENV_KEY,         TP_ENV_LOG,          TP_ENV_RUN_ID,       TP_ENV_DATA,
    TP_ENV_CHECKPOINTS, TP_ENV_EXCLUDE,      TP_ENV_INCLUDE,      TP_ENV_HEAD_EVERY,
    TP_ENV_HEAD_SECONDS, TP_ENV_EXIT_TIMEOUT, TP_ENV_NONCE,       TP_ENV_CHALLENGE,
    TP_ENV_RESUME_FROM, TP_ENV_NODE_RANK, TP_ENV_NODES, TP_ENV_SIGNAL_BOARD, NULL,
};

static int add_pattern(tp_pattern_list *l, const char *s, size_t len)
{
    if (len == 0)
        return 0;
    if (l->n >= TP_MAX_PATTERNS)
        return -1;
    char *copy = strndup(s, len);
    if (!copy)
        return -1;
    l->items[l->n++] = copy;
    return 0;
}

static int add_exclusion(tp_config *cfg, const char *prefix, size_t len,
                         enum tp_exclude_source source)
{
    size_t n = cfg->exclude_prefixes.n;
    if (add_pattern(&cfg->exclude_prefixes, prefix, len) != 0)
        return -1;
    if (cfg->exclude_prefixes.n > n)
        cfg->exclude_sources[n] = (uint8_t)source;
    return 0;
}

/* Splits a ':'-separated list; relative entries are made absolute against cwd. */
static int add_list(tp_pattern_list *l, const char *value, const char *cwd)
{
    if (!value)
        return 0;
    while (*value) {
        const char *end = strchr(value, ':');
        size_t len = end ? (size_t)(end - value) : strlen(value);
        if (len && value[0] != '/' && cwd[0]) {
            char abs[PATH_MAX];
            int n = snprintf(abs, sizeof abs, "%s/%.*s", cwd, (int)len, value);
            if (n < 0 || (size_t)n >= sizeof abs || add_pattern(l, abs, (size_t)n) != 0)
                return -1;
        } else if (add_pattern(l, value, len) != 0) {
            return -1;
        }
        if (!end)
            break;
        value = end + 1;
    }
    return 0;
}

static uint64_t env_u64(const char *name, uint64_t dflt)
{
    const char *v = getenv(name);
    if (!v || !*v)
        return dflt;
    char *end;
    errno = 0;
    unsigned long long x = strtoull(v, &end, 10);
    return (errno || *end || x == 0) ? dflt : (uint64_t)x;
}

/* A duration in decimal seconds ("0.5", "2") as milliseconds, 10 ms to a
 * day; dflt when absent or malformed. */
static uint64_t env_ms(const char *name, uint64_t dflt)
{
    const char *v = getenv(name);
    if (!v || !*v)
        return dflt;
    char *end;
    errno = 0;
    double s = strtod(v, &end);
    return (errno || *end || !(s >= 0.01 && s <= 86400)) ? dflt : (uint64_t)(s * 1000 + 0.5);
}

/* An optional hex-encoded variable of at most cap bytes: its length, or -1. */
static long env_hex(const char *name, uint8_t *out, size_t cap)
{
    const char *v = getenv(name);
    size_t len = v ? strnlen(v, 2 * cap + 1) : 0;
    if (len == 0)
        return 0;
    return len % 2 == 0 && len <= 2 * cap && tp_hex_decode(v, out, len / 2) == 0 ? (long)(len / 2)
                                                                                : -1;
}

/* A launcher's decimal rank or size: 0..2^31-1, or -1 when absent or malformed. */
static int32_t env_mpi_int(const char *name)
{
    const char *v = getenv(name);
    if (!v || !*v || strlen(v) > 10)
        return -1;
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    return errno || *end || x < 0 || x > INT32_MAX ? -1 : (int32_t)x;
}

/* A launcher's text identity (job id, step id), "" when absent or too long. */
static void env_text(const char *name, char *out, size_t cap)
{
    const char *v = getenv(name);
    size_t len = v ? strnlen(v, cap) : 0;
    if (len < cap) {
        memcpy(out, v ? v : "", len);
        out[len] = '\0';
    } else {
        out[0] = '\0';
    }
}

/* torchrun's (or any launcher's) RANK / WORLD_SIZE, else srun's SLURM_PROCID /
 * SLURM_NTASKS, with the node, job and restart each launcher names. A rank
 * counts only with a world size it is below. */
static void load_launcher(tp_launcher *l)
{
    l->rank = env_mpi_int("RANK");
    l->world_size = env_mpi_int("WORLD_SIZE");
    l->local_rank = env_mpi_int("LOCAL_RANK");
    l->group_rank = env_mpi_int("GROUP_RANK");
    env_text("TORCHELASTIC_RUN_ID", l->torchelastic_run_id, sizeof l->torchelastic_run_id);
    l->torchelastic_restart_count = env_mpi_int("TORCHELASTIC_RESTART_COUNT");
    env_text("SLURM_JOB_ID", l->slurm_job_id, sizeof l->slurm_job_id);
    env_text("SLURM_STEP_ID", l->slurm_step_id, sizeof l->slurm_step_id);
    l->slurm_procid = env_mpi_int("SLURM_PROCID");
    l->slurm_nodeid = env_mpi_int("SLURM_NODEID");
    l->slurm_restart_count = env_mpi_int("SLURM_RESTART_COUNT");
    l->nodes = env_mpi_int(TP_ENV_NODES);
    l->node = env_mpi_int(TP_ENV_NODE_RANK);
    if (l->nodes < 2 || l->node < 0 || l->node >= l->nodes) {
        l->node = -1;
        l->nodes = 0;
    }
    l->kind[0] = '\0';
    if (l->rank >= 0 && l->rank < l->world_size) {
        strcpy(l->kind, l->torchelastic_run_id[0] ? "torchrun" : "env");
        return;
    }
    int32_t ntasks = env_mpi_int("SLURM_NTASKS");
    if (l->slurm_procid >= 0 && l->slurm_procid < ntasks) {
        strcpy(l->kind, "slurm");
        l->rank = l->slurm_procid;
        l->world_size = ntasks;
        if (l->local_rank < 0)
            l->local_rank = env_mpi_int("SLURM_LOCALID");
        return;
    }
    l->rank = l->world_size = -1;
}

static uint64_t env_stream_id(const char *name)
{
    uint8_t b[8];
    uint64_t v = 0;
    if (tp_hex_decode(getenv(name), b, 8) != 0)
        return 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | b[i];
    return v;
}

/* The Python installation is code the job did not choose to read: when the
 * executable is a python, its libraries are in lib/ of the prefix two levels
 * above it. Only lib/, never the whole prefix: a project that holds its own
 * interpreter (a venv made with --copies, a conda env in the project) would
 * otherwise hide the whole project. For /usr/bin/python3 it is /usr/lib/, a
 * system location already excluded. */
static int exclude_python_prefix(tp_config *cfg)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return 0;
    exe[n] = '\0';
    char *base = strrchr(exe, '/');
    if (!base || strncmp(base + 1, "python", 6) != 0)
        return 0;
    *base = '\0';
    char *bin = strrchr(exe, '/');
    if (!bin || bin == exe || (size_t)(bin - exe) + 6 > sizeof exe)
        return 0;
    memcpy(bin + 1, "lib/", 5); /* keep the trailing slash: a prefix of directories */
    if (tp_syspath_is_system(exe))
        return 0;
    return add_exclusion(cfg, exe, strlen(exe), TP_EXCLUDE_PYTHON);
}

/* Under mpirun, the launcher's session directories (PMIx stores) and the
 * shared-memory segment files of Open MPI's vader / sm transports (in
 * btl_vader_backing_directory, /dev/shm by default) are the MPI runtime's
 * own files, not the job's: each rank maps every peer's. */
static int exclude_launcher_dirs(tp_config *cfg)
{
    if (getenv("OMPI_COMM_WORLD_RANK")) {
        const char *dir = getenv("OMPI_MCA_btl_vader_backing_directory");
        static const char *const names[] = {"vader_segment.*", "sm_segment.*", NULL};
        if (!dir || dir[0] != '/')
            dir = "/dev/shm";
        for (const char *const *name = names; *name; name++) {
            char prefix[PATH_MAX];
            int n = snprintf(prefix, sizeof prefix, "%s/%s", dir, *name);
            if (n > 0 && (size_t)n < sizeof prefix &&
                add_exclusion(cfg, prefix, (size_t)n, TP_EXCLUDE_LAUNCHER) != 0)
                return -1;
        }
    }
    static const char *const vars[] = {"OMPI_MCA_orte_top_session_dir", "PMIX_SERVER_TMPDIR",
                                       NULL};
    int bad = 0;
    for (const char *const *v = vars; *v; v++) {
        const char *dir = getenv(*v);
        char prefix[PATH_MAX];
        if (!dir || dir[0] != '/' || !strcmp(dir, "/"))
            continue;
        int n = snprintf(prefix, sizeof prefix, "%s/", dir);
        if (n > 0 && (size_t)n < sizeof prefix)
            bad |= add_exclusion(cfg, prefix, (size_t)n, TP_EXCLUDE_LAUNCHER);
    }
    return bad;
}

int tp_config_load(tp_config *cfg, char *msg, size_t msglen)
{
    memset(cfg, 0, sizeof *cfg);
    const char *log = getenv(TP_ENV_LOG);
    const char *key = getenv(TP_ENV_KEY);
    const char *run = getenv(TP_ENV_RUN_ID);
    if (!log || !*log)
        return 1;
    if (!key || !*key || !run) {
        snprintf(msg, msglen, TP_ENV_LOG " is set but %s is not; start the job with `trainprov "
                 "run` (nothing will be recorded)", (!key || !*key) ? TP_ENV_KEY : TP_ENV_RUN_ID);
        return -1;
    }
    if (tp_hex_decode(run, cfg->run_id, sizeof cfg->run_id) != 0) {
        snprintf(msg, msglen, TP_ENV_RUN_ID " must be %d hex digits (nothing will be recorded)",
                 2 * TP_RUN_ID_LEN);
        return -1;
    }
    if (snprintf(cfg->log_path, sizeof cfg->log_path, "%s", log) >= (int)sizeof cfg->log_path ||
        tp_journal_dir_for(log, cfg->journal_dir, sizeof cfg->journal_dir) != 0 ||
        snprintf(cfg->key_path, sizeof cfg->key_path, "%s", key) >= (int)sizeof cfg->key_path) {
        snprintf(msg, msglen, TP_ENV_LOG " or " TP_ENV_KEY " path is too long");
        return -1;
    }
    Dl_info info;
    if (dladdr((void *)tp_config_load, &info) && info.dli_fname)
        snprintf(cfg->lib_path, sizeof cfg->lib_path, "%s", info.dli_fname);

    char cwd[PATH_MAX] = "";
    if (!getcwd(cwd, sizeof cwd))
        cwd[0] = '\0';
    int bad = add_list(&cfg->data_globs, getenv(TP_ENV_DATA), cwd) |
              add_list(&cfg->checkpoint_globs, getenv(TP_ENV_CHECKPOINTS), cwd) |
              add_list(&cfg->include_prefixes, getenv(TP_ENV_INCLUDE), cwd) |
              add_list(&cfg->exclude_prefixes, getenv(TP_ENV_EXCLUDE), cwd);
    for (size_t i = 0; i < cfg->exclude_prefixes.n; i++)
        cfg->exclude_sources[i] = TP_EXCLUDE_USER;
    for (const char *const *p = tp_system_prefixes; *p; p++)
        bad |= add_exclusion(cfg, *p, strlen(*p), TP_EXCLUDE_SYSTEM);
    char own[4200];
    int n = snprintf(own, sizeof own, "%s/", cfg->journal_dir);
    bad |= add_exclusion(cfg, own, (size_t)n, TP_EXCLUDE_TRAINPROV);
    bad |= add_exclusion(cfg, cfg->log_path, strlen(cfg->log_path), TP_EXCLUDE_TRAINPROV);
    bad |= add_exclusion(cfg, cfg->key_path, strlen(cfg->key_path), TP_EXCLUDE_TRAINPROV);
    bad |= exclude_python_prefix(cfg);
    bad |= exclude_launcher_dirs(cfg);
    if (bad) {
        snprintf(msg, msglen, "too many or too long TRAINPROV_DATA/CHECKPOINTS/EXCLUDE/INCLUDE "
                 "entries (at most %d each, the built-in exclusions included)", TP_MAX_PATTERNS);
        return -1;
    }
    long nonce = env_hex(TP_ENV_NONCE, cfg->nonce, sizeof cfg->nonce);
    long challenge = env_hex(TP_ENV_CHALLENGE, cfg->challenge, sizeof cfg->challenge);
    if (nonce < 0 || challenge < 0) {
        snprintf(msg, msglen, TP_ENV_NONCE " (at most %d bytes) or " TP_ENV_CHALLENGE " (at most "
                 "%d bytes) is not hex; start the job with `trainprov run --challenge`",
                 TP_NONCE_MAX, TP_CHALLENGE_MAX);
        return -1;
    }
    cfg->nonce_len = (size_t)nonce;
    cfg->challenge_len = (size_t)challenge;
    long resume = env_hex(TP_ENV_RESUME_FROM, cfg->resume_from, sizeof cfg->resume_from);
    if (resume != 0 && resume != TP_HASH_LEN) {
        snprintf(msg, msglen, TP_ENV_RESUME_FROM " is not %d hex digits; start the job with "
                 "`trainprov run --resume-from PREV.h5`", 2 * TP_HASH_LEN);
        return -1;
    }
    cfg->resume_from_len = (size_t)resume;
    cfg->mpi_rank = env_mpi_int("OMPI_COMM_WORLD_RANK");
    cfg->mpi_world_size = env_mpi_int("OMPI_COMM_WORLD_SIZE");
    if (cfg->mpi_rank < 0 || cfg->mpi_world_size <= cfg->mpi_rank) {
        cfg->mpi_rank = -1;
        cfg->mpi_world_size = 0;
    }
    load_launcher(&cfg->launcher);
    cfg->head_every = env_u64(TP_ENV_HEAD_EVERY, 1000);
    cfg->head_interval_ms = env_ms(TP_ENV_HEAD_SECONDS, HEAD_INTERVAL_DEFAULT_MS);
    cfg->exit_timeout_s = env_u64(TP_ENV_EXIT_TIMEOUT, 120);
    cfg->test_hash_delay_ms = env_u64("TRAINPROV_TEST_HASH_DELAY_MS", 0);
    cfg->inherited_stream = env_stream_id(TP_ENV_STREAM_ID);
    cfg->inherited_parent = env_stream_id(TP_ENV_PARENT_STREAM);
    const char *origin = getenv(TP_ENV_ORIGIN);
    snprintf(cfg->inherited_origin, sizeof cfg->inherited_origin, "%s",
             origin && cfg->inherited_stream ? origin : "");
    return 0;
}
