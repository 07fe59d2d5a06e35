/* ownfiles.h: the files this process produced, by identity (fdtable.h's
 * tp_file_key: device, inode, size, mtime, ctime) as the job left them when
 * it closed them after writing them from scratch, or renamed them since.
 *
 * Authorship is earned: a session on existing content counts as the run's
 * only when that content is exactly what this process produced (same
 * identity: nobody wrote it in between, since nobody can set ctime back).
 * The worker also asks here whether an identity that moved after a close
 * moved only through the job's own rename (which changes ctime, not
 * content), so an honest write-then-rename keeps its digest while another
 * writer's overwrite does not.
 *
 * Lock-free and allocation-free (a fixed ring of seqlocked slots): written
 * on the job's threads at close and rename, read there at open and rename,
 * and by the worker. When the ring wraps, the oldest entries are forgotten,
 * which only ever makes a session count as not authored. */
#ifndef TP_OWNFILES_H
#define TP_OWNFILES_H
#include <stdint.h>

#include "logger/job/fdtable.h"

/* Remembers an identity this process produced; returns its generation (> 0),
 * or 0 when it could not be remembered. */
uint64_t tp_ownfiles_put(const tp_file_key *k);
/* 1 when k is exactly the latest identity this process produced for its
 * (device, inode). */
int tp_ownfiles_match(const tp_file_key *k);

/* Around a rename by the job: _begin (before the real call, with the old
 * path's identity) returns a token >= 0 when that identity is the process's
 * own, and marks it as being renamed; _end (after it) records the identity
 * the rename left (NULL when the rename failed) and clears the mark. */
int tp_ownfiles_rename_begin(const tp_file_key *before, uint64_t *gen);
void tp_ownfiles_rename_end(int token, uint64_t gen, const tp_file_key *after);

/* Worker: 1 when now is the identity generation gen has after the job's own
 * renames, i.e. the content produced at that close is unchanged. Waits,
 * bounded (1 s), while a rename of it is in flight. */
int tp_ownfiles_still(uint64_t gen, const tp_file_key *now);

#endif
