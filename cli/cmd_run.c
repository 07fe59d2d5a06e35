/* cmd_run.c: `trainprov run ... -- CMD [ARGS]`: the wrapper around a training
 * job. It checks everything that could make the log impossible before the job
 * starts (key, log directory, leftovers of a previous run, the library), runs
 * CMD with libtrainprov.so preloaded and the settings of docs/FORMAT.md
 * section 7 in its environment, reaps every descendant (it is a child
 * subreaper, so orphaned DataLoader workers come back to it), and once they
 * are gone assembles the HDF5 log from the journals and signs the manifest.
 * The wrapper itself is never preloaded: environment changes happen in the
 * forked child only. It exits with CMD's status. Under mpirun (one wrapper
 * per rank) it also preloads libtrainprov-mpi.so, all ranks share one run id
 * and journal directory, and only rank 0's wrapper assembles the log, once
 * every rank's journals are final (run_mpi.c). */
#define _GNU_SOURCE /* asprintf, pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "verify/challenge.h"
#include "cli/commands.h"
#include "runlog/h5log.h"
#include "runlog/journal_load.h"
#include "runlog/manifest.h"
#include "cli/run_drain.h"
#include "cli/run_globs.h"
#include "cli/run_log_state.h"
#include "cli/run_mpi.h"
#include "cli/run_resume.h"
#include "cli/run_nodes.h"
#include "cli/run_signals.h"
#include "cli/progress.h"
#include "core/hex.h"
#include "core/settings.h"
#include "core/vocab.h"

#define DRAIN_DEFAULT_SECONDS 2 /* then the processes left are outliving the job (run_drain.c) */
#define DRAIN_MAX_SECONDS 86400
#define MPI_WAIT_DEFAULT_SECONDS 60

static const char usage[] =
    "usage: trainprov run --key KEY.pem --log RUN.h5 [--data GLOB]... [--checkpoint GLOB]...\n"
    "                     [--exclude PREFIX]... [--include PREFIX]... [--force]\n"
    "                     [--challenge FILE] [--resume-from PREV.h5]\n"
    "                     [--nodes N --node-rank R [--job-id ID]] -- CMD [ARGS]\n"
    "  Runs CMD with the trainprov logger preloaded, then writes the signed run log\n"
    "  RUN.h5 and exits with CMD's exit status.\n"
    "  --key KEY.pem        Ed25519 private key, mode 0600 (env " TP_ENV_KEY ")\n"
    "  --log RUN.h5         the log to write (env " TP_ENV_LOG ")\n"
    "  --data GLOB          files that are training data (env " TP_ENV_DATA ")\n"
    "  --checkpoint GLOB    files that are checkpoints (env " TP_ENV_CHECKPOINTS ")\n"
    "  --exclude PREFIX     paths not to record (env " TP_ENV_EXCLUDE ")\n"
    "  --include PREFIX     paths to record even under a system prefix (env " TP_ENV_INCLUDE ")\n"
    "  --force              replace an existing RUN.h5\n"
    "  --challenge FILE     the evaluator's signed challenge (trainprov challenge): its\n"
    "                       nonce keys the initialiser and is recorded in RunStart\n"
    "  --resume-from PREV.h5  this job resumes the campaign whose previous segment's\n"
    "                       log is PREV.h5 (signed with --key; checked now): its\n"
    "                       digest is recorded in RunStart (verify --chain)\n"
    "  Repeatable options may be given several times; the environment variables\n"
    "  take ':'-separated lists. Relative globs and prefixes are relative to the\n"
    "  current directory. A --data or --checkpoint glob is resolved like the paths the\n"
    "  logger records (symbolic links and '..' before the first wildcard); a directory\n"
    "  means everything below it, and ** any number of directories. Quote globs: one\n"
    "  the shell expanded is refused. " TP_ENV_DRAIN_SECONDS " (default 2) bounds the\n"
    "  wait for descendants still running after CMD exits; those left are recorded as\n"
    "  outliving the job. Exit status: CMD's; 3 when CMD succeeded but the log could\n"
    "  not be written.\n"
    "  Under mpirun (`mpirun -np N trainprov run ... -- CMD`), every rank's wrapper\n"
    "  uses the same --log; rank 0's writes it once every rank's journals are final,\n"
    "  waiting at most " TP_ENV_MPI_WAIT_SECONDS " (default 60). " TP_ENV_MPI_LIB "\n"
    "  names libtrainprov-mpi.so (\"linked\": CMD links it itself).\n"
    "  On several nodes without MPI (torchrun --nnodes, srun), run one wrapper per node\n"
    "  with the same --log on a shared file system:\n"
    "  --nodes N            how many wrappers share the log (env " TP_ENV_NODES ")\n"
    "  --node-rank R        this wrapper's node, 0..N-1; node 0 writes the log (env\n"
    "                       " TP_ENV_NODE_RANK ")\n"
    "  --job-id ID          the same on every node, new for every job (env " TP_ENV_JOB_ID ";\n"
    "                       default SLURM_JOB_ID or torchrun's PET_RDZV_ID)\n"
    "  Under srun (one wrapper per task) and with torchrun's PET_NNODES / PET_NODE_RANK /\n"
    "  PET_RDZV_ID these come from the environment (--nodes 1: every wrapper writes its\n"
    "  own --log). Node 0 waits at most " TP_ENV_NODE_WAIT_SECONDS " (default 60)\n"
    "  for the other nodes to end.\n";

enum list_id { L_DATA, L_CHECKPOINTS, L_EXCLUDE, L_INCLUDE, L_COUNT };
#define OPT_LIST 0x100 /* getopt value of the list options: OPT_LIST + list_id */
static const char *const list_env[L_COUNT] = {TP_ENV_DATA, TP_ENV_CHECKPOINTS,
                                              TP_ENV_EXCLUDE, TP_ENV_INCLUDE};
static const char *const list_flag[L_COUNT] = {"--data", "--checkpoint", "--exclude",
                                               "--include"};

typedef struct {
    const char *key_arg, *log_arg, *challenge_arg, *resume_arg;
    char **lists[L_COUNT]; /* flag values, in order */
    size_t n_lists[L_COUNT];
    int force;
    tp_run_nodes_args nodes;
    char **cmd;
    int last_list;       /* the list option right before cmd, -1 if another or "--" */
} run_args;

/* Everything the child's environment and the final assembly need. */
typedef struct {
    char key[PATH_MAX], log[PATH_MAX], journal_dir[PATH_MAX], lib[PATH_MAX];
    char *lists[L_COUNT]; /* ':'-joined absolute globs (resolved, run_globs.c) / prefixes */
    char *given[L_COUNT]; /* the same entries as the user wrote them */
    char run_id[2 * TP_RUN_ID_LEN + 1];
    tp_key *signing_key;
    char nonce_hex[2 * TP_CHALLENGE_NONCE_LEN + 1];  /* "" without --challenge */
    char challenge_hex[2 * TP_CHALLENGE_MAX + 1]; /* the document's bytes */
    char resume_hex[2 * TP_HASH_LEN + 1];         /* "" without --resume-from */
    tp_run_mpi mpi;
    tp_run_nodes nodes;     /* several wrappers without MPI (run_nodes.c) */
    char mpi_lib[PATH_MAX]; /* "" when not preloaded */
    int journal_fd;         /* the journal directory, checked; -1 before */
    int lock_fd;            /* the run's lock, held shared until the wrapper ends */
} run_setup;

/* Prints one "trainprov run: ..." line and returns the usage exit status. */
static int fail_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int fail_usage(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("trainprov run: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 2;
}

static int parse_args(int argc, char **argv, run_args *a)
{
    static const struct option opts[] = {{"key", required_argument, NULL, 'k'},
                                         {"log", required_argument, NULL, 'l'},
                                         {"data", required_argument, NULL, OPT_LIST + L_DATA},
                                         {"checkpoint", required_argument, NULL,
                                          OPT_LIST + L_CHECKPOINTS},
                                         {"exclude", required_argument, NULL, OPT_LIST + L_EXCLUDE},
                                         {"include", required_argument, NULL, OPT_LIST + L_INCLUDE},
                                         {"force", no_argument, NULL, 'f'},
                                         {"challenge", required_argument, NULL, 'c'},
                                         {"resume-from", required_argument, NULL, 'P'},
                                         {"nodes", required_argument, NULL, 'N'},
                                         {"node-rank", required_argument, NULL, 'R'},
                                         {"job-id", required_argument, NULL, 'J'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int c, last_end = 1;
    optind = 1;
    a->last_list = -1;
    while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
        a->last_list = c >= OPT_LIST && c < OPT_LIST + L_COUNT ? c - OPT_LIST : -1;
        last_end = optind;
        switch (c) {
        case 'k': a->key_arg = optarg; break;
        case 'l': a->log_arg = optarg; break;
        case 'f': a->force = 1; break;
        case 'c': a->challenge_arg = optarg; break;
        case 'P': a->resume_arg = optarg; break;
        case 'N': a->nodes.nodes = optarg; break;
        case 'R': a->nodes.node_rank = optarg; break;
        case 'J': a->nodes.job_id = optarg; break;
        case 'h': fputs(usage, stdout); return 0;
        default: {
            int l = c - OPT_LIST;
            if (l < 0 || l >= L_COUNT) {
                fputs(usage, stderr);
                return 2;
            }
            char **p = realloc(a->lists[l], (a->n_lists[l] + 1) * sizeof *p);
            if (!p)
                return fail_usage("out of memory");
            a->lists[l] = p;
            p[a->n_lists[l]++] = optarg;
            break;
        }
        }
    }
    if (optind == argc) {
        fputs("trainprov run: no command to run; usage: trainprov run [options] -- CMD [ARGS]\n",
              stderr);
        return 2;
    }
    a->cmd = argv + optind;
    if (optind != last_end) /* getopt consumed a "--": cmd is what the user meant */
        a->last_list = -1;
    if (a->last_list >= 0) {
        int l = a->last_list;
        int rc = tp_run_globs_refuse_expanded(list_flag[l], a->lists[l][a->n_lists[l] - 1], a->cmd);
        if (rc)
            return rc;
    }
    return -1; /* go on */
}

/* Appends s to the ':'-joined list *out. */
static int join(char **out, const char *s)
{
    const char *old = *out ? *out : "";
    char *j;
    if (asprintf(&j, "%s%s%s", old, *old ? ":" : "", s) < 0)
        return -1;
    free(*out);
    *out = j;
    return 0;
}

/* Appends item to list l of s, made absolute against cwd (a glob resolved
 * like recorded paths), and as given to s->given[l]. */
static int list_append(run_setup *s, int l, const char *item, const char *cwd, const char *what)
{
    if (!*item)
        return 0;
    if (strchr(item, ':'))
        return fail_usage("%s '%s' contains ':', which the list separator forbids", what, item);
    char abs[PATH_MAX + 8], err[PATH_MAX + 256];
    if (l == L_DATA || l == L_CHECKPOINTS) {
        if (tp_run_glob_resolve(item, cwd, abs, sizeof abs, err, sizeof err) != 0)
            return fail_usage("%s %s", what, err);
    } else if (snprintf(abs, sizeof abs, "%s%s%s", item[0] == '/' ? "" : cwd,
                        item[0] == '/' ? "" : "/", item) >= (int)sizeof abs) {
        return fail_usage("%s '%s' is too long", what, item);
    }
    if (join(&s->lists[l], abs) != 0 || join(&s->given[l], item) != 0)
        return fail_usage("out of memory");
    return 0;
}

/* Builds each list from its flags, or from its environment variable when no
 * flag of that kind was given. */
static int build_lists(const run_args *a, run_setup *s, const char *cwd)
{
    for (int l = 0; l < L_COUNT; l++) {
        if (a->n_lists[l]) {
            for (size_t i = 0; i < a->n_lists[l]; i++)
                if (list_append(s, l, a->lists[l][i], cwd, list_flag[l]) != 0)
                    return 2;
            continue;
        }
        const char *env = getenv(list_env[l]);
        char *copy = env ? strdup(env) : NULL, *save = NULL;
        for (char *tok = copy ? strtok_r(copy, ":", &save) : NULL; tok;
             tok = strtok_r(NULL, ":", &save))
            if (list_append(s, l, tok, cwd, list_env[l]) != 0) {
                free(copy);
                return 2;
            }
        free(copy);
    }
    return 0;
}

static int check_key(const run_args *a, run_setup *s)
{
    const char *key = a->key_arg ? a->key_arg : getenv(TP_ENV_KEY);
    char err[512];
    if (!key || !*key)
        return fail_usage("no signing key: pass --key KEY.pem or set " TP_ENV_KEY " "
                          "(make one with: trainprov keygen -o KEY.pem)");
    if (tp_key_load_private(key, &s->signing_key, err, sizeof err) != 0)
        return fail_usage("%s", err);
    if (!realpath(key, s->key))
        return fail_usage("cannot resolve key path %s: %s", key, strerror(errno));
    return 0;
}

/* Resolves the log's directory, checks it is writable and that neither the
 * log nor its journal directory is left from a previous run. */
static int check_log(const run_args *a, run_setup *s)
{
    const char *log = a->log_arg ? a->log_arg : getenv(TP_ENV_LOG);
    if (!log || !*log)
        return fail_usage("no log path: pass --log RUN.h5 or set " TP_ENV_LOG);
    char dcopy[PATH_MAX], bcopy[PATH_MAX], dir[PATH_MAX];
    if (strlen(log) >= sizeof dcopy || log[strlen(log) - 1] == '/')
        return fail_usage("log path %s must name a file", log);
    strcpy(dcopy, log);
    strcpy(bcopy, log);
    if (!realpath(dirname(dcopy), dir))
        return fail_usage("log directory of %s does not exist: %s", log, strerror(errno));
    if (access(dir, W_OK | X_OK) != 0)
        return fail_usage("log directory %s is not writable (%s); choose another --log or fix "
                          "its permissions",
                          dir, strerror(errno));
    const char *base = basename(bcopy);
    if (snprintf(s->log, sizeof s->log, "%s%s%s", dir, strcmp(dir, "/") ? "/" : "", base) >=
            (int)sizeof s->log ||
        tp_journal_dir_for(s->log, s->journal_dir, sizeof s->journal_dir) != 0)
        return fail_usage("log path too long: %s", log);
    struct stat st; /* lstat: a symbolic link is replaced by the rename, never followed */
    if (lstat(s->log, &st) == 0 && (S_ISDIR(st.st_mode) || !a->force))
        return fail_usage(S_ISDIR(st.st_mode) ? "log path %s is a directory"
                                              : "%s already exists; use --force to replace it",
                          s->log);
    if (!s->mpi.on && !s->nodes.on && lstat(s->journal_dir, &st) == 0 &&
        tp_run_log_in_use(s->journal_dir))
        return fail_usage("a run is in progress on %s: a live `trainprov run` holds %s/%s; wait "
                          "for it to finish, or choose another --log",
                          s->log, s->journal_dir, TP_JOURNAL_LOCK_NAME);
    if (!s->mpi.on && !s->nodes.on && lstat(s->journal_dir, &st) == 0) {
        fprintf(stderr,
                "trainprov run: %s exists: a previous run left journals; run `trainprov recover "
                "%s` to build its log, or remove it\n",
                s->journal_dir, s->log);
        return 2;
    }
    return 0;
}

/* --challenge: a well-formed challenge document (its signature is the
 * verifier's business: the trainer need not hold the evaluator's key). */
static int load_challenge(const run_args *a, run_setup *s)
{
    uint8_t doc[TP_CHALLENGE_MAX];
    size_t len;
    tp_challenge ch;
    char err[512];
    if (!a->challenge_arg)
        return 0;
    if (tp_challenge_load(a->challenge_arg, doc, &len, &ch, err, sizeof err) != 0)
        return fail_usage("%s", err);
    tp_hex_encode(ch.nonce, sizeof ch.nonce, s->nonce_hex);
    tp_hex_encode(doc, len, s->challenge_hex);
    return 0;
}

static int check_library(run_setup *s)
{
    const char *env = getenv(TP_ENV_LIB);
    const char *lib = env && *env ? env : TP_LIBDIR "/libtrainprov.so";
    if (!realpath(lib, s->lib) || access(s->lib, R_OK) != 0)
        return fail_usage("the logger library %s was not found (%s); install trainprov or set "
                          TP_ENV_LIB " to libtrainprov.so",
                          lib, strerror(errno));
    if (strpbrk(s->lib, ": "))
        return fail_usage("the logger library path %s contains ':' or a space, which "
                          "LD_PRELOAD cannot carry",
                          s->lib);
    const char *mpi = getenv(TP_ENV_MPI_LIB);
    if (!s->mpi.on || (mpi && !strcmp(mpi, "linked")))
        return 0;
    mpi = mpi && *mpi ? mpi : TP_LIBDIR "/libtrainprov-mpi.so";
    if (!realpath(mpi, s->mpi_lib) || access(s->mpi_lib, R_OK) != 0)
        return fail_usage("running under mpirun, but the MPI logger library %s was not found "
                          "(%s); install trainprov built with Open MPI or set " TP_ENV_MPI_LIB,
                          mpi, strerror(errno));
    if (strpbrk(s->mpi_lib, ": "))
        return fail_usage("the MPI logger library path %s contains ':' or a space, which "
                          "LD_PRELOAD cannot carry",
                          s->mpi_lib);
    return 0;
}

/* Sets name to prefix, or to "prefix:old" when the variable is set. */
static int env_prepend(const char *name, const char *prefix)
{
    const char *old = getenv(name);
    if (!old || !*old)
        return setenv(name, prefix, 1);
    char *v;
    if (asprintf(&v, "%s:%s", prefix, old) < 0)
        return -1;
    int rc = setenv(name, v, 1);
    free(v);
    return rc;
}

/* In the forked child: the environment of docs/FORMAT.md section 7, then exec. */
static void child_exec(const run_setup *s, char **cmd, int report_fd)
{
    const char *pydir = getenv(TP_ENV_PYTHONDIR);
    int err = 0;
    if (tp_run_signals_child() || setenv(TP_ENV_KEY, s->key, 1) ||
        setenv(TP_ENV_LOG, s->log, 1) || setenv(TP_ENV_RUN_ID, s->run_id, 1) ||
        unsetenv(TP_ENV_STREAM_ID) || unsetenv(TP_ENV_PARENT_STREAM) ||
        tp_run_nodes_env(&s->nodes) ||
        (s->mpi_lib[0] && env_prepend("LD_PRELOAD", s->mpi_lib)) ||
        env_prepend("LD_PRELOAD", s->lib) ||
        env_prepend("PYTHONPATH", pydir && *pydir ? pydir : TP_PYTHONDIR) ||
        (s->nonce_hex[0] ? setenv(TP_ENV_NONCE, s->nonce_hex, 1) ||
                               setenv(TP_ENV_CHALLENGE, s->challenge_hex, 1)
                         : unsetenv(TP_ENV_NONCE) || unsetenv(TP_ENV_CHALLENGE)) ||
        (s->resume_hex[0] ? setenv(TP_ENV_RESUME_FROM, s->resume_hex, 1)
                          : unsetenv(TP_ENV_RESUME_FROM)))
        err = errno;
    for (int l = 0; !err && l < L_COUNT; l++)
        if ((s->lists[l] ? setenv(list_env[l], s->lists[l], 1) : unsetenv(list_env[l])) != 0)
            err = errno;
    if (!err) {
        execvp(cmd[0], cmd);
        err = errno;
    }
    ssize_t w = write(report_fd, &err, sizeof err);
    (void)w;
    _exit(127);
}

static int drain_seconds(void)
{
    const char *v = getenv(TP_ENV_DRAIN_SECONDS);
    char *end;
    long n = v && *v ? strtol(v, &end, 10) : DRAIN_DEFAULT_SECONDS;
    if (v && *v && (*end || n < 0 || n > DRAIN_MAX_SECONDS)) {
        fprintf(stderr, "trainprov: " TP_ENV_DRAIN_SECONDS "=%s is not 0..%d, using %d\n", v,
                DRAIN_MAX_SECONDS, DRAIN_DEFAULT_SECONDS);
        n = DRAIN_DEFAULT_SECONDS;
    }
    return (int)n;
}

/* Waits for the job (forwarding signals, run_signals.c), then for the
 * descendants the subreaper inherited, up to TRAINPROV_DRAIN_SECONDS or a
 * signal. Returns the job's wait status. */
static int wait_job(pid_t pid)
{
    int status = tp_run_signals_wait_job(pid), st;
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    double limit = drain_seconds(), waited;
    for (;;) {
        pid_t p = waitpid(-1, &st, WNOHANG);
        if (p > 0)
            continue;
        if (p < 0 && errno == ECHILD)
            break;
        clock_gettime(CLOCK_MONOTONIC, &now);
        waited = (double)(now.tv_sec - start.tv_sec) + (now.tv_nsec - start.tv_nsec) / 1e9;
        if (waited >= limit || tp_run_signals_wait(10)) {
            fprintf(stderr,
                    "trainprov: descendants of the job are still running %.1f s after it "
                    "exited; assembling the log without waiting for them (their streams may "
                    "be incomplete)\n",
                    waited);
            break;
        }
    }
    return status < 0 ? 0 : status;
}

/* Forks and execs the job; returns its wait status, or -1 when CMD could not
 * be executed (the message is printed). */
static int run_job(const run_setup *s, char **cmd)
{
    int pipefd[2];
    if (pipe2(pipefd, O_CLOEXEC) != 0) {
        fprintf(stderr, "trainprov run: cannot create a pipe: %s\n", strerror(errno));
        return -1;
    }
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0)
        fprintf(stderr, "trainprov: cannot become a child subreaper (%s); orphaned worker "
                        "processes will not be waited for\n",
                strerror(errno));
    tp_run_signals_prepare();
    pid_t pid = fork();
    if (pid == 0) {
        close(pipefd[0]);
        child_exec(s, cmd, pipefd[1]);
    }
    close(pipefd[1]);
    if (pid < 0) {
        close(pipefd[0]);
        fprintf(stderr, "trainprov run: cannot fork: %s\n", strerror(errno));
        return -1;
    }
    tp_run_signals_started(pid);
    int exec_err = 0;
    ssize_t n;
    while ((n = read(pipefd[0], &exec_err, sizeof exec_err)) < 0 && errno == EINTR)
        ;
    close(pipefd[0]);
    if (n == (ssize_t)sizeof exec_err) {
        waitpid(pid, NULL, 0);
        fprintf(stderr, "trainprov run: cannot execute %s: %s\n", cmd[0], strerror(exec_err));
        return -1;
    }
    return wait_job(pid);
}

/* Journals -> signed manifest (streams still running marked outliving,
 * run_drain.c) -> HDF5 log; journals removed only on success. Returns what
 * became of the log. */
static enum tp_run_log_outcome assemble_log(const run_setup *s)
{
    tp_runlog log;
    char err[1024];
    enum tp_run_log_outcome out = TP_RUN_LOG_WRITTEN;
    tp_cli_progress_start("run", 0);
    int rc = tp_journal_load_dir(s->journal_dir, &log, err, sizeof err), signed_ok = 0;
    enum tp_assembled by = s->mpi.on     ? TP_ASSEMBLED_MPI
                           : s->nodes.on ? TP_ASSEMBLED_NODES
                                         : TP_ASSEMBLED_RUN;
    if (rc == 0)
        tp_run_drain_mark_outliving(&log);
    if (rc == 0 && (rc = tp_manifest_sign(&log, s->signing_key, tp_assembled_name(by), err,
                                          sizeof err)) == 0) {
        signed_ok = 1;
        rc = tp_h5log_write(s->log, &log, err, sizeof err);
    }
    tp_cli_progress_stop();
    if (rc != 0 && tp_journal_remove_empty_dir(s->journal_dir) == 0) {
        out = TP_RUN_LOG_NONE;
        fprintf(stderr, "trainprov: no log written: the job left no journals (was the logger "
                        "loaded? a static binary or a cleared LD_PRELOAD escapes it)\n");
    } else if (rc != 0 && signed_ok) {
        out = TP_RUN_LOG_KEPT;
        fprintf(stderr, "trainprov: the log was NOT written: %s; the journals are kept in %s, "
                        "run `trainprov recover %s` once this is fixed\n",
                err, s->journal_dir, s->log);
    } else if (rc != 0) {
        out = TP_RUN_LOG_FAILED;
        fprintf(stderr, "trainprov: the log was NOT written: %s; the journals are kept in %s "
                        "for inspection (`trainprov recover` cannot build a log from them as "
                        "they are)\n",
                err, s->journal_dir);
    } else {
        size_t records = tp_runlog_count_records(&log);
        fprintf(stderr, "trainprov: log written to %s (%zu stream%s, %zu record%s)\n", s->log,
                log.n_streams, tp_plural(log.n_streams), records, tp_plural(records));
        if (tp_journal_remove_dir(s->journal_dir, &log) != 0)
            fprintf(stderr, "trainprov: log written, but cannot remove %s: %s\n",
                    s->journal_dir, strerror(errno));
        tp_run_globs_warn_unmatched(&log, s->lists[L_DATA], s->given[L_DATA],
                                    s->lists[L_CHECKPOINTS], s->given[L_CHECKPOINTS]);
    }
    tp_runlog_free(&log);
    return out;
}

/* Under mpirun, rank 0's wrapper: 0 once every rank's journals are final,
 * -1 (journals kept, message printed) after TRAINPROV_MPI_WAIT_SECONDS. */
static int mpi_journals_final(const run_setup *s)
{
    const char *v = getenv(TP_ENV_MPI_WAIT_SECONDS);
    char *end, err[1024];
    long wait = v && *v ? strtol(v, &end, 10) : MPI_WAIT_DEFAULT_SECONDS;
    if (v && *v && (*end || wait < 0 || wait > DRAIN_MAX_SECONDS)) {
        fprintf(stderr, "trainprov: " TP_ENV_MPI_WAIT_SECONDS "=%s is not 0..%d, using %d\n", v,
                DRAIN_MAX_SECONDS, MPI_WAIT_DEFAULT_SECONDS);
        wait = MPI_WAIT_DEFAULT_SECONDS;
    }
    if (tp_run_mpi_wait(s->journal_dir, s->mpi.world_size, (int)wait, err, sizeof err) == 0)
        return 0;
    fprintf(stderr, "trainprov: the log was NOT written: after %ld s, %s; the journals are kept "
                    "in %s, run `trainprov recover %s` to build what there is\n",
            wait, err, s->journal_dir, s->log);
    return -1;
}

static void setup_free(run_setup *s)
{
    for (int l = 0; l < L_COUNT; l++) {
        free(s->lists[l]);
        free(s->given[l]);
    }
    tp_key_free(s->signing_key);
    if (s->lock_fd >= 0)
        close(s->lock_fd);
    if (s->journal_fd >= 0)
        close(s->journal_fd);
}

/* The checks that stop the job before it starts; 0 or the exit status. */
static int prepare(const run_args *a, run_setup *s)
{
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd))
        return fail_usage("cannot get the current directory: %s", strerror(errno));
    char err[1024];
    if (tp_run_mpi_detect(&s->mpi, err, sizeof err) != 0 ||
        (!s->mpi.on && tp_run_nodes_detect(&s->nodes, &a->nodes, err, sizeof err) != 0))
        return fail_usage("%s", err);
    int rc = check_key(a, s);
    if (rc == 0)
        rc = check_log(a, s);
    if (rc == 0)
        rc = check_library(s);
    if (rc == 0)
        rc = load_challenge(a, s);
    if (rc == 0)
        rc = tp_run_resume_check(a->resume_arg, s->signing_key, s->resume_hex);
    if (rc == 0)
        rc = build_lists(a, s, cwd);
    if (rc != 0)
        return rc;
    uint8_t id[TP_RUN_ID_LEN];
    if (s->mpi.on) {
        tp_run_mpi_run_id(&s->mpi, s->log, id);
        s->journal_fd = tp_run_mpi_journal_dir(s->journal_dir, id, err, sizeof err);
    } else if (RAND_bytes(id, sizeof id) != 1) {
        return fail_usage("cannot draw a random run id (OpenSSL RAND_bytes failed)");
    } else if (s->nodes.on) { /* the first node's id, published in the journal directory */
        s->journal_fd = tp_run_nodes_join(&s->nodes, s->journal_dir, id, err, sizeof err);
    } else {
        s->journal_fd = tp_journal_dir_open(s->journal_dir, TP_JDIR_NEW, err, sizeof err);
    }
    tp_hex_encode(id, sizeof id, s->run_id);
    /* held from before the job starts until the wrapper ends: `recover` cannot
     * take the journals of a live run */
    if (s->journal_fd < 0 ||
        (s->lock_fd = tp_journal_lock(s->journal_fd, s->journal_dir, 0, err, sizeof err)) < 0)
        return fail_usage("%s", err);
    return 0;
}

int tp_cmd_run(int argc, char **argv)
{
    run_args a;
    run_setup s;
    memset(&a, 0, sizeof a);
    memset(&s, 0, sizeof s);
    s.journal_fd = s.lock_fd = -1;
    int rc = parse_args(argc, argv, &a);
    if (rc < 0 && (rc = prepare(&a, &s)) == 0) {
        int status = run_job(&s, a.cmd);
        if (status < 0) {
            if (!s.mpi.on && !s.nodes.on) /* other ranks or nodes may be using it */
                tp_journal_remove_empty_dir(s.journal_dir);
            rc = 127;
        } else {
            /* under mpirun only rank 0's wrapper writes the log, on several nodes node 0's */
            int writer = s.nodes.on ? s.nodes.node == 0 : !s.mpi.on || s.mpi.rank == 0;
            enum tp_run_log_outcome out = TP_RUN_LOG_ELSEWHERE;
            if (!writer && s.nodes.on)
                tp_run_nodes_done(&s.nodes, s.journal_dir, s.log);
            if (writer) {
                int ready = s.nodes.on ? tp_run_nodes_wait(&s.nodes, s.journal_dir, s.log) == 0
                                       : !s.mpi.on || mpi_journals_final(&s) == 0;
                out = ready ? assemble_log(&s) : TP_RUN_LOG_KEPT; /* a node never arrived */
            }
            rc = tp_run_exit_status(status, out);
        }
    }
    for (int l = 0; l < L_COUNT; l++)
        free(a.lists[l]);
    setup_free(&s);
    return rc;
}
