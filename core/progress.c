/* progress.c: the one listener of progress reports (progress.h). */
#include "core/progress.h"

#include <stddef.h>

static tp_progress_fn listener;
static void *listener_ctx;

void tp_progress_listen(tp_progress_fn fn, void *ctx)
{
    listener = fn;
    listener_ctx = ctx;
}

void tp_progress_report(const char *phase, tp_progress_unit unit, uint64_t done, uint64_t total)
{
    if (listener)
        listener(listener_ctx, phase, unit, done, total);
}
