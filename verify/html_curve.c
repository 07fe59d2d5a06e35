/* html_curve.c: (step, loss) from Note records, drawn (html_curve.h). */
#include "verify/html_curve.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/format.h"
#include "runlog/records.h"

/* A note's value as a finite number, or NAN. */
static double number(const char *s)
{
    char *end;
    if (!s || !*s)
        return NAN;
    double d = strtod(s, &end);
    return *end == '\0' && isfinite(d) ? d : NAN;
}

static const Trainprov__V1__Note *note(const Trainprov__V1__Record *r)
{
    return r && r->body_case == TRAINPROV__V1__RECORD__BODY_NOTE && r->note && r->note->key
               ? r->note
               : NULL;
}

/* Walks stream s's signed notes; with out NULL only counts the loss notes. */
static size_t walk(const tp_verdict *v, size_t s, tp_curve_point *out, size_t stride, size_t cap)
{
    const tp_decoded_stream *d = &v->decoded[s];
    size_t signed_n = v->streams[s].signed_records < d->n ? v->streams[s].signed_records : d->n;
    double step = NAN;
    size_t losses = 0, kept = 0;
    for (size_t i = 0; i < signed_n; i++) {
        const Trainprov__V1__Note *n = note(d->records[i]);
        if (!n)
            continue;
        if (!strcmp(n->key, "step")) {
            step = number(n->value);
        } else if (!strcmp(n->key, "loss")) {
            double loss = number(n->value);
            if (isnan(loss))
                continue;
            if (out && losses % stride == 0 && kept < cap)
                out[kept++] = (tp_curve_point){isnan(step) ? (double)losses : step, loss};
            losses++;
        }
    }
    return out ? kept : losses;
}

int tp_curve_collect(const tp_verdict *v, tp_curve *c)
{
    memset(c, 0, sizeof *c);
    for (size_t s = 0; v->decoded && s < v->n_streams; s++) {
        size_t total = walk(v, s, NULL, 1, 0);
        if (!total)
            continue;
        if (c->n == TP_CURVE_STREAMS) {
            c->streams_left_out++;
            continue;
        }
        tp_curve_series *se = &c->series[c->n];
        size_t stride = (total + TP_CURVE_POINTS - 1) / TP_CURVE_POINTS;
        se->points = malloc(TP_CURVE_POINTS * sizeof *se->points);
        if (!se->points)
            return -1;
        se->n = walk(v, s, se->points, stride, TP_CURVE_POINTS);
        se->total = total;
        se->stream_id = v->streams[s].stream_id;
        se->rank = v->streams[s].rank;
        c->n++;
    }
    return 0;
}

void tp_curve_svg(FILE *out, const tp_curve *c)
{
    if (c->n == 0) {
        fputs("<p class=\"none\">The run recorded no <code>loss</code> notes "
              "(<code>trainprov.note(\"loss\", value)</code>).</p>\n", out);
        return;
    }
    double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
    for (size_t s = 0; s < c->n; s++)
        for (size_t i = 0; i < c->series[s].n; i++) {
            const tp_curve_point *p = &c->series[s].points[i];
            x0 = fmin(x0, p->step), x1 = fmax(x1, p->step);
            y0 = fmin(y0, p->loss), y1 = fmax(y1, p->loss);
        }
    if (x1 <= x0)
        x1 = x0 + 1;
    if (y1 <= y0)
        y1 = y0 + 1;
    const double W = 800, H = 300, L = 70, B = 30, T = 10, R = 10;
    fprintf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"curve\" width=\"%.0f\" "
                 "height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" aria-label=\"training "
                 "curve\">\n<path class=\"axis-line\" d=\"M%.0f %.0fV%.0fH%.0f\"/>\n",
            W, H, W, H, L, T, H - B, W - R);
    fprintf(out, "<text class=\"axis\" x=\"2\" y=\"%.0f\">%.4g</text><text class=\"axis\" x=\"2\" "
                 "y=\"%.0f\">%.4g</text>\n", T + 10, y1, H - B, y0);
    fprintf(out, "<text class=\"axis\" x=\"%.0f\" y=\"%.0f\">step %.6g</text><text class=\"axis\" "
                 "x=\"%.0f\" y=\"%.0f\" text-anchor=\"end\">%.6g</text>\n",
            L, H - 8, x0, W - R, H - 8, x1);
    for (size_t s = 0; s < c->n; s++) {
        const tp_curve_series *se = &c->series[s];
        char hex[17];
        tp_stream_hex(se->stream_id, hex);
        fprintf(out, "<polyline class=\"loss s%zu\" data-stream=\"%s\" data-points=\"%zu\" "
                     "points=\"", s % 8, hex, se->n);
        for (size_t i = 0; i < se->n; i++)
            fprintf(out, "%s%.1f,%.1f", i ? " " : "",
                    L + (W - L - R) * (se->points[i].step - x0) / (x1 - x0),
                    H - B - (H - B - T) * (se->points[i].loss - y0) / (y1 - y0));
        fputs("\"><title>", out);
        if (se->rank >= 0)
            fprintf(out, "rank %d, ", se->rank);
        fprintf(out, "stream %s: %zu loss notes</title></polyline>\n", hex, se->total);
    }
    fputs("</svg>\n", out);
    for (size_t s = 0; s < c->n; s++)
        if (c->series[s].total > c->series[s].n)
            fprintf(out, "<p class=\"limit\">Stream %zu: %zu loss notes, drawn as %zu evenly "
                         "spaced points.</p>\n", s + 1, c->series[s].total, c->series[s].n);
    if (c->streams_left_out)
        fprintf(out, "<p class=\"limit\">%zu more streams wrote loss notes; the first %d are "
                     "drawn.</p>\n", c->streams_left_out, TP_CURVE_STREAMS);
}

void tp_curve_free(tp_curve *c)
{
    for (size_t s = 0; s < c->n; s++)
        free(c->series[s].points);
    memset(c, 0, sizeof *c);
}
