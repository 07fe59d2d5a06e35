/* run_log_state.c: the --log of `trainprov run` before and after the job
 * (see run_log_state.h). The run lock is runlog/journal_load.h's: a live
 * wrapper holds it shared from before its job starts until it has finished. */
#include "cli/run_log_state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runlog/journal_load.h"

int tp_run_log_in_use(const char *journal_dir)
{
    char path[4200];
    if (snprintf(path, sizeof path, "%s/%s", journal_dir, TP_JOURNAL_LOCK_NAME) >=
        (int)sizeof path)
        return 0;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return 0;
    int held = flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK;
    close(fd); /* releases the lock if we took it */
    return held;
}

int tp_run_exit_status(int wait_status, enum tp_run_log_outcome out)
{
    int job = WIFSIGNALED(wait_status) ? 128 + WTERMSIG(wait_status) : WEXITSTATUS(wait_status);
    if (job == 0 && out != TP_RUN_LOG_WRITTEN && out != TP_RUN_LOG_ELSEWHERE)
        return TP_RUN_EXIT_NO_LOG;
    return job;
}
