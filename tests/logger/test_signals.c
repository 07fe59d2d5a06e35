/* test_signals.c: the signals that end a job from outside, chained with the
 * job's handlers (logger/job/hook_signal.c), compiled from the library's
 * source with the seal and the wrapper's board stubbed: the job's handler
 * runs (once per signal) and is what sigaction and signal report back; a
 * job's SIG_DFL seals then dies of the signal; SIG_IGN stays ignored in the
 * kernel; SA_RESETHAND (sysv_signal) is honoured; forked children inherit
 * the chain; a signal delivered to another thread reaches the handler. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/wait.h>
#include <unistd.h>

#include "logger/job/real.h"
#include "logger/job/sigboard.h"
#include "logger/job/signals.h"
#include "logger/runtime.h"

/* Stubs of what hook_signal.c calls outside itself. */
static int seal_pipe = -1;
static atomic_int seals, notes;

void tp_runtime_seal_on_signal(int sig)
{
    atomic_fetch_add(&seals, 1);
    if (seal_pipe >= 0) {
        unsigned char b = (unsigned char)sig;
        ssize_t w = write(seal_pipe, &b, 1);
        (void)w;
    }
}

void tp_sigboard_note(int sig, const siginfo_t *info)
{
    (void)sig;
    (void)info;
    atomic_fetch_add(&notes, 1);
}

void tp_sigboard_attach(void) {}

int tp_runtime_in_vfork_child(void) { return 0; }

static atomic_int calls, last_sig;

static void counting(int sig)
{
    atomic_fetch_add(&calls, 1);
    atomic_store(&last_sig, sig);
}

static void counting_info(int sig, siginfo_t *info, void *uc)
{
    (void)uc;
    if (info && info->si_signo == sig)
        atomic_fetch_add(&calls, 1);
}

static int setup(void **state)
{
    (void)state;
    tp_real_resolve();
    /* The tests start from default dispositions, whatever the harness
     * inherited: a job started in the background by a non-interactive
     * shell has SIGINT and SIGQUIT ignored, under nohup SIGHUP too (and
     * an inherited SIG_IGN rightly stays SIG_IGN). */
    static const int ending[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    for (size_t i = 0; i < sizeof ending / sizeof ending[0]; i++)
        TP_REAL(sigaction)(ending[i], &dfl, NULL);
    tp_signals_install();
    return 0;
}

static void reset(void)
{
    atomic_store(&calls, 0);
    atomic_store(&seals, 0);
    atomic_store(&notes, 0);
}

static void test_job_handler_runs_once_and_is_reported_back(void **state)
{
    (void)state;
    reset();
    struct sigaction sa, old, cur;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = counting_info;
    sa.sa_flags = SA_SIGINFO;
    errno = 1234;
    assert_int_equal(sigaction(SIGUSR1, &sa, &old), 0);
    assert_int_equal(errno, 1234); /* untouched on success, as the C library's */
    assert_ptr_equal(old.sa_handler, SIG_DFL); /* as the job would see it */
    raise(SIGUSR1);
    assert_int_equal(atomic_load(&calls), 1);
    assert_int_equal(atomic_load(&notes), 1);
    assert_int_equal(atomic_load(&seals), 0);
    assert_int_equal(sigaction(SIGUSR1, NULL, &cur), 0);
    assert_ptr_equal(cur.sa_sigaction, counting_info);
    assert_true(cur.sa_flags & SA_SIGINFO);
    /* the kernel runs ours in front of it */
    struct sigaction kernel;
    assert_int_equal(TP_REAL(sigaction)(SIGUSR1, NULL, &kernel), 0);
    assert_ptr_not_equal(kernel.sa_sigaction, counting_info);
}

static void test_signal_returns_the_previous_handler(void **state)
{
    (void)state;
    reset();
    assert_ptr_equal(signal(SIGINT, counting), SIG_DFL);
    assert_ptr_equal(signal(SIGINT, SIG_DFL), counting);
    assert_ptr_equal(signal(SIGINT, counting), SIG_DFL);
    raise(SIGINT);
    assert_int_equal(atomic_load(&calls), 1);
    assert_int_equal(atomic_load(&last_sig), SIGINT);
    signal(SIGINT, SIG_DFL);
}

static void test_ignored_stays_ignored_in_the_kernel(void **state)
{
    (void)state;
    reset();
    assert_ptr_equal(signal(SIGHUP, SIG_IGN), SIG_DFL);
    struct sigaction kernel;
    assert_int_equal(TP_REAL(sigaction)(SIGHUP, NULL, &kernel), 0);
    assert_ptr_equal(kernel.sa_handler, SIG_IGN);
    raise(SIGHUP);
    assert_int_equal(atomic_load(&notes), 0);
    assert_int_equal(atomic_load(&seals), 0);
    signal(SIGHUP, SIG_DFL);
}

/* In a child: raise sig; returns the child's wait status and the signal
 * number the seal stub saw (0 if none). */
static int child_raises(int sig, int *sealed_sig)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        seal_pipe = fds[1];
        raise(sig);
        _exit(99); /* only if the signal did not kill */
    }
    close(fds[1]);
    unsigned char b = 0;
    *sealed_sig = read(fds[0], &b, 1) == 1 ? b : 0;
    close(fds[0]);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return status;
}

static void test_default_action_seals_then_dies_of_the_signal(void **state)
{
    (void)state;
    int sealed, status = child_raises(SIGTERM, &sealed);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGTERM);
    assert_int_equal(sealed, SIGTERM);
}

static void test_resethand_runs_once_then_default(void **state)
{
    (void)state;
    reset();
    assert_ptr_equal(sysv_signal(SIGUSR2, counting), SIG_DFL);
    raise(SIGUSR2);
    assert_int_equal(atomic_load(&calls), 1);
    struct sigaction cur;
    assert_int_equal(sigaction(SIGUSR2, NULL, &cur), 0);
    assert_ptr_equal(cur.sa_handler, SIG_DFL);
    int sealed, status = child_raises(SIGUSR2, &sealed);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGUSR2);
    assert_int_equal(sealed, SIGUSR2);
}

static void test_forked_child_inherits_the_chain(void **state)
{
    (void)state;
    reset();
    signal(SIGQUIT, counting);
    pid_t pid = fork();
    if (pid == 0) {
        raise(SIGQUIT);
        _exit(atomic_load(&calls) == 1 && atomic_load(&seals) == 0 ? 7 : 1);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 7);
    signal(SIGQUIT, SIG_DFL);
}

/* Sleeps in short steps rather than pause(): ThreadSanitizer runs a
 * signal's handler only when the thread next enters a function it
 * intercepts, and a thread parked in pause() never does. */
static void *wait_forever(void *unused)
{
    (void)unused;
    for (;;)
        usleep(1000);
    return NULL;
}

static void test_signal_to_another_thread_reaches_the_handler(void **state)
{
    (void)state;
    reset();
    signal(SIGUSR1, counting);
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, wait_forever, NULL), 0);
    pthread_sigmask(SIG_BLOCK, &set, &old); /* only the other thread can take it */
    pthread_kill(t, SIGUSR1);
    for (int i = 0; i < 500 && atomic_load(&calls) == 0; i++)
        usleep(1000);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    assert_int_equal(atomic_load(&calls), 1);
    assert_int_equal(atomic_load(&seals), 0);
    pthread_cancel(t);
    pthread_join(t, NULL);
    signal(SIGUSR1, SIG_DFL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_job_handler_runs_once_and_is_reported_back),
        cmocka_unit_test(test_signal_returns_the_previous_handler),
        cmocka_unit_test(test_ignored_stays_ignored_in_the_kernel),
        cmocka_unit_test(test_default_action_seals_then_dies_of_the_signal),
        cmocka_unit_test(test_resethand_runs_once_then_default),
        cmocka_unit_test(test_forked_child_inherits_the_chain),
        cmocka_unit_test(test_signal_to_another_thread_reaches_the_handler),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
