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
#include "logger/job/ownfiles.h"
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

/* 1 when path is the run's key file, its journal directory or anything in
 * it (whole path components: "RUN.h5.journal2" is not "RUN.h5.journal"). The
 * logger's own accesses never get here (they hold the re-entry guard): these
 * are the job's, and they are recorded whatever the exclusions say. */
static int recorder_path(const char *path)
{
    const char *dir = tp_cfg.journal_dir;
    size_t n = strlen(dir);
    if (n && strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/'))
        return 1;
    return tp_cfg.key_path[0] && strcmp(path, tp_cfg.key_path) == 0;
}

static void track_open(int fd, int flags, int inherited)
{
    if (fd < 0 || !tp_runtime_recording() || tp_guard_held())
        return;
    int saved_errno = errno;
    tp_guard_enter();
    struct stat st;
    char link[64], *abs = NULL;
    if (fstat(fd, &st) != 0 || !(S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) ||
        !(abs = tp_sigpool_alloc(&tp_sigpool_paths)))
        goto out;
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, abs, PATH_MAX - 1);
    if (n <= 0)
        goto out;
    abs[n] = '\0';
    int recorder = recorder_path(abs);
    if (recorder && inherited)
        goto out; /* the worker's own journal, opened while the scan ran */
    int acc = flags & O_ACCMODE;
    if (!recorder && (!S_ISREG(st.st_mode) || !tp_classify_recorded(&tp_cfg, abs))) {
        /* not hashed; read under an exclusion, its content is still looked at */
        enum tp_peek how = S_ISREG(st.st_mode) && acc != O_WRONLY
                               ? tp_classify_peeked(&tp_cfg, abs) : TP_PEEK_NONE;
        if (how != TP_PEEK_NONE)
            post_peek(fd, &abs, how);
        goto out;
    }
    int rd = acc == O_RDONLY || acc == O_RDWR;
    int wr = acc == O_WRONLY || acc == O_RDWR;
    tp_file *f = tp_file_new(abs, fd, st.st_dev, st.st_ino, rd, wr);
    if (!f)
        goto out;
    f->recorder = recorder;
    f->opened_id = tp_file_key_of(&st);
    if (wr && !recorder) {
        /* The run produces the content only from nothing (O_TRUNC, a new or
         * empty file) or from what it produced itself. O_CREAT alone on a
         * file that has content is not authorship. Read-write on content
         * found there is a read of that content: hash it now. */
        f->truncated = (flags & O_TRUNC) || st.st_size == 0;
        f->fresh = f->truncated || tp_ownfiles_match(&f->opened_id);
        f->has_prior = !f->fresh && rd;
    } else if (!recorder) {
        /* a read of content this process produced, unchanged since: its own
         * (even when its own later rewrite beats the hasher to it) */
        f->fresh = tp_ownfiles_match(&f->opened_id);
    }
    tp_file *old = tp_fdtable_put(fd, f);
    if (old == f) {
        tp_runtime_count_untracked();
        tp_file_free(f);
        goto out;
    }
    if (old) /* its close went through a path we do not wrap (close_range ...) */
        post_close(old, -1);
    if (!recorder && ((rd && !wr) || f->has_prior)) {
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

void tp_track_open(int fd, int flags) { track_open(fd, flags, 0); }

void tp_track_inherited(int fd, int flags) { track_open(fd, flags, 1); }

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
    f->fd = wrote && !f->recorder ? hash_source(fd, f->opened_for_read) : -1;
    /* the identity the job leaves: the worker hashes this content or
     * reports that another writer changed it first */
    struct stat st;
    if (fstat(fd, &st) == 0) {
        f->closed_id = tp_file_key_of(&st);
        f->closed_id_ok = 1;
        if (wrote && f->fresh)
            f->own_gen = tp_ownfiles_put(&f->closed_id);
        else if (!wrote && f->fresh && !tp_file_key_same(&f->closed_id, &f->opened_id) &&
                 !tp_ownfiles_match(&f->closed_id))
            f->fresh = 0; /* someone else wrote it while the job read it */
    }
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

char *tp_track_rename_begin(int olddirfd, const char *oldpath, tp_track_rename *r)
{
    r->own = -1;
    r->gen = 0;
    r->dir = 0;
    if (!tp_runtime_recording() || tp_guard_held())
        return NULL;
    int saved_errno = errno;
    tp_guard_enter();
    char *old_abs = tp_sigpool_alloc(&tp_sigpool_paths);
    struct stat st;
    if (old_abs && tp_track_resolve(olddirfd, oldpath, old_abs, PATH_MAX) != 0) {
        tp_sigpool_free(&tp_sigpool_paths, old_abs);
        old_abs = NULL;
    } else if (old_abs && lstat(old_abs, &st) == 0) {
        if (S_ISREG(st.st_mode)) {
            /* a file this process produced and nobody changed since: the rename
             * keeps it the run's (and moves its ctime, which the worker must know) */
            r->before = tp_file_key_of(&st);
            r->own = tp_ownfiles_rename_begin(&r->before, &r->gen);
        } else if (S_ISDIR(st.st_mode)) {
            /* a directory renamed into place (ckpt.tmp/ to ckpt/): the files
             * in it keep their identities; the worker records them at their
             * new paths (filerec.h, tp_filerec_renamed_dir) */
            r->dir = 1;
        }
    }
    tp_guard_leave();
    errno = saved_errno;
    return old_abs;
}

void tp_track_rename_end(char *old_abs, const tp_track_rename *r, int renamed, int newdirfd,
                         const char *newpath)
{
    if (!old_abs)
        return;
    int saved_errno = errno;
    tp_guard_enter();
    char *new_abs = renamed ? tp_sigpool_alloc(&tp_sigpool_paths) : NULL;
    tp_event *ev = NULL;
    struct stat st;
    int resolved = new_abs && tp_track_resolve(newdirfd, newpath, new_abs, PATH_MAX) == 0;
    int have = resolved && stat(new_abs, &st) == 0;
    tp_file_key after = have ? tp_file_key_of(&st) : (tp_file_key){0};
    if (r->own >= 0) /* NULL: the rename failed, the identity did not move */
        tp_ownfiles_rename_end(r->own, r->gen, renamed ? &after : NULL);
    if (resolved && tp_classify_recorded(&tp_cfg, new_abs) &&
        (ev = tp_event_new(TP_EV_RENAME, NULL, NULL))) {
        ev->texts_pooled = 1;
        ev->text = old_abs;
        ev->text2 = new_abs;
        ev->i32 = r->own >= 0; /* authored: the run's own content, unchanged */
        ev->u64 = (uint64_t)r->dir;
        ev->key = after;
        ev->has_key = have;
        ev->key2 = r->before;
        tp_runtime_post(ev);
    } else {
        tp_sigpool_free(&tp_sigpool_paths, old_abs);
        tp_sigpool_free(&tp_sigpool_paths, new_abs);
    }
    tp_guard_leave();
    errno = saved_errno;
}

void *tp_track_unlink_begin(int dirfd, const char *path)
{
    if (!tp_runtime_recording() || tp_guard_held())
        return NULL;
    int saved_errno = errno;
    tp_guard_enter();
    tp_event *ev = NULL;
    char link[64], *abs = tp_sigpool_alloc(&tp_sigpool_paths);
    struct stat st;
    /* the name itself, not what a symlink points to: unlink removes the link */
    int fd = abs ? tp_real_fd_above_std(TP_REAL(openat)(dirfd, path,
                                                        O_PATH | O_NOFOLLOW | O_CLOEXEC))
                 : -1;
    ssize_t n = fd >= 0 ? (snprintf(link, sizeof link, "/proc/self/fd/%d", fd),
                           readlink(link, abs, PATH_MAX - 1))
                        : -1;
    if (n > 0 && abs[0] == '/' && fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
        abs[n] = '\0';
        tp_file_key k = tp_file_key_of(&st);
        uint64_t gen = 0;
        /* content this process produced: the unlink moves its ctime (the link
         * count changes) the way a rename does, which the worker, perhaps
         * still to hash the file, must know was the job's own doing */
        int own = tp_classify_recorded(&tp_cfg, abs) ? tp_ownfiles_rename_begin(&k, &gen) : -1;
        if (own >= 0 && !(ev = tp_event_new(TP_EV_DELETE, NULL, NULL)))
            tp_ownfiles_rename_end(own, gen, NULL);
        if (ev) {
            ev->texts_pooled = 1;
            ev->text = abs;
            abs = NULL;
            ev->key = k;
            ev->has_key = 1;
            ev->fd = fd; /* keeps the inode: its identity after the unlink */
            fd = -1;
            ev->i32 = own;
            ev->u64 = gen;
        }
    }
    if (fd >= 0)
        TP_REAL(close)(fd);
    tp_sigpool_free(&tp_sigpool_paths, abs);
    tp_guard_leave();
    errno = saved_errno;
    return ev;
}

void tp_track_unlink_end(void *token, int unlinked)
{
    if (!token)
        return;
    int saved_errno = errno;
    tp_event *ev = token;
    struct stat st;
    int have = unlinked && fstat(ev->fd, &st) == 0;
    ev->key2 = have ? tp_file_key_of(&st) : ev->key;
    tp_ownfiles_rename_end(ev->i32, ev->u64, unlinked ? (have ? &ev->key2 : &(tp_file_key){0}) : NULL);
    TP_REAL(close)(ev->fd);
    ev->fd = -1;
    if (unlinked)
        tp_runtime_post(ev);
    else
        tp_event_free(ev);
    errno = saved_errno;
}

void tp_track_mmap(int fd, size_t len, int prot, int flags)
{
    tp_fdtable_stripe *reader = tp_fdtable_reader_enter();
    tp_file *f = tp_fdtable_get(fd);
    if (f) {
        /* the mapping can be read from now on: that is the first access */
        tp_file_note_read(f, 0);
        atomic_store(&f->mapped, 1);
        atomic_fetch_add_explicit(&f->bytes_mapped, (uint64_t)len, memory_order_relaxed);
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
