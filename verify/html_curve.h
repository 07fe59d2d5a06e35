/* html_curve.h: the training curve from the run's Note records (the
 * trainprov.note("step", N) and trainprov.note("loss", X) a job writes;
 * python/trainprov, logger/include/trainprov.h) as an inline SVG
 * (html_curve.c). A "loss" note is plotted at the value of the last "step"
 * note of its stream before it (else at its ordinal). Only signed records
 * count. Bounded: TP_CURVE_STREAMS streams, TP_CURVE_POINTS points each
 * (evenly thinned beyond). */
#ifndef TP_HTML_CURVE_H
#define TP_HTML_CURVE_H
#include <stddef.h>
#include <stdio.h>

#include "verify/claims.h"

#define TP_CURVE_POINTS 2000
#define TP_CURVE_STREAMS 16

typedef struct {
    double step, loss;
} tp_curve_point;

typedef struct {
    uint64_t stream_id;
    int rank;
    tp_curve_point *points;  /* owned */
    size_t n;
    size_t total;            /* loss notes before thinning */
} tp_curve_series;

typedef struct {
    tp_curve_series series[TP_CURVE_STREAMS];
    size_t n;
    size_t streams_left_out; /* streams with loss notes past TP_CURVE_STREAMS */
} tp_curve;

/* 0, or -1 when out of memory. */
int tp_curve_collect(const tp_verdict *v, tp_curve *c);
/* Writes the <svg>, or a sentence when the run wrote no loss notes. */
void tp_curve_svg(FILE *out, const tp_curve *c);
void tp_curve_free(tp_curve *c);

#endif
