/* peek.h: a file opened for reading under an exclusion (docs/FORMAT.md
 * section 1): not hashed, unless its content is weights, in which case it
 * is recorded like any read file. An exclusion only skips hashing. */
#ifndef TP_PEEK_H
#define TP_PEEK_H
#include <stdint.h>

#include "logger/worker/stream.h"

/* Looks at fd's content (a dup of the job's descriptor, closed here) and
 * writes a FileEvent for path when it is a recognised weights format. */
void tp_peek_excluded(tp_stream *s, const char *path, int fd, int64_t time_ns);

#endif
