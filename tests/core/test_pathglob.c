/* test_pathglob.c: the one glob matcher (core/pathglob.h): without ** it
 * agrees with fnmatch(FNM_PATHNAME | FNM_PERIOD), which the logger used
 * before; ** spans any number of components, none included, hidden ones too;
 * sets, classes and escapes are byte-for-byte; relative patterns never
 * match; and a hostile pattern full of ** stays fast on a deep path. */
#include <fnmatch.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "core/pathglob.h"

static const char *const patterns[] = {
    "/d/a.bin",   "/d/*.bin",     "/d/*",        "/*/a.bin",      "/d/?.bin",     "/d/[ab].bin",
    "/d/[!a].bin", "/d/[^a].bin", "/d/[a-c]*",   "/d/\\*.bin",    "/d/.*",        "/d/*.b[i]n",
    "/d/[]]x",    "/d/[[:digit:]]*", "/d/[[:alpha:]].bin", "/d/*/x",  "/d/a*",        "/d/*a*b*",
    "/d/[",         "/d",          "/",             "/d/",          "/d/s/*.bin",
};
static const char *const paths[] = {
    "/d/a.bin", "/d/b.bin", "/d/c.bin",  "/d/.h.bin", "/d/*.bin", "/d/s/a.bin", "/d/1.bin",
    "/d/]x",    "/d/[a-",   "/d/[",      "/d",        "/",        "/d/ab",      "/d/aXb",
    "/e/a.bin", "/d/s/x",   "/d/s/.x",   "/d/.x",
};

static void test_without_globstar_agrees_with_fnmatch(void **state)
{
    for (size_t i = 0; i < sizeof patterns / sizeof *patterns; i++)
        for (size_t j = 0; j < sizeof paths / sizeof *paths; j++) {
            int want = fnmatch(patterns[i], paths[j], FNM_PATHNAME | FNM_PERIOD) == 0;
            int got = tp_pathglob_match(patterns[i], paths[j]);
            if (want != got)
                fail_msg("pattern %s path %s: fnmatch %d, tp_pathglob_match %d", patterns[i],
                         paths[j], want, got);
        }
}

static void test_globstar_spans_any_number_of_components(void **state)
{
    assert_true(tp_pathglob_match("/d/**", "/d/a.bin"));
    assert_true(tp_pathglob_match("/d/**", "/d/s/t/u/a.bin"));
    assert_true(tp_pathglob_match("/d/**", "/d")); /* none */
    assert_true(tp_pathglob_match("/d/**/a.bin", "/d/a.bin"));
    assert_true(tp_pathglob_match("/d/**/a.bin", "/d/s/t/a.bin"));
    assert_true(tp_pathglob_match("/d/**/*.bin", "/d/s/t/b.bin"));
    assert_true(tp_pathglob_match("/**/s/**/*.bin", "/d/s/t/b.bin"));
    assert_true(tp_pathglob_match("/d/**/**/x", "/d/x"));
    assert_false(tp_pathglob_match("/d/**/a.bin", "/d/s/b.bin"));
    assert_false(tp_pathglob_match("/d/**", "/e/a.bin"));
    assert_false(tp_pathglob_match("/d/**", "/dd/a.bin")); /* whole components */
    assert_false(tp_pathglob_match("/d/**/x", "/d/s/x/y"));
    /* ** takes hidden components; a single * does not */
    assert_true(tp_pathglob_match("/d/**", "/d/.cache/a.bin"));
    assert_false(tp_pathglob_match("/d/*/a.bin", "/d/.cache/a.bin"));
    /* inside a component, ** is just two stars */
    assert_true(tp_pathglob_match("/d/a**", "/d/abc"));
    assert_false(tp_pathglob_match("/d/a**", "/d/a/b"));
}

/* POSIX: a '[' that opens no complete set is a literal (glibc's fnmatch
 * disagrees for an unterminated range, so this is checked on its own) */
static void test_unterminated_set_is_literal(void **state)
{
    assert_true(tp_pathglob_match("/d/[a-", "/d/[a-"));
    assert_false(tp_pathglob_match("/d/[a-", "/d/a"));
}

static void test_relative_never_matches(void **state)
{
    assert_false(tp_pathglob_match("d/*.bin", "/d/a.bin"));
    assert_false(tp_pathglob_match("**", "/d/a.bin"));
    assert_false(tp_pathglob_match("/d/*.bin", "d/a.bin"));
    assert_false(tp_pathglob_match(NULL, "/d/a.bin"));
    assert_false(tp_pathglob_match("", ""));
}

static void test_magic_is_only_glob_syntax(void **state)
{
    assert_true(tp_pathglob_is_magic("a*", 2));
    assert_true(tp_pathglob_is_magic("[a]", 3));
    assert_true(tp_pathglob_is_magic("a\\b", 3));
    assert_true(tp_pathglob_is_magic("a?", 2));
    assert_false(tp_pathglob_is_magic("a*", 1));
    assert_false(tp_pathglob_is_magic("data/../x.bin", 13));
}

static void test_hostile_globstars_stay_fast(void **state)
{
    char path[4096], pattern[4096];
    size_t n = 0;
    while (n + 2 < sizeof path - 8)
        n += (size_t)snprintf(path + n, sizeof path - n, "/a");
    snprintf(path + n, sizeof path - n, "/b");
    n = 0;
    while (n + 3 < sizeof pattern - 8)
        n += (size_t)snprintf(pattern + n, sizeof pattern - n, "/**");
    snprintf(pattern + n, sizeof pattern - n, "/c");
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_false(tp_pathglob_match(pattern, path));
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    if (s > 1.0)
        fail_msg("a pattern of 1000 ** against a 2000-component path took %.2f s", s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_without_globstar_agrees_with_fnmatch),
        cmocka_unit_test(test_globstar_spans_any_number_of_components),
        cmocka_unit_test(test_unterminated_set_is_literal),
        cmocka_unit_test(test_relative_never_matches),
        cmocka_unit_test(test_magic_is_only_glob_syntax),
        cmocka_unit_test(test_hostile_globstars_stay_fast),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
