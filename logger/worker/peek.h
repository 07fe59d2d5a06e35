/* peek.h: a file opened for reading under an exclusion (docs/FORMAT.md
 * section 1): not hashed, unless its content is weights, in which case it
 * is recorded like any read file. An exclusion only skips hashing. */
#ifndef TP_PEEK_H
#define TP_PEEK_H
#include <stdint.h>

#include "logger/classify.h"
#include "logger/worker/stream.h"

/* At most this many duplicated descriptors wait in the queue for a peek;
 * beyond, the worker opens the file by path (a job that opens thousands of
 * excluded files while the worker hashes a large one must not run out of
 * descriptors). */
#define TP_PEEK_MAX_FDS 64

/* Job thread: 1 when a duplicate of the descriptor may be queued (then
 * tp_peek_release_fd must close it), 0 when the peek goes by path.
 * Lock-free: one atomic. */
int tp_peek_reserve_fd(void);
/* Closes a reserved duplicate (none when fd is -1: the dup failed) and
 * gives its place back. */
void tp_peek_release_fd(int fd);

/* Worker: looks at the content of path (from fd, a reserved duplicate of
 * the job's descriptor, or by path when fd is -1) as `how` says, and writes
 * a FileEvent when it is a recognised weights format. */
void tp_peek_excluded(tp_stream *s, const char *path, int fd, enum tp_peek how, int64_t time_ns);

#endif
