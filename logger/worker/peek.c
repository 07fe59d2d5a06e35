/* peek.c: files read under an exclusion (see peek.h). The job's thread only
 * duplicated the descriptor (or, past TP_PEEK_MAX_FDS waiting, nothing);
 * here, on the worker, a stat and a few KiB of pread (logger/worker/sniff.c)
 * decide, and only weights are hashed and recorded. In the read-only system
 * locations only the head is read (magic numbers and declared dtypes: every
 * process opens hundreds of libraries there); elsewhere the raw-float test
 * runs too. A "possible-" format is not enough here: system libraries and
 * packages would only add noise, and an exclusion outside the system
 * locations already makes init.no_foreign_weights unknown. */
#define _GNU_SOURCE
#include "logger/worker/peek.h"

#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "logger/job/real.h"
#include "logger/worker/filerec.h"
#include "logger/worker/sniff.h"

static atomic_int fds_queued;

int tp_peek_reserve_fd(void)
{
    if (atomic_fetch_add_explicit(&fds_queued, 1, memory_order_relaxed) < TP_PEEK_MAX_FDS)
        return 1;
    atomic_fetch_sub_explicit(&fds_queued, 1, memory_order_relaxed);
    return 0;
}

void tp_peek_release_fd(int fd)
{
    if (fd >= 0)
        TP_REAL(close)(fd);
    atomic_fetch_sub_explicit(&fds_queued, 1, memory_order_relaxed);
}

void tp_peek_excluded(tp_stream *s, const char *path, int fd, enum tp_peek how, int64_t time_ns)
{
    int reserved = fd >= 0;
    if (fd < 0) /* never blocks on a FIFO, never follows a link planted since */
        fd = tp_real_fd_above_std(
            TP_REAL(open)(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
    if (fd < 0)
        return;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
        !tp_classify_format_certain(tp_sniff_format(fd, (uint64_t)st.st_size, TP_REAL(pread),
                                                    how == TP_PEEK_CONTENT))) {
        if (reserved)
            tp_peek_release_fd(fd);
        else
            TP_REAL(close)(fd);
        return;
    }
    int hash_fd = fcntl(fd, F_DUPFD_CLOEXEC, TP_FD_MIN);
    if (reserved)
        tp_peek_release_fd(fd);
    else
        TP_REAL(close)(fd);
    tp_file f;
    memset(&f, 0, sizeof f);
    snprintf(f.path, sizeof f.path, "%s", path);
    f.dev = st.st_dev;
    f.ino = st.st_ino;
    f.fd = -1;
    f.opened_for_read = 1;
    f.opened_id = tp_file_key_of(&st); /* the identity the job opened */
    f.opened_ns = time_ns;
    atomic_store(&f.first_access_ns, time_ns);
    tp_filerec_closed(s, &f, hash_fd, time_ns);
}
