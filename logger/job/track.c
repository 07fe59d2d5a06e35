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
#include "logger/job/sigpool.h"
#include "logger/runtime.h"
#include "logger/worker/peek.h"

/* Through an O_PATH descriptor and its /proc/self/fd link rather than
 * realpath: a few bytes of stack instead of realpath's kilobytes plus a
 * joined path (rename runs on the job's thread, whose stack may be
 * PTHREAD_STACK_MIN), no allocation, and the same answer for a path
 * relative to a directory fd. */
int tp_track_resolve(int dirfd, const char *path, char *out, size_t cap)
{
    char link[64];
    if (cap < 2)
        return -1;
    int fd = tp_real_fd_above_std(TP_REAL(openat)(dirfd, path, O_PATH | O_CLOEXEC));
    if (fd < 0)
        return -1;
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, out, cap - 1);
    TP_REAL(close)(fd);
    if (n <= 0 || (size_t)n >= cap - 1 || out[0] != '/')
        return -1;
    out[n] = '\0';
    return 0;
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
 * (logger/worker/peek.c); nothing else is tracked. Takes *abs (a pooled
 * path) into the event when it can be posted. */
static void post_peek(int fd, char **abs, enum tp_peek how)
{
    tp_event *ev = tp_event_new(TP_EV_FILE_PEEK, NULL, NULL);
    if (!ev)
        return;
    ev->texts_pooled = 1;
    ev->text = *abs;
    *abs = NULL;
    ev->i32 = (int32_t)how;
    if (tp_peek_reserve_fd() && (ev->fd = fcntl(fd, F_DUPFD_CLOEXEC, TP_FD_MIN)) < 0)
        tp_peek_release_fd(-1);
    tp_runtime_post(ev);
}

void tp_track_open(int fd, int flags)
{
    if (fd < 0 || !tp_runtime_recording() || tp_guard_held())
        return;
    int saved_errno = errno;
    tp_guard_enter();
    struct stat st;
    char link[64], *abs = NULL;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
        !(abs = tp_sigpool_alloc(&tp_sigpool_paths)))
        goto out;
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, abs, PATH_MAX - 1);
    if (n <= 0)
        goto out;
    abs[n] = '\0';
    int acc = flags & O_ACCMODE;
    if (!tp_classify_recorded(&tp_cfg, abs)) {
        enum tp_peek how = acc != O_WRONLY ? tp_classify_peeked(&tp_cfg, abs) : TP_PEEK_NONE;
        if (how != TP_PEEK_NONE)
            post_peek(fd, &abs, how);
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
            ev->fd = fcntl(fd, F_DUPFD_CLOEXEC, TP_FD_MIN);
            tp_runtime_post(ev);
        }
    }
out:
    tp_sigpool_free(&tp_sigpool_paths, abs);
    tp_guard_leave();
    errno = saved_errno;
}

/* A descriptor for the worker to hash a written file from, made on the
 * job's thread before the close: the same inode reopened for reading
 * through /proc when fd is write-only (the worker would otherwise open it
 * itself, concurrently with the job's own opens, and could take a number
 * the job expects), else a duplicate. At TP_FD_MIN or above; -1 when
 * neither works (the worker then opens the file by path). */
static int hash_source(int fd, int readable)
{
    if (!readable) {
        char link[64];
        snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
        int rfd = tp_real_fd_above_std(TP_REAL(open)(link, O_RDONLY | O_CLOEXEC));
        if (rfd >= 0)
            return rfd;
    }
    return fcntl(fd, F_DUPFD_CLOEXEC, TP_FD_MIN);
}

void *tp_track_close_begin(int fd)
{
    /* under the guard (a vfork child before its exec, our own code), the
     * fd table is not this call's: a vfork child shares it with its parent,
     * whose descriptor stays open */
    if (!tp_runtime_recording() || tp_guard_held())
        return NULL;
    tp_file *f = tp_fdtable_take(fd);
    if (!f)
        return NULL;
    int saved_errno = errno;
    /* written content is hashed from a duplicate, so a rename or unlink
     * right after close cannot hide what was written */
    int wrote = atomic_load(&f->bytes_written) > 0 || atomic_load(&f->written_via_map) ||
                f->truncated;
    f->fd = wrote ? hash_source(fd, f->opened_for_read) : -1;
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

char *tp_track_rename_begin(int olddirfd, const char *oldpath)
{
    if (!tp_runtime_recording() || tp_guard_held())
        return NULL;
    int saved_errno = errno;
    tp_guard_enter();
    char *old_abs = tp_sigpool_alloc(&tp_sigpool_paths);
    if (old_abs && tp_track_resolve(olddirfd, oldpath, old_abs, PATH_MAX) != 0) {
        tp_sigpool_free(&tp_sigpool_paths, old_abs);
        old_abs = NULL;
    }
    tp_guard_leave();
    errno = saved_errno;
    return old_abs;
}

void tp_track_rename_end(char *old_abs, int renamed, int newdirfd, const char *newpath)
{
    if (!old_abs)
        return;
    int saved_errno = errno;
    tp_guard_enter();
    char *new_abs = renamed ? tp_sigpool_alloc(&tp_sigpool_paths) : NULL;
    tp_event *ev = NULL;
    if (new_abs && tp_track_resolve(newdirfd, newpath, new_abs, PATH_MAX) == 0 &&
        tp_classify_recorded(&tp_cfg, new_abs) &&
        (ev = tp_event_new(TP_EV_RENAME, NULL, NULL))) {
        ev->texts_pooled = 1;
        ev->text = old_abs;
        ev->text2 = new_abs;
        tp_runtime_post(ev);
    } else {
        tp_sigpool_free(&tp_sigpool_paths, old_abs);
        tp_sigpool_free(&tp_sigpool_paths, new_abs);
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
