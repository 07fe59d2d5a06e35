/* run_log_state.h: the --log of `trainprov run` before and after the job:
 * whether a live run holds it, and the exit status once the log is written
 * or not. */
#ifndef TP_RUN_LOG_STATE_H
#define TP_RUN_LOG_STATE_H

/* What became of the log after the job. */
enum tp_run_log_outcome {
    TP_RUN_LOG_WRITTEN,   /* RUN.h5 written and signed */
    TP_RUN_LOG_ELSEWHERE, /* another wrapper writes it (mpirun, rank > 0) */
    TP_RUN_LOG_NONE,      /* the job left no journals: there is nothing to write */
    TP_RUN_LOG_KEPT,      /* not written; the journals are kept and `recover` can build it */
    TP_RUN_LOG_FAILED,    /* not written; the journals cannot be assembled as they are */
};

/* Exit status a log that could not be written turns a successful job into. */
#define TP_RUN_EXIT_NO_LOG 3

/* 1 when a live `trainprov run` holds the run lock of journal_dir (the lock
 * file exists and cannot be taken exclusively), else 0. Never creates it. */
int tp_run_log_in_use(const char *journal_dir);

/* The wrapper's exit status: the job's (its exit code, or 128 + the signal
 * that killed it), except TP_RUN_EXIT_NO_LOG when the job succeeded and its
 * log was not written. */
int tp_run_exit_status(int wait_status, enum tp_run_log_outcome out);

#endif
