/* html_timeline.c: the SVG timeline of a run or a chain (html_timeline.h):
 * lanes collected from each log's decoded records and heads, ordered and
 * bounded by tp_timeline_layout, drawn by tp_timeline_svg. */
#include "verify/html_timeline.h"

#include <stdlib.h>
#include <string.h>

#include "core/format.h"
#include "core/vocab.h"
#include "runlog/records.h"
#include "verify/claim.h"
#include "verify/html_escape.h"

tp_tl_lane *tp_timeline_add_lane(tp_timeline *t)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 16;
        tp_tl_lane *p = realloc(t->lanes, cap * sizeof *p);
        if (!p)
            return NULL;
        t->lanes = p;
        t->cap = cap;
    }
    tp_tl_lane *l = &t->lanes[t->n++];
    memset(l, 0, sizeof *l);
    l->rank = l->node = l->restart = l->pid = -1;
    l->origin = "?";
    t->streams++;
    return l;
}

void tp_timeline_add_mark(tp_tl_lane *l, tp_tl_kind kind, int64_t t0, int64_t t1,
                          const char *label, uint64_t child)
{
    int bulk = kind == TP_TL_READ || kind == TP_TL_DATA || kind == TP_TL_HEAD;
    if ((bulk && l->bulk_marks == TP_TIMELINE_MARKS) || l->n_marks == 2 * TP_TIMELINE_MARKS) {
        l->dropped_marks++;
        return;
    }
    if (l->n_marks == l->cap_marks) {
        size_t cap = l->cap_marks ? 2 * l->cap_marks : 16;
        tp_tl_mark *p = realloc(l->marks, cap * sizeof *p);
        if (!p) {
            l->dropped_marks++;
            return;
        }
        l->marks = p;
        l->cap_marks = cap;
    }
    l->bulk_marks += bulk;
    l->marks[l->n_marks++] = (tp_tl_mark){.t0 = t0, .t1 = t1 > t0 ? t1 : t0, .kind = kind,
                                          .label = label, .child = child};
}

static void widen(tp_tl_lane *l, int64_t ns)
{
    if (ns <= 0)
        return;
    if (!l->start || ns < l->start)
        l->start = ns;
    if (ns > l->stop)
        l->stop = ns;
}

static void add_record(tp_tl_lane *l, const Trainprov__V1__Record *r)
{
    widen(l, r->time_ns);
    const Trainprov__V1__FileEvent *f = tp_file_event(r);
    if (f) {
        int64_t t0 = f->first_access_ns > 0 ? f->first_access_ns : r->time_ns;
        int64_t t1 = f->last_access_ns > t0 ? f->last_access_ns : t0;
        enum tp_role role = tp_role_parse(f->role);
        if (role == TP_ROLE_CHECKPOINT && tp_file_wrote(f))
            tp_timeline_add_mark(l, TP_TL_CHECKPOINT, t1, t1, f->path, 0);
        else if (tp_file_was_read(f))
            tp_timeline_add_mark(l, role == TP_ROLE_DATA ? TP_TL_DATA : TP_TL_READ, t0, t1,
                                 f->path, 0);
        widen(l, t1);
    } else if (r->body_case == TRAINPROV__V1__RECORD__BODY_CHILD && r->child) {
        tp_timeline_add_mark(l, TP_TL_CHILD, r->time_ns, r->time_ns, r->child->how,
                             r->child->child_stream);
    } else if (r->body_case == TRAINPROV__V1__RECORD__BODY_RUN_START && r->run_start) {
        widen(l, r->run_start->start_time_ns);
    }
}

int tp_timeline_add_log(tp_timeline *t, int seg, const char *label, const tp_runlog *log,
                        const tp_verdict *v)
{
    if (seg >= 0 && (size_t)seg < sizeof t->segment_labels / sizeof *t->segment_labels) {
        t->segment_labels[seg] = label;
        if ((size_t)seg + 1 > t->n_segments)
            t->n_segments = (size_t)seg + 1;
    }
    for (size_t s = 0; s < v->n_streams && s < log->n_streams; s++) {
        const tp_stream_summary *st = &v->streams[s];
        tp_tl_lane *l = tp_timeline_add_lane(t);
        if (!l)
            return -1;
        l->stream_id = st->stream_id;
        l->parent = st->parent_stream;
        l->segment = seg;
        l->node = st->node;
        l->rank = st->rank;
        l->restart = st->restart;
        l->pid = st->pid;
        l->origin = st->origin ? st->origin : "?";
        snprintf(l->end, sizeof l->end, "%s", st->end);
        const tp_decoded_stream *d = v->decoded ? &v->decoded[s] : NULL;
        const Trainprov__V1__Record *last = NULL;
        for (size_t i = 0; d && i < d->n; i++)
            if (d->records[i]) {
                add_record(l, d->records[i]);
                last = d->records[i];
            }
        const tp_stream_data *sd = &log->streams[s];
        for (size_t h = 0; h < sd->n_heads; h++) {
            Trainprov__V1__TreeHead *head = tp_head_decode(&sd->head_bodies[h], NULL, 0);
            if (head) {
                tp_timeline_add_mark(l, TP_TL_HEAD, head->time_ns, head->time_ns, NULL, 0);
                trainprov__v1__tree_head__free_unpacked(head, NULL);
            }
        }
        if (st->ended && last)
            tp_timeline_add_mark(l, TP_TL_END, last->time_ns, last->time_ns, NULL, 0);
        else if (!st->outlived)
            tp_timeline_add_mark(l, TP_TL_KILLED, l->stop, l->stop, NULL, 0);
    }
    return 0;
}

/* ---- layout ---- */

static int group_cmp(const tp_tl_lane *a, const tp_tl_lane *b)
{
    if (a->segment != b->segment)
        return a->segment < b->segment ? -1 : 1;
    if (a->node != b->node)
        return a->node < b->node ? -1 : 1;
    if (a->rank != b->rank)
        return a->rank < b->rank ? -1 : 1;
    if (a->restart != b->restart)
        return a->restart < b->restart ? -1 : 1;
    return 0;
}

static int start_cmp(const tp_tl_lane *a, const tp_tl_lane *b)
{
    if (a->start != b->start)
        return a->start < b->start ? -1 : 1;
    return a->stream_id < b->stream_id ? -1 : a->stream_id > b->stream_id;
}

/* By segment and parent then start: the children of a stream are adjacent. */
static int by_parent(const void *pa, const void *pb)
{
    const tp_tl_lane *a = *(tp_tl_lane *const *)pa, *b = *(tp_tl_lane *const *)pb;
    if (a->segment != b->segment)
        return a->segment < b->segment ? -1 : 1;
    if (a->parent != b->parent)
        return a->parent < b->parent ? -1 : 1;
    return start_cmp(a, b);
}

/* By group, then start: the roots are visited in this order. */
static int by_group(const void *pa, const void *pb)
{
    const tp_tl_lane *a = *(tp_tl_lane *const *)pa, *b = *(tp_tl_lane *const *)pb;
    int c = group_cmp(a, b);
    return c ? c : start_cmp(a, b);
}

typedef struct {
    tp_tl_lane **by_parent;
    size_t n;
    tp_tl_lane **order;
    size_t n_order;
    unsigned char *placed; /* by index in t->lanes */
    tp_tl_lane *base;
} tree_walk;

/* First index in by_parent of the children of (seg, id). */
static size_t first_child(const tree_walk *w, int seg, uint64_t id)
{
    size_t lo = 0, hi = w->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const tp_tl_lane *m = w->by_parent[mid];
        if (m->segment < seg || (m->segment == seg && m->parent < id))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Places lane and its descendants of the same group, depth-first, without
 * recursion (a log can hold a chain of thousands of execs). */
static void walk(tree_walk *w, tp_tl_lane *root, size_t *stack, size_t *cursor)
{
    size_t top = 0;
    w->placed[root - w->base] = 1;
    root->depth = 0;
    w->order[w->n_order++] = root;
    stack[top] = (size_t)(root - w->base);
    cursor[top] = first_child(w, root->segment, root->stream_id);
    top++;
    while (top) {
        tp_tl_lane *cur = &w->base[stack[top - 1]];
        size_t *c = &cursor[top - 1];
        tp_tl_lane *next = NULL;
        while (*c < w->n && w->by_parent[*c]->segment == cur->segment &&
               w->by_parent[*c]->parent == cur->stream_id) {
            tp_tl_lane *k = w->by_parent[(*c)++];
            if (!w->placed[k - w->base] && group_cmp(k, root) == 0 && k != cur) {
                next = k;
                break;
            }
        }
        if (!next) {
            top--;
            continue;
        }
        w->placed[next - w->base] = 1;
        next->depth = cur->depth + 1;
        w->order[w->n_order++] = next;
        stack[top] = (size_t)(next - w->base);
        cursor[top] = first_child(w, next->segment, next->stream_id);
        top++;
    }
}

/* Moves the marks of src into dst (up to its bound) and frees src's. */
static void merge_into(tp_tl_lane *dst, tp_tl_lane *src)
{
    for (size_t i = 0; i < src->n_marks; i++)
        if (src->marks[i].kind != TP_TL_CHILD)
            tp_timeline_add_mark(dst, src->marks[i].kind, src->marks[i].t0, src->marks[i].t1,
                                 src->marks[i].label, 0);
    dst->dropped_marks += src->dropped_marks;
    if (src->start && (!dst->start || src->start < dst->start))
        dst->start = src->start;
    if (src->stop > dst->stop)
        dst->stop = src->stop;
    dst->aggregated += src->aggregated ? src->aggregated : 1;
    free(src->marks);
    src->marks = NULL;
    src->n_marks = src->cap_marks = src->bulk_marks = 0;
}

static int by_id(const void *pa, const void *pb)
{
    const tp_tl_lane *a = *(const tp_tl_lane *const *)pa, *b = *(const tp_tl_lane *const *)pb;
    if (a->segment != b->segment)
        return a->segment < b->segment ? -1 : 1;
    return a->stream_id < b->stream_id ? -1 : a->stream_id > b->stream_id;
}

/* The lane of stream id in segment seg, in lanes sorted by by_id; NULL. */
static const tp_tl_lane *find_lane(const tp_tl_lane *const *lanes, size_t n, int seg, uint64_t id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const tp_tl_lane *m = lanes[mid];
        if (m->segment < seg || (m->segment == seg && m->stream_id < id))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && lanes[lo]->segment == seg && lanes[lo]->stream_id == id ? lanes[lo] : NULL;
}

/* Copies the lanes in drawing order into out, keeping each group's first
 * lanes within its share of TP_TIMELINE_LANES and folding the rest of a
 * group into one aggregated lane; once the bound is reached, every further
 * group goes into one last lane. Returns how many lanes out holds. */
static size_t aggregate(tp_tl_lane **ordered, size_t n, tp_tl_lane *out)
{
    size_t groups = 0, kept = 0;
    for (size_t i = 0; i < n; i++)
        groups += i == 0 || group_cmp(ordered[i - 1], ordered[i]) != 0;
    size_t share = groups >= TP_TIMELINE_LANES ? 1 : TP_TIMELINE_LANES / groups;
    tp_tl_lane *overflow = NULL;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && group_cmp(ordered[j], ordered[i]) == 0)
            j++;
        size_t size = j - i, room = kept < TP_TIMELINE_LANES - 1 ? TP_TIMELINE_LANES - 1 - kept : 0;
        size_t limit = share < room ? share : room, keep = size <= limit ? size : limit ? limit - 1 : 0;
        for (size_t k = i; k < i + keep; k++)
            out[kept++] = *ordered[k];
        if (keep < size) {
            tp_tl_lane *agg = room ? &out[kept++] : overflow;
            if (!agg) {
                agg = overflow = &out[kept++];
                agg->overflow = 1;
            }
            if (agg != overflow || agg->aggregated == 0) {
                int flag = agg->overflow;
                *agg = *ordered[i + keep];
                agg->marks = NULL;
                agg->n_marks = agg->cap_marks = agg->dropped_marks = agg->bulk_marks = 0;
                agg->start = agg->stop = 0;
                agg->depth = 0;
                agg->overflow = flag;
            }
            for (size_t k = i + keep; k < j; k++)
                merge_into(agg, ordered[k]);
        }
        i = j;
    }
    return kept;
}

int tp_timeline_layout(tp_timeline *t)
{
    size_t n = t->n;
    tp_tl_lane **bp = malloc((n ? n : 1) * sizeof *bp), **roots = malloc((n ? n : 1) * sizeof *roots);
    tree_walk w = {.by_parent = bp, .n = n, .base = t->lanes};
    w.order = malloc((n ? n : 1) * sizeof *w.order);
    w.placed = calloc(n ? n : 1, 1);
    size_t *stack = malloc((n ? n : 1) * sizeof *stack), *cursor = malloc((n ? n : 1) * sizeof *cursor);
    tp_tl_lane *out = calloc(n ? n : 1, sizeof *out);
    const tp_tl_lane **byid = malloc((n ? n : 1) * sizeof *byid);
    int rc = -1;
    if (!bp || !roots || !w.order || !w.placed || !stack || !cursor || !out || !byid)
        goto done;
    for (size_t i = 0; i < n; i++)
        bp[i] = roots[i] = &t->lanes[i];
    for (size_t i = 0; i < n; i++)
        byid[i] = &t->lanes[i];
    qsort(byid, n, sizeof *byid, by_id);
    qsort(bp, n, sizeof *bp, by_parent);
    qsort(roots, n, sizeof *roots, by_group);
    /* roots: a stream whose parent is not in its group (or none); then, so
     * that a cycle of forged parents still shows, any stream not placed */
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < n; i++) {
            tp_tl_lane *l = roots[i];
            if (w.placed[l - t->lanes])
                continue;
            const tp_tl_lane *parent = pass == 0 && l->parent
                                           ? find_lane(byid, n, l->segment, l->parent)
                                           : NULL;
            if (!parent || group_cmp(parent, l) != 0)
                walk(&w, l, stack, cursor);
        }
    t->n = aggregate(w.order, w.n_order, out);
    free(t->lanes);
    t->lanes = out;
    t->cap = n;
    out = NULL;
    t->t_min = t->t_max = 0;
    t->marks_dropped = 0;
    for (size_t i = 0; i < t->n; i++) {
        const tp_tl_lane *l = &t->lanes[i];
        if (l->start && (!t->t_min || l->start < t->t_min))
            t->t_min = l->start;
        if (l->stop > t->t_max)
            t->t_max = l->stop;
        t->marks_dropped += l->dropped_marks;
    }
    rc = 0;
done:
    free(bp);
    free(roots);
    free(w.order);
    free(w.placed);
    free(stack);
    free(cursor);
    free(out);
    free(byid);
    return rc;
}

/* ---- drawing ---- */

double tp_timeline_x(const tp_timeline *t, int64_t ns)
{
    double left = TP_TIMELINE_LABEL, span = TP_TIMELINE_WIDTH - TP_TIMELINE_LABEL - 10;
    if (t->t_max <= t->t_min || ns <= t->t_min)
        return left;
    if (ns >= t->t_max)
        return left + span;
    return left + span * (double)(ns - t->t_min) / (double)(t->t_max - t->t_min);
}

static void group_header(FILE *out, const tp_timeline *t, const tp_tl_lane *l, double y)
{
    fprintf(out, "<text class=\"group\" x=\"2\" y=\"%.1f\">", y + 12);
    if (l->overflow) {
        fputs("further groups, aggregated</text>\n", out);
        return;
    }
    if (t->n_segments > 1 || (l->segment >= 0 && t->n_segments == 1 && t->segment_labels[0] &&
                              l->segment > 0))
        fprintf(out, "segment %d ", l->segment + 1);
    if (l->node >= 0)
        fprintf(out, "node %d ", l->node);
    if (l->rank >= 0)
        fprintf(out, "rank %d ", l->rank);
    if (l->restart > 0)
        fprintf(out, "restart %d ", l->restart);
    if (l->node < 0 && l->rank < 0)
        fputs("process tree", out);
    fputs("</text>\n", out);
}

static const char *end_class(const char *end)
{
    return !strcmp(end, "exit 0") || !strcmp(end, "_exit 0") || !strcmp(end, "mpi_finalize") || !strncmp(end, "exec", 4)
               ? "end-ok"
           : !strncmp(end, "signal", 6) ? "end-signal"
                                        : "end-other";
}

static void mark(FILE *out, const tp_timeline *t, const tp_tl_lane *l, const tp_tl_mark *m,
                 double y, const double *child_y)
{
    double x0 = tp_timeline_x(t, m->t0), x1 = tp_timeline_x(t, m->t1), mid = y + 8;
    switch (m->kind) {
    case TP_TL_DATA:
    case TP_TL_READ:
        fprintf(out, "<rect class=\"%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"6\"><title>",
                m->kind == TP_TL_DATA ? "data" : "read", x0, mid - 3, x1 - x0 > 2 ? x1 - x0 : 2);
        fputs(m->kind == TP_TL_DATA ? "data read: " : "read: ", out);
        break;
    case TP_TL_CHECKPOINT:
        fprintf(out, "<path class=\"ckpt\" d=\"M%.1f %.1fl5 5l-5 5l-5 -5z\"><title>checkpoint "
                     "written: ", x0, mid - 5);
        break;
    case TP_TL_HEAD:
        fprintf(out, "<path class=\"head\" d=\"M%.1f %.1fv4\"><title>signed head", x0, mid + 3);
        break;
    case TP_TL_CHILD:
        if (child_y && *child_y > y)
            fprintf(out, "<path class=\"child\" d=\"M%.1f %.1fV%.1f\"><title>", x0, mid,
                    *child_y + 8);
        else
            fprintf(out, "<path class=\"child\" d=\"M%.1f %.1fv6\"><title>", x0, mid - 3);
        break;
    case TP_TL_END:
        fprintf(out, "<circle class=\"%s\" cx=\"%.1f\" cy=\"%.1f\" r=\"4\"><title>ended: ",
                end_class(l->end), x0, mid);
        tp_html_text(out, l->end);
        break;
    case TP_TL_KILLED:
        fprintf(out, "<path class=\"killed\" d=\"M%.1f %.1fl8 8m0 -8l-8 8\"><title>did not end "
                     "(killed): its last record", x0 - 4, mid - 4);
        break;
    }
    tp_html_text(out, m->label);
    fputs(m->kind == TP_TL_DATA || m->kind == TP_TL_READ ? "</title></rect>\n"
          : m->kind == TP_TL_END                          ? "</title></circle>\n"
                                                          : "</title></path>\n", out);
}

static void lane_label(FILE *out, const tp_tl_lane *l, double y)
{
    char hex[17];
    tp_stream_hex(l->stream_id, hex);
    fprintf(out, "<text class=\"label\" x=\"%d\" y=\"%.1f\">", 10 + 10 * (l->depth < 12 ? l->depth : 12),
            y + 12);
    if (l->aggregated) {
        fprintf(out, "%zu more stream%s</text>\n", l->aggregated, l->aggregated == 1 ? "" : "s");
        return;
    }
    fprintf(out, "pid %d ", l->pid);
    tp_html_text_max(out, l->origin, 16);
    fprintf(out, " %.8s</text>\n", hex);
}

void tp_timeline_svg(FILE *out, const tp_timeline *t)
{
    size_t rows = 0;
    for (size_t i = 0; i < t->n; i++)
        rows += 1 + (i == 0 || group_cmp(&t->lanes[i - 1], &t->lanes[i]) != 0 ||
                     t->lanes[i].overflow != t->lanes[i - 1].overflow);
    double height = 30 + (double)rows * TP_TIMELINE_LANE_H + 10;
    /* each lane's y, and an index by (segment, id) for the child connectors */
    double *ys = malloc((t->n ? t->n : 1) * sizeof *ys);
    const tp_tl_lane **byid = malloc((t->n ? t->n : 1) * sizeof *byid);
    fprintf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"timeline\" width=\"%d\" "
                 "height=\"%.0f\" viewBox=\"0 0 %d %.0f\" role=\"img\" aria-label=\"timeline\">\n",
            TP_TIMELINE_WIDTH, height, TP_TIMELINE_WIDTH, height);
    if (!ys || !byid) {
        fputs("<text x=\"4\" y=\"20\">out of memory</text></svg>\n", out);
        free(ys);
        free(byid);
        return;
    }
    /* the time axis: seconds from the first record */
    for (int k = 0; k <= 4; k++) {
        int64_t ns = t->t_min + (t->t_max - t->t_min) / 4 * k;
        double x = tp_timeline_x(t, ns);
        fprintf(out, "<path class=\"grid\" d=\"M%.1f 20V%.0f\"/><text class=\"axis\" x=\"%.1f\" "
                     "y=\"14\" text-anchor=\"%s\">+%.1f s</text>\n",
                x, height, x, k == 0 ? "start" : k == 4 ? "end" : "middle",
                (double)(ns - t->t_min) / 1e9);
    }
    double y = 24;
    for (size_t i = 0; i < t->n; i++) {
        if (i == 0 || group_cmp(&t->lanes[i - 1], &t->lanes[i]) != 0 ||
            t->lanes[i].overflow != t->lanes[i - 1].overflow) {
            group_header(out, t, &t->lanes[i], y);
            y += TP_TIMELINE_LANE_H;
        }
        ys[i] = y;
        byid[i] = &t->lanes[i];
        y += TP_TIMELINE_LANE_H;
    }
    qsort(byid, t->n, sizeof *byid, by_id);
    for (size_t i = 0; i < t->n; i++) {
        const tp_tl_lane *l = &t->lanes[i];
        char hex[17];
        tp_stream_hex(l->stream_id, hex);
        fprintf(out, "<g class=\"lane%s\" data-stream=\"%s\" data-segment=\"%d\" "
                     "data-streams=\"%zu\">\n",
                l->aggregated ? " aggregated" : "", hex, l->segment + 1,
                l->aggregated ? l->aggregated : 1);
        lane_label(out, l, ys[i]);
        if (l->start)
            fprintf(out, "<path class=\"life\" d=\"M%.1f %.1fH%.1f\"/>\n",
                    tp_timeline_x(t, l->start), ys[i] + 8, tp_timeline_x(t, l->stop));
        for (size_t k = 0; k < l->n_marks; k++) {
            const tp_tl_mark *m = &l->marks[k];
            const tp_tl_lane *c = m->kind == TP_TL_CHILD
                                      ? find_lane(byid, t->n, l->segment, m->child)
                                      : NULL;
            mark(out, t, l, m, ys[i], c ? &ys[c - t->lanes] : NULL);
        }
        fputs("</g>\n", out);
    }
    fputs("</svg>\n", out);
    free(ys);
    free(byid);
}

void tp_timeline_free(tp_timeline *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->lanes[i].marks);
    free(t->lanes);
    memset(t, 0, sizeof *t);
}
