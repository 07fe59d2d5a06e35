/* test_content.c: the weights formats recognised from a file's content:
 * magic numbers, NumPy and HDF5 by declared dtype, raw float32 / bfloat16 /
 * float16 arrays; and what is not weights (token ids, text, random bytes);
 * compressed streams (zip members of any name, gzip files) judged by their
 * decoded start, and what a hostile trainer would try next. */
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
    buf[at + 12] = (uint8_t)(at - cd); /* the directory's size: it ends at the record */
    buf[at + 13] = (uint8_t)((at - cd) >> 8);
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
    /* the stated offset 8 bytes short of the directory before the end record
     * (where Python finds it): readers disagree, so possible weights */
    buf[len - 22 + 16] -= 8;
    assert_string_equal(zip_format_of(buf, len, len), "possible-pytorch-zip");
    /* zip64: the record right before the locator, which points at it; then a
     * locator pointing elsewhere (a reader following it sees another directory) */
    len = make_zip(buf, text, 2);
    uint8_t end[22];
    memcpy(end, buf + len - 22, 22);
    size_t rec = len - 22, cd = end[16] | (size_t)end[17] << 8, cd_size = rec - cd;
    memset(buf + rec, 0, 76);
    memcpy(buf + rec, "PK\x06\x06", 4);
    buf[rec + 40] = (uint8_t)cd_size;
    buf[rec + 48] = (uint8_t)cd;
    buf[rec + 49] = (uint8_t)(cd >> 8);
    memcpy(buf + rec + 56, "PK\x06\x07", 4);
    buf[rec + 56 + 8] = (uint8_t)rec;
    buf[rec + 56 + 9] = (uint8_t)(rec >> 8);
    memcpy(buf + rec + 76, end, 22);
    len = rec + 76 + 22;
    assert_null(zip_format_of(buf, len, len));
    buf[rec + 56 + 8] ^= 4;
    assert_string_equal(zip_format_of(buf, len, len), "possible-pytorch-zip");
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

/* ---- compressed streams ---------------------------------------------------- */

#define STREAM (4 * TP_CONTENT_STREAM_OUT)
static uint8_t plain[STREAM], packed[2 * STREAM], decoded[TP_CONTENT_STREAM_OUT];

/* plain[0..n) as a raw DEFLATE stream of stored blocks (after pad empty
 * ones) in packed; its length. */
static size_t deflate_stored(size_t n, size_t pad)
{
    size_t at = 0;
    for (size_t i = 0; i < pad; i++) {
        memcpy(packed + at, "\x00\x00\x00\xff\xff", 5);
        at += 5;
    }
    for (size_t done = 0;;) {
        size_t k = n - done > 65535 ? 65535 : n - done;
        packed[at] = done + k == n;
        packed[at + 1] = (uint8_t)k, packed[at + 2] = (uint8_t)(k >> 8);
        packed[at + 3] = (uint8_t)~k, packed[at + 4] = (uint8_t)(~k >> 8);
        memcpy(packed + at + 5, plain + done, k);
        at += 5 + k;
        done += k;
        if (done == n)
            return at;
    }
}

static const char *deflated_format(size_t n, int in_zip)
{
    size_t len = deflate_stored(n, 0);
    return tp_content_stream_format(packed, len, len, 8, 0, n, in_zip, decoded, sizeof decoded);
}

static void fill_plain_floats(size_t from, size_t n)
{
    for (size_t i = from; i + 4 <= n; i += 4) {
        float f = (float)normal(0.02);
        memcpy(plain + i, &f, 4);
    }
}

/* An .npy header declaring descr in plain; its length (64). */
static size_t npy_header(const char *descr)
{
    char dict[64];
    memset(plain, 0, 64);
    memcpy(plain, "\x93NUMPY\x01\x00\x36\x00", 10);
    snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': (9,), }", descr);
    memset(plain + 10, ' ', 54);
    memcpy(plain + 10, dict, strlen(dict));
    plain[63] = '\n';
    return 64;
}

/* np.savez_compressed of a donor under any member name, a gzip'd
 * state_dict's floats: weights once decoded; the .npy dtype inside names
 * it numpy-npz in a zip. */
static void test_decoded_weights_are_weights(void **state)
{
    (void)state;
    size_t n = 200000;
    fill_plain_floats(npy_header("<f4"), n);
    assert_string_equal(deflated_format(n, 1), "numpy-npz");
    assert_string_equal(deflated_format(n, 0), "numpy");
    fill_plain_floats(0, n);
    assert_string_equal(deflated_format(n, 0), "raw-float32");
    /* stored (method 0) members are judged alike */
    assert_string_equal(tp_content_stream_format(plain, TP_CONTENT_STREAM_OUT, n, 0, 0, n, 1,
                                                 decoded, sizeof decoded),
                        "raw-float32");
    /* safetensors, gzip'd */
    memcpy(plain, "\x40\x00\x00\x00\x00\x00\x00\x00{\"w\"", 12);
    assert_string_equal(deflated_format(n, 0), "safetensors");
}

/* What an honest trainer compresses: text (JSONL), uint16 token shards,
 * integer .npz arrays; not weights once decoded either. */
static void test_decoded_data_is_not_weights(void **state)
{
    (void)state;
    size_t n = 200000;
    for (size_t i = 0; i < n; i++)
        plain[i] = (uint8_t)"{\"text\": \"the quick brown fox jumps over\"}\n"[i % 43];
    assert_null(deflated_format(n, 1));
    for (size_t i = 0; i + 2 <= n; i += 2) {
        uint16_t t = (uint16_t)(next_u64() % 50257);
        memcpy(plain + i, &t, 2);
    }
    assert_null(deflated_format(n, 0));
    size_t h = npy_header("<i8");
    for (size_t i = h; i + 8 <= n; i += 8) {
        uint64_t t = next_u64() % 50000;
        memcpy(plain + i, &t, 8);
    }
    assert_null(deflated_format(n, 1));
}

/* A hostile trainer's next moves: the weights pushed past the bytes read
 * by empty blocks, a zip or gzip inside the member, a method or encryption
 * not decoded: possible weights, never a silent pass. A bomb costs no more
 * than the output limit and is judged by it (zeros: nothing). */
static void test_hostile_streams_are_possible_weights(void **state)
{
    (void)state;
    size_t n = 100000;
    fill_plain_floats(0, n);
    size_t len = deflate_stored(n, TP_CONTENT_STREAM_IN / 5);
    assert_string_equal(tp_content_stream_format(packed, TP_CONTENT_STREAM_IN, len, 8, 0, n, 1,
                                                 decoded, sizeof decoded),
                        TP_FORMAT_POSSIBLE_COMPRESSED);
    /* a truncated member that the job cannot decode either: judged by what decodes */
    memset(plain, 'a', n);
    len = deflate_stored(n, 0);
    assert_null(tp_content_stream_format(packed, 1000, 1000, 8, 0, n, 1, decoded,
                                         sizeof decoded));
    /* a gzip inside */
    memcpy(plain, "\x1f\x8b\x08\x00", 4);
    assert_string_equal(deflated_format(n, 1), TP_FORMAT_POSSIBLE_COMPRESSED);
    /* a zip inside whose first member is deflated */
    memset(plain, 0, 64);
    memcpy(plain, "PK\x03\x04\x14\x00\x00\x00\x08\x00", 10);
    assert_string_equal(deflated_format(n, 1), TP_FORMAT_POSSIBLE_COMPRESSED);
    /* bzip2 (12), lzma (14), zstd (93), encrypted: not decoded; small ones are nothing */
    assert_string_equal(tp_content_stream_format(plain, 100, n, 14, 0, n, 1, decoded,
                                                 sizeof decoded),
                        TP_FORMAT_POSSIBLE_COMPRESSED);
    assert_string_equal(tp_content_stream_format(plain, 100, n, 8, 1, n, 1, decoded,
                                                 sizeof decoded),
                        TP_FORMAT_POSSIBLE_COMPRESSED);
    assert_null(tp_content_stream_format(plain, 100, 100, 93, 0, 100, 1, decoded,
                                         sizeof decoded));
    /* a bomb: 1 MiB of zeros (fixed code: literal 0, then matches of 258 at distance 1) */
    static uint8_t bomb[8192];
    memset(bomb, 0, sizeof bomb);
    size_t bits = 0;
#define PUT(v, k)                                                                              \
    for (unsigned i_ = 0; i_ < (k); i_++, bits++)                                            \
        bomb[bits / 8] |= (uint8_t)((((v) >> i_) & 1u) << (bits % 8))
#define PUT_CODE(c, k)                                                                         \
    for (unsigned j_ = (k); j_-- > 0;)                                                         \
        PUT(((c) >> j_) & 1u, 1)
    PUT(1, 1);
    PUT(1, 2);
    PUT_CODE(0x30u, 8); /* literal 0 */
    for (int m = 0; m < 4000; m++) {
        PUT_CODE(0xc5u, 8); /* symbol 285: length 258 */
        PUT_CODE(0u, 5);    /* distance 1 */
    }
    PUT_CODE(0u, 7); /* end of block */
    assert_null(tp_content_stream_format(bomb, (bits + 7) / 8, (bits + 7) / 8, 8, 0, 4000 * 258 + 1,
                                         1, decoded, sizeof decoded));
}

/* A zip's members, the largest first, from its central directory; the
 * names stop saying "possible" once every member's content was decoded. */
static void test_zip_members_and_decoded_verdicts(void **state)
{
    (void)state;
    static uint8_t buf[4096];
    const char *names[] = {"a", "b.npy", "c", "d", "e", "f", "g", "h", "i", "j"};
    size_t len = make_zip(buf, names, 10);
    /* sizes: usize of entry i = i * 1000, method 8 for odd entries */
    size_t at = 30 + 1 + 16;
    for (size_t i = 0; i < 10; i++) {
        uint32_t u = (uint32_t)(i * 1000);
        buf[at + 10] = i % 2 ? 8 : 0;
        memcpy(buf + at + 24, &u, 4);
        at += 46 + strlen(names[i]);
    }
    tp_zip_member m[8]; /* fewer than the 10 listed: the 8 largest */
    assert_int_equal(tp_content_zip_members(buf, len, len, m, 8), 10);
    for (size_t i = 0; i < 8; i++) {
        assert_int_equal(m[i].usize, (9 - i) * 1000);
        assert_int_equal(m[i].method, (9 - i) % 2 ? 8 : 0);
    }
    assert_int_equal(tp_content_zip_members(buf, len, len, m, 3), 10);
    assert_int_equal(m[2].usize, 7000);
    assert_int_equal(tp_content_zip_members(buf, len - 30, len, m, 3), -1);

    const char *npz[] = {"readme.txt", "w.npy"};
    len = make_zip(buf, npz, 2);
    tp_content c = {.size = len, .head = buf, .head_len = len, .tail = buf, .tail_len = len};
    assert_string_equal(tp_content_format(&c), "possible-numpy-npz");
    c.decoded_all = 1; /* every member decoded, none weights */
    assert_null(tp_content_format(&c));
    c.decoded = "numpy-npz";
    assert_string_equal(tp_content_format(&c), "numpy-npz");
    c.decoded = TP_FORMAT_POSSIBLE_COMPRESSED;
    assert_string_equal(tp_content_format(&c), TP_FORMAT_POSSIBLE_COMPRESSED);
    /* a gzip file: its decoded verdict is the file's */
    static const uint8_t gz[] = {0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0, 3, 1, 2};
    tp_content g = {.size = sizeof gz, .head = gz, .head_len = sizeof gz, .decoded = "raw-float32"};
    assert_string_equal(tp_content_format(&g), "raw-float32");
}

static void test_gzip_header_fields(void **state)
{
    (void)state;
    uint8_t h[64];
    memset(h, 0, sizeof h);
    memcpy(h, "\x1f\x8b\x08\x00", 4);
    assert_int_equal(tp_content_gzip_data_offset(h, sizeof h), 10);
    h[3] = 8; /* FNAME */
    memcpy(h + 10, "w.bin", 6);
    assert_int_equal(tp_content_gzip_data_offset(h, sizeof h), 16);
    h[3] = 8 | 16 | 4 | 2; /* FEXTRA FNAME FCOMMENT FHCRC */
    h[10] = 3, h[11] = 0;
    memcpy(h + 15, "w.bin", 6);
    memcpy(h + 21, "hi", 3);
    assert_int_equal(tp_content_gzip_data_offset(h, sizeof h), 26);
    assert_int_equal(tp_content_gzip_data_offset(h, 20), 0); /* fields run past the head */
    h[3] = 0x20; /* reserved */
    assert_int_equal(tp_content_gzip_data_offset(h, sizeof h), 0);
    h[3] = 0;
    h[2] = 9; /* not deflate */
    assert_int_equal(tp_content_gzip_data_offset(h, sizeof h), 0);
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
        cmocka_unit_test(test_decoded_weights_are_weights),
        cmocka_unit_test(test_decoded_data_is_not_weights),
        cmocka_unit_test(test_hostile_streams_are_possible_weights),
        cmocka_unit_test(test_zip_members_and_decoded_verdicts),
        cmocka_unit_test(test_gzip_header_fields),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
