/* progress.h: how long work (reading and checking a log, hashing files,
 * regenerating init tensors, assembling journals) says how far it has got,
 * without knowing who listens. The CLI installs a listener (cli/progress.c
 * draws a line on a terminal); without one, a report is a test and a return.
 * Library code reports; it never decides whether or how progress is shown. */
#ifndef TP_PROGRESS_H
#define TP_PROGRESS_H
#include <stdint.h>

typedef enum { TP_PROGRESS_ITEMS, TP_PROGRESS_BYTES, TP_PROGRESS_ELEMENTS } tp_progress_unit;

/* The listener: phase is a short lower-case text ("checking records"); done
 * of total units so far (total 0: unknown). Called often (up to once per
 * record): it must be cheap and rate-limit itself. */
typedef void (*tp_progress_fn)(void *ctx, const char *phase, tp_progress_unit unit,
                               uint64_t done, uint64_t total);

/* Installs fn (NULL: none) for the whole process; set before the work starts,
 * from the thread that does it (the CLI is single-threaded). */
void tp_progress_listen(tp_progress_fn fn, void *ctx);
/* Reports done of total in phase to the listener, if any. */
void tp_progress_report(const char *phase, tp_progress_unit unit, uint64_t done, uint64_t total);

#endif
