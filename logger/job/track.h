/* track.h: what the open/close/rename/mmap wrappers (POSIX and stdio) have
 * in common: deciding whether a file is recorded, the fd table, and posting
 * the events the worker turns into FileEvent records. */
#ifndef TP_TRACK_H
#define TP_TRACK_H
#include <stddef.h>
#include <stdint.h>

#include "logger/job/fdtable.h"

/* After a successful open of fd (flags as for open(2)). Keeps errno. */
void tp_track_open(int fd, int flags);
/* The same for a descriptor found open at load: the run's own files among
 * them (the journal the worker just opened) are the logger's, not the job's. */
void tp_track_inherited(int fd, int flags);
/* Around a close of fd: _begin before the real close (returns a token, or
 * NULL when fd is not recorded), _end after it. Keep errno. */
void *tp_track_close_begin(int fd);
void tp_track_close_end(void *token);
/* Around a rename: _begin resolves the old path into a path buffer
 * (returns it, or NULL when the rename is not followed); _end takes the
 * buffer back and, when the rename succeeded (renamed), records it. */
/* r: whether the old file is this process's own content (ownfiles.h), kept
 * between the halves. */
typedef struct {
    int own;      /* ownfiles token, -1 when not its own content */
    uint64_t gen;
    int dir;      /* the old path is a directory */
    tp_file_key before; /* own >= 0: the identity before the rename */
} tp_track_rename;
char *tp_track_rename_begin(int olddirfd, const char *oldpath, tp_track_rename *r);
void tp_track_rename_end(char *old_abs, const tp_track_rename *r, int renamed, int newdirfd,
                         const char *newpath);
/* Around an unlink of a file: _begin (before the real call) returns a
 * pooled event naming the path when the file is content this process
 * produced (ownfiles.h), else NULL; _end posts it when the unlink
 * succeeded, else frees it. Keep errno; signal-safe. */
void *tp_track_unlink_begin(int dirfd, const char *path);
void tp_track_unlink_end(void *token, int unlinked);
/* After a successful mmap of len bytes of fd. */
void tp_track_mmap(int fd, size_t len, int prot, int flags);
/* fopen-style mode string to open(2) flags. */
int tp_track_mode_flags(const char *mode);
/* Absolute, symlink-free form of path relative to dirfd (AT_FDCWD or a
 * directory fd). 0 on success. */
int tp_track_resolve(int dirfd, const char *path, char *out, size_t cap);

#endif
