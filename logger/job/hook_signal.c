/* hook_signal.c: the signals that end a job from outside (SIGINT, SIGTERM,
 * SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2: a scheduler's preemption, a terminal,
 * `trainprov run` forwarding), chained with the job's own handlers, never
 * replacing them.
 *
 * For each of these signals the job's disposition is kept here, as the job
 * set it (sigaction, signal, bsd_signal, ssignal, sysv_signal are wrapped
 * and report it back unchanged; the obsolete SysV sigset is not), and the one installed in the kernel is ours, with the
 * job's mask and flags, except SIG_IGN, which stays SIG_IGN (an ignored
 * signal must not interrupt system calls). Our handler notes the signal on
 * the wrapper's board (sigboard.h), then:
 *   - job's SIG_DFL: the process is about to die, so the stream is sealed
 *     first (StreamEnd reason "signal", status the signal number, final
 *     head; the same lock-free, bounded seal as _exit) and the signal is
 *     raised again with the default action, so the job dies of it exactly as
 *     it would have (wait status, core dump of SIGQUIT);
 *   - job's handler: it runs, and the process goes on being recorded (a
 *     Python handler only sets a flag; the Python code runs later on the
 *     main thread, and a checkpoint it saves is recorded as usual);
 *   - SA_RESETHAND is emulated: the job's disposition becomes SIG_DFL.
 * Nothing here allocates or waits on a lock a signal handler could hold:
 * the job's disposition is double-buffered (a writer fills the slot not in
 * use, then flips), writers serialize with a flag held only with every
 * signal blocked and only across one sigaction system call. Installed at
 * load in every recording image (fork: inherited; exec: installed again by
 * the new image; a signal ignored across exec stays ignored). */
#define _GNU_SOURCE
#include "logger/job/signals.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "logger/job/real.h"
#include "logger/job/sigboard.h"
#include "logger/runtime.h"

#define TP_EXPORT __attribute__((visibility("default")))

static const int ending_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
#define N_ENDING (sizeof ending_signals / sizeof ending_signals[0])

typedef void (*plain_handler)(int);
typedef void (*info_handler)(int, siginfo_t *, void *);

/* A disposition as the job set it. */
typedef struct {
    void *handler; /* SIG_DFL, SIG_IGN, a sa_handler or a sa_sigaction */
    sigset_t mask;
    int flags;
} job_action;

static struct {
    job_action slot[2];
    atomic_int current;  /* the slot in force */
    atomic_flag writing; /* a thread is changing it (signals blocked) */
    atomic_int managed;  /* our handler governs this signal */
} dispositions[NSIG];

static job_action job_action_of(int sig)
{
    return dispositions[sig].slot[atomic_load_explicit(&dispositions[sig].current,
                                                       memory_order_acquire)];
}

static void on_signal(int sig, siginfo_t *info, void *uctx);

/* The kernel's disposition for the job's: SIG_IGN as is, anything else ours
 * with the job's mask and flags (our SIG_DFL handler blocks every ending
 * signal: the first one seals, the process dies of it). */
static int install(int sig, const job_action *a)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    if (a->handler == (void *)SIG_IGN) {
        sa.sa_handler = SIG_IGN;
        sa.sa_mask = a->mask;
        sa.sa_flags = a->flags & ~SA_SIGINFO;
    } else if (a->handler == (void *)SIG_DFL) {
        sa.sa_sigaction = on_signal;
        sigemptyset(&sa.sa_mask);
        for (size_t i = 0; i < N_ENDING; i++)
            sigaddset(&sa.sa_mask, ending_signals[i]);
        sa.sa_flags = SA_SIGINFO | SA_RESTART;
    } else {
        sa.sa_sigaction = on_signal;
        sa.sa_mask = a->mask;
        sa.sa_flags = (a->flags & ~SA_RESETHAND) | SA_SIGINFO;
    }
    return TP_REAL(sigaction)(sig, &sa, NULL);
}

/* Replaces the job's disposition of sig (new_action may be NULL: only read
 * it); the previous one in *prev. 0, or -1 with errno from sigaction. Safe
 * from a signal handler and from several threads. */
static int change(int sig, const job_action *new_action, job_action *prev)
{
    int saved_errno = errno;
    sigset_t all, saved;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &saved);
    /* another thread holds it across one sigaction call, with signals
     * blocked: never this thread, never for long */
    while (atomic_flag_test_and_set_explicit(&dispositions[sig].writing, memory_order_acquire))
        ;
    int cur = atomic_load_explicit(&dispositions[sig].current, memory_order_relaxed);
    if (prev)
        *prev = dispositions[sig].slot[cur];
    int rc = 0, err = 0;
    if (new_action && (rc = install(sig, new_action)) != 0)
        err = errno;
    if (new_action && rc == 0) {
        dispositions[sig].slot[1 - cur] = *new_action;
        atomic_store_explicit(&dispositions[sig].current, 1 - cur, memory_order_release);
    }
    atomic_flag_clear_explicit(&dispositions[sig].writing, memory_order_release);
    pthread_sigmask(SIG_SETMASK, &saved, NULL);
    errno = rc ? err : saved_errno;
    return rc;
}

/* Dies of sig with its default action, as the job would have. */
static void die_of(int sig)
{
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    TP_REAL(sigaction)(sig, &dfl, NULL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    syscall(SYS_tgkill, getpid(), (pid_t)syscall(SYS_gettid), sig);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    /* not reached; should the signal not kill (a debugger), the job goes on */
}

static void on_signal(int sig, siginfo_t *info, void *uctx)
{
    int saved_errno = errno;
    tp_sigboard_note(sig, info);
    job_action a = job_action_of(sig);
    if (a.handler == (void *)SIG_DFL) {
        tp_runtime_seal_on_signal(sig);
        die_of(sig);
    } else if (a.handler != (void *)SIG_IGN) {
        if (a.flags & SA_RESETHAND) {
            job_action dfl = {(void *)SIG_DFL, a.mask, 0};
            change(sig, &dfl, NULL);
        }
        errno = saved_errno;
        if (a.flags & SA_SIGINFO)
            ((info_handler)a.handler)(sig, info, uctx);
        else
            ((plain_handler)a.handler)(sig);
        return;
    }
    errno = saved_errno;
}

TP_BEFORE_SANITIZER_INIT static int managed(int sig)
{
    return sig > 0 && sig < NSIG && atomic_load_explicit(&dispositions[sig].managed,
                                                         memory_order_acquire);
}

void tp_signals_install(void)
{
    tp_sigboard_attach();
    for (size_t i = 0; i < N_ENDING; i++) {
        int sig = ending_signals[i];
        if (managed(sig))
            continue;
        struct sigaction cur;
        if (TP_REAL(sigaction)(sig, NULL, &cur) != 0)
            continue;
        job_action a = {(cur.sa_flags & SA_SIGINFO) ? (void *)cur.sa_sigaction
                                                    : (void *)cur.sa_handler,
                        cur.sa_mask, cur.sa_flags};
        dispositions[sig].slot[0] = a;
        atomic_store(&dispositions[sig].current, 0);
        if (install(sig, &a) == 0)
            atomic_store_explicit(&dispositions[sig].managed, 1, memory_order_release);
    }
}

void tp_signals_atfork_child(void)
{
    /* a thread of the parent may have been changing a disposition */
    for (int sig = 1; sig < NSIG; sig++)
        atomic_flag_clear(&dispositions[sig].writing);
}

TP_EXPORT TP_BEFORE_SANITIZER_INIT int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
    /* a vfork child has its own dispositions but shares our memory: what it
     * sets (before its exec) is its own, never recorded as its parent's */
    if (!managed(sig) || tp_runtime_in_vfork_child())
        return TP_REAL(sigaction)(sig, act, old);
    job_action next, prev;
    if (act) {
        next.handler = (act->sa_flags & SA_SIGINFO) ? (void *)act->sa_sigaction
                                                    : (void *)act->sa_handler;
        next.mask = act->sa_mask;
        next.flags = act->sa_flags;
    }
    if (change(sig, act ? &next : NULL, &prev) != 0)
        return -1;
    if (old) {
        memset(old, 0, sizeof *old);
        if (prev.flags & SA_SIGINFO)
            old->sa_sigaction = (info_handler)prev.handler;
        else
            old->sa_handler = (plain_handler)prev.handler;
        old->sa_mask = prev.mask;
        old->sa_flags = prev.flags;
    }
    return 0;
}

/* signal() and its variants reach sigaction inside the C library, where no
 * wrapper sees it: each is rebuilt on the wrapper above with its semantics. */
static __sighandler_t set_handler(int sig, __sighandler_t handler, int flags)
{
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sigemptyset(&sa.sa_mask);
    if (!(flags & SA_NODEFER))
        sigaddset(&sa.sa_mask, sig);
    sa.sa_flags = flags;
    if (sigaction(sig, &sa, &old) != 0)
        return SIG_ERR;
    return old.sa_handler;
}

TP_EXPORT __sighandler_t signal(int sig, __sighandler_t handler)
{
    if (!managed(sig))
        return TP_REAL(signal)(sig, handler);
    return set_handler(sig, handler, SA_RESTART); /* BSD semantics, as glibc's */
}

TP_EXPORT __sighandler_t bsd_signal(int sig, __sighandler_t handler)
{
    if (!managed(sig))
        return TP_REAL(bsd_signal)(sig, handler);
    return set_handler(sig, handler, SA_RESTART);
}

TP_EXPORT __sighandler_t ssignal(int sig, __sighandler_t handler)
{
    if (!managed(sig))
        return TP_REAL(ssignal)(sig, handler);
    return set_handler(sig, handler, SA_RESTART);
}

TP_EXPORT __sighandler_t sysv_signal(int sig, __sighandler_t handler)
{
    if (!managed(sig))
        return TP_REAL(sysv_signal)(sig, handler);
    return set_handler(sig, handler, SA_RESETHAND | SA_NODEFER);
}

TP_EXPORT __sighandler_t __sysv_signal(int sig, __sighandler_t handler)
{
    if (!managed(sig))
        return TP_REAL(sysv_signal_)(sig, handler);
    return set_handler(sig, handler, SA_RESETHAND | SA_NODEFER);
}
