/* test_html_timeline.c: the timeline's layout: lanes are grouped by segment,
 * node and rank and ordered as process trees (a child under its parent,
 * indented), a cycle of forged parents is still drawn, marks per lane and
 * lanes per page are bounded (the rest counted or aggregated, every stream
 * accounted for), times map into the drawing area, and the SVG has one
 * <g class="lane"> per lane with the log's strings escaped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "verify/html_timeline.h"

static tp_timeline t;

static int setup(void **state)
{
    (void)state;
    memset(&t, 0, sizeof t);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    tp_timeline_free(&t);
    return 0;
}

static tp_tl_lane *lane(uint64_t id, uint64_t parent, int seg, int rank, int64_t start)
{
    tp_tl_lane *l = tp_timeline_add_lane(&t);
    assert_non_null(l);
    l->stream_id = id;
    l->parent = parent;
    l->segment = seg;
    l->rank = rank;
    l->start = start;
    l->stop = start + 1000;
    return l;
}

static char *svg(void)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    tp_timeline_svg(f, &t);
    assert_int_equal(fclose(f), 0);
    return buf;
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p++)
        n++;
    return n;
}

static void test_process_tree_order(void **state)
{
    (void)state;
    lane(0xD, 0, 0, 1, 100);      /* rank 1's root */
    lane(0xC, 0xB, 0, 0, 300);    /* exec'd by B */
    lane(0xB, 0xA, 0, 0, 200);    /* forked by A */
    lane(0xA, 0, 0, 0, 100);      /* rank 0's root */
    lane(0xE, 0xA, 0, 0, 150);    /* forked by A before B */
    tp_tl_lane *a = &t.lanes[3];
    tp_timeline_add_mark(a, TP_TL_CHILD, 200, 200, "fork", 0xB);
    assert_int_equal(tp_timeline_layout(&t), 0);
    assert_int_equal(t.n, 5);
    uint64_t want[] = {0xA, 0xE, 0xB, 0xC, 0xD};
    int depth[] = {0, 1, 1, 2, 0};
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(t.lanes[i].stream_id, want[i]);
        assert_int_equal(t.lanes[i].depth, depth[i]);
    }
    assert_int_equal(t.t_min, 100);
    assert_int_equal(t.t_max, 1300);
    char *s = svg();
    assert_int_equal(count(s, "<g class=\"lane\""), 5);
    assert_int_equal(count(s, "class=\"child\" d=\"M"), 1);
    /* the connector reaches down to B's lane (the third) */
    assert_non_null(strstr(s, "data-stream=\"000000000000000d\""));
    free(s);
}

static void test_forged_parent_cycle_still_drawn(void **state)
{
    (void)state;
    lane(1, 2, 0, 0, 10);
    lane(2, 1, 0, 0, 20);
    lane(3, 3, 0, 0, 30); /* its own parent */
    assert_int_equal(tp_timeline_layout(&t), 0);
    assert_int_equal(t.n, 3);
}

static void test_marks_bounded(void **state)
{
    (void)state;
    tp_tl_lane *l = lane(1, 0, 0, -1, 10);
    for (int i = 0; i < TP_TIMELINE_MARKS + 100; i++)
        tp_timeline_add_mark(l, TP_TL_DATA, 10 + i, 11 + i, "/data/x", 0);
    assert_int_equal(l->n_marks, TP_TIMELINE_MARKS);
    assert_int_equal(l->dropped_marks, 100);
    /* a fork and the end still show past the reads' bound, up to their own */
    tp_timeline_add_mark(l, TP_TL_CHILD, 20, 20, "fork", 2);
    tp_timeline_add_mark(l, TP_TL_END, 30, 30, NULL, 0);
    assert_int_equal(l->n_marks, TP_TIMELINE_MARKS + 2);
    for (int i = 0; i < TP_TIMELINE_MARKS; i++)
        tp_timeline_add_mark(l, TP_TL_CHECKPOINT, 40, 40, "/c", 0);
    assert_int_equal(l->n_marks, 2 * TP_TIMELINE_MARKS);
    assert_int_equal(l->dropped_marks, 102);
    assert_int_equal(tp_timeline_layout(&t), 0);
    assert_int_equal(t.marks_dropped, 102);
}

static void test_one_big_group_aggregated(void **state)
{
    (void)state;
    size_t n = 3 * TP_TIMELINE_LANES;
    for (size_t i = 0; i < n; i++)
        tp_timeline_add_mark(lane(i + 1, i ? 1 : 0, 0, 0, (int64_t)i), TP_TL_READ, (int64_t)i,
                             (int64_t)i, "/f", 0);
    assert_int_equal(tp_timeline_layout(&t), 0);
    assert_true(t.n <= TP_TIMELINE_LANES);
    size_t streams = 0, agg = 0;
    for (size_t i = 0; i < t.n; i++) {
        streams += t.lanes[i].aggregated ? t.lanes[i].aggregated : 1;
        agg += t.lanes[i].aggregated > 0;
    }
    assert_int_equal(streams, n);
    assert_int_equal(agg, 1);
    assert_int_equal(t.streams, n);
    char *s = svg();
    assert_int_equal(count(s, "<g class=\"lane"), t.n);
    assert_int_equal(count(s, "<g class=\"lane aggregated\""), 1);
    free(s);
}

static void test_many_groups_bounded(void **state)
{
    (void)state;
    size_t n = TP_TIMELINE_LANES + 50;
    for (size_t i = 0; i < n; i++)
        lane(i + 1, 0, 0, (int)i, 1);
    assert_int_equal(tp_timeline_layout(&t), 0);
    assert_true(t.n <= TP_TIMELINE_LANES);
    size_t streams = 0;
    for (size_t i = 0; i < t.n; i++)
        streams += t.lanes[i].aggregated ? t.lanes[i].aggregated : 1;
    assert_int_equal(streams, n);
    assert_true(t.lanes[t.n - 1].overflow);
}

static void test_segments_grouped_and_x_range(void **state)
{
    (void)state;
    lane(7, 0, 1, -1, 5000);
    lane(7, 0, 0, -1, 1000); /* the same id in another segment is another stream */
    assert_int_equal(tp_timeline_layout(&t), 0);
    assert_int_equal(t.lanes[0].segment, 0);
    assert_int_equal(t.lanes[1].segment, 1);
    assert_true(tp_timeline_x(&t, t.t_min) == TP_TIMELINE_LABEL);
    assert_true(tp_timeline_x(&t, t.t_max) == TP_TIMELINE_WIDTH - 10);
    assert_true(tp_timeline_x(&t, -5) == TP_TIMELINE_LABEL);
    assert_true(tp_timeline_x(&t, INT64_MAX) == TP_TIMELINE_WIDTH - 10);
}

static void test_strings_escaped(void **state)
{
    (void)state;
    tp_tl_lane *l = lane(1, 0, 0, -1, 10);
    l->origin = "<script>";
    snprintf(l->end, sizeof l->end, "\"><b>");
    tp_timeline_add_mark(l, TP_TL_DATA, 10, 20, "/d/<img src=x>\"'&", 0);
    tp_timeline_add_mark(l, TP_TL_END, 20, 20, NULL, 0);
    assert_int_equal(tp_timeline_layout(&t), 0);
    char *s = svg();
    assert_null(strstr(s, "<script"));
    assert_null(strstr(s, "<img"));
    assert_null(strstr(s, "<b>"));
    assert_non_null(strstr(s, "/d/&lt;img src=x&gt;&quot;&#39;&amp;"));
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_process_tree_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_forged_parent_cycle_still_drawn, setup, teardown),
        cmocka_unit_test_setup_teardown(test_marks_bounded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_one_big_group_aggregated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_groups_bounded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_segments_grouped_and_x_range, setup, teardown),
        cmocka_unit_test_setup_teardown(test_strings_escaped, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
