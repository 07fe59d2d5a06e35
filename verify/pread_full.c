/* pread_full.c: a byte range read whole (see pread_full.h). */
#include "verify/pread_full.h"

#include <errno.h>
#include <unistd.h>

int tp_pread_full(int fd, void *buf, size_t n, uint64_t off)
{
    size_t done = 0;
    while (done < n) {
        ssize_t r = pread(fd, (char *)buf + done, n - done, (off_t)(off + done));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        done += (size_t)r;
    }
    return 0;
}
