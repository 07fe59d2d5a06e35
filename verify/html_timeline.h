/* html_timeline.h: the run drawn as an inline SVG timeline (html_timeline.c):
 * one lane per stream, grouped by chain segment, node and rank and ordered
 * as a process tree (a forked or exec'd child under its parent, indented,
 * joined to it at the moment the parent announced it); on each lane the
 * files it read (titled with the path), the checkpoints it wrote, its signed
 * heads and how it ended (exit status, signal, killed). Bounded: at most
 * TP_TIMELINE_LANES lanes (the streams past a group's share are drawn as one
 * aggregated lane per group) and, per lane, TP_TIMELINE_MARKS reads and
 * heads and as many checkpoints, children and ends (the rest counted); the
 * page says what was aggregated and left out. */
#ifndef TP_HTML_TIMELINE_H
#define TP_HTML_TIMELINE_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "runlog/runlog.h"
#include "verify/claims.h"

#define TP_TIMELINE_LANES 400
#define TP_TIMELINE_MARKS 400
#define TP_TIMELINE_WIDTH 1200  /* SVG width, px */
#define TP_TIMELINE_LABEL 300   /* the lane labels' column, px */
#define TP_TIMELINE_LANE_H 16   /* px per lane */

typedef enum {
    TP_TL_READ,        /* a file read (data, code, weights...): [t0, t1] */
    TP_TL_DATA,        /* a data file read */
    TP_TL_CHECKPOINT,  /* a checkpoint written */
    TP_TL_HEAD,        /* a signed tree head */
    TP_TL_CHILD,       /* a child stream announced (fork, exec, spawn) */
    TP_TL_END,         /* the stream ended (its StreamEnd) */
    TP_TL_KILLED,      /* the stream did not end: its last record */
} tp_tl_kind;

typedef struct {
    int64_t t0, t1;
    tp_tl_kind kind;
    const char *label;       /* the path, the end text...; the log's bytes, escaped when drawn */
    uint64_t child;          /* TP_TL_CHILD: the child's stream id */
} tp_tl_mark;

typedef struct {
    uint64_t stream_id, parent;
    int segment, node, rank, restart, pid;
    const char *origin;      /* "root", "fork", "exec", "?" */
    char end[32];            /* "exit 0", "signal SIGTERM", "" (did not end) */
    int64_t start, stop;     /* 0: unknown */
    tp_tl_mark *marks;       /* owned */
    size_t n_marks, cap_marks, dropped_marks;
    size_t bulk_marks;       /* reads and heads among the marks */
    /* set by tp_timeline_layout */
    int depth;               /* in its group's process tree */
    size_t aggregated;       /* >0: this lane stands for that many streams */
    int overflow;            /* the one lane for the streams of every group past the bound */
} tp_tl_lane;

typedef struct {
    tp_tl_lane *lanes;
    size_t n, cap;
    const char *segment_labels[64]; /* a chain's segments, by index; NULL for one log */
    size_t n_segments;
    int64_t t_min, t_max;
    size_t streams;          /* streams before aggregation */
    size_t marks_dropped;    /* over every lane */
} tp_timeline;

/* Adds the streams of one log (segment index seg, labelled label) from its
 * verdict's decoded records and its heads. 0, or -1 when out of memory. */
int tp_timeline_add_log(tp_timeline *t, int seg, const char *label, const tp_runlog *log,
                        const tp_verdict *v);
/* Appends a lane (for tp_timeline_add_log and tests); NULL when out of memory. */
tp_tl_lane *tp_timeline_add_lane(tp_timeline *t);
/* Adds a mark to a lane, counted instead past its bound (TP_TIMELINE_MARKS
 * reads and heads, 2 * TP_TIMELINE_MARKS marks in all). */
void tp_timeline_add_mark(tp_tl_lane *l, tp_tl_kind kind, int64_t t0, int64_t t1,
                          const char *label, uint64_t child);
/* Orders the lanes (segment, node, rank, restart, then each group's
 * process tree depth-first by start time), sets depths, aggregates past
 * TP_TIMELINE_LANES and computes the time range. 0, or -1 when out of memory. */
int tp_timeline_layout(tp_timeline *t);
/* x of time ns in the SVG (the time range spread over the drawing area). */
double tp_timeline_x(const tp_timeline *t, int64_t ns);
/* Writes the <svg> (after tp_timeline_layout). */
void tp_timeline_svg(FILE *out, const tp_timeline *t);
void tp_timeline_free(tp_timeline *t);

#endif
