/* test_journal.c: journal frame encoding and bounded decoding
 * (core/journal.c): round trip, torn tails at every cut point, bad kinds,
 * non-zero reserved bytes, oversize lengths, missing magic, empty files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/journal.h"

/* A tiny journal writer for the tests. */
struct buf {
    uint8_t *p;
    size_t len, cap;
};

static void put(struct buf *b, const void *data, size_t n)
{
    if (b->len + n > b->cap) {
        b->cap = (b->len + n) * 2 + 64;
        b->p = realloc(b->p, b->cap);
        assert_non_null(b->p);
    }
    if (n)
        memcpy(b->p + b->len, data, n);
    b->len += n;
}

static void put_frame(struct buf *b, enum tp_frame_kind kind, const void *payload, uint32_t n)
{
    uint8_t h[TP_FRAME_HEADER_LEN];
    tp_journal_frame_header(h, kind, n);
    put(b, h, sizeof h);
    put(b, payload, n);
}

static void test_header_layout(void **state)
{
    (void)state;
    uint8_t h[TP_FRAME_HEADER_LEN];
    memset(h, 0xEE, sizeof h);
    tp_journal_frame_header(h, TP_FRAME_HEAD, 0x01020304u);
    const uint8_t expect[8] = {2, 0, 0, 0, 0x04, 0x03, 0x02, 0x01}; /* kind, 0,0,0, le32 */
    assert_memory_equal(h, expect, 8);
    tp_journal_frame_header(h, TP_FRAME_RECORD, 7);
    const uint8_t expect2[8] = {1, 0, 0, 0, 7, 0, 0, 0};
    assert_memory_equal(h, expect2, 8);
    assert_int_equal(TP_JOURNAL_MAGIC_LEN, 8);
    assert_memory_equal(TP_JOURNAL_MAGIC, "TPJRNL01", 8);
}

/* Builds magic + frames of several sizes and kinds (including an empty
 * payload) and reads them all back exactly. */
static void test_round_trip(void **state)
{
    (void)state;
    struct buf b = {0};
    put(&b, TP_JOURNAL_MAGIC, TP_JOURNAL_MAGIC_LEN);
    const uint32_t sizes[] = {0, 1, 7, 100, 4096, 70000};
    const int nframes = (int)(sizeof sizes / sizeof sizes[0]);
    for (int i = 0; i < nframes; i++) {
        uint8_t *payload = malloc(sizes[i] + 1);
        assert_non_null(payload);
        for (uint32_t j = 0; j < sizes[i]; j++)
            payload[j] = (uint8_t)(i * 41 + j);
        put_frame(&b, i % 3 == 2 ? TP_FRAME_HEAD : TP_FRAME_RECORD, payload, sizes[i]);
        free(payload);
    }

    tp_journal_reader r;
    assert_int_equal(tp_journal_reader_init(&r, b.p, b.len), TP_JOURNAL_FRAME);
    for (int i = 0; i < nframes; i++) {
        enum tp_frame_kind kind = 0;
        const uint8_t *payload = NULL;
        uint32_t len = 0xFFFFFFFFu;
        assert_int_equal(tp_journal_next(&r, &kind, &payload, &len), TP_JOURNAL_FRAME);
        assert_int_equal(kind, i % 3 == 2 ? TP_FRAME_HEAD : TP_FRAME_RECORD);
        assert_int_equal(len, sizes[i]);
        for (uint32_t j = 0; j < len; j++)
            if (payload[j] != (uint8_t)(i * 41 + j))
                fail_msg("frame %d byte %u differs", i, j);
    }
    enum tp_frame_kind kind;
    const uint8_t *payload;
    uint32_t len;
    assert_int_equal(tp_journal_next(&r, &kind, &payload, &len), TP_JOURNAL_END);
    /* END is sticky. */
    assert_int_equal(tp_journal_next(&r, &kind, &payload, &len), TP_JOURNAL_END);
    free(b.p);
}

/* Cutting the journal anywhere inside the last frame leaves every earlier
 * frame readable and reports the tail as torn, never as a frame. */
static void test_torn_tail(void **state)
{
    (void)state;
    struct buf b = {0};
    put(&b, TP_JOURNAL_MAGIC, TP_JOURNAL_MAGIC_LEN);
    put_frame(&b, TP_FRAME_RECORD, "first", 5);
    put_frame(&b, TP_FRAME_HEAD, "second!", 7);
    size_t good = b.len;
    put_frame(&b, TP_FRAME_RECORD, "the third frame", 15);

    for (size_t cut = good + 1; cut < b.len; cut++) {
        tp_journal_reader r;
        enum tp_frame_kind kind;
        const uint8_t *payload;
        uint32_t len;
        assert_int_equal(tp_journal_reader_init(&r, b.p, cut), TP_JOURNAL_FRAME);
        assert_int_equal(tp_journal_next(&r, &kind, &payload, &len), TP_JOURNAL_FRAME);
        assert_int_equal(len, 5);
        assert_memory_equal(payload, "first", 5);
        assert_int_equal(tp_journal_next(&r, &kind, &payload, &len), TP_JOURNAL_FRAME);
        assert_int_equal(kind, TP_FRAME_HEAD);
        assert_int_equal(len, 7);
        int rc = tp_journal_next(&r, &kind, &payload, &len);
        if (rc != TP_JOURNAL_TORN)
            fail_msg("cut at %zu of %zu: expected TORN, got %d", cut, b.len, rc);
    }
    /* Cut exactly at a frame boundary: a clean end. */
    tp_journal_reader r;
    enum tp_frame_kind kind;
    const uint8_t *payload;
    uint32_t len;
    assert_int_equal(tp_journal_reader_init(&r, b.p, good), TP_JOURNAL_FRAME);
    assert_int_equal(tp_journal_next(&r, &kind, &payload, &len), TP_JOURNAL_FRAME);
    assert_int_equal(tp_journal_next(&r, &kind, &payload, &len), TP_JOURNAL_FRAME);
    assert_int_equal(tp_journal_next(&r, &kind, &payload, &len), TP_JOURNAL_END);
    free(b.p);
}

static int read_second(const uint8_t *data, size_t n)
{
    tp_journal_reader r;
    enum tp_frame_kind kind;
    const uint8_t *payload;
    uint32_t len;
    assert_int_equal(tp_journal_reader_init(&r, data, n), TP_JOURNAL_FRAME);
    assert_int_equal(tp_journal_next(&r, &kind, &payload, &len), TP_JOURNAL_FRAME);
    return tp_journal_next(&r, &kind, &payload, &len);
}

static void test_bad_kind_and_reserved(void **state)
{
    (void)state;
    const uint8_t bad_kinds[] = {0, 3, 0x7f, 0xff};
    for (size_t i = 0; i < sizeof bad_kinds; i++) {
        struct buf b = {0};
        put(&b, TP_JOURNAL_MAGIC, TP_JOURNAL_MAGIC_LEN);
        put_frame(&b, TP_FRAME_RECORD, "ok", 2);
        size_t at = b.len;
        put_frame(&b, TP_FRAME_RECORD, "xyz", 3);
        b.p[at] = bad_kinds[i];
        int rc = read_second(b.p, b.len);
        if (rc != TP_JOURNAL_BAD)
            fail_msg("kind %u: expected BAD, got %d", bad_kinds[i], rc);
        free(b.p);
    }
    for (int byte = 1; byte <= 3; byte++) {
        struct buf b = {0};
        put(&b, TP_JOURNAL_MAGIC, TP_JOURNAL_MAGIC_LEN);
        put_frame(&b, TP_FRAME_RECORD, "ok", 2);
        size_t at = b.len;
        put_frame(&b, TP_FRAME_HEAD, "xyz", 3);
        b.p[at + byte] = 1;
        assert_int_equal(read_second(b.p, b.len), TP_JOURNAL_BAD);
        free(b.p);
    }
}

/* A length above 16 MiB is impossible: BAD, not TORN (a reader must not
 * wait for or allocate an absurd frame), even when the bytes are short. */
static void test_oversize_length(void **state)
{
    (void)state;
    const uint32_t lens[] = {TP_FRAME_MAX + 1, 0x7FFFFFFFu, 0xFFFFFFFFu};
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        struct buf b = {0};
        uint8_t h[TP_FRAME_HEADER_LEN];
        put(&b, TP_JOURNAL_MAGIC, TP_JOURNAL_MAGIC_LEN);
        put_frame(&b, TP_FRAME_RECORD, "ok", 2);
        tp_journal_frame_header(h, TP_FRAME_RECORD, lens[i]);
        put(&b, h, sizeof h);
        put(&b, "short", 5);
        int rc = read_second(b.p, b.len);
        if (rc != TP_JOURNAL_BAD)
            fail_msg("length %u: expected BAD, got %d", lens[i], rc);
        free(b.p);
    }
    /* Exactly 16 MiB is allowed: a short buffer with that header is torn. */
    struct buf b = {0};
    uint8_t h[TP_FRAME_HEADER_LEN];
    put(&b, TP_JOURNAL_MAGIC, TP_JOURNAL_MAGIC_LEN);
    put_frame(&b, TP_FRAME_RECORD, "ok", 2);
    tp_journal_frame_header(h, TP_FRAME_RECORD, TP_FRAME_MAX);
    put(&b, h, sizeof h);
    put(&b, "short", 5);
    assert_int_equal(read_second(b.p, b.len), TP_JOURNAL_TORN);
    free(b.p);
}

static void test_magic_and_empty(void **state)
{
    (void)state;
    tp_journal_reader r;
    enum tp_frame_kind kind;
    const uint8_t *payload;
    uint32_t len;

    /* An empty file (a crash right after creating it) holds nothing: not a
     * frame, and not readable as a journal with content. */
    int rc = tp_journal_reader_init(&r, (const uint8_t *)"", 0);
    assert_int_not_equal(rc, TP_JOURNAL_FRAME);
    assert_int_equal(rc, TP_JOURNAL_TORN);

    /* Magic only: a valid journal with no frames. */
    assert_int_equal(tp_journal_reader_init(&r, (const uint8_t *)TP_JOURNAL_MAGIC, 8),
                     TP_JOURNAL_FRAME);
    assert_int_equal(tp_journal_next(&r, &kind, &payload, &len), TP_JOURNAL_END);

    /* Wrong magic. */
    assert_int_equal(tp_journal_reader_init(&r, (const uint8_t *)"TPJRNL02", 8), TP_JOURNAL_BAD);
    assert_int_equal(tp_journal_reader_init(&r, (const uint8_t *)"\x89HDF\r\n\x1a\n", 8),
                     TP_JOURNAL_BAD);
    assert_int_equal(tp_journal_reader_init(&r, (const uint8_t *)"hello world, not a journal", 26),
                     TP_JOURNAL_BAD);
    /* Shorter than the magic and not empty. */
    rc = tp_journal_reader_init(&r, (const uint8_t *)"XY", 2);
    assert_int_not_equal(rc, TP_JOURNAL_FRAME);

    /* A frame header cut short right after the magic is torn. */
    uint8_t tiny[8 + 3];
    memcpy(tiny, TP_JOURNAL_MAGIC, 8);
    tiny[8] = 1;
    tiny[9] = 0;
    tiny[10] = 0;
    assert_int_equal(tp_journal_reader_init(&r, tiny, sizeof tiny), TP_JOURNAL_FRAME);
    assert_int_equal(tp_journal_next(&r, &kind, &payload, &len), TP_JOURNAL_TORN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_layout),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_torn_tail),
        cmocka_unit_test(test_bad_kind_and_reserved),
        cmocka_unit_test(test_oversize_length),
        cmocka_unit_test(test_magic_and_empty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
