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
#include "logger/worker/hashcache.h"
#include "logger/job/real.h"
#include "logger/job/roles.h"
#include "core/sign.h"
#include "logger/worker/stream.h"
#include "logger/job/track.h"
#include "core/settings.h"
#include "core/vocab.h"

__thread int tp_guard_depth __attribute__((tls_model("initial-exec")));

atomic_int tp_state;
tp_config tp_cfg;

static tp_key *signing_key;
static uint64_t stream_id, parent_stream;
static char origin[16];
static pthread_mutex_t start_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_ulong untracked_fds;
static atomic_int shutdown_once;

#define MAX_SAVED_ENV 16
static char *saved_env[MAX_SAVED_ENV]; /* "NAME=value" of the TRAINPROV_* settings */
static size_t n_saved_env;

uint64_t tp_random_u64(void)
{
    uint64_t v = 0;
    while (v == 0) {
        if (getrandom(&v, sizeof v, 0) != (ssize_t)sizeof v)
            v = (uint64_t)tp_now_ns() ^ ((uint64_t)getpid() << 32);
    }
    return v;
}

uint64_t tp_runtime_stream_id(void) { return tp_runtime_recording() ? stream_id : 0; }

static void start_stream_locked(void)
{
    if (atomic_load(&tp_state) != TP_STATE_PENDING)
        return;
    if (tp_worker_start(&tp_cfg, signing_key, stream_id, parent_stream, origin) == 0) {
        atomic_store(&tp_state, TP_STATE_ACTIVE);
    } else {
        fprintf(stderr, "trainprov: cannot start the logging thread in pid %d; this process "
                "is not recorded\n", (int)getpid());
        atomic_store(&tp_state, TP_STATE_OFF);
    }
}

void tp_runtime_post(tp_event *ev)
{
    if (atomic_load(&tp_state) == TP_STATE_PENDING) {
        pthread_mutex_lock(&start_lock);
        start_stream_locked();
        pthread_mutex_unlock(&start_lock);
    }
    if (atomic_load(&tp_state) != TP_STATE_ACTIVE) {
        if (ev->fd >= 0)
            TP_REAL(close)(ev->fd);
        if (ev->kind == TP_EV_FILE_CLOSE)
            tp_file_free(ev->file);
        free(ev->text);
        free(ev->text2);
        free(ev->body);
        free(ev);
        return;
    }
    tp_worker_post(ev);
}

void tp_runtime_count_untracked(void) { atomic_fetch_add(&untracked_fds, 1); }

/* Hands a still-open file to the worker as if it were closed now. */
static void close_out(tp_file *f, void *unused)
{
    tp_event *ev = tp_event_new(TP_EV_FILE_CLOSE, NULL, NULL);
    if (!ev)
        return;
    ev->file = f;
    ev->fd = fcntl(f->fd, F_DUPFD_CLOEXEC, 0);
    tp_worker_post(ev);
}

static void seal(const char *reason, int status)
{
    pthread_mutex_lock(&start_lock);
    start_stream_locked();
    pthread_mutex_unlock(&start_lock);
    if (atomic_load(&tp_state) != TP_STATE_ACTIVE)
        return;
    tp_fdtable_drain(close_out, NULL);
    atomic_store(&tp_state, TP_STATE_ENDED);
    tp_worker_finish(reason, status, atomic_load(&untracked_fds), tp_cfg.exit_timeout_s);
}

void tp_runtime_shutdown(const char *reason, int status)
{
    if (!tp_runtime_recording() || atomic_exchange(&shutdown_once, 1))
        return;
    tp_guard_enter();
    seal(reason, status);
    tp_guard_leave();
}

/* on_exit, unlike atexit, is told the status even when main() returns. */
static void at_exit(int status, void *unused) { tp_runtime_shutdown(tp_end_name(TP_END_EXIT), status); }

/* ---- fork ---- */

static void atfork_prepare(void)
{
    pthread_mutex_lock(&start_lock);
    tp_roles_lock();
    tp_hashcache_lock();
    tp_worker_atfork_prepare();
}

static void atfork_parent(void)
{
    tp_worker_atfork_parent();
    tp_hashcache_unlock();
    tp_roles_unlock();
    pthread_mutex_unlock(&start_lock);
}

/* Also runs for forks we do not wrap (system(), a raw fork in another
 * library): the child always gets a fresh, pending stream of its own. */
static void atfork_child(void)
{
    tp_worker_atfork_child();
    tp_hashcache_unlock();
    tp_roles_unlock();
    pthread_mutex_unlock(&start_lock);
    if (tp_runtime_recording()) {
        parent_stream = stream_id;
        stream_id = tp_random_u64();
        snprintf(origin, sizeof origin, "%s", tp_origin_name(TP_ORIGIN_FORK));
        atomic_store(&tp_state, TP_STATE_PENDING);
        atomic_store(&shutdown_once, 0);
        atomic_store(&untracked_fds, 0);
        tp_fdtable_reset_counters();
    }
}

uint64_t tp_runtime_fork_prepare(void) { return tp_random_u64(); }

void tp_runtime_fork_done(pid_t pid, uint64_t child_id)
{
    if (pid == 0) {
        if (atomic_load(&tp_state) == TP_STATE_PENDING)
            stream_id = child_id; /* the id the parent announces */
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
    for (size_t i = 0; i < n_saved_env; i++) {
        size_t len = strchr(saved_env[i], '=') - saved_env[i] + 1;
        if (strncmp(entry, saved_env[i], len) == 0)
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
    char **env = calloc(n + n_saved_env + 5, sizeof *env);
    if (!env)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!is_handoff_var(envp[i]))
            env[k++] = envp[i];
    for (size_t i = 0; i < n_saved_env; i++)
        env[k++] = saved_env[i];
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

char **tp_runtime_exec_prepare(const char *path, char *const envp[])
{
    if (!tp_runtime_recording())
        return NULL;
    tp_guard_enter();
    uint64_t next_id, next_parent;
    char next_origin[16];
    pthread_mutex_lock(&start_lock);
    int pending = atomic_load(&tp_state) == TP_STATE_PENDING;
    pthread_mutex_unlock(&start_lock);
    if (pending) {
        /* a forked child that recorded nothing: the new image takes over the
         * stream id its parent announced */
        next_id = stream_id;
        next_parent = parent_stream;
        snprintf(next_origin, sizeof next_origin, "%s", origin);
    } else {
        next_id = tp_random_u64();
        next_parent = stream_id;
        snprintf(next_origin, sizeof next_origin, "%s", tp_origin_name(TP_ORIGIN_EXEC));
        tp_event *ev = tp_event_new(TP_EV_CHILD, tp_origin_name(TP_ORIGIN_EXEC), path);
        if (ev) {
            ev->u64 = next_id;
            ev->i32 = (int32_t)getpid();
            tp_runtime_post(ev);
        }
        seal(tp_end_name(TP_END_EXEC), -1);
    }
    char **env = build_exec_env(envp, next_id, next_parent, next_origin);
    if (env) {
        /* should the exec fail, this process goes on under next_id */
        stream_id = next_id;
        parent_stream = next_parent;
        snprintf(origin, sizeof origin, "%s", next_origin);
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
    char **env = build_exec_env(envp, *child_id, stream_id, tp_origin_name(TP_ORIGIN_SPAWN));
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
    pthread_mutex_lock(&start_lock);
    if (atomic_load(&tp_state) == TP_STATE_ENDED) {
        atomic_store(&tp_state, TP_STATE_PENDING);
        atomic_store(&shutdown_once, 0);
    }
    pthread_mutex_unlock(&start_lock);
}

/* ---- load ---- */

static void save_settings_env(void)
{
    for (const char *const *name = tp_config_env_names; *name; name++) {
        const char *v = getenv(*name);
        if (v && n_saved_env < MAX_SAVED_ENV &&
            asprintf(&saved_env[n_saved_env], "%s=%s", *name, v) >= 0)
            n_saved_env++;
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
            tp_track_open((int)fd, flags & ~(O_CREAT | O_TRUNC));
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
    if (tp_key_load_private(tp_cfg.key_path, &signing_key, msg, sizeof msg) != 0) {
        fprintf(stderr, "trainprov: %s; this process (pid %d) is not recorded\n", msg,
                (int)getpid());
        goto out;
    }
    if (tp_fdtable_init() != 0) {
        fprintf(stderr, "trainprov: out of memory at start; pid %d is not recorded\n",
                (int)getpid());
        goto out;
    }
    save_settings_env();
    stream_id = tp_cfg.inherited_stream ? tp_cfg.inherited_stream : tp_random_u64();
    parent_stream = tp_cfg.inherited_parent;
    snprintf(origin, sizeof origin, "%s",
             tp_cfg.inherited_origin[0] ? tp_cfg.inherited_origin : tp_origin_name(TP_ORIGIN_ROOT));
    /* the hand-off is for this image only: a spawned child must draw its own id */
    unsetenv(TP_ENV_STREAM_ID);
    unsetenv(TP_ENV_PARENT_STREAM);
    unsetenv(TP_ENV_ORIGIN);
    pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
    on_exit(at_exit, NULL);
    atomic_store(&tp_state, TP_STATE_PENDING);
    pthread_mutex_lock(&start_lock);
    start_stream_locked();
    pthread_mutex_unlock(&start_lock);
out:
    tp_guard_leave();
    if (tp_runtime_recording())
        track_inherited_fds();
}
