/* sigboard.h: the signal board shared by `trainprov run` and the job's
 * main process, so that the wrapper never delivers a signal twice. The
 * wrapper makes it (a memfd of one page, cli/run_signals.c) and names it to
 * the job in TRAINPROV_SIGNAL_BOARD as /proc/<wrapper pid>/fd/<n>; the
 * logger maps it at load (logger/job/sigboard.c) and, in the process whose
 * pid is job_pid, notes each signal it receives before anything else runs.
 * A signal sent to the whole process group (a terminal, SLURM, kill -- -PGID)
 * reaches the wrapper and the job from the same sender at the same moment:
 * the wrapper sees it on the board and does not forward it. Only atomics:
 * the logger writes it from a signal handler. */
#ifndef TP_SIGBOARD_H
#define TP_SIGBOARD_H
#include <stdatomic.h>
#include <stdint.h>

#define TP_SIGBOARD_MAGIC 0x3144524f42474953ull /* "SIGBORD1" */
#define TP_SIGBOARD_SIGNALS 65                   /* signal numbers 1..64 */
#define TP_ENV_SIGNAL_BOARD "TRAINPROV_SIGNAL_BOARD"

typedef struct {
    _Atomic uint64_t count;     /* deliveries to job_pid */
    _Atomic int32_t sender;     /* si_pid of the last one */
    _Atomic int64_t mono_ns;    /* CLOCK_MONOTONIC when it arrived */
} tp_sigboard_entry;

typedef struct {
    uint64_t magic;             /* TP_SIGBOARD_MAGIC, written by the wrapper */
    _Atomic int32_t job_pid;    /* the process the wrapper forwards to */
    _Atomic int32_t listening;  /* job_pid's logger notes its signals here */
    tp_sigboard_entry sig[TP_SIGBOARD_SIGNALS];
} tp_sigboard;

#endif
