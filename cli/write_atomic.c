/* write_atomic.c: an output document written whole or not at all
 * (write_atomic.h). */
#include "cli/write_atomic.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int tp_write_atomic(const char *cmd, const char *path, const char *data, size_t len)
{
    char tmp[PATH_MAX];
    if (snprintf(tmp, sizeof tmp, "%s.tmp.XXXXXX", path) >= (int)sizeof tmp) {
        fprintf(stderr, "trainprov %s: path too long: %s\n", cmd, path);
        return -1;
    }
    int fd = mkstemp(tmp);
    if (fd < 0) {
        fprintf(stderr, "trainprov %s: cannot write %s: %s\n", cmd, path, strerror(errno));
        return -1;
    }
    size_t done = 0;
    int ok = fchmod(fd, 0644) == 0;
    while (ok && done <= len) {
        ssize_t w = done == len ? write(fd, "\n", 1) : write(fd, data + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        ok = w > 0;
        done += ok ? (size_t)w : 0;
    }
    ok = ok && fsync(fd) == 0;
    int e = errno;
    ok = close(fd) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        e = ok ? errno : e;
        unlink(tmp);
        fprintf(stderr, "trainprov %s: cannot write %s: %s\n", cmd, path, strerror(e));
        return -1;
    }
    return 0;
}

