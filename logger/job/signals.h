/* signals.h: the signals that end a job from outside, chained with the
 * job's own handlers (hook_signal.c). */
#ifndef TP_JOB_SIGNALS_H
#define TP_JOB_SIGNALS_H

/* At load, in a recording image: maps the wrapper's signal board and puts
 * our handler in front of SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1 and
 * SIGUSR2 (their dispositions stay the job's). Under the guard. */
void tp_signals_install(void);
/* In a forked child: no thread is changing a disposition any more. */
void tp_signals_atfork_child(void);

#endif
