/* hook_process.c: process life-cycle wrappers. fork gives the child its own
 * stream, announced by the parent; vfork keeps vfork semantics (see below);
 * exec seals the stream and passes the
 * settings and the next stream id to the new image through its
 * environment, so a job cannot shed tracing by exec'ing with a clean env;
 * _exit/_Exit seal the stream with the status (exit() reaches the on_exit
 * handler in runtime.c, which does the same, and quick_exit its
 * at_quick_exit handler). */
#define _GNU_SOURCE
#include <errno.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>

#include "logger/job/guard.h"
#include "logger/job/real.h"
#include "logger/runtime.h"
#include "core/vocab.h"

#define TP_EXPORT __attribute__((visibility("default")))
#define MAX_EXECL_ARGS 4096

extern char **environ;

TP_EXPORT pid_t fork(void)
{
    if (!tp_runtime_recording() || tp_guard_held())
        return TP_REAL(fork)();
    uint64_t child_id = tp_runtime_fork_prepare();
    pid_t pid = TP_REAL(fork)();
    int saved_errno = errno;
    tp_runtime_fork_done(pid, child_id);
    errno = saved_errno;
    return pid;
}

/* vfork keeps its semantics: the child borrows the parent's memory until it
 * execs or leaves, and the parent thread waits. Serving it as a fork would
 * copy the page tables of the whole job each time (bench/bench_vfork, 2-core
 * VM: 4 GiB touched, 0.27-0.7 s per fork against under 4 ms per vfork; 8 GiB,
 * 0.4 s), and Python's subprocess uses vfork (subprocess.run(["true"]) from
 * a 4 GiB Python: 255 ms per call when served as a fork, 8.5 ms now). A vfork wrapper cannot be a C
 * function: the child returns through it and reuses its stack frame before
 * the parent resumes in it. So on x86-64 it is the C library's own
 * sequence (keep the return address in a register across the system call)
 * between two C calls made in the parent only: prepare opens this thread's
 * vfork window (every wrapper in the child passes through; an exec hands
 * the new image a stream id), done closes it and announces the child's
 * stream when the child exec'd. Elsewhere vfork is served as a fork. */
#if defined(__x86_64__)
__asm__(".text\n"
        ".globl vfork\n"
        ".type vfork, @function\n"
        "vfork:\n"
        "    sub $8, %rsp\n"           /* align the stack for the call */
        "    call tp_runtime_vfork_prepare\n"
        "    add $8, %rsp\n"
        "    pop %rdi\n"               /* the caller's return address */
        "    mov $58, %eax\n"          /* SYS_vfork */
        "    syscall\n"
        "    push %rdi\n"
        "    test %rax, %rax\n"
        "    jz 1f\n"                 /* the child returns 0 at once */
        "    mov %rax, %rdi\n"
        "    sub $8, %rsp\n"
        "    call tp_runtime_vfork_done\n"
        "    add $8, %rsp\n"
        "1:  ret\n"
        ".size vfork, .-vfork\n");
#else
TP_EXPORT pid_t vfork(void) { return fork(); }
#endif

typedef int (*exec_fn)(const char *, char *const[], char *const[]);

/* exec in a vfork child: it shares the parent's state, which it must not
 * change; the new image takes over the stream id the parent announces. */
static int vfork_child_exec(exec_fn real, const char *path, char *const argv[],
                            char *const envp[])
{
    char **env = tp_runtime_vfork_exec_prepare(envp);
    int rc = real(path, argv, env ? env : envp);
    tp_runtime_vfork_exec_failed();
    return rc;
}

static int traced_exec(exec_fn real, const char *path, char *const argv[], char *const envp[])
{
    if (tp_runtime_in_vfork_child())
        return vfork_child_exec(real, path, argv, envp);
    if (tp_guard_held())
        return real(path, argv, envp);
    char **env = tp_runtime_exec_prepare(path, envp);
    int rc = real(path, argv, env ? env : envp);
    int saved_errno = errno;
    tp_runtime_exec_failed(env);
    errno = saved_errno;
    return rc;
}

TP_EXPORT int execve(const char *path, char *const argv[], char *const envp[])
{
    return traced_exec(TP_REAL(execve), path, argv, envp);
}

TP_EXPORT int execvpe(const char *file, char *const argv[], char *const envp[])
{
    return traced_exec(TP_REAL(execvpe), file, argv, envp);
}

TP_EXPORT int execv(const char *path, char *const argv[])
{
    return traced_exec(TP_REAL(execve), path, argv, environ);
}

TP_EXPORT int execvp(const char *file, char *const argv[])
{
    return traced_exec(TP_REAL(execvpe), file, argv, environ);
}

/* execl-style calls reach __execve inside glibc, so they are rebuilt here as
 * argv arrays. The array is bounded; beyond it, E2BIG as the kernel would. */
static char **collect_args(const char *arg0, va_list ap, char ***envp_out)
{
    char **argv = malloc(MAX_EXECL_ARGS * sizeof *argv);
    if (!argv)
        return NULL;
    size_t n = 0;
    argv[n++] = (char *)arg0;
    while (arg0 && n < MAX_EXECL_ARGS) {
        char *a = va_arg(ap, char *);
        argv[n++] = a;
        if (!a)
            break;
    }
    if (n == MAX_EXECL_ARGS && argv[n - 1]) {
        free(argv);
        errno = E2BIG;
        return NULL;
    }
    if (envp_out)
        *envp_out = va_arg(ap, char **);
    return argv;
}

static int execl_common(exec_fn real, const char *path, char **argv, char *const envp[])
{
    if (!argv)
        return -1;
    int rc = traced_exec(real, path, argv, envp);
    int saved_errno = errno;
    free(argv);
    errno = saved_errno;
    return rc;
}

TP_EXPORT int execl(const char *path, const char *arg, ...)
{
    va_list ap;
    va_start(ap, arg);
    char **argv = collect_args(arg, ap, NULL);
    va_end(ap);
    return execl_common(TP_REAL(execve), path, argv, environ);
}

TP_EXPORT int execlp(const char *file, const char *arg, ...)
{
    va_list ap;
    va_start(ap, arg);
    char **argv = collect_args(arg, ap, NULL);
    va_end(ap);
    return execl_common(TP_REAL(execvpe), file, argv, environ);
}

TP_EXPORT int execle(const char *path, const char *arg, ...)
{
    va_list ap;
    char **envp = NULL;
    va_start(ap, arg);
    char **argv = collect_args(arg, ap, &envp);
    va_end(ap);
    return execl_common(TP_REAL(execve), path, argv, envp);
}

/* Async-signal-safe, as POSIX requires: jobs call these from signal
 * handlers, possibly interrupting a thread inside malloc or our own code. */
TP_EXPORT void _exit(int status)
{
    tp_runtime_shutdown_signal_safe(status);
    TP_REAL(_exit)(status);
}

TP_EXPORT void _Exit(int status)
{
    tp_runtime_shutdown_signal_safe(status);
    TP_REAL(_Exit)(status);
}

/* quick_exit runs the at_quick_exit handlers, then glibc's internal _exit,
 * which no wrapper sees: the stream is sealed by the runtime's own
 * at_quick_exit handler, which runs after the job's (registered first, at
 * load), with the status kept here. Signal-safe like _exit. */
TP_EXPORT void quick_exit(int status)
{
    tp_runtime_quick_exit_status(status);
    TP_REAL(quick_exit)(status);
}

/* posix_spawn runs the child's exec inside glibc, where no wrapper sees it:
 * the child's environment carries its stream id instead, and the parent
 * announces it. (system() and popen() go through glibc's internal spawn and
 * their children start unannounced streams of their own.) */
typedef int (*spawn_fn)(pid_t *, const char *, const posix_spawn_file_actions_t *,
                        const posix_spawnattr_t *, char *const[], char *const[]);

static int traced_spawn(spawn_fn real, pid_t *pid, const char *path,
                        const posix_spawn_file_actions_t *actions, const posix_spawnattr_t *attr,
                        char *const argv[], char *const envp[])
{
    if (tp_guard_held())
        return real(pid, path, actions, attr, argv, envp);
    uint64_t child_id = 0;
    pid_t child = 0;
    char **env = tp_runtime_spawn_prepare(envp, &child_id);
    int rc = real(&child, path, actions, attr, argv, env ? env : envp);
    tp_runtime_spawn_done(env, rc, child, child_id, path);
    if (pid)
        *pid = child;
    return rc;
}

TP_EXPORT int posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *actions,
                          const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
    return traced_spawn(TP_REAL(posix_spawn), pid, path, actions, attr, argv, envp);
}

TP_EXPORT int posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *actions,
                           const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
    return traced_spawn(TP_REAL(posix_spawnp), pid, file, actions, attr, argv, envp);
}
