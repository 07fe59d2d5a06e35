/* test_inflate.c: the bounded DEFLATE decoder (core/inflate.h) against
 * streams made by Python's zlib (tests/core/inflate_vectors.h): stored,
 * fixed and dynamic Huffman blocks and all three in one stream decode to
 * the text; the output limit stops decoding cleanly (a zip bomb costs no
 * more than the limit, and no byte past it is written); every truncation
 * of a valid stream is an error, never a crash; hand-built malformed
 * streams (block type 3, a stored length that does not match, bad code
 * lengths, an invalid symbol, a distance before the output) are errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/inflate.h"
#include "inflate_vectors.h"

#define CANARY 0xa5

/* The text the vectors compress (make_inflate_vectors.py's text()). */
static void plain_text(uint8_t *buf, size_t n)
{
    char line[64];
    size_t at = 0;
    for (int i = 0; at < n; i++) {
        int l = snprintf(line, sizeof line, "line %d: the quick brown fox\n", i);
        for (int k = 0; k < l && at < n; k++)
            buf[at++] = (uint8_t)line[k];
    }
}

/* Decodes in into a buffer of cap bytes followed by canaries, checks that
 * no canary was touched; the status. */
static tp_inflate_status run(const uint8_t *in, size_t in_len, uint8_t *out, size_t cap,
                             size_t *out_len)
{
    size_t used = 0;
    memset(out, CANARY, cap + 64);
    tp_inflate_status r = tp_inflate(in, in_len, out, cap, &used, out_len);
    for (size_t i = cap; i < cap + 64; i++)
        assert_int_equal(out[i], CANARY);
    assert_true(*out_len <= cap);
    assert_true(used <= in_len);
    return r;
}

static void check_vector(const uint8_t *in, size_t in_len, size_t n)
{
    uint8_t *want = malloc(n), *out = malloc(n + 64);
    size_t len;
    plain_text(want, n);
    assert_int_equal(run(in, in_len, out, n, &len), TP_INFLATE_DONE);
    assert_int_equal(len, n);
    assert_memory_equal(out, want, n);
    /* the output limit: every smaller one stops there with the right prefix */
    for (size_t cap = 0; cap < n; cap += cap < 300 ? 1 : 997) {
        assert_int_equal(run(in, in_len, out, cap, &len), TP_INFLATE_FULL);
        assert_int_equal(len, cap);
        assert_memory_equal(out, want, cap);
    }
    /* every truncation is an error, and what came out is a prefix */
    for (size_t cut = 0; cut < in_len; cut++) {
        tp_inflate_status r = run(in, cut, out, n, &len);
        assert_int_equal(r, TP_INFLATE_TRUNCATED);
        assert_memory_equal(out, want, len);
    }
    free(want);
    free(out);
}

static void test_stored_block(void **state)
{
    (void)state;
    check_vector(stored_1000, sizeof stored_1000, 1000);
}

static void test_fixed_huffman(void **state)
{
    (void)state;
    check_vector(fixed_2000, sizeof fixed_2000, 2000);
}

static void test_dynamic_huffman(void **state)
{
    (void)state;
    check_vector(dynamic_20000, sizeof dynamic_20000, 20000);
}

static void test_stored_fixed_dynamic_in_one_stream(void **state)
{
    (void)state;
    check_vector(mixed_60000, sizeof mixed_60000, 60000);
}

static void test_bomb_costs_only_the_limit(void **state)
{
    (void)state;
    enum { CAP = 65536 };
    static uint8_t out[CAP + 64];
    size_t len;
    assert_int_equal(run(zeros_1mib, sizeof zeros_1mib, out, CAP, &len), TP_INFLATE_FULL);
    assert_int_equal(len, CAP);
    for (size_t i = 0; i < CAP; i++)
        assert_int_equal(out[i], 0);
}

/* A bit writer for hand-built streams: fields LSB first, Huffman codes MSB first. */
typedef struct {
    uint8_t b[64];
    size_t bits;
} bitw;

static void put(bitw *w, unsigned v, unsigned n)
{
    for (unsigned i = 0; i < n; i++, w->bits++)
        if (v >> i & 1)
            w->b[w->bits / 8] |= (uint8_t)(1u << (w->bits % 8));
}

static void put_code(bitw *w, unsigned code, unsigned n)
{
    for (unsigned i = n; i-- > 0;)
        put(w, code >> i & 1, 1);
}

static tp_inflate_status decode_bits(const bitw *w)
{
    static uint8_t out[1024 + 64];
    size_t len;
    return run(w->b, (w->bits + 7) / 8 + 4, out, 1024, &len); /* + 4: not a truncation */
}

static void test_malformed_streams_are_errors(void **state)
{
    (void)state;
    bitw w;
    /* block type 3 */
    memset(&w, 0, sizeof w);
    put(&w, 1, 1);
    put(&w, 3, 2);
    assert_int_equal(decode_bits(&w), TP_INFLATE_BAD_BLOCK);
    /* a stored block whose length's complement is wrong */
    static const uint8_t bad_stored[] = {0x01, 0x05, 0x00, 0x00, 0x00, 'a', 'b', 'c', 'd', 'e'};
    uint8_t out[64 + 64];
    size_t len;
    assert_int_equal(run(bad_stored, sizeof bad_stored, out, 64, &len), TP_INFLATE_BAD_STORED);
    /* fixed code: a match first (length 3 = symbol 257 = 0000001, distance 1 = 00000):
     * nothing to copy from */
    memset(&w, 0, sizeof w);
    put(&w, 1, 1);
    put(&w, 1, 2);
    put_code(&w, 1, 7);
    put_code(&w, 0, 5);
    assert_int_equal(decode_bits(&w), TP_INFLATE_BAD_DISTANCE);
    /* fixed code: literal 'a' (0x30 + 0x61 on 8 bits), then a match at distance 2 */
    memset(&w, 0, sizeof w);
    put(&w, 1, 1);
    put(&w, 1, 2);
    put_code(&w, 0x30 + 'a', 8);
    put_code(&w, 1, 7);
    put_code(&w, 1, 5);
    assert_int_equal(decode_bits(&w), TP_INFLATE_BAD_DISTANCE);
    /* fixed code: literal/length symbol 286 (11000110) is not valid */
    memset(&w, 0, sizeof w);
    put(&w, 1, 1);
    put(&w, 1, 2);
    put_code(&w, 0xc6, 8);
    assert_int_equal(decode_bits(&w), TP_INFLATE_BAD_SYMBOL);
    /* fixed code: literal, then a match with distance symbol 30 (11110) */
    memset(&w, 0, sizeof w);
    put(&w, 1, 1);
    put(&w, 1, 2);
    put_code(&w, 0x30 + 'a', 8);
    put_code(&w, 1, 7);
    put_code(&w, 30, 5);
    assert_int_equal(decode_bits(&w), TP_INFLATE_BAD_SYMBOL);

    /* dynamic: 257 literal/length and 1 distance codes, all 19 code-length
     * codes of length 1: over-subscribed */
    memset(&w, 0, sizeof w);
    put(&w, 1, 1);
    put(&w, 2, 2);
    put(&w, 0, 5);
    put(&w, 0, 5);
    put(&w, 15, 4);
    for (int i = 0; i < 19; i++)
        put(&w, 1, 3);
    assert_int_equal(decode_bits(&w), TP_INFLATE_BAD_CODES);
    /* one code-length code of length 1: incomplete */
    memset(&w, 0, sizeof w);
    put(&w, 1, 1);
    put(&w, 2, 2);
    put(&w, 0, 10);
    put(&w, 0, 4); /* 4 code-length codes: symbols 16, 17, 18, 0 */
    put(&w, 0, 3);
    put(&w, 0, 3);
    put(&w, 0, 3);
    put(&w, 1, 3);
    assert_int_equal(decode_bits(&w), TP_INFLATE_BAD_CODES);
    /* code-length codes 16 and 0 (one bit each: 0 is "0", 16 is "1"); a
     * repeat (16) first: nothing to repeat */
    memset(&w, 0, sizeof w);
    put(&w, 1, 1);
    put(&w, 2, 2);
    put(&w, 0, 10);
    put(&w, 0, 4);
    put(&w, 1, 3); /* 16 */
    put(&w, 0, 3); /* 17 */
    put(&w, 0, 3); /* 18 */
    put(&w, 1, 3); /* 0 */
    put_code(&w, 1, 1);
    put(&w, 0, 2);
    assert_int_equal(decode_bits(&w), TP_INFLATE_BAD_CODES);
    /* code-length codes 18 and 0: every length zero, so no end-of-block code */
    memset(&w, 0, sizeof w);
    put(&w, 1, 1);
    put(&w, 2, 2);
    put(&w, 0, 10);
    put(&w, 0, 4);
    put(&w, 0, 3); /* 16 */
    put(&w, 0, 3); /* 17 */
    put(&w, 1, 3); /* 18: code "1" */
    put(&w, 1, 3); /* 0: code "0" */
    put_code(&w, 1, 1);
    put(&w, 127, 7); /* 138 zeros */
    put_code(&w, 1, 1);
    put(&w, 109, 7); /* 120 zeros: 258 lengths */
    assert_int_equal(decode_bits(&w), TP_INFLATE_BAD_CODES);
    /* a repeat past the number of lengths */
    memset(&w, 0, sizeof w);
    put(&w, 1, 1);
    put(&w, 2, 2);
    put(&w, 0, 10);
    put(&w, 0, 4);
    put(&w, 0, 3);
    put(&w, 0, 3);
    put(&w, 1, 3);
    put(&w, 1, 3);
    for (int i = 0; i < 3; i++) {
        put_code(&w, 1, 1);
        put(&w, 127, 7); /* 3 x 138 > 258 */
    }
    assert_int_equal(decode_bits(&w), TP_INFLATE_BAD_CODES);
}

/* Random bytes, and valid streams with bytes flipped: an error or a
 * success, always within the buffers (the canaries), never a crash. */
static void test_garbage_never_escapes_the_buffers(void **state)
{
    (void)state;
    static uint8_t in[sizeof dynamic_20000], out[4096 + 64];
    uint32_t x = 2463534242u;
    size_t len;
    for (int round = 0; round < 3000; round++) {
        memcpy(in, dynamic_20000, sizeof in);
        for (int k = 0; k < 1 + round % 8; k++) {
            x ^= x << 13, x ^= x >> 17, x ^= x << 5;
            in[(x % 64 + (round % 2 ? 0 : x)) % sizeof in] ^= (uint8_t)(1u << (x >> 29));
        }
        if (round % 3 == 0)
            for (size_t i = 0; i < 256; i++) {
                x ^= x << 13, x ^= x >> 17, x ^= x << 5;
                in[i] = (uint8_t)x;
            }
        run(in, sizeof in, out, 4096, &len);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stored_block),
        cmocka_unit_test(test_fixed_huffman),
        cmocka_unit_test(test_dynamic_huffman),
        cmocka_unit_test(test_stored_fixed_dynamic_in_one_stream),
        cmocka_unit_test(test_bomb_costs_only_the_limit),
        cmocka_unit_test(test_malformed_streams_are_errors),
        cmocka_unit_test(test_garbage_never_escapes_the_buffers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
