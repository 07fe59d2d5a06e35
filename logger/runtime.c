/* runtime.c: load-time set-up, fork and exec hand-offs, and sealing at exit
 * (see runtime.h). Start-up problems (no key, bad settings) print one
 * `trainprov:` line and leave the library inert; `trainprov run` checks the
 * same things before it starts the job, so a job it runs never gets here
 * unrecorded without being told. Nothing here ever exits the process. */
#define _GNU_SOURCE
#include "logger/runtime.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "logger/job/fdtable.h"
#include "logger/job/guard.h"
#include "logger/worker/peek.h"
#include "logger/worker/hashcache.h"
#include "logger/job/real.h"
#include "logger/job/roles.h"
#include "logger/job/signals.h"
#include "core/sign.h"
#include "logger/worker/stream.h"
#include "logger/job/track.h"
#include "logger/worker/cryptogate.h"
#include "core/settings.h"
#include "core/vocab.h"

__thread int tp_guard_depth __attribute__((tls_model("initial-exec")));

atomic_int tp_state;
tp_config tp_cfg;

#define MAX_SAVED_ENV 16
#define EXIT_STALL_S 2        /* _exit: give up when the worker made no progress */
#define EXIT_SIGNAL_WAIT_S 10 /* _exit: the longest wait for the seal */

/* The logger's state in this process, in one place (with tp_state and
 * tp_cfg above, and the worker's, fd table's and caches' own state, each
 * reset by its *_atfork_child function). Set at load; after a fork,
 * reset_after_fork (the only reset) keeps what is the process tree's
 * (configuration, key, saved settings) and gives the child a fresh stream.
 * The parent's signing key is used by the child as is: fork happens only
 * outside OpenSSL (cryptogate.h), so the key cannot be mid-use. */
static struct {
    tp_key *key;                          /* read-only after load */
    char *saved_env[MAX_SAVED_ENV];       /* "NAME=value" of the TRAINPROV_* settings */
    size_t n_saved_env;
    uint64_t stream_id, parent_stream;    /* this image's stream */
    char origin[16];                      /* how it started: root, fork, exec, spawn */
    pthread_mutex_t start_lock;           /* starting a pending stream's worker */
    atomic_ulong untracked_fds;
    atomic_int shutdown_once;
} proc = {.start_lock = PTHREAD_MUTEX_INITIALIZER};

uint64_t tp_random_u64(void)
{
    uint64_t v = 0;
    while (v == 0) {
        if (getrandom(&v, sizeof v, 0) != (ssize_t)sizeof v)
            v = (uint64_t)tp_now_ns() ^ ((uint64_t)getpid() << 32);
    }
    return v;
}

uint64_t tp_runtime_stream_id(void) { return tp_runtime_recording() ? proc.stream_id : 0; }

int tp_runtime_in_vfork_child(void);

static void start_failed(void)
{
    fprintf(stderr, "trainprov: cannot start the logging thread in pid %d; this process "
            "is not recorded\n", (int)getpid());
    atomic_store(&tp_state, TP_STATE_OFF);
}

/* Starts the worker of a pending stream that has none yet (lazy: the
 * journal is made at its first event). Under start_lock. */
static void start_worker_locked(int lazy)
{
    if (atomic_load(&tp_state) != TP_STATE_PENDING || tp_worker_running())
        return;
    if (tp_worker_start(&tp_cfg, proc.key, proc.stream_id, proc.parent_stream, proc.origin,
                        lazy) != 0)
        start_failed();
}

static void start_worker(int lazy)
{
    pthread_mutex_lock(&proc.start_lock);
    start_worker_locked(lazy);
    pthread_mutex_unlock(&proc.start_lock);
}

static void drop_event(tp_event *ev)
{
    if (ev->kind == TP_EV_FILE_PEEK && ev->fd >= 0)
        tp_peek_release_fd(ev->fd);
    else if (ev->fd >= 0)
        TP_REAL(close)(ev->fd);
    if (ev->kind == TP_EV_FILE_CLOSE)
        tp_file_release(ev->file);
    tp_event_free(ev);
}

void tp_runtime_post(tp_event *ev)
{
    if (atomic_load(&tp_state) == TP_STATE_PENDING) {
        if (!tp_worker_running()) /* no lock when there is nothing to start: a
                                   * signal handler's close may get here */
            start_worker(1);
        int pending = TP_STATE_PENDING;
        atomic_compare_exchange_strong(&tp_state, &pending, TP_STATE_ACTIVE);
    }
    if (atomic_load(&tp_state) != TP_STATE_ACTIVE) {
        drop_event(ev);
        return;
    }
    tp_worker_post(ev);
}

void tp_runtime_count_untracked(void) { atomic_fetch_add(&proc.untracked_fds, 1); }

/* Ends recording and has the worker seal the stream; lock-free. 0 when
 * sealed. A pending stream without a worker (the child of a fork we did
 * not wrap, which nobody announced) has nothing to seal. */
static int seal(const char *reason, int status, uint64_t max_wait_s, uint64_t stall_s)
{
    if (!tp_worker_running())
        return -1;
    atomic_store(&tp_state, TP_STATE_ENDED);
    return tp_worker_finish(reason, status, atomic_load(&proc.untracked_fds), max_wait_s,
                            stall_s);
}

void tp_runtime_shutdown(const char *reason, int status)
{
    if (!tp_runtime_recording() || tp_runtime_in_vfork_child() ||
        atomic_exchange(&proc.shutdown_once, 1))
        return;
    tp_guard_enter();
    if (atomic_load(&tp_state) == TP_STATE_PENDING)
        start_worker(1);
    seal(reason, status, tp_cfg.exit_timeout_s, tp_cfg.exit_timeout_s);
    tp_guard_leave();
}

void tp_runtime_shutdown_signal_safe(int status)
{
    /* a vfork child leaving: the stream is its parent's */
    if (!tp_runtime_recording() || tp_runtime_in_vfork_child() ||
        atomic_exchange(&proc.shutdown_once, 1))
        return;
    uint64_t wait_s = tp_cfg.exit_timeout_s < EXIT_SIGNAL_WAIT_S ? tp_cfg.exit_timeout_s
                                                                 : EXIT_SIGNAL_WAIT_S;
    tp_guard_enter();
    seal(tp_end_name(TP_END__EXIT), status, wait_s, EXIT_STALL_S);
    tp_guard_leave();
}

void tp_runtime_seal_on_signal(int sig)
{
    if (tp_runtime_in_vfork_child()) /* the stream is its parent's */
        return;
    uint64_t wait_s = tp_cfg.exit_timeout_s < EXIT_SIGNAL_WAIT_S ? tp_cfg.exit_timeout_s
                                                                 : EXIT_SIGNAL_WAIT_S;
    tp_guard_enter();
    if (tp_runtime_recording() && !atomic_exchange(&proc.shutdown_once, 1))
        seal(tp_end_name(TP_END_SIGNAL), sig, wait_s, EXIT_STALL_S);
    else if (atomic_load(&proc.shutdown_once)) /* exit, exec or MPI_Finalize is sealing */
        tp_worker_wait_sealed(wait_s, EXIT_STALL_S);
    tp_guard_leave();
}

static atomic_int quick_exit_status;

void tp_runtime_quick_exit_status(int status) { atomic_store(&quick_exit_status, status); }

static void at_quick_exit_seal(void)
{
    tp_runtime_shutdown_signal_safe(atomic_load(&quick_exit_status));
}

/* on_exit, unlike atexit, is told the status even when main() returns. */
static void at_exit(int status, void *unused) { tp_runtime_shutdown(tp_end_name(TP_END_EXIT), status); }

/* ---- fork ---- */

/* Every lock a job thread or the worker can hold is taken before the fork
 * and released on both sides, so the child never inherits one held: the
 * start lock, the declared roles, the digest cache, and the gate around
 * OpenSSL (whose own locks are then free as well). */
static void atfork_prepare(void)
{
    pthread_mutex_lock(&proc.start_lock);
    tp_roles_lock();
    tp_hashcache_lock();
    tp_cryptogate_atfork_prepare();
}

static void atfork_parent(void)
{
    tp_cryptogate_atfork_parent();
    tp_hashcache_unlock();
    tp_roles_unlock();
    pthread_mutex_unlock(&proc.start_lock);
}

/* The one reset after fork. Also runs for forks we do not wrap (system(),
 * a raw fork in another library): the child always gets a fresh, pending
 * stream of its own; the fork wrapper then starts its worker. */
static void reset_after_fork(void)
{
    tp_signals_atfork_child();
    tp_cryptogate_atfork_child();
    tp_hashcache_unlock();
    tp_roles_unlock();
    pthread_mutex_init(&proc.start_lock, NULL);
    tp_worker_atfork_child();
    if (tp_runtime_recording()) {
        proc.parent_stream = proc.stream_id;
        proc.stream_id = tp_random_u64();
        snprintf(proc.origin, sizeof proc.origin, "%s", tp_origin_name(TP_ORIGIN_FORK));
        atomic_store(&tp_state, TP_STATE_PENDING);
        atomic_store(&proc.shutdown_once, 0);
        atomic_store(&proc.untracked_fds, 0);
        tp_fdtable_atfork_child();
    }
}

uint64_t tp_runtime_fork_prepare(void) { return tp_random_u64(); }

void tp_runtime_fork_done(pid_t pid, uint64_t child_id)
{
    if (pid == 0) {
        if (atomic_load(&tp_state) == TP_STATE_PENDING) {
            proc.stream_id = child_id; /* the id the parent announces */
            /* started now, so that _exit (signal-safe, cannot start a
             * thread) can still seal the announced stream */
            tp_guard_enter();
            start_worker(1);
            tp_guard_leave();
        }
        return;
    }
    if (pid < 0)
        return;
    tp_event *ev = tp_event_new(TP_EV_CHILD, tp_origin_name(TP_ORIGIN_FORK), NULL);
    if (!ev)
        return;
    ev->u64 = child_id;
    ev->i32 = (int32_t)pid;
    tp_runtime_post(ev);
}

/* ---- exec ---- */

static int is_handoff_var(const char *entry)
{
    static const char *const names[] = {TP_ENV_STREAM_ID "=", TP_ENV_PARENT_STREAM "=",
                                        TP_ENV_ORIGIN "=", "LD_PRELOAD=", NULL};
    for (const char *const *n = names; *n; n++)
        if (strncmp(entry, *n, strlen(*n)) == 0)
            return 1;
    for (size_t i = 0; i < proc.n_saved_env; i++) {
        size_t len = strchr(proc.saved_env[i], '=') - proc.saved_env[i] + 1;
        if (strncmp(entry, proc.saved_env[i], len) == 0)
            return 1;
    }
    return 0;
}

static char *format_env(const char *name, uint64_t v)
{
    char *s = NULL;
    if (asprintf(&s, "%s=%016llx", name, (unsigned long long)v) < 0)
        return NULL;
    return s;
}

/* envp minus our variables, plus our settings, the stream hand-off and
 * LD_PRELOAD with this library first (the job's own preloads kept). */
static char **build_exec_env(char *const envp[], uint64_t next_id, uint64_t next_parent,
                             const char *next_origin)
{
    size_t n = 0;
    const char *user_preload = NULL;
    for (; envp && envp[n]; n++)
        if (strncmp(envp[n], "LD_PRELOAD=", 11) == 0)
            user_preload = envp[n] + 11;
    char **env = calloc(n + proc.n_saved_env + 5, sizeof *env);
    if (!env)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!is_handoff_var(envp[i]))
            env[k++] = envp[i];
    for (size_t i = 0; i < proc.n_saved_env; i++)
        env[k++] = proc.saved_env[i];
    /* The strings below are leaked on success (the image is replaced) and
     * freed by tp_runtime_exec_failed otherwise: they sit after a NULL
     * marker slot so that function can find them. */
    char *preload = NULL;
    if (user_preload && strstr(user_preload, tp_cfg.lib_path))
        asprintf(&preload, "LD_PRELOAD=%s", user_preload);
    else if (user_preload && *user_preload)
        asprintf(&preload, "LD_PRELOAD=%s:%s", tp_cfg.lib_path, user_preload);
    else
        asprintf(&preload, "LD_PRELOAD=%s", tp_cfg.lib_path);
    char *origin_var = NULL;
    asprintf(&origin_var, TP_ENV_ORIGIN "=%s", next_origin);
    char *extra[4] = {format_env(TP_ENV_STREAM_ID, next_id),
                      format_env(TP_ENV_PARENT_STREAM, next_parent), origin_var, preload};
    for (int i = 0; i < 4; i++)
        if (extra[i])
            env[k++] = extra[i];
    env[k] = NULL;
    return env;
}

/* ---- vfork ---- */

/* The vfork window of this thread: set by the parent thread before the
 * system call, seen by the child (which runs on this thread's memory and
 * TLS while the parent thread is suspended), read back by the parent. */
static __thread struct {
    uint64_t child_id; /* nonzero inside the window */
    char **env;        /* the environment the child built for its exec */
    int handed_off;    /* the child exec'd through our wrapper */
} vfork_window __attribute__((tls_model("initial-exec")));

void tp_runtime_vfork_prepare(void)
{
    tp_guard_enter(); /* the child's wrappers pass through */
    vfork_window.env = NULL;
    vfork_window.handed_off = 0;
    vfork_window.child_id = tp_runtime_recording() ? tp_random_u64() : 0;
}

int tp_runtime_in_vfork_child(void) { return vfork_window.child_id != 0; }

char **tp_runtime_vfork_exec_prepare(char *const envp[])
{
    /* the child shares the parent's heap and state: it only reads them and
     * allocates the new environment, which the parent frees */
    char **env = build_exec_env(envp, vfork_window.child_id, proc.stream_id,
                                tp_origin_name(TP_ORIGIN_FORK));
    vfork_window.env = env;
    vfork_window.handed_off = env != NULL;
    return env;
}

void tp_runtime_vfork_exec_failed(void) { vfork_window.handed_off = 0; }

pid_t tp_runtime_vfork_done(long rv)
{
    int saved_errno = errno;
    uint64_t child_id = vfork_window.child_id;
    int handed_off = vfork_window.handed_off;
    free(vfork_window.env);
    vfork_window.child_id = 0;
    vfork_window.env = NULL;
    tp_guard_leave();
    if (rv < 0) {
        errno = (int)-rv;
        return -1;
    }
    /* announced only when the child's image took over the stream id: a
     * child that left without exec'ing (or whose exec failed) recorded
     * nothing and has no stream */
    if (handed_off && child_id) {
        tp_guard_enter();
        tp_event *ev = tp_event_new(TP_EV_CHILD, tp_origin_name(TP_ORIGIN_FORK), NULL);
        if (ev) {
            ev->u64 = child_id;
            ev->i32 = (int32_t)rv;
            tp_runtime_post(ev);
        }
        tp_guard_leave();
    }
    errno = saved_errno;
    return (pid_t)rv;
}

char **tp_runtime_exec_prepare(const char *path, char *const envp[])
{
    if (!tp_runtime_recording())
        return NULL;
    tp_guard_enter();
    uint64_t next_id, next_parent;
    char next_origin[16];
    if (atomic_load(&tp_state) == TP_STATE_PENDING) {
        /* a forked child that recorded nothing: the new image takes over the
         * stream id its parent announced */
        next_id = proc.stream_id;
        next_parent = proc.parent_stream;
        snprintf(next_origin, sizeof next_origin, "%s", proc.origin);
    } else {
        next_id = tp_random_u64();
        next_parent = proc.stream_id;
        snprintf(next_origin, sizeof next_origin, "%s", tp_origin_name(TP_ORIGIN_EXEC));
        tp_event *ev = tp_event_new(TP_EV_CHILD, tp_origin_name(TP_ORIGIN_EXEC), path);
        if (ev) {
            ev->u64 = next_id;
            ev->i32 = (int32_t)getpid();
            tp_runtime_post(ev);
        }
        if (!atomic_exchange(&proc.shutdown_once, 1))
            seal(tp_end_name(TP_END_EXEC), -1, tp_cfg.exit_timeout_s, tp_cfg.exit_timeout_s);
    }
    char **env = build_exec_env(envp, next_id, next_parent, next_origin);
    if (env) {
        /* should the exec fail, this process goes on under next_id */
        proc.stream_id = next_id;
        proc.parent_stream = next_parent;
        snprintf(proc.origin, sizeof proc.origin, "%s", next_origin);
    }
    tp_guard_leave();
    return env;
}

char **tp_runtime_spawn_prepare(char *const envp[], uint64_t *child_id)
{
    if (!tp_runtime_recording())
        return NULL;
    tp_guard_enter();
    *child_id = tp_random_u64();
    char **env = build_exec_env(envp, *child_id, proc.stream_id, tp_origin_name(TP_ORIGIN_SPAWN));
    tp_guard_leave();
    return env;
}

void tp_runtime_spawn_done(char **env, int rc, pid_t pid, uint64_t child_id, const char *path)
{
    if (!env)
        return;
    free(env);
    if (rc != 0)
        return;
    tp_guard_enter();
    tp_event *ev = tp_event_new(TP_EV_CHILD, tp_origin_name(TP_ORIGIN_SPAWN), path);
    if (ev) {
        ev->u64 = child_id;
        ev->i32 = (int32_t)pid;
        tp_runtime_post(ev);
    }
    tp_guard_leave();
}

void tp_runtime_exec_failed(char **env)
{
    if (!env)
        return;
    free(env); /* the added strings are few and small; leaking them is harmless */
    int ended = TP_STATE_ENDED;
    if (atomic_compare_exchange_strong(&tp_state, &ended, TP_STATE_PENDING)) {
        atomic_store(&proc.shutdown_once, 0);
        tp_guard_enter();
        start_worker(1); /* so that _exit can seal the announced stream */
        tp_guard_leave();
    }
}

/* ---- load ---- */

static void save_settings_env(void)
{
    for (const char *const *name = tp_config_env_names; *name; name++) {
        const char *v = getenv(*name);
        if (v && proc.n_saved_env < MAX_SAVED_ENV &&
            asprintf(&proc.saved_env[proc.n_saved_env], "%s=%s", *name, v) >= 0)
            proc.n_saved_env++;
    }
}

/* Files this image inherited open (a shell's `> out.bin`, a parent's data
 * file): they are sessions of this stream from the start. */
static void track_inherited_fds(void)
{
    DIR *dir = opendir("/proc/self/fd");
    if (!dir)
        return;
    int self = dirfd(dir);
    struct dirent *e;
    while ((e = readdir(dir))) {
        char *end;
        long fd = strtol(e->d_name, &end, 10);
        if (*end || e->d_name[0] == '.' || fd == self)
            continue;
        int flags = fcntl((int)fd, F_GETFL);
        if (flags >= 0)
            tp_track_inherited((int)fd, flags & ~(O_CREAT | O_TRUNC));
    }
    closedir(dir);
}

__attribute__((constructor)) static void tp_runtime_load(void)
{
    char msg[512];
    tp_real_resolve();
    tp_guard_enter();
    /* Our libcrypto is a private, static copy (logger/Makefile.am). The job's
     * OPENSSL_CONF is meant for the job's own libcrypto: it may name providers
     * or engines built for another version, or forbid the algorithms we sign
     * with, so this copy never reads a configuration file (the built-in
     * default provider has SHA-256, ChaCha20 and Ed25519). It must still work
     * when our exit handler signs the final head, so no atexit cleanup. Done
     * before anything can use OpenSSL: the first call fixes these options. */
    OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG | OPENSSL_INIT_NO_ATEXIT, NULL);
    int rc = tp_config_load(&tp_cfg, msg, sizeof msg);
    if (rc != 0) {
        if (rc < 0)
            fprintf(stderr, "trainprov: %s\n", msg);
        goto out;
    }
    if (tp_key_load_private(tp_cfg.key_path, &proc.key, msg, sizeof msg) != 0) {
        fprintf(stderr, "trainprov: %s; this process (pid %d) is not recorded\n", msg,
                (int)getpid());
        goto out;
    }
    save_settings_env();
    proc.stream_id = tp_cfg.inherited_stream ? tp_cfg.inherited_stream : tp_random_u64();
    proc.parent_stream = tp_cfg.inherited_parent;
    snprintf(proc.origin, sizeof proc.origin, "%s",
             tp_cfg.inherited_origin[0] ? tp_cfg.inherited_origin : tp_origin_name(TP_ORIGIN_ROOT));
    /* the hand-off is for this image only: a spawned child must draw its own id */
    unsetenv(TP_ENV_STREAM_ID);
    unsetenv(TP_ENV_PARENT_STREAM);
    unsetenv(TP_ENV_ORIGIN);
    pthread_atfork(atfork_prepare, atfork_parent, reset_after_fork);
    on_exit(at_exit, NULL);
    at_quick_exit(at_quick_exit_seal);
    atomic_store(&tp_state, TP_STATE_PENDING);
    start_worker(0);
    if (atomic_load(&tp_state) == TP_STATE_PENDING)
        atomic_store(&tp_state, TP_STATE_ACTIVE);
    if (tp_runtime_recording())
        tp_signals_install();
out:
    tp_guard_leave();
    if (tp_runtime_recording())
        track_inherited_fds();
}
