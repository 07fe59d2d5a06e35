/* test_html_escape.c: a log string written into the report page stays text:
 * markup characters become character references (no tag, no attribute can
 * be opened or closed), control characters, C1 controls, invalid UTF-8 and
 * bidirectional overrides become visible escapes, valid UTF-8 passes
 * unchanged, and a long string is cut at the bound; evidence JSON (keys and
 * values) goes through the same escaping, and a long table is folded and
 * bounded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "verify/html_escape.h"
#include "verify/html_json.h"

static char *escaped(const char *s, size_t max)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    tp_html_text_max(f, s, max);
    assert_int_equal(fclose(f), 0);
    return buf;
}

static void expect(const char *in, const char *want)
{
    char *got = escaped(in, TP_HTML_TEXT_MAX);
    assert_string_equal(got, want);
    free(got);
}

static void test_markup_is_text(void **state)
{
    (void)state;
    expect("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;");
    expect("a\" onmouseover=\"x", "a&quot; onmouseover=&quot;x");
    expect("it's & <b>", "it&#39;s &amp; &lt;b&gt;");
    expect("&amp;", "&amp;amp;");
}

static void test_controls_and_invalid_utf8_visible(void **state)
{
    (void)state;
    expect("a\nb\tc\x7f", "a\\x0ab\\x09c\\x7f");
    expect("\xc2\x85", "\\xc2\\x85");           /* C1 NEL */
    expect("x\xff\xfe" "y", "x\\xff\\xfey");     /* not UTF-8 */
    expect("\xc0\xbc", "\\xc0\\xbc");           /* overlong '<' */
    expect("\xed\xa0\x80", "\\xed\\xa0\\x80");   /* a surrogate */
    expect("gpt\xe2\x80\xae" "txt.exe", "gpt\\u202etxt.exe");
    expect("\xe2\x81\xa6", "\\u2066");
}

static void test_utf8_passes(void **state)
{
    (void)state;
    expect("donn\xc3\xa9" "es/\xe6\x97\xa5\xe6\x9c\xac.bin \xf0\x9f\x98\x80",
           "donn\xc3\xa9" "es/\xe6\x97\xa5\xe6\x9c\xac.bin \xf0\x9f\x98\x80");
    expect("", "");
    char *none = escaped(NULL, 10);
    assert_string_equal(none, "");
    free(none);
}

static void test_long_string_cut(void **state)
{
    (void)state;
    char *got = escaped("abcdefgh", 4);
    assert_string_equal(got, "abcd\xe2\x80\xa6");
    free(got);
    got = escaped("\xc3\xa9\xc3\xa9\xc3\xa9", 3); /* cut between characters, never inside */
    assert_string_equal(got, "\xc3\xa9\xc3\xa9\xe2\x80\xa6");
    free(got);
}

static char *json_html(struct json_object *o)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    tp_html_json(f, o);
    assert_int_equal(fclose(f), 0);
    json_object_put(o);
    return buf;
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p++)
        n++;
    return n;
}

static void test_evidence_escaped(void **state)
{
    (void)state;
    struct json_object *o = json_object_new_object(), *a = json_object_new_array();
    json_object_object_add(o, "<k>", json_object_new_string("<img src=x onerror=y>"));
    struct json_object *row = json_object_new_object();
    json_object_object_add(row, "path", json_object_new_string("\"/><script>"));
    json_object_array_add(a, row);
    json_object_object_add(o, "rows", a);
    char *h = json_html(o);
    assert_null(strstr(h, "<img"));
    assert_null(strstr(h, "<script"));
    assert_null(strstr(h, "<k>"));
    assert_non_null(strstr(h, "&lt;img src=x onerror=y&gt;"));
    assert_non_null(strstr(h, "<th>path</th>"));
    free(h);
}

static void test_long_table_folded_and_bounded(void **state)
{
    (void)state;
    struct json_object *a = json_object_new_array();
    for (int i = 0; i < TP_HTML_ROWS_MAX + 5; i++) {
        struct json_object *row = json_object_new_object();
        json_object_object_add(row, "i", json_object_new_int(i));
        json_object_array_add(a, row);
    }
    char *h = json_html(a);
    assert_int_equal(count(h, "<tr><td>"), TP_HTML_ROWS_MAX);
    assert_int_equal(count(h, "<details class=\"more\">"), 1);
    assert_non_null(strstr(h, "5 more rows are not shown"));
    free(h);
    a = json_object_new_array();
    for (int i = 0; i < 3; i++)
        json_object_array_add(a, json_object_new_int(i));
    h = json_html(a);
    assert_string_equal(h, "<span class=\"list\">0, 1, 2</span>");
    free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_markup_is_text),
        cmocka_unit_test(test_controls_and_invalid_utf8_visible),
        cmocka_unit_test(test_utf8_passes),
        cmocka_unit_test(test_long_string_cut),
        cmocka_unit_test(test_evidence_escaped),
        cmocka_unit_test(test_long_table_folded_and_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
