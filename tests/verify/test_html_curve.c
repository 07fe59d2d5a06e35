/* test_html_curve.c: the training curve from Note records built in memory:
 * a "loss" note is plotted at the last "step" note of its stream (else at
 * its ordinal), values that are not finite numbers are skipped, notes past
 * the signed records do not count, and a long run is thinned to
 * TP_CURVE_POINTS points while its total is kept; no loss notes, no curve. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "verify/html_curve.h"

#define MAX 12000

static Trainprov__V1__Record recs[MAX], *ptrs[MAX];
static Trainprov__V1__Note notes[MAX];
static char values[MAX][24];
static size_t n;
static tp_decoded_stream dec;
static tp_stream_summary summary;
static tp_verdict v;

static int setup(void **state)
{
    (void)state;
    n = 0;
    memset(&v, 0, sizeof v);
    memset(&summary, 0, sizeof summary);
    summary.rank = -1;
    v.decoded = &dec;
    v.streams = &summary;
    v.n_streams = 1;
    return 0;
}

static void add(const char *key, const char *value)
{
    assert_true(n < MAX);
    trainprov__v1__note__init(&notes[n]);
    trainprov__v1__record__init(&recs[n]);
    snprintf(values[n], sizeof values[n], "%s", value);
    notes[n].key = (char *)key;
    notes[n].value = values[n];
    recs[n].body_case = TRAINPROV__V1__RECORD__BODY_NOTE;
    recs[n].note = &notes[n];
    ptrs[n] = &recs[n];
    n++;
    dec.records = ptrs;
    dec.n = n;
    summary.signed_records = n;
}

static void test_loss_at_last_step(void **state)
{
    (void)state;
    add("loss", "3.0");  /* before any step note: at its ordinal, 0 */
    add("step", "10");
    add("loss", "2.5");
    add("loss", "nan");  /* skipped */
    add("loss", "2.x");  /* skipped */
    add("step", "20");
    add("lr", "0.1");
    add("loss", "2.0");
    tp_curve c;
    assert_int_equal(tp_curve_collect(&v, &c), 0);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.series[0].n, 3);
    assert_int_equal(c.series[0].total, 3);
    double want[][2] = {{0, 3.0}, {10, 2.5}, {20, 2.0}};
    for (size_t i = 0; i < 3; i++) {
        assert_true(c.series[0].points[i].step == want[i][0]);
        assert_true(c.series[0].points[i].loss == want[i][1]);
    }
    tp_curve_free(&c);
}

static void test_unsigned_notes_ignored(void **state)
{
    (void)state;
    add("step", "1");
    add("loss", "1.0");
    add("loss", "0.5");
    summary.signed_records = 2;
    tp_curve c;
    assert_int_equal(tp_curve_collect(&v, &c), 0);
    assert_int_equal(c.series[0].n, 1);
    tp_curve_free(&c);
    summary.signed_records = 0;
    assert_int_equal(tp_curve_collect(&v, &c), 0);
    assert_int_equal(c.n, 0);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    tp_curve_svg(f, &c);
    fclose(f);
    assert_non_null(strstr(buf, "no <code>loss</code> notes"));
    assert_null(strstr(buf, "<svg"));
    free(buf);
    tp_curve_free(&c);
}

static void test_long_run_thinned(void **state)
{
    (void)state;
    for (int i = 0; i < 5000; i++) {
        char s[16];
        snprintf(s, sizeof s, "%d", i);
        add("step", s);
        add("loss", "1.5");
    }
    tp_curve c;
    assert_int_equal(tp_curve_collect(&v, &c), 0);
    assert_true(c.series[0].n <= TP_CURVE_POINTS);
    assert_true(c.series[0].n >= TP_CURVE_POINTS / 2);
    assert_int_equal(c.series[0].total, 5000);
    assert_true(c.series[0].points[c.series[0].n - 1].step > 4000);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    tp_curve_svg(f, &c);
    fclose(f);
    assert_non_null(strstr(buf, "5000 loss notes, drawn as"));
    free(buf);
    tp_curve_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_loss_at_last_step, setup),
        cmocka_unit_test_setup(test_unsigned_notes_ignored, setup),
        cmocka_unit_test_setup(test_long_run_thinned, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
