/* peek.c: files read under an exclusion (see peek.h). The job's thread only
 * duplicated the descriptor; here, on the worker, a stat and a few KiB of
 * pread (logger/worker/sniff.c) decide, and only weights are hashed and
 * recorded. A "possible-" format is not enough here: system libraries and
 * packages would only add noise, and an exclusion outside the system
 * locations already makes init.no_foreign_weights unknown. */
#define _GNU_SOURCE
#include "logger/worker/peek.h"

#include <string.h>
#include <sys/stat.h>

#include "logger/classify.h"
#include "logger/job/real.h"
#include "logger/worker/filerec.h"
#include "logger/worker/sniff.h"

void tp_peek_excluded(tp_stream *s, const char *path, int fd, int64_t time_ns)
{
    struct stat st;
    if (fd < 0)
        return;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
        !tp_classify_format_certain(tp_sniff_format(fd, (uint64_t)st.st_size, TP_REAL(pread)))) {
        TP_REAL(close)(fd);
        return;
    }
    tp_file f;
    memset(&f, 0, sizeof f);
    f.path = (char *)path;
    f.dev = st.st_dev;
    f.ino = st.st_ino;
    f.fd = -1;
    f.opened_for_read = 1;
    f.opened_ns = time_ns;
    atomic_store(&f.first_access_ns, time_ns);
    tp_filerec_closed(s, &f, fd, time_ns);
}
