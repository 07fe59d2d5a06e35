/* test_bytes.c: core's bounded byte parsing and its error convention: the
 * hex codec round-trips and refuses wrong lengths and non-hex digits; the
 * cursor reads little-endian fields and fails, without moving, rather than
 * read past its buffer; tp_strerror names own codes and -errno alike. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/cursor.h"
#include "core/error.h"
#include "core/hex.h"

static void test_hex_round_trip(void **state)
{
    const uint8_t in[4] = {0x00, 0x7f, 0xab, 0xff};
    char hex[9];
    uint8_t out[4];
    tp_hex_encode(in, sizeof in, hex);
    assert_string_equal(hex, "007fabff");
    assert_int_equal(tp_hex_decode(hex, out, sizeof out), 0);
    assert_memory_equal(in, out, sizeof in);
    assert_int_equal(tp_hex_decode("007FABFF", out, sizeof out), 0);
    assert_memory_equal(in, out, sizeof in);
    char *dup = tp_hex_dup(in, sizeof in);
    assert_non_null(dup);
    assert_string_equal(dup, "007fabff");
    free(dup);
}

static void test_hex_refuses_wrong_length_and_digits(void **state)
{
    uint8_t out[4];
    assert_int_equal(tp_hex_decode("007fab", out, 4), TP_EMALFORMED);
    assert_int_equal(tp_hex_decode("007fabff00", out, 4), TP_EMALFORMED);
    assert_int_equal(tp_hex_decode("007fabfg", out, 4), TP_EMALFORMED);
    assert_int_equal(tp_hex_decode(" 07fabff", out, 4), TP_EMALFORMED);
    assert_int_equal(tp_hex_decode(NULL, out, 4), TP_EMALFORMED);
    assert_int_equal(tp_hex_decode_n("00112233ffff", 8, out, 4), 0);
    assert_true(tp_hex_is_lower("0123456789abcdef", 16));
    assert_false(tp_hex_is_lower("0123456789ABCDEF", 16));
}

static void test_cursor_reads_little_endian(void **state)
{
    const uint8_t b[] = {7, 0x78, 0x56, 0x34, 0x12, 1, 2, 3, 4, 5, 6, 7, 8, 0xaa};
    tp_cursor c = tp_cursor_make(b, sizeof b);
    uint8_t u8;
    uint32_t u32;
    uint64_t u64;
    const uint8_t *rest;
    assert_int_equal(tp_cursor_u8(&c, &u8), 0);
    assert_int_equal(u8, 7);
    assert_int_equal(tp_cursor_u32le(&c, &u32), 0);
    assert_int_equal(u32, 0x12345678);
    assert_int_equal(tp_cursor_u64le(&c, &u64), 0);
    assert_true(u64 == 0x0807060504030201ull);
    assert_int_equal(tp_cursor_bytes(&c, 1, &rest), 0);
    assert_int_equal(rest[0], 0xaa);
    assert_int_equal(tp_cursor_left(&c), 0);
}

static void test_cursor_fails_rather_than_overruns(void **state)
{
    const uint8_t b[3] = {1, 2, 3};
    tp_cursor c = tp_cursor_make(b, sizeof b);
    uint32_t u32 = 99;
    uint64_t u64 = 99;
    const uint8_t *p = NULL;
    assert_int_equal(tp_cursor_u32le(&c, &u32), TP_ETRUNCATED);
    assert_int_equal(u32, 99);
    assert_int_equal(tp_cursor_u64le(&c, &u64), TP_ETRUNCATED);
    assert_int_equal(tp_cursor_bytes(&c, SIZE_MAX, &p), TP_ETRUNCATED);
    assert_null(p);
    assert_int_equal(c.pos, 0); /* nothing consumed by a failed read */
    assert_int_equal(tp_cursor_bytes(&c, 3, &p), 0);
    assert_int_equal(tp_cursor_bytes(&c, 1, &p), TP_ETRUNCATED);
}

static void test_strerror_names_every_code(void **state)
{
    assert_string_equal(tp_strerror(TP_EMALFORMED), "malformed input");
    assert_string_equal(tp_strerror(TP_ETRUNCATED), "input ends early");
    assert_string_equal(tp_strerror(-ENOENT), strerror(ENOENT));
    assert_string_equal(tp_strerror(-(TP_E_BASE + 999)), "unknown error");
    assert_true(TP_EMALFORMED < -TP_E_BASE && TP_EUNSUPPORTED < -TP_E_BASE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hex_round_trip),
        cmocka_unit_test(test_hex_refuses_wrong_length_and_digits),
        cmocka_unit_test(test_cursor_reads_little_endian),
        cmocka_unit_test(test_cursor_fails_rather_than_overruns),
        cmocka_unit_test(test_strerror_names_every_code),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
