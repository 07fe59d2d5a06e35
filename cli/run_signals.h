/* run_signals.h: the signals `trainprov run` receives while its job runs:
 * each one meant for the job reaches it exactly once (run_signals.c). */
#ifndef TP_RUN_SIGNALS_H
#define TP_RUN_SIGNALS_H
#include <sys/types.h>

/* Before the fork: makes the signal board (core/sigboard.h) and blocks the
 * forwarded signals and SIGCHLD, which the wrapper from then on takes with
 * sigtimedwait (no handler runs in the wrapper). */
void tp_run_signals_prepare(void);
/* In the forked child, before the exec: the job's own signal mask back, and
 * the board named in the job's environment. -1 with errno when setenv fails. */
int tp_run_signals_child(void);
/* In the wrapper once the job is forked. */
void tp_run_signals_started(pid_t job);
/* Reaps descendants until the job itself ends, forwarding signals meanwhile;
 * the job's wait status, or -1 when it vanished (ECHILD). */
int tp_run_signals_wait_job(pid_t job);
/* After the job: waits up to ms milliseconds for a forwarded signal; 1 when
 * one arrived (the user wants the wrapper to stop waiting). */
int tp_run_signals_wait(long ms);

#endif
