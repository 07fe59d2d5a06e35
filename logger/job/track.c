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
#include "logger/runtime.h"

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

void tp_track_open(int fd, int flags)
{
    if (fd < 0 || !tp_runtime_recording() || tp_guard_held())
        return;
    int saved_errno = errno;
    tp_guard_enter();
    struct stat st;
    char link[64], abs[PATH_MAX];
    if (fstat(fd, &st) != 0 || !(S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)))
        goto out;
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, abs, sizeof abs - 1);
    if (n <= 0)
        goto out;
    abs[n] = '\0';
    int recorder = recorder_path(abs);
    if (!recorder && (!S_ISREG(st.st_mode) || !tp_classify_recorded(&tp_cfg, abs)))
        goto out;
    int acc = flags & O_ACCMODE;
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
    f->fd = wrote && !f->recorder ? fcntl(fd, F_DUPFD_CLOEXEC, 0) : -1;
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

int tp_track_rename_begin(int olddirfd, const char *oldpath, tp_track_rename *r)
{
    if (!tp_runtime_recording() || tp_guard_held())
        return -1;
    int saved_errno = errno;
    tp_guard_enter();
    int rc = tp_track_resolve(olddirfd, oldpath, r->old_abs, sizeof r->old_abs);
    /* a file this process produced and nobody changed since: the rename
     * keeps it the run's (and moves its ctime, which the worker must know) */
    struct stat st;
    r->own = -1;
    r->gen = 0;
    if (rc == 0 && lstat(r->old_abs, &st) == 0 && S_ISREG(st.st_mode)) {
        tp_file_key k = tp_file_key_of(&st);
        r->own = tp_ownfiles_rename_begin(&k, &r->gen);
    }
    tp_guard_leave();
    errno = saved_errno;
    return rc;
}

void tp_track_rename_end(tp_track_rename *r, int ok, int newdirfd, const char *newpath)
{
    int saved_errno = errno;
    char new_abs[PATH_MAX];
    tp_guard_enter();
    struct stat st;
    int resolved = ok && tp_track_resolve(newdirfd, newpath, new_abs, sizeof new_abs) == 0;
    int have = resolved && stat(new_abs, &st) == 0;
    tp_file_key after = have ? tp_file_key_of(&st) : (tp_file_key){0};
    if (r->own >= 0)
        tp_ownfiles_rename_end(r->own, r->gen, ok ? (have ? &after : &(tp_file_key){0}) : NULL);
    if (resolved && tp_classify_recorded(&tp_cfg, new_abs)) {
        tp_event *ev = tp_event_new(TP_EV_RENAME, r->old_abs, new_abs);
        tp_file_key *id = have ? malloc(sizeof *id) : NULL;
        if (ev) {
            ev->i32 = r->own >= 0; /* authored: the run's own content, unchanged */
            if (id)
                *id = after;
            ev->body = id;
            tp_runtime_post(ev);
        } else {
            free(id);
        }
    }
    tp_guard_leave();
    errno = saved_errno;
}

void tp_track_mmap(int fd, int prot, int flags)
{
    tp_fdtable_stripe *reader = tp_fdtable_reader_enter();
    tp_file *f = tp_fdtable_get(fd);
    if (f) {
        /* the mapping can be read from now on: that is the first access */
        tp_file_note_read(f, 0);
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
