/* runtime.h: the logger's life in one process: configuration and key at
 * load, the stream's state across fork and exec, and sealing at exit. */
#ifndef TP_RUNTIME_H
#define TP_RUNTIME_H
#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>

#include "logger/config.h"
#include "logger/worker/worker.h"

enum tp_state {
    TP_STATE_OFF = 0,  /* not configured, or a start-up problem: record nothing */
    TP_STATE_ACTIVE,   /* the worker runs this process's stream */
    TP_STATE_PENDING,  /* forked child: stream id known, journal made on first event */
    TP_STATE_ENDED,    /* sealed (exit, exec): record nothing more */
};

extern atomic_int tp_state;
extern tp_config tp_cfg;

static inline int tp_runtime_recording(void)
{
    int s = atomic_load_explicit(&tp_state, memory_order_relaxed);
    return s == TP_STATE_ACTIVE || s == TP_STATE_PENDING;
}

/* Queues an event, starting a pending stream first. Frees ev when not recording. */
void tp_runtime_post(tp_event *ev);
/* Seals the stream (once): closes out open files, StreamEnd, final head.
 * Waits for the seal at most TRAINPROV_EXIT_TIMEOUT. */
void tp_runtime_shutdown(const char *reason, int status);
/* The same for _exit/_Exit, from any context including a signal handler:
 * no lock, no allocation, and a short bounded wait (it gives up when the
 * worker stops making progress: it may be blocked by the code the signal
 * interrupted). Nothing to seal in a pending stream without a worker. */
void tp_runtime_shutdown_signal_safe(int status);
/* A signal whose default action ends the process arrived (hook_signal.c):
 * seals the stream with StreamEnd reason "signal" and status sig, as _exit
 * does (signal-safe, bounded); when exit, exec or MPI_Finalize is already
 * sealing, waits for that seal instead. The caller then dies of sig. */
void tp_runtime_seal_on_signal(int sig);
/* quick_exit(status) is under way: the at_quick_exit handler registered at
 * load seals the stream with this status, as _exit would. */
void tp_runtime_quick_exit_status(int status);
/* Opens of fds beyond the fd table (reported in StreamEnd). */
void tp_runtime_count_untracked(void);

/* fork: draw the child's stream id before forking, then tell the runtime. */
uint64_t tp_runtime_fork_prepare(void);
void tp_runtime_fork_done(pid_t pid, uint64_t child_id);

/* vfork (see hook_process.c): prepare runs in the parent before the
 * vfork system call, done in the parent after it (rv: the call's result,
 * a pid or -errno; returns the pid, or -1 with errno). Between them the
 * child shares this thread's memory: every wrapper passes through, and an
 * exec hands the new image a stream of its own, which done announces. */
void tp_runtime_vfork_prepare(void);
pid_t tp_runtime_vfork_done(long rv);
/* 1 in a vfork child before its exec. Async-signal-safe. */
int tp_runtime_in_vfork_child(void);
/* exec from a vfork child: the environment for the new image (NULL when
 * not recording); tp_runtime_vfork_exec_failed after a failed exec. */
char **tp_runtime_vfork_exec_prepare(char *const envp[]);
void tp_runtime_vfork_exec_failed(void);

/* exec: seals the stream and returns a malloc'ed environment for the new
 * image that keeps it traced (NULL when not recording). If the exec fails,
 * tp_runtime_exec_failed resumes recording under the announced stream id. */
char **tp_runtime_exec_prepare(const char *path, char *const envp[]);
void tp_runtime_exec_failed(char **env);

/* posix_spawn: the child image gets its own stream, announced by this one.
 * prepare returns the environment to spawn with (NULL when not recording);
 * done frees it and, when the spawn succeeded, records the ChildStream. */
char **tp_runtime_spawn_prepare(char *const envp[], uint64_t *child_id);
void tp_runtime_spawn_done(char **env, int rc, pid_t pid, uint64_t child_id, const char *path);

uint64_t tp_random_u64(void);
/* This process image's stream id (0 when not recording). */
uint64_t tp_runtime_stream_id(void);

#endif
