/* test_progress.c: the progress line (cli/progress.c) and the reports it
 * listens to (core/progress.c): nothing is drawn before a second of work, then
 * at most one line per 100 ms; the line says phase, done/total, rate and time
 * left and never outgrows the terminal; clearing erases exactly what was
 * drawn; a pipe or a silenced command (--json, --quiet) never gets a line. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli/progress.h"
#include "core/progress.h"

static uint64_t fake_ns;
static uint64_t fake_clock(void) { return fake_ns; }

/* Everything written to the read end of a non-blocking pipe so far. */
static size_t drain(int fd, char *buf, size_t cap)
{
    size_t n = 0;
    ssize_t r;
    while (n + 1 < cap && (r = read(fd, buf + n, cap - 1 - n)) > 0)
        n += (size_t)r;
    buf[n] = '\0';
    return n;
}

static void test_format_items_rate_and_time_left(void **state)
{
    char s[128];
    /* 500 of 2000 records, 500 in the phase's 1 s: 500/s, 3 s left */
    tp_progress_format(s, sizeof s, "verify", "hashing records", TP_PROGRESS_ITEMS, 500, 2000,
                       1000000000ull, 0);
    assert_string_equal(s, "verify: hashing records 500/2000, 500/s, 0:03 left");
    tp_progress_format(s, sizeof s, "verify", "decoding records", TP_PROGRESS_ITEMS, 1500000,
                       3000000, 1000000000ull, 0); /* a million and more: with a prefix */
    assert_string_equal(s, "verify: decoding records 1.5M/3.0M, 1.5M/s, 0:01 left");
    tp_progress_format(s, sizeof s, "verify", "decoding records", TP_PROGRESS_ITEMS, 202010,
                       1000006, 1000000000ull, 0); /* done read on the total's scale */
    assert_string_equal(s, "verify: decoding records 0.2M/1.0M, 202010/s, 0:03 left");
    tp_progress_format(s, sizeof s, "verify", "regenerating init tensors",
                       TP_PROGRESS_ELEMENTS, 25000000, 100000000, 1000000000ull, 0);
    assert_string_equal(s, "verify: regenerating init tensors 25.0M/100.0M elements, 25.0M/s, "
                           "0:03 left");
    tp_progress_format(s, sizeof s, "recover", "reading", TP_PROGRESS_BYTES, 3u << 20, 0,
                       2000000000ull, 1u << 20);
    assert_string_equal(s, "recover: reading 3.0 MiB, 1.0 MiB/s");
}

static void test_format_without_progress_has_no_rate(void **state)
{
    char s[128];
    tp_progress_format(s, sizeof s, "run", "reading journals", TP_PROGRESS_ITEMS, 0, 7, 0, 0);
    assert_string_equal(s, "run: reading journals 0/7");
    tp_progress_format(s, sizeof s, "run", "reading journals", TP_PROGRESS_ITEMS, 7, 7,
                       1000000000ull, 0);
    assert_string_equal(s, "run: reading journals 7/7, 7/s"); /* nothing left: no time */
}

static void test_format_cut_to_the_width(void **state)
{
    char s[21];
    size_t n = tp_progress_format(s, sizeof s, "verify", "hashing records", TP_PROGRESS_ITEMS,
                                  1, 2, 1, 0);
    assert_int_equal(n, 20);
    assert_int_equal(strlen(s), 20);
    assert_memory_equal(s, "verify: hashing reco", 20);
}

static void test_nothing_before_a_second_then_ten_a_second(void **state)
{
    int p[2];
    char buf[4096];
    assert_int_equal(pipe2(p, O_NONBLOCK), 0);
    tp_progress_line line;
    fake_ns = 5000000000ull;
    tp_progress_line_init(&line, p[1], "verify", 79, fake_clock);
    for (int k = 0; k < 100; k++) { /* 0.99 s of reports, from the start */
        fake_ns = 5000000000ull + (uint64_t)k * 10000000ull;
        tp_progress_line_update(&line, "hashing records", TP_PROGRESS_ITEMS, (uint64_t)k, 1000);
    }
    assert_int_equal(drain(p[0], buf, sizeof buf), 0);
    tp_progress_line_clear(&line); /* nothing shown: nothing to erase */
    assert_int_equal(drain(p[0], buf, sizeof buf), 0);
    fake_ns = 6000000000ull; /* 1 s */
    tp_progress_line_update(&line, "hashing records", TP_PROGRESS_ITEMS, 100, 1000);
    assert_int_not_equal(drain(p[0], buf, sizeof buf), 0);
    assert_string_equal(buf, "\rverify: hashing records 100/1000, 100/s, 0:09 left");
    int lines = 0;
    for (int k = 0; k < 100; k++) { /* one more second, a report every 10 ms */
        fake_ns += 10000000ull;
        tp_progress_line_update(&line, "hashing records", TP_PROGRESS_ITEMS,
                                (uint64_t)(101 + k), 1000);
        if (drain(p[0], buf, sizeof buf))
            lines++;
    }
    assert_int_equal(lines, 10);
    /* a shorter line blanks the rest of the longer one */
    fake_ns += 100000000ull;
    tp_progress_line_update(&line, "writing", TP_PROGRESS_ITEMS, 1, 0);
    drain(p[0], buf, sizeof buf);
    assert_int_equal(strlen(buf), 1 + strlen("verify: hashing records 200/1000, 100/s, 0:08 left"));
    assert_int_equal(strncmp(buf, "\rverify: writing 1", 18), 0);
    assert_int_equal(buf[strlen(buf) - 1], ' ');
    /* clearing: '\r', as many blanks as the line shown, '\r' */
    size_t shown = line.shown;
    tp_progress_line_clear(&line);
    assert_int_equal(drain(p[0], buf, sizeof buf), shown + 2);
    assert_int_equal(buf[0], '\r');
    assert_int_equal(buf[shown + 1], '\r');
    for (size_t k = 1; k <= shown; k++)
        assert_int_equal(buf[k], ' ');
    close(p[0]);
    close(p[1]);
}

static void test_line_never_wider_than_the_terminal(void **state)
{
    int p[2];
    char buf[4096];
    assert_int_equal(pipe2(p, O_NONBLOCK), 0);
    tp_progress_line line;
    fake_ns = 1;
    tp_progress_line_init(&line, p[1], "verify", 30, fake_clock);
    fake_ns += 2000000000ull;
    tp_progress_line_update(&line, "regenerating init tensors", TP_PROGRESS_ELEMENTS, 5, 10);
    assert_int_equal(drain(p[0], buf, sizeof buf), 1 + 30);
    close(p[0]);
    close(p[1]);
}

static void test_silenced_or_not_a_terminal_gets_no_line(void **state)
{
    int p[2];
    assert_int_equal(pipe(p), 0);
    assert_false(tp_progress_wanted(p[1], 0)); /* stderr to a pipe or a file */
    assert_false(tp_progress_wanted(p[1], 1));
    int pty = posix_openpt(O_RDWR | O_NOCTTY);
    if (pty >= 0 && grantpt(pty) == 0 && unlockpt(pty) == 0) {
        int tty = open(ptsname(pty), O_RDWR | O_NOCTTY);
        assert_true(tty >= 0);
        assert_true(tp_progress_wanted(tty, 0));
        assert_false(tp_progress_wanted(tty, 1)); /* --json, --quiet */
        close(tty);
    }
    if (pty >= 0)
        close(pty);
    close(p[0]);
    close(p[1]);
}

static int heard;
static uint64_t heard_done;
static void listener(void *ctx, const char *phase, tp_progress_unit unit, uint64_t done,
                     uint64_t total)
{
    heard += *(int *)ctx;
    heard_done = done;
}

static void test_reports_reach_only_an_installed_listener(void **state)
{
    int one = 1;
    tp_progress_report("x", TP_PROGRESS_ITEMS, 1, 2); /* no listener: nothing */
    tp_progress_listen(listener, &one);
    tp_progress_report("x", TP_PROGRESS_ITEMS, 2, 2);
    assert_int_equal(heard, 1);
    assert_int_equal(heard_done, 2);
    tp_progress_listen(NULL, NULL);
    tp_progress_report("x", TP_PROGRESS_ITEMS, 3, 4);
    assert_int_equal(heard, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_items_rate_and_time_left),
        cmocka_unit_test(test_format_without_progress_has_no_rate),
        cmocka_unit_test(test_format_cut_to_the_width),
        cmocka_unit_test(test_nothing_before_a_second_then_ten_a_second),
        cmocka_unit_test(test_line_never_wider_than_the_terminal),
        cmocka_unit_test(test_silenced_or_not_a_terminal_gets_no_line),
        cmocka_unit_test(test_reports_reach_only_an_installed_listener),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
