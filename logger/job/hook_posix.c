/* hook_posix.c: the POSIX file-descriptor entry points a training job reaches
 * through the PLT: the open family (with the fortified and 64-bit forms that
 * distributions compile callers to), reads and writes (byte counters only:
 * one table lookup, no lock, no allocation), close, dup2/dup3 over a recorded
 * fd, renames, deletes and mmap. Each wrapper makes the real call first and returns
 * its result and errno unchanged. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#include "logger/job/fdtable.h"
#include "logger/job/real.h"
#include "logger/job/track.h"

#define TP_EXPORT __attribute__((visibility("default")))

/* open(2) passes a mode only with O_CREAT or O_TMPFILE. */
static mode_t mode_arg(int flags, va_list ap)
{
    return (flags & (O_CREAT | O_TMPFILE)) ? (mode_t)va_arg(ap, int) : 0;
}

static int opened(int fd, int flags)
{
    tp_track_open(fd, flags);
    return fd;
}

TP_EXPORT int open(const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    mode_t mode = mode_arg(flags, ap);
    va_end(ap);
    return opened(TP_REAL(open)(path, flags, mode), flags);
}

TP_EXPORT int open64(const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    mode_t mode = mode_arg(flags, ap);
    va_end(ap);
    return opened(TP_REAL(open64)(path, flags, mode), flags);
}

TP_EXPORT int openat(int dirfd, const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    mode_t mode = mode_arg(flags, ap);
    va_end(ap);
    return opened(TP_REAL(openat)(dirfd, path, flags, mode), flags);
}

TP_EXPORT int openat64(int dirfd, const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    mode_t mode = mode_arg(flags, ap);
    va_end(ap);
    return opened(TP_REAL(openat64)(dirfd, path, flags, mode), flags);
}

TP_EXPORT int creat(const char *path, mode_t mode)
{
    return opened(TP_REAL(creat)(path, mode), O_WRONLY | O_CREAT | O_TRUNC);
}

TP_EXPORT int creat64(const char *path, mode_t mode)
{
    return opened(TP_REAL(creat64)(path, mode), O_WRONLY | O_CREAT | O_TRUNC);
}

TP_EXPORT int __open_2(const char *path, int flags)
{
    return opened(TP_REAL(open_2)(path, flags), flags);
}

TP_EXPORT int __open64_2(const char *path, int flags)
{
    return opened(TP_REAL(open64_2)(path, flags), flags);
}

TP_EXPORT int __openat_2(int dirfd, const char *path, int flags)
{
    return opened(TP_REAL(openat_2)(dirfd, path, flags), flags);
}

TP_EXPORT int __openat64_2(int dirfd, const char *path, int flags)
{
    return opened(TP_REAL(openat64_2)(dirfd, path, flags), flags);
}

/* ---- reads and writes: counters only ---- */

static inline ssize_t counted_read(int fd, ssize_t n)
{
    if (n > 0)
        tp_fdtable_count_read(fd, (uint64_t)n);
    return n;
}

static inline ssize_t counted_write(int fd, ssize_t n)
{
    if (n > 0)
        tp_fdtable_count_write(fd, (uint64_t)n);
    return n;
}

TP_EXPORT ssize_t read(int fd, void *buf, size_t count)
{
    return counted_read(fd, TP_REAL(read)(fd, buf, count));
}

TP_EXPORT ssize_t pread(int fd, void *buf, size_t count, off_t off)
{
    return counted_read(fd, TP_REAL(pread)(fd, buf, count, off));
}

TP_EXPORT ssize_t pread64(int fd, void *buf, size_t count, off_t off)
{
    return counted_read(fd, TP_REAL(pread64)(fd, buf, count, off));
}

TP_EXPORT ssize_t readv(int fd, const struct iovec *iov, int iovcnt)
{
    return counted_read(fd, TP_REAL(readv)(fd, iov, iovcnt));
}

TP_EXPORT ssize_t preadv(int fd, const struct iovec *iov, int iovcnt, off_t off)
{
    return counted_read(fd, TP_REAL(preadv)(fd, iov, iovcnt, off));
}

TP_EXPORT ssize_t preadv64(int fd, const struct iovec *iov, int iovcnt, off_t off)
{
    return counted_read(fd, TP_REAL(preadv64)(fd, iov, iovcnt, off));
}

TP_EXPORT ssize_t __read_chk(int fd, void *buf, size_t count, size_t buflen)
{
    return counted_read(fd, TP_REAL(read_chk)(fd, buf, count, buflen));
}

TP_EXPORT ssize_t __pread_chk(int fd, void *buf, size_t count, off_t off, size_t buflen)
{
    return counted_read(fd, TP_REAL(pread_chk)(fd, buf, count, off, buflen));
}

TP_EXPORT ssize_t __pread64_chk(int fd, void *buf, size_t count, off_t off, size_t buflen)
{
    return counted_read(fd, TP_REAL(pread64_chk)(fd, buf, count, off, buflen));
}

TP_EXPORT ssize_t write(int fd, const void *buf, size_t count)
{
    return counted_write(fd, TP_REAL(write)(fd, buf, count));
}

TP_EXPORT ssize_t pwrite(int fd, const void *buf, size_t count, off_t off)
{
    return counted_write(fd, TP_REAL(pwrite)(fd, buf, count, off));
}

TP_EXPORT ssize_t pwrite64(int fd, const void *buf, size_t count, off_t off)
{
    return counted_write(fd, TP_REAL(pwrite64)(fd, buf, count, off));
}

TP_EXPORT ssize_t writev(int fd, const struct iovec *iov, int iovcnt)
{
    return counted_write(fd, TP_REAL(writev)(fd, iov, iovcnt));
}

TP_EXPORT ssize_t pwritev(int fd, const struct iovec *iov, int iovcnt, off_t off)
{
    return counted_write(fd, TP_REAL(pwritev)(fd, iov, iovcnt, off));
}

TP_EXPORT ssize_t pwritev64(int fd, const struct iovec *iov, int iovcnt, off_t off)
{
    return counted_write(fd, TP_REAL(pwritev64)(fd, iov, iovcnt, off));
}

/* ---- close, and dup2/dup3 that close a recorded fd implicitly ---- */

TP_EXPORT int close(int fd)
{
    void *token = tp_track_close_begin(fd);
    int rc = TP_REAL(close)(fd);
    tp_track_close_end(token);
    return rc;
}

TP_EXPORT int dup2(int oldfd, int newfd)
{
    void *token = oldfd != newfd ? tp_track_close_begin(newfd) : NULL;
    int rc = TP_REAL(dup2)(oldfd, newfd);
    tp_track_close_end(token);
    return rc;
}

TP_EXPORT int dup3(int oldfd, int newfd, int flags)
{
    void *token = oldfd != newfd ? tp_track_close_begin(newfd) : NULL;
    int rc = TP_REAL(dup3)(oldfd, newfd, flags);
    tp_track_close_end(token);
    return rc;
}

/* ---- renames ---- */

TP_EXPORT int rename(const char *oldpath, const char *newpath)
{
    tp_track_rename r;
    char *old_abs = tp_track_rename_begin(AT_FDCWD, oldpath, &r);
    int rc = TP_REAL(rename)(oldpath, newpath);
    tp_track_rename_end(old_abs, &r, rc == 0, AT_FDCWD, newpath);
    return rc;
}

TP_EXPORT int renameat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath)
{
    tp_track_rename r;
    char *old_abs = tp_track_rename_begin(olddirfd, oldpath, &r);
    int rc = TP_REAL(renameat)(olddirfd, oldpath, newdirfd, newpath);
    tp_track_rename_end(old_abs, &r, rc == 0, newdirfd, newpath);
    return rc;
}

TP_EXPORT int renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath,
                        unsigned int flags)
{
    tp_track_rename r;
    char *old_abs = tp_track_rename_begin(olddirfd, oldpath, &r);
    int rc = TP_REAL(renameat2)(olddirfd, oldpath, newdirfd, newpath, flags);
    tp_track_rename_end(old_abs, &r, rc == 0, newdirfd, newpath);
    return rc;
}

/* ---- deletes (the job removing its old checkpoints) ---- */

TP_EXPORT int unlink(const char *path)
{
    void *token = tp_track_unlink_begin(AT_FDCWD, path);
    int rc = TP_REAL(unlink)(path);
    tp_track_unlink_end(token, rc == 0);
    return rc;
}

TP_EXPORT int unlinkat(int dirfd, const char *path, int flags)
{
    void *token = (flags & AT_REMOVEDIR) ? NULL : tp_track_unlink_begin(dirfd, path);
    int rc = TP_REAL(unlinkat)(dirfd, path, flags);
    tp_track_unlink_end(token, rc == 0);
    return rc;
}

/* glibc's remove calls its own unlink, past the PLT */
TP_EXPORT int remove(const char *path)
{
    void *token = tp_track_unlink_begin(AT_FDCWD, path);
    int rc = TP_REAL(remove)(path);
    tp_track_unlink_end(token, rc == 0);
    return rc;
}

/* ---- mmap of a recorded fd ---- */

TP_EXPORT void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    void *p = TP_REAL(mmap)(addr, len, prot, flags, fd, off);
    if (p != MAP_FAILED && fd >= 0)
        tp_track_mmap(fd, len, prot, flags);
    return p;
}

TP_EXPORT void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    void *p = TP_REAL(mmap64)(addr, len, prot, flags, fd, off);
    if (p != MAP_FAILED && fd >= 0)
        tp_track_mmap(fd, len, prot, flags);
    return p;
}

/* ---- in-kernel copies: a read on one fd and a write on another ---- */

static ssize_t counted_copy(int fd_in, int fd_out, ssize_t n)
{
    counted_read(fd_in, n);
    return counted_write(fd_out, n);
}

TP_EXPORT ssize_t copy_file_range(int fd_in, off_t *off_in, int fd_out, off_t *off_out,
                                  size_t len, unsigned int flags)
{
    return counted_copy(fd_in, fd_out,
                        TP_REAL(copy_file_range)(fd_in, off_in, fd_out, off_out, len, flags));
}

TP_EXPORT ssize_t sendfile(int out_fd, int in_fd, off_t *offset, size_t count)
{
    return counted_copy(in_fd, out_fd, TP_REAL(sendfile)(out_fd, in_fd, offset, count));
}

TP_EXPORT ssize_t sendfile64(int out_fd, int in_fd, off_t *offset, size_t count)
{
    return counted_copy(in_fd, out_fd, TP_REAL(sendfile64)(out_fd, in_fd, offset, count));
}
