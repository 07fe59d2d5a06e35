/* run_signals.c: `trainprov run` forwards the signals a job can be stopped
 * with (SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2) to the job, and
 * never delivers one twice. A signal sent to the wrapper's whole process
 * group (a terminal's Ctrl-C, `kill -- -PGID`) or to every process of a
 * SLURM step reaches the job by itself: forwarding it as well would run the
 * job's handler twice (a second SIGINT means "die now" to many trainers).
 *
 * So a signal the wrapper receives is forwarded only when the job did not get
 * it too: the job's logger notes every such signal it receives on the
 * signal board (core/sigboard.h) with its sender and time. Received from the
 * terminal (SI_KERNEL): never forwarded (the job shares the terminal's
 * foreground group). Otherwise: not forwarded when the board shows the job
 * received the same signal from the same sender within a second before;
 * forwarded when it still does not after a grace period (the kernel signals
 * a group's processes one after another), or at once when the job's logger
 * does not listen (a static binary, no board). A signal the job has blocked
 * is still pending in it, and a forwarded copy merges with it: standard
 * signals do not queue.
 *
 * The wrapper installs no handler: these signals and SIGCHLD are blocked from
 * before the fork, and taken with sigtimedwait, so reaping and forwarding
 * happen on the wrapper's one thread without races. The child restores the
 * original mask before it execs the job. */
#define _GNU_SOURCE
#include "cli/run_signals.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/sigboard.h"

#define GRACE_NS (250 * 1000000LL)   /* how long the job's notice may lag */
#define BEFORE_NS (1000 * 1000000LL) /* how far the job's notice may lead */
#define IDLE_MS 1000                 /* sigtimedwait without pending decisions */
#define POLL_MS 10                   /* ... with a decision pending */

static const int forwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
#define N_FORWARDED (sizeof forwarded / sizeof forwarded[0])

static struct {
    sigset_t old_mask;     /* the wrapper's mask before; the job's */
    sigset_t taken;        /* the signals taken with sigtimedwait */
    tp_sigboard *board;    /* NULL when none could be made */
    char board_path[64];   /* /proc/<pid>/fd/<n> */
    struct {
        int waiting;       /* received, not yet decided */
        pid_t sender;
        int64_t at_ns;
    } pending[TP_SIGBOARD_SIGNALS];
} st;

static int64_t mono_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static void make_board(void)
{
    int fd = memfd_create("trainprov-signals", MFD_CLOEXEC);
    if (fd < 0)
        return;
    void *map = MAP_FAILED;
    if (ftruncate(fd, sizeof(tp_sigboard)) == 0)
        map = mmap(NULL, sizeof(tp_sigboard), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED) {
        close(fd);
        return;
    }
    st.board = map;
    st.board->magic = TP_SIGBOARD_MAGIC;
    snprintf(st.board_path, sizeof st.board_path, "/proc/%d/fd/%d", (int)getpid(), fd);
    /* fd stays open (close-on-exec) for the job to open through /proc */
}

void tp_run_signals_prepare(void)
{
    make_board();
    sigemptyset(&st.taken);
    sigaddset(&st.taken, SIGCHLD);
    for (size_t i = 0; i < N_FORWARDED; i++) {
        struct sigaction old;
        /* a signal ignored by whoever started us (nohup) stays ignored */
        if (sigaction(forwarded[i], NULL, &old) != 0 || old.sa_handler != SIG_IGN)
            sigaddset(&st.taken, forwarded[i]);
    }
    sigprocmask(SIG_BLOCK, &st.taken, &st.old_mask);
}

int tp_run_signals_child(void)
{
    sigprocmask(SIG_SETMASK, &st.old_mask, NULL);
    if (!st.board)
        return unsetenv(TP_ENV_SIGNAL_BOARD);
    atomic_store(&st.board->job_pid, (int32_t)getpid());
    return setenv(TP_ENV_SIGNAL_BOARD, st.board_path, 1);
}

void tp_run_signals_started(pid_t job)
{
    if (st.board)
        atomic_store(&st.board->job_pid, (int32_t)job);
}

/* 1 when the board shows the job received sig from sender since at_ns - BEFORE_NS. */
static int job_noticed(int sig, pid_t sender, int64_t at_ns)
{
    const tp_sigboard_entry *e = &st.board->sig[sig];
    return atomic_load(&e->count) > 0 && atomic_load(&e->sender) == (int32_t)sender &&
           atomic_load(&e->mono_ns) >= at_ns - BEFORE_NS;
}

static void received(pid_t job, int sig, const siginfo_t *info)
{
    if (info->si_code == SI_KERNEL) /* the terminal: the job has it already */
        return;
    if (!st.board || !atomic_load(&st.board->listening)) {
        kill(job, sig);
        return;
    }
    st.pending[sig].waiting = 1;
    st.pending[sig].sender = info->si_pid;
    st.pending[sig].at_ns = mono_ns();
}

/* Forwards what the job did not get after the grace period; 1 while some
 * decision is still pending. */
static int decide(pid_t job)
{
    int still = 0;
    int64_t now = mono_ns();
    for (size_t i = 0; i < N_FORWARDED; i++) {
        int sig = forwarded[i];
        if (!st.pending[sig].waiting)
            continue;
        if (job_noticed(sig, st.pending[sig].sender, st.pending[sig].at_ns)) {
            st.pending[sig].waiting = 0;
        } else if (now - st.pending[sig].at_ns >= GRACE_NS) {
            kill(job, sig);
            st.pending[sig].waiting = 0;
        } else {
            still = 1;
        }
    }
    return still;
}

/* One signal taken (or none within ms): its number, 0 on timeout. */
static int take(long ms, siginfo_t *info)
{
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000};
    int sig = sigtimedwait(&st.taken, info, &t);
    return sig < 0 ? 0 : sig;
}

int tp_run_signals_wait_job(pid_t job)
{
    int still = 0;
    for (;;) {
        int status;
        pid_t p;
        while ((p = waitpid(-1, &status, WNOHANG)) > 0)
            if (p == job)
                return status;
        if (p < 0 && errno == ECHILD)
            return -1;
        siginfo_t info;
        int sig = take(still ? POLL_MS : IDLE_MS, &info);
        if (sig > 0 && sig != SIGCHLD)
            received(job, sig, &info);
        still = decide(job);
    }
}

int tp_run_signals_wait(long ms)
{
    int64_t end = mono_ns() + ms * 1000000;
    for (;;) {
        int64_t left = end - mono_ns();
        if (left <= 0)
            return 0;
        siginfo_t info;
        int sig = take((long)(left / 1000000) + 1, &info);
        if (sig > 0 && sig != SIGCHLD)
            return 1;
    }
}
