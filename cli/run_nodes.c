/* run_nodes.c: `trainprov run` on several nodes without MPI (run_nodes.h).
 *
 * The meeting files, all in the journal directory (docs/FORMAT.md section 9):
 *   nodes.run       "trainprov-nodes 1\njob JOB\nnodes N\nrun HEX32\n": the run
 *                   id, published by the first wrapper to arrive (written to a
 *                   temporary name, then link()ed into place: it appears whole
 *                   or not at all, and exactly one wrapper wins)
 *   node-R.joined   node R's wrapper started (created O_EXCL: a second wrapper
 *                   with the same node rank, or a stale directory of an earlier
 *                   run of the same job, is refused)
 *   node-R.done     node R's job and its descendants ended
 * Node 0 removes them before it assembles the journals. */
#define _GNU_SOURCE
#include "cli/run_nodes.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/run_mpi.h"
#include "cli/parse_count.h"
#include "core/hex.h"
#include "core/settings.h"
#include "runlog/journal_load.h"

#define RUN_FILE "nodes.run"
#define RUN_FILE_MAX 1024
#define WAIT_DEFAULT_SECONDS 60
#define WAIT_MAX_SECONDS 86400
#define POLL_NS (200 * 1000 * 1000)

static const char *env_or(const char *given, const char *name)
{
    if (given)
        return given;
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

/* "<source>:<id>[.<more>]" into n->job; -1 when it does not fit or holds a
 * newline (the meeting file is line-based). */
static int set_job(tp_run_nodes *n, const char *id, const char *more, const char *more2)
{
    int len = snprintf(n->job, sizeof n->job, "%s:%s%s%s%s%s", n->source, id, more ? "." : "",
                       more ? more : "", more2 ? "." : "", more2 ? more2 : "");
    return len < 0 || (size_t)len >= sizeof n->job || strpbrk(n->job, "\n\r") ? -1 : 0;
}

static int from_options(tp_run_nodes *n, const char *nodes, const char *rank, const char *job,
                        char *err, size_t errlen)
{
    n->source = "option";
    if (tp_parse_count(nodes, &n->nodes) != 0 || n->nodes < 1 || n->nodes > TP_RUN_NODES_MAX) {
        snprintf(err, errlen, "--nodes / " TP_ENV_NODES " must be 1..%d, not '%s'",
                 TP_RUN_NODES_MAX, nodes);
        return -1;
    }
    if (n->nodes == 1)
        return 0;
    if (!rank || tp_parse_count(rank, &n->node) != 0 || n->node >= n->nodes) {
        snprintf(err, errlen, "--nodes %d needs --node-rank (or " TP_ENV_NODE_RANK ") 0..%d, "
                 "not '%s'", n->nodes, n->nodes - 1, rank ? rank : "(unset)");
        return -1;
    }
    if (!job) { /* the launcher's own job id, when there is one */
        const char *slurm = getenv("SLURM_JOB_ID"), *pet = getenv("PET_RDZV_ID");
        job = slurm && *slurm ? slurm : pet && *pet && strcmp(pet, "none") ? pet : NULL;
    }
    if (!job) {
        snprintf(err, errlen, "--nodes %d needs a job id, the same on every node and new for "
                 "every job: --job-id ID (or " TP_ENV_JOB_ID "; torchrun's --rdzv_id will do)",
                 n->nodes);
        return -1;
    }
    if (set_job(n, job, NULL, NULL) != 0) {
        snprintf(err, errlen, "the job id '%.64s...' is longer than %d characters or holds a "
                 "newline", job, TP_RUN_NODES_JOB_MAX - 16);
        return -1;
    }
    n->on = 1;
    return 0;
}

/* srun: one wrapper per task of the step. */
static int from_slurm(tp_run_nodes *n, char *err, size_t errlen)
{
    const char *tasks = getenv("SLURM_STEP_NUM_TASKS"), *procid = getenv("SLURM_PROCID");
    const char *job = getenv("SLURM_JOB_ID"), *step = getenv("SLURM_STEP_ID");
    const char *restarts = getenv("SLURM_RESTART_COUNT");
    int count;
    if (!tasks || !job || !*job || tp_parse_count(tasks, &count) != 0 || count < 2)
        return 0;
    n->source = "slurm";
    n->nodes = count;
    if (count > TP_RUN_NODES_MAX || tp_parse_count(procid, &n->node) != 0 || n->node >= count) {
        snprintf(err, errlen, "under srun, but SLURM_PROCID=%s / SLURM_STEP_NUM_TASKS=%s are not "
                 "a task of the step (at most %d tasks)", procid ? procid : "(unset)", tasks,
                 TP_RUN_NODES_MAX);
        return -1;
    }
    if (set_job(n, job, step && *step ? step : "0",
                restarts && *restarts ? restarts : "0") != 0) {
        snprintf(err, errlen, "SLURM_JOB_ID / SLURM_STEP_ID / SLURM_RESTART_COUNT are too long");
        return -1;
    }
    n->on = 1;
    return 0;
}

/* torchrun reads its options from PET_* variables too: a wrapper started
 * with the same variables knows the node without options. */
static int from_torchrun(tp_run_nodes *n, char *err, size_t errlen)
{
    const char *nn = getenv("PET_NNODES"), *rank = getenv("PET_NODE_RANK");
    const char *id = getenv("PET_RDZV_ID");
    if (!nn || !*nn)
        return 0;
    char fixed[24];
    const char *colon = strchr(nn, ':'); /* "MIN:MAX": only a fixed size (MIN = MAX) */
    size_t len = colon ? (size_t)(colon - nn) : strlen(nn);
    if (len >= sizeof fixed ||
        (colon && (strlen(colon + 1) != len || strncmp(nn, colon + 1, len) != 0)))
        return 0;
    snprintf(fixed, sizeof fixed, "%.*s", (int)len, nn);
    int count;
    if (tp_parse_count(fixed, &count) != 0 || count < 2)
        return 0;
    if (!id || !*id || !strcmp(id, "none")) {
        snprintf(err, errlen, "PET_NNODES=%s, but PET_RDZV_ID names no job: set PET_RDZV_ID (or "
                 "pass --job-id)", nn);
        return -1;
    }
    if (from_options(n, fixed, rank, id, err, errlen) != 0)
        return -1;
    n->source = "torchrun";
    if (set_job(n, id, NULL, NULL) != 0) {
        snprintf(err, errlen, "PET_RDZV_ID is longer than %d characters or holds a newline",
                 TP_RUN_NODES_JOB_MAX - 16);
        return -1;
    }
    return 0;
}

int tp_run_nodes_detect(tp_run_nodes *n, const tp_run_nodes_args *a, char *err, size_t errlen)
{
    memset(n, 0, sizeof *n);
    n->node = -1;
    const char *nodes = env_or(a->nodes, TP_ENV_NODES);
    const char *rank = env_or(a->node_rank, TP_ENV_NODE_RANK);
    const char *job = env_or(a->job_id, TP_ENV_JOB_ID);
    int rc;
    if (nodes)
        rc = from_options(n, nodes, rank, job, err, errlen);
    else if ((rc = from_slurm(n, err, errlen)) == 0 && !n->on)
        rc = from_torchrun(n, err, errlen);
    if (!n->on)
        n->node = -1, n->nodes = 0;
    return rc;
}

/* Reads and parses nodes.run: 1 when read, 0 when absent, -1 when malformed. */
static int read_run_file(int dirfd, char *job, size_t joblen, int *nodes, uint8_t run_id[16])
{
    int fd = openat(dirfd, RUN_FILE, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? 0 : -1;
    struct stat st;
    char buf[RUN_FILE_MAX + 1];
    ssize_t len = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? pread(fd, buf, RUN_FILE_MAX, 0)
                                                           : -1;
    close(fd);
    if (len <= 0)
        return -1;
    buf[len] = '\0';
    char *j = strstr(buf, "\njob "), *nn = strstr(buf, "\nnodes "), *r = strstr(buf, "\nrun ");
    if (strncmp(buf, "trainprov-nodes 1\n", 18) != 0 || !j || !nn || !r)
        return -1;
    j += 5;
    size_t jl = strcspn(j, "\n");
    char hex[33];
    if (jl >= joblen || sscanf(nn + 7, "%d", nodes) != 1 || sscanf(r + 5, "%32s", hex) != 1 ||
        strlen(hex) != 32 || tp_hex_decode(hex, run_id, 16) != 0)
        return -1;
    memcpy(job, j, jl);
    job[jl] = '\0';
    return 1;
}

/* Publishes nodes.run with run_id: 1 when this wrapper's file went into
 * place, 0 when another wrapper's was there first, -1 on error (errno). */
static int publish_run_file(int dirfd, const tp_run_nodes *n, const uint8_t run_id[16])
{
    char tmp[64], hex[33], body[RUN_FILE_MAX];
    tp_hex_encode(run_id, 16, hex);
    snprintf(tmp, sizeof tmp, RUN_FILE ".%ld.tmp", (long)getpid());
    int len = snprintf(body, sizeof body, "trainprov-nodes 1\njob %s\nnodes %d\nrun %s\n", n->job,
                       n->nodes, hex);
    unlinkat(dirfd, tmp, 0);
    int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    int ok = write(fd, body, (size_t)len) == len && fsync(fd) == 0;
    int saved = errno;
    close(fd);
    int rc = !ok ? -1 : linkat(dirfd, tmp, dirfd, RUN_FILE, 0) == 0 ? 1 : errno == EEXIST ? 0 : -1;
    saved = rc < 0 && ok ? errno : saved;
    unlinkat(dirfd, tmp, 0);
    errno = saved;
    return rc;
}

static int marker_name(char *out, size_t cap, int node, const char *what)
{
    int len = snprintf(out, cap, "node-%d.%s", node, what);
    return len < 0 || (size_t)len >= cap ? -1 : 0;
}

/* The run id: the one published in dir, else ours, published. */
static int agree_run_id(int dirfd, const tp_run_nodes *n, const char *dir, uint8_t run_id[16],
                        char *err, size_t errlen)
{
    char job[TP_RUN_NODES_JOB_MAX];
    int nodes, got = read_run_file(dirfd, job, sizeof job, &nodes, run_id);
    if (got == 0) {
        int pub = publish_run_file(dirfd, n, run_id);
        if (pub < 0) {
            snprintf(err, errlen, "cannot write %s/%s: %s", dir, RUN_FILE, strerror(errno));
            return -1;
        }
        if (pub == 1)
            return 0;
        got = read_run_file(dirfd, job, sizeof job, &nodes, run_id);
    }
    if (got < 0) {
        snprintf(err, errlen, "%s/%s is not a trainprov node meeting file: the directory is not "
                 "this run's; remove it or choose another --log", dir, RUN_FILE);
        return -1;
    }
    if (strcmp(job, n->job) != 0 || nodes != n->nodes) {
        snprintf(err, errlen, "%s is in use by another run (job '%s' on %d nodes; this wrapper is "
                 "job '%s' on %d nodes): two runs cannot share one --log; choose another --log "
                 "(if that run is over, `trainprov recover` its log or remove the directory)",
                 dir, job, nodes, n->job, n->nodes);
        return -1;
    }
    return 0;
}

int tp_run_nodes_join(const tp_run_nodes *n, const char *dir, uint8_t run_id[16], char *err,
                      size_t errlen)
{
    int fd = tp_journal_dir_open(dir, TP_JDIR_NEW_OR_OURS, err, errlen);
    if (fd < 0)
        return -1;
    int rc = agree_run_id(fd, n, dir, run_id, err, errlen);
    close(fd);
    /* journals of another run (a stale directory) are refused like under mpirun */
    fd = rc == 0 ? tp_run_mpi_journal_dir(dir, run_id, err, errlen) : -1;
    if (fd < 0)
        return -1;
    char name[64], hex[33], line[320];
    tp_hex_encode(run_id, 16, hex);
    int m = marker_name(name, sizeof name, n->node, "joined") == 0
                ? openat(fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)
                : -1;
    if (m < 0) {
        if (errno == EEXIST)
            snprintf(err, errlen, "node %d already joined run %s (job '%s') in %s: two wrappers "
                     "were given node rank %d, or an earlier run of the same job left the "
                     "directory (`trainprov recover` its log, or remove the directory)",
                     n->node, hex, n->job, dir, n->node);
        else
            snprintf(err, errlen, "node %d cannot register in %s: %s", n->node, dir,
                     strerror(errno));
        close(fd);
        return -1;
    }
    char host[256] = "";
    gethostname(host, sizeof host - 1);
    int len = snprintf(line, sizeof line, "%s %ld\n", host, (long)getpid());
    ssize_t w = write(m, line, (size_t)len);
    (void)w;
    close(m);
    return fd;
}

int tp_run_nodes_env(const tp_run_nodes *n)
{
    if (!n->on)
        return unsetenv(TP_ENV_NODE_RANK) || unsetenv(TP_ENV_NODES) ? -1 : 0;
    char node[16], nodes[16];
    snprintf(node, sizeof node, "%d", n->node);
    snprintf(nodes, sizeof nodes, "%d", n->nodes);
    return setenv(TP_ENV_NODE_RANK, node, 1) || setenv(TP_ENV_NODES, nodes, 1) ? -1 : 0;
}

void tp_run_nodes_done(const tp_run_nodes *n, const char *dir, const char *log)
{
    char path[4200];
    struct stat st;
    if (snprintf(path, sizeof path, "%s/" RUN_FILE, dir) < (int)sizeof path &&
        lstat(path, &st) != 0 && errno == ENOENT) {
        fprintf(stderr, "trainprov: node %d of %d: node 0 stopped waiting for this node and "
                "wrote no log; run `trainprov recover %s` once every node ended\n", n->node,
                n->nodes, log);
        return;
    }
    int fd = snprintf(path, sizeof path, "%s/node-%d.done", dir, n->node) < (int)sizeof path
                 ? open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600)
                 : -1;
    if (fd < 0 || fsync(fd) != 0) {
        fprintf(stderr, "trainprov: node %d of %d cannot mark itself done (%s: %s); node 0 will "
                "not write %s: run `trainprov recover %s` when every node ended\n",
                n->node, n->nodes, path, strerror(errno), log, log);
    } else {
        fprintf(stderr, "trainprov: node %d of %d: its streams are sealed; node 0's `trainprov "
                "run` writes %s\n", n->node, n->nodes, log);
    }
    if (fd >= 0)
        close(fd);
}

static int wait_seconds(void)
{
    const char *v = getenv(TP_ENV_NODE_WAIT_SECONDS);
    int n;
    if (!v || !*v)
        return WAIT_DEFAULT_SECONDS;
    if (tp_parse_count(v, &n) != 0 || n > WAIT_MAX_SECONDS) {
        fprintf(stderr, "trainprov: " TP_ENV_NODE_WAIT_SECONDS "=%s is not 0..%d, using %d\n", v,
                WAIT_MAX_SECONDS, WAIT_DEFAULT_SECONDS);
        return WAIT_DEFAULT_SECONDS;
    }
    return n;
}

/* Counts the nodes that never joined and those that joined but are not
 * done; the first of each in *never / *running (-1 when none). */
static void missing_nodes(int dirfd, const tp_run_nodes *n, int *never, int *running,
                          int *n_never, int *n_running)
{
    *never = *running = -1;
    *n_never = *n_running = 0;
    for (int r = 0; r < n->nodes; r++) {
        char joined[64], done[64];
        if (r == n->node || marker_name(done, sizeof done, r, "done") != 0 ||
            faccessat(dirfd, done, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
            continue;
        marker_name(joined, sizeof joined, r, "joined");
        if (faccessat(dirfd, joined, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
            if ((*n_running)++ == 0)
                *running = r;
        } else if ((*n_never)++ == 0) {
            *never = r;
        }
    }
}

static void remove_meeting_files(int dirfd, const tp_run_nodes *n)
{
    unlinkat(dirfd, RUN_FILE, 0);
    for (int r = 0; r < n->nodes; r++) {
        char name[64];
        if (marker_name(name, sizeof name, r, "joined") == 0)
            unlinkat(dirfd, name, 0);
        if (marker_name(name, sizeof name, r, "done") == 0)
            unlinkat(dirfd, name, 0);
    }
}

int tp_run_nodes_wait(const tp_run_nodes *n, const char *dir, const char *log)
{
    int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dirfd < 0) {
        fprintf(stderr, "trainprov: the log was NOT written: cannot open %s: %s\n", dir,
                strerror(errno));
        return -1;
    }
    int limit = wait_seconds(), never, running, n_never, n_running;
    struct timespec start, now, tick = {0, POLL_NS};
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (int reported = 0;; nanosleep(&tick, NULL)) {
        missing_nodes(dirfd, n, &never, &running, &n_never, &n_running);
        if (!n_never && !n_running)
            break;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - start.tv_sec >= limit) {
            fprintf(stderr, "trainprov: the log was NOT written: after %d s ", limit);
            if (n_never)
                fprintf(stderr, "node %d of %d never joined (no `trainprov run` with node rank "
                        "%d and --log %s started)", never, n->nodes, never, log);
            if (n_never > 1)
                fprintf(stderr, ", and %d more node(s) never joined", n_never - 1);
            if (n_running)
                fprintf(stderr, "%snode %d of %d joined but has not finished%s",
                        n_never ? "; " : "", running, n->nodes,
                        n_running > 1 ? " (and more)" : "");
            fprintf(stderr, "; the journals are kept in %s: run `trainprov recover %s` once "
                    "every node ended, to build what there is\n", dir, log);
            /* the run is over for node 0: a late node finds no meeting file and
             * leaves no marker; a new run is refused by the journals left */
            remove_meeting_files(dirfd, n);
            close(dirfd);
            return -1;
        }
        if (!reported++)
            fprintf(stderr, "trainprov: node 0 of %d: waiting up to %d s for %d other node(s) "
                    "to finish (first: node %d)\n", n->nodes, limit, n_never + n_running,
                    n_running ? running : never);
    }
    remove_meeting_files(dirfd, n);
    close(dirfd);
    return 0;
}
