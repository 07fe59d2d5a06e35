/* track.c: the bookkeeping behind every file wrapper (see track.h). All of
 * it runs under the re-entry guard, after the real call, and preserves errno:
 * the job sees exactly what the C library told it. */
#define _GNU_SOURCE
#include "logger/job/track.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "logger/job/fdtable.h"
#include "logger/job/guard.h"
#include "logger/job/real.h"
#include "logger/runtime.h"
#include "logger/worker/peek.h"

int tp_track_resolve(int dirfd, const char *path, char *out, size_t cap)
{
    char joined[PATH_MAX + 32];
    if (cap < PATH_MAX)
        return -1;
    if (path[0] == '/' || dirfd == AT_FDCWD) {
        if (realpath(path, out))
            return 0;
    } else {
        snprintf(joined, sizeof joined, "/proc/self/fd/%d/%s", dirfd, path);
        if (realpath(joined, out))
            return 0;
    }
    return -1;
}

static void post_close(tp_file *f, int hash_fd)
{
    tp_event *ev = tp_event_new(TP_EV_FILE_CLOSE, NULL, NULL);
    if (!ev) {
        if (hash_fd >= 0)
            TP_REAL(close)(hash_fd);
        return; /* the file stays allocated: a read may still touch it */
    }
    ev->file = f;
    ev->fd = hash_fd;
    tp_runtime_post(ev);
}

/* A file read under an exclusion: the worker looks at its content
 * (logger/worker/peek.c); nothing else is tracked. */
static void post_peek(int fd, const char *abs, enum tp_peek how)
{
    tp_event *ev = tp_event_new(TP_EV_FILE_PEEK, abs, NULL);
    if (!ev)
        return;
    ev->i32 = (int32_t)how;
    ev->fd = tp_peek_reserve_fd() ? fcntl(fd, F_DUPFD_CLOEXEC, 0) : -1;
    tp_runtime_post(ev);
}

void tp_track_open(int fd, int flags)
{
    if (fd < 0 || !tp_runtime_recording() || tp_guard_held())
        return;
    int saved_errno = errno;
    tp_guard_enter();
    struct stat st;
    char link[64], abs[PATH_MAX];
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        goto out;
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, abs, sizeof abs - 1);
    if (n <= 0)
        goto out;
    abs[n] = '\0';
    int acc = flags & O_ACCMODE;
    if (!tp_classify_recorded(&tp_cfg, abs)) {
        enum tp_peek how = acc != O_WRONLY ? tp_classify_peeked(&tp_cfg, abs) : TP_PEEK_NONE;
        if (how != TP_PEEK_NONE)
            post_peek(fd, abs, how);
        goto out;
    }
    int rd = acc == O_RDONLY || acc == O_RDWR;
    int wr = acc == O_WRONLY || acc == O_RDWR;
    tp_file *f = tp_file_new(abs, fd, st.st_dev, st.st_ino, rd, wr);
    if (!f)
        goto out;
    f->truncated = wr && ((flags & O_TRUNC) || ((flags & O_CREAT) && st.st_size == 0));
    tp_file *old = tp_fdtable_put(fd, f);
    if (old == f) {
        tp_runtime_count_untracked();
        tp_file_free(f);
        goto out;
    }
    if (old) /* its close went through a path we do not wrap (close_range ...) */
        post_close(old, -1);
    if (rd) {
        tp_event *ev = tp_event_new(TP_EV_FILE_OPEN, NULL, NULL);
        if (ev) {
            ev->file = f;
            ev->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
            tp_runtime_post(ev);
        }
    }
out:
    tp_guard_leave();
    errno = saved_errno;
}

void *tp_track_close_begin(int fd)
{
    if (!tp_runtime_recording())
        return NULL;
    tp_file *f = tp_fdtable_take(fd);
    if (!f)
        return NULL;
    int saved_errno = errno;
    /* written content is hashed from a duplicate, so a rename or unlink
     * right after close cannot hide what was written */
    int wrote = atomic_load(&f->bytes_written) > 0 || atomic_load(&f->written_via_map) ||
                f->truncated;
    f->fd = wrote ? fcntl(fd, F_DUPFD_CLOEXEC, 0) : -1;
    errno = saved_errno;
    return f;
}

void tp_track_close_end(void *token)
{
    if (!token)
        return;
    int saved_errno = errno;
    tp_file *f = token;
    tp_guard_enter();
    post_close(f, f->fd);
    tp_guard_leave();
    errno = saved_errno;
}

int tp_track_rename_begin(int olddirfd, const char *oldpath, char *old_abs, size_t cap)
{
    if (!tp_runtime_recording() || tp_guard_held())
        return -1;
    int saved_errno = errno;
    tp_guard_enter();
    int rc = tp_track_resolve(olddirfd, oldpath, old_abs, cap);
    tp_guard_leave();
    errno = saved_errno;
    return rc;
}

void tp_track_rename_end(const char *old_abs, int newdirfd, const char *newpath)
{
    int saved_errno = errno;
    char new_abs[PATH_MAX];
    tp_guard_enter();
    if (tp_track_resolve(newdirfd, newpath, new_abs, sizeof new_abs) == 0 &&
        tp_classify_recorded(&tp_cfg, new_abs)) {
        tp_event *ev = tp_event_new(TP_EV_RENAME, old_abs, new_abs);
        if (ev)
            tp_runtime_post(ev);
    }
    tp_guard_leave();
    errno = saved_errno;
}

void tp_track_mmap(int fd, int prot, int flags)
{
    tp_fdtable_stripe *reader = tp_fdtable_reader_enter();
    tp_file *f = tp_fdtable_get(fd);
    if (f) {
        atomic_store(&f->mapped, 1);
        if ((prot & PROT_WRITE) && (flags & MAP_SHARED))
            atomic_store(&f->written_via_map, 1);
    }
    tp_fdtable_reader_leave(reader);
}

int tp_track_mode_flags(const char *mode)
{
    int plus = strchr(mode, '+') != NULL;
    switch (mode[0]) {
    case 'r':
        return plus ? O_RDWR : O_RDONLY;
    case 'w':
        return (plus ? O_RDWR : O_WRONLY) | O_CREAT | O_TRUNC;
    case 'a':
        return (plus ? O_RDWR : O_WRONLY) | O_CREAT | O_APPEND;
    default:
        return O_RDONLY;
    }
}
