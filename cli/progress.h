/* progress.h: the progress line of a long command on a terminal (like scp,
 * rsync --info=progress2 or pv): one line on stderr, redrawn in place with
 * '\r' at most every TP_PROGRESS_EVERY_NS once the work has taken
 * TP_PROGRESS_DELAY_NS (so short work prints nothing), cleared at the end.
 * It listens to the reports of core/progress.h. Never shown with --json on
 * stdout or --quiet, nor when stderr is not a terminal; never on stdout. */
#ifndef TP_CLI_PROGRESS_H
#define TP_CLI_PROGRESS_H
#include <stddef.h>
#include <stdint.h>

#include "core/progress.h"

#define TP_PROGRESS_DELAY_NS 1000000000ull /* nothing before 1 s of work */
#define TP_PROGRESS_EVERY_NS 100000000ull  /* then at most 10 lines a second */
#define TP_PROGRESS_WIDTH_MAX 200

typedef struct {
    int fd;
    const char *prog;          /* the command: "verify" */
    size_t width;              /* the terminal's columns less one: a line never wraps */
    uint64_t (*clock)(void);   /* monotonic nanoseconds */
    uint64_t started_ns;       /* when the work began */
    uint64_t drawn_ns;         /* when a line was last drawn; 0 for never */
    const char *phase;         /* the phase being reported */
    uint64_t phase_ns, phase_done; /* when it began, and done then (for its rate) */
    size_t shown;              /* characters of the line now on the terminal */
} tp_progress_line;

/* Formats "COMMAND: PHASE DONE/TOTAL, RATE/s, M:SS left" (no rate before any
 * progress, no total or time left when total is 0) into out, cut to cap - 1
 * characters; returns its length. */
size_t tp_progress_format(char *out, size_t cap, const char *prog, const char *phase,
                          tp_progress_unit unit, uint64_t done, uint64_t total,
                          uint64_t phase_elapsed_ns, uint64_t phase_done);

/* A line on fd, for work starting now; clock NULL: CLOCK_MONOTONIC_COARSE. */
void tp_progress_line_init(tp_progress_line *p, int fd, const char *prog, size_t width,
                           uint64_t (*clock)(void));
/* A tp_progress_fn (ctx: the tp_progress_line): redraws the line when due. */
void tp_progress_line_update(void *ctx, const char *phase, tp_progress_unit unit,
                             uint64_t done, uint64_t total);
/* Erases the line, if one is shown. */
void tp_progress_line_clear(tp_progress_line *p);

/* Whether a command shows progress: not silenced (--quiet, JSON on stdout)
 * and fd a terminal. */
int tp_progress_wanted(int fd, int silenced);
/* The command's progress: shown on stderr from now on when
 * tp_progress_wanted(2, silenced); tp_cli_progress_stop erases it and stops
 * listening (call it before printing anything). */
void tp_cli_progress_start(const char *prog, int silenced);
void tp_cli_progress_stop(void);

#endif
