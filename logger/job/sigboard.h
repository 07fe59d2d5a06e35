/* sigboard.h: the job's side of the signal board (core/sigboard.h): mapped
 * once at load, then written from signal handlers with atomics only. */
#ifndef TP_JOB_SIGBOARD_H
#define TP_JOB_SIGBOARD_H
#include <signal.h>

/* Maps the board named by TRAINPROV_SIGNAL_BOARD, if any and well-formed,
 * and says the job's main process listens. At load, under the guard. */
void tp_sigboard_attach(void);
/* Notes that this process received sig from info's sender, when this
 * process is the one `trainprov run` forwards to. Async-signal-safe. */
void tp_sigboard_note(int sig, const siginfo_t *info);

#endif
