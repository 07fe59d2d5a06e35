/* test_content.c: the weights formats recognised from a file's content:
 * magic numbers, NumPy and HDF5 by declared dtype, raw float32 / bfloat16 /
 * float16 arrays; and what is not weights (token ids, text, random bytes). */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "logger/content.h"

#define BODY (TP_CONTENT_WINDOWS * TP_CONTENT_WINDOW)

static uint8_t body[BODY];
static size_t window_len[TP_CONTENT_WINDOWS];

static const char *format_of(const uint8_t *head, size_t head_len, uint64_t size, int with_body)
{
    for (size_t w = 0; w < TP_CONTENT_WINDOWS; w++)
        window_len[w] = TP_CONTENT_WINDOW;
    tp_content c = {.size = size, .head = head, .head_len = head_len,
                    .body = with_body ? body : NULL, .window_len = window_len,
                    .n_windows = with_body ? TP_CONTENT_WINDOWS : 0};
    return tp_content_format(&c);
}

static const char *head_only(const void *head, size_t len)
{
    return format_of(head, len, len, 0);
}

/* A zip in buf: the first member's local header, then a central directory
 * naming names[0..n), then its end record; its length. */
static size_t make_zip(uint8_t *buf, const char *const *names, size_t n)
{
    size_t at = 0, first = strlen(names[0]);
    memset(buf, 0, 4096);
    memcpy(buf, "PK\x03\x04", 4);
    buf[26] = (uint8_t)first;
    memcpy(buf + 30, names[0], first);
    at = 30 + first + 16; /* and some member bytes */
    size_t cd = at;
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(names[i]);
        memcpy(buf + at, "PK\x01\x02", 4);
        buf[at + 28] = (uint8_t)l;
        memcpy(buf + at + 46, names[i], l);
        at += 46 + l;
    }
    memcpy(buf + at, "PK\x05\x06", 4);
    buf[at + 16] = (uint8_t)cd;
    buf[at + 17] = (uint8_t)(cd >> 8);
    return at + 22;
}

static const char *zip_format_of(const uint8_t *buf, size_t len, size_t tail_len)
{
    tp_content c = {.size = len, .head = buf, .head_len = len,
                    .tail = tail_len ? buf + len - tail_len : NULL, .tail_len = tail_len};
    return tp_content_format(&c);
}

/* torch.load and numpy.load find members through the central directory, in
 * any order and deflated: a zip whose first member is innocuous is judged
 * by every name there (a donor re-zipped with a readme first). */
static void test_zip_judged_by_its_central_directory(void **state)
{
    (void)state;
    static uint8_t buf[4096];
    const char *text[] = {"corpus/a.txt", "corpus/b.txt"};
    size_t len = make_zip(buf, text, 2);
    assert_null(zip_format_of(buf, len, len));
    const char *torch_late[] = {"archive/aaa", "archive/data/0", "archive/data.pkl"};
    len = make_zip(buf, torch_late, 3);
    assert_string_equal(zip_format_of(buf, len, len), "pytorch-zip");
    const char *npz_late[] = {"readme.txt", "w.npy"};
    len = make_zip(buf, npz_late, 2);
    assert_string_equal(zip_format_of(buf, len, len), "possible-numpy-npz");
    /* the directory not seen whole: its names may say weights */
    len = make_zip(buf, text, 2);
    assert_string_equal(zip_format_of(buf, len, 0), "possible-pytorch-zip");
    assert_string_equal(zip_format_of(buf, len, 60), "possible-pytorch-zip");
}

static uint64_t rng_state = 88172645463325252ull;
static uint64_t next_u64(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}
static double uniform01(void) { return (double)(next_u64() >> 11) / 9007199254740992.0; }
static double normal(double sd)
{
    double u = uniform01(), v = uniform01();
    return sd * sqrt(-2 * log(u + 1e-300)) * cos(2 * M_PI * v);
}

static uint16_t to_half(float f)
{
    /* round toward zero is enough for a test: normal and subnormal halves */
    uint32_t x;
    memcpy(&x, &f, 4);
    uint32_t sign = x >> 16 & 0x8000;
    int e = (int)(x >> 23 & 0xff) - 127 + 15;
    uint32_t m = x & 0x7fffff;
    if (e <= 0)
        return (uint16_t)(sign | (e < -10 ? 0 : (m | 0x800000) >> (14 - e)));
    if (e >= 31)
        return (uint16_t)(sign | 0x7c00);
    return (uint16_t)(sign | (uint32_t)e << 10 | m >> 13);
}

static void fill_floats(const char *type, double sd)
{
    for (size_t i = 0; i < BODY;) {
        double d = normal(sd);
        float f = (float)d;
        uint32_t x;
        memcpy(&x, &f, 4);
        if (!strcmp(type, "float64")) {
            memcpy(body + i, &d, 8);
            i += 8;
        } else if (!strcmp(type, "float32")) {
            memcpy(body + i, &x, 4);
            i += 4;
        } else {
            uint16_t h = !strcmp(type, "bfloat16") ? (uint16_t)(x >> 16) : to_half(f);
            memcpy(body + i, &h, 2);
            i += 2;
        }
    }
}

static void test_magic_numbers(void **state)
{
    uint8_t st[32] = {0};
    st[0] = 20; /* header length 20, little-endian */
    memcpy(st + 8, "{\"w\":{}}", 8);
    assert_string_equal(head_only(st, sizeof st), "safetensors");

    uint8_t zip[64] = "PK\x03\x04";
    const char *name = "archive/data.pkl";
    zip[26] = (uint8_t)strlen(name);
    memcpy(zip + 30, name, strlen(name));
    assert_string_equal(head_only(zip, sizeof zip), "pytorch-zip");

    const uint8_t legacy[] = {0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46,
                              0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e};
    assert_string_equal(head_only(legacy, sizeof legacy), "pytorch-legacy");
    assert_string_equal(head_only("GGUF\x03\x00\x00\x00", 8), "gguf");

    assert_null(head_only("hello world, a text", 19));
    assert_null(head_only("PK", 2));
    /* an absurd safetensors header length is not safetensors */
    uint8_t huge[16] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, '{', '"'};
    assert_null(head_only(huge, sizeof huge));
}

static size_t npy(uint8_t *out, const char *descr)
{
    char dict[128];
    int n = snprintf(dict, sizeof dict,
                     "{'descr': %s, 'fortran_order': False, 'shape': (1000,), }", descr);
    memcpy(out, "\x93NUMPY\x01\x00", 8);
    out[8] = (uint8_t)n;
    out[9] = 0;
    memcpy(out + 10, dict, (size_t)n);
    return 10 + (size_t)n;
}

static void test_numpy_by_declared_dtype(void **state)
{
    uint8_t h[256];
    assert_string_equal(head_only(h, npy(h, "'<f4'")), "numpy");
    assert_string_equal(head_only(h, npy(h, "'<f2'")), "numpy");
    assert_null(head_only(h, npy(h, "'<u2'")));
    assert_null(head_only(h, npy(h, "'<i8'")));
    assert_null(head_only(h, npy(h, "'|b1'")));
    assert_string_equal(head_only(h, npy(h, "'|O'")), "possible-numpy");
    assert_string_equal(head_only(h, npy(h, "[('a', '<f4')]")), "possible-numpy");
    /* an integer array whose bytes are float weights is still weights */
    size_t n = npy(h, "'<i4'");
    fill_floats("float32", 0.02);
    assert_string_equal(format_of(h, n, 1 << 20, 1), "raw-float32");

    /* .npz: the first member's header, when it is stored */
    uint8_t z[512] = "PK\x03\x04";
    z[26] = 5;
    memcpy(z + 30, "w.npy", 5);
    size_t m = npy(z + 35, "'<f4'");
    assert_string_equal(head_only(z, 35 + m), "numpy-npz");
    npy(z + 35, "'<u2'");
    assert_null(head_only(z, 35 + m));
    z[8] = 8; /* deflated: the dtype cannot be seen */
    assert_string_equal(head_only(z, 35 + m), "possible-numpy-npz");
}

static size_t hdf5_with(uint8_t *h, size_t cap, const uint8_t *dtype, size_t dlen)
{
    memset(h, 0, cap);
    memcpy(h, "\x89HDF\r\n\x1a\n", 8);
    if (dlen) /* NULL with 0 bytes: no datatype message at all */
        memcpy(h + 1000, dtype, dlen);
    return cap;
}

static void test_hdf5_by_datatype(void **state)
{
    /* datatype messages as h5py writes them: version 1, class 1 (float)
     * IEEE little-endian float32; class 0 (fixed point) uint16 */
    static const uint8_t f32[] = {0x11, 0x20, 0x1f, 0x00, 4, 0, 0, 0, 0, 0, 32, 0,
                                  23,   8,    0,    23,   127, 0, 0, 0};
    static const uint8_t u16[] = {0x10, 0x00, 0x00, 0x00, 2, 0, 0, 0, 0, 0, 16, 0};
    static uint8_t h[4096];
    assert_string_equal(head_only(h, hdf5_with(h, sizeof h, f32, sizeof f32)), "hdf5");
    assert_null(head_only(h, hdf5_with(h, sizeof h, u16, sizeof u16)));
    assert_string_equal(head_only(h, hdf5_with(h, sizeof h, NULL, 0)), "possible-hdf5");
}

static void test_raw_floats_like_weights(void **state)
{
    /* float64 too: a donor dumped as doubles (numpy's default float) */
    static const char *const types[] = {"float32", "bfloat16", "float16", "float64"};
    static const double sds[] = {0.02, 0.002, 1.0};
    uint8_t head[1024] = {0}; /* llm.c: an int32 header of 256 ints */
    head[0] = 0x3e;
    for (size_t t = 0; t < 4; t++)
        for (size_t k = 0; k < 3; k++) {
            char want[32];
            snprintf(want, sizeof want, "raw-%s", types[t]);
            fill_floats(types[t], sds[k]);
            const char *got = format_of(head, sizeof head, 1 << 22, 1);
            assert_non_null(got);
            assert_string_equal(got, want);
        }
}

static void test_not_weights(void **state)
{
    uint8_t head[64] = {0};
    /* uint16 token ids, vocabulary 50257 and 512 */
    for (size_t i = 0; i < BODY; i += 2) {
        uint16_t id = (uint16_t)(next_u64() % 50257);
        memcpy(body + i, &id, 2);
    }
    assert_null(format_of(head, sizeof head, 1 << 22, 1));
    for (size_t i = 0; i < BODY; i += 2) {
        uint16_t id = (uint16_t)(next_u64() % 512);
        memcpy(body + i, &id, 2);
    }
    assert_null(format_of(head, sizeof head, 1 << 22, 1));
    /* uint32 ids */
    for (size_t i = 0; i < BODY; i += 4) {
        uint32_t id = (uint32_t)(next_u64() % 128256);
        memcpy(body + i, &id, 4);
    }
    assert_null(format_of(head, sizeof head, 1 << 22, 1));
    /* random bytes (compressed data looks the same) */
    for (size_t i = 0; i < BODY; i += 8) {
        uint64_t r = next_u64();
        memcpy(body + i, &r, 8);
    }
    assert_null(format_of(head, sizeof head, 1 << 22, 1));
    /* text */
    static const char text[] = "It was the best of times, it was the worst of times. ";
    for (size_t i = 0; i < BODY; i++)
        body[i] = (uint8_t)text[i % (sizeof text - 1)];
    assert_null(format_of(head, sizeof head, 1 << 22, 1));
    /* all zeros */
    memset(body, 0, sizeof body);
    assert_null(format_of(head, sizeof head, 1 << 22, 1));
    /* a small file is not tested for raw floats */
    fill_floats("float32", 0.02);
    assert_null(format_of(head, sizeof head, TP_CONTENT_RAW_MIN_SIZE - 1, 1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_magic_numbers),
        cmocka_unit_test(test_zip_judged_by_its_central_directory),
        cmocka_unit_test(test_numpy_by_declared_dtype),
        cmocka_unit_test(test_hdf5_by_datatype),
        cmocka_unit_test(test_raw_floats_like_weights),
        cmocka_unit_test(test_not_weights),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
