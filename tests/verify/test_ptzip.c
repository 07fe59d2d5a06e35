/* test_ptzip.c: the verifier's PyTorch zip checkpoint reader (verify/ptzip.c,
 * verify/ptpickle.c). On real torch.save output (tests/verify/data, made by
 * make_ptzip_fixtures.py with PyTorch 1.13) it finds every tensor by its key
 * path (flat and nested state dicts, a parameter, two keys sharing a
 * storage) and hashes its bytes as the contiguous array PyTorch holds,
 * also for a transposed tensor and a slice at a storage offset. It refuses,
 * with a reason and without crashing: every truncation of a real file,
 * lying lengths in the zip and in the pickle, compressed entries, opcodes
 * torch.save does not write, memo and stack abuse, cycles, nesting deeper
 * than the limit, tensors reaching past their storage, missing or short
 * storage records, memo references naming too many tensors or the same bytes
 * too many times; and the inputs the fuzzer found. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/hex.h"
#include "verify/ptzip.h"

static char path[] = "/tmp/tp-test-ptzip-XXXXXX";

static uint8_t *slurp(const char *name, size_t *len)
{
    char p[1024];
    snprintf(p, sizeof p, "%s/%s", TP_FIXTURES, name);
    FILE *f = fopen(p, "rb");
    assert_non_null(f);
    uint8_t *b = malloc(1 << 20);
    assert_non_null(b);
    *len = fread(b, 1, 1 << 20, f);
    fclose(f);
    return b;
}

static void write_bytes(const uint8_t *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b, 1, n, f), n);
    fclose(f);
}

/* Opens path; on failure err holds the reason. */
static int opens(char *err, size_t errlen)
{
    tp_ptzip z;
    int rc = tp_ptzip_open(path, &z, err, errlen);
    if (rc == 0)
        tp_ptzip_close(&z);
    return rc;
}

static void expect_refused(const char *why)
{
    char err[512] = "";
    assert_int_equal(opens(err, sizeof err), -1);
    if (why && !strstr(err, why))
        fail_msg("expected '%s' in: %s", why, err);
    assert_non_null(strstr(err, path));
}

/* Every tensor of the fixture NAME.pt has the digest NAME.sha256 lists, and
 * the file holds no other tensor. */
static void check_fixture(const char *name, size_t want_n)
{
    char file[64], list[64];
    size_t len;
    snprintf(file, sizeof file, "%s.pt", name);
    snprintf(list, sizeof list, "%s.sha256", name);
    uint8_t *b = slurp(file, &len);
    write_bytes(b, len);
    free(b);
    tp_ptzip z;
    char err[512];
    if (tp_ptzip_open(path, &z, err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_int_equal(z.n, want_n);
    char *sums = (char *)slurp(list, &len);
    sums[len] = '\0';
    size_t lines = 0;
    for (char *line = strtok(sums, "\n"); line; line = strtok(NULL, "\n"), lines++) {
        char *key = strchr(line, ' ');
        assert_non_null(key);
        *key++ = '\0';
        const tp_pt_tensor *t = tp_ptzip_find(&z, key);
        if (!t)
            fail_msg("tensor %s not found", key);
        uint8_t d[32];
        char hex[65];
        const char *why = NULL;
        assert_int_equal(tp_ptzip_sha256(&z, t, d, &why), 0);
        tp_hex_encode(d, 32, hex);
        if (strcmp(hex, line) != 0)
            fail_msg("tensor %s: sha256 %s, torch says %s", key, hex, line);
    }
    assert_int_equal(lines, want_n);
    free(sums);
    tp_ptzip_close(&z);
}

static void test_state_dict(void **state)
{
    (void)state;
    check_fixture("sd", 8);
    size_t len;
    uint8_t *b = slurp("sd.pt", &len);
    write_bytes(b, len);
    free(b);
    tp_ptzip z;
    char err[512];
    assert_int_equal(tp_ptzip_open(path, &z, err, sizeof err), 0);
    const tp_pt_tensor *c = tp_ptzip_find(&z, "c"), *d = tp_ptzip_find(&z, "d"),
                       *bf = tp_ptzip_find(&z, "b"), *s = tp_ptzip_find(&z, "s");
    assert_non_null(c);
    assert_false(tp_ptzip_contiguous(c)); /* the transpose */
    assert_int_equal(c->shape[0], 5);
    assert_int_equal(c->stride[0], 1);
    assert_int_equal(d->storage_offset, 2);
    assert_true(tp_ptzip_contiguous(d));
    assert_string_equal(z.storages[bf->storage].dtype, "BF16");
    assert_int_equal(s->ndim, 0);
    assert_string_equal(z.storages[tp_ptzip_find(&z, "i")->storage].dtype, "I64");
    assert_int_equal(tp_ptzip_find(&z, "a.weight")->storage,
                     tp_ptzip_find(&z, "tied.weight")->storage);
    assert_int_equal(tp_ptzip_find(&z, "a.weight")->key_at, 0);
    assert_null(tp_ptzip_find(&z, "nope"));
    tp_ptzip_close(&z);
}

static void test_nested(void **state)
{
    (void)state;
    check_fixture("nested", 3);
    tp_ptzip z;
    char err[512];
    assert_int_equal(tp_ptzip_open(path, &z, err, sizeof err), 0);
    const tp_pt_tensor *t = tp_ptzip_find(&z, "model.fc.weight");
    assert_non_null(t);
    assert_string_equal(t->name + t->key_at, "fc.weight");
    tp_ptzip_close(&z);
}

static void test_compressed_refused(void **state)
{
    (void)state;
    size_t len;
    uint8_t *b = slurp("compressed.pt", &len);
    write_bytes(b, len);
    free(b);
    expect_refused("compressed (method 8)");
}

/* Every prefix of a real checkpoint is refused, never a crash. */
static void test_truncated(void **state)
{
    (void)state;
    size_t len;
    uint8_t *b = slurp("sd.pt", &len);
    for (size_t n = 0; n < len; n++) {
        write_bytes(b, n);
        char err[512];
        assert_int_equal(opens(err, sizeof err), -1);
    }
    free(b);
}

/* Offset of the end-of-central-directory record and of the first
 * central-directory entry whose name ends with tail. */
static size_t eocd_of(const uint8_t *b, size_t len)
{
    for (size_t p = len - 22;; p--)
        if (!memcmp(b + p, "PK\5\6", 4))
            return p;
}

static uint32_t rd32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }

static void wr32(uint8_t *p, uint32_t v)
{
    for (int k = 0; k < 4; k++)
        p[k] = (uint8_t)(v >> (8 * k));
}

static size_t central_entry(const uint8_t *b, size_t len, const char *tail)
{
    size_t e = eocd_of(b, len), at = rd32(b + e + 16);
    while (at < e) {
        size_t nlen = b[at + 28] | b[at + 29] << 8, xlen = b[at + 30] | b[at + 31] << 8,
               clen = b[at + 32] | b[at + 33] << 8;
        if (nlen >= strlen(tail) && !memcmp(b + at + 46 + nlen - strlen(tail), tail, strlen(tail)))
            return at;
        at += 46 + nlen + xlen + clen;
    }
    fail_msg("no entry %s", tail);
    return 0;
}

static void test_lying_lengths(void **state)
{
    (void)state;
    size_t len;
    uint8_t *orig = slurp("sd.pt", &len), *b = malloc(len);
    size_t e = eocd_of(orig, len), pkl = central_entry(orig, len, "/data.pkl"),
           st = central_entry(orig, len, "/data/0"), z64 = rd32(orig + e - 20 + 8);
    assert_memory_equal(orig + z64, "PK\6\6", 4); /* torch.save writes zip64 end records */
    struct {
        size_t at;
        uint32_t value;
        const char *why;
    } lies[] = {
        {e + 12, 0xfffffff0u, "disagree"},                   /* classic directory size */
        {e + 16, (uint32_t)len, "disagree"},                 /* classic directory offset */
        {e - 20 + 8, 3, "zip64 end record"},                 /* the locator */
        {z64 + 40, 0xfffffff0u, "central directory"},        /* directory size */
        {z64 + 48, (uint32_t)len, "central directory"},      /* directory offset */
        {z64 + 32, 0x7fff, "entry count"},                   /* entry count */
        {pkl + 24, 0x7fffffff, NULL},                        /* data.pkl's size (both fields) */
        {pkl + 42, (uint32_t)len - 10, "outside the file"},  /* data.pkl's local header */
        {st + 24, 4, NULL},                                  /* storage 0 shorter than its elements */
        {st + 42, 3, "local header"},                        /* storage 0's local header */
    };
    for (size_t k = 0; k < sizeof lies / sizeof lies[0]; k++) {
        memcpy(b, orig, len);
        wr32(b + lies[k].at, lies[k].value);
        if (lies[k].at == pkl + 24 || lies[k].at == st + 24)
            wr32(b + lies[k].at - 4, lies[k].value); /* compressed size too */
        if (lies[k].at >= z64 && lies[k].at < z64 + 56)
            memset(b + e + 8, 0xff, 12); /* the classic fields: zip64 markers */
        write_bytes(b, len);
        expect_refused(lies[k].why);
    }
    /* the pickle's first BINUNICODE length made huge */
    memcpy(b, orig, len);
    size_t pdata = rd32(orig + pkl + 42) + 30 + (orig[pkl + 28] | orig[pkl + 29] << 8);
    pdata += orig[rd32(orig + pkl + 42) + 28] | orig[rd32(orig + pkl + 42) + 29] << 8;
    uint8_t *x = memchr(b + pdata, 'X', 64);
    assert_non_null(x);
    wr32(x + 1, 0x7ffffff0u);
    write_bytes(b, len);
    expect_refused("are left");
    free(orig);
    free(b);
}

/* ---- hand-made zips around hand-made pickles ---- */

typedef struct {
    const char *name;
    const void *data;
    size_t len;
} entry;

static void write_zip(const entry *es, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    uint8_t h[46];
    uint32_t offs[16];
    for (size_t k = 0; k < n; k++) {
        offs[k] = (uint32_t)ftell(f);
        memset(h, 0, 30);
        memcpy(h, "PK\3\4", 4);
        wr32(h + 18, (uint32_t)es[k].len);
        wr32(h + 22, (uint32_t)es[k].len);
        h[26] = (uint8_t)strlen(es[k].name);
        fwrite(h, 1, 30, f);
        fwrite(es[k].name, 1, strlen(es[k].name), f);
        fwrite(es[k].data, 1, es[k].len, f);
    }
    uint32_t cd = (uint32_t)ftell(f);
    for (size_t k = 0; k < n; k++) {
        memset(h, 0, 46);
        memcpy(h, "PK\1\2", 4);
        wr32(h + 20, (uint32_t)es[k].len);
        wr32(h + 24, (uint32_t)es[k].len);
        h[28] = (uint8_t)strlen(es[k].name);
        wr32(h + 42, offs[k]);
        fwrite(h, 1, 46, f);
        fwrite(es[k].name, 1, strlen(es[k].name), f);
    }
    uint32_t cdlen = (uint32_t)ftell(f) - cd;
    memset(h, 0, 22);
    memcpy(h, "PK\5\6", 4);
    h[8] = h[10] = (uint8_t)n;
    wr32(h + 12, cdlen);
    wr32(h + 16, cd);
    fwrite(h, 1, 22, f);
    fclose(f);
}

/* A zip with this data.pkl and one storage "0" of 16 float32 bytes. */
static void pickle_zip(const void *pkl, size_t len)
{
    static const float storage[4] = {1, 2, 3, 4};
    entry es[] = {{"archive/data.pkl", pkl, len}, {"archive/data/0", storage, sizeof storage}};
    write_zip(es, 2);
}

#define PICKLE(s) pickle_zip(s, sizeof(s) - 1)

/* {'w': tensor(storage 0 of N float32, offset OFF, shape (S,), stride (1,))} */
#define TENSOR_PKL(N, OFF, S)                                                                      \
    "\x80\x02}q\x00X\x01\x00\x00\x00wctorch._utils\n_rebuild_tensor_v2\n(("                         \
    "X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x01\x00\x00\x00" "0"                           \
    "X\x03\x00\x00\x00" "cpuK" N "tQK" OFF "K" S "\x85K\x01\x85\x89)tRs."

static void test_handmade_tensor(void **state)
{
    (void)state;
    PICKLE(TENSOR_PKL("\x04", "\x01", "\x03"));
    tp_ptzip z;
    char err[512];
    if (tp_ptzip_open(path, &z, err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_int_equal(z.n, 1);
    assert_string_equal(z.tensors[0].name, "w");
    assert_int_equal(z.tensors[0].storage_offset, 1);
    tp_ptzip_close(&z);
    PICKLE(TENSOR_PKL("\x04", "\x02", "\x03")); /* elements 2..4 of 4 */
    expect_refused("reaches past");
    PICKLE(TENSOR_PKL("\x08", "\x00", "\x03")); /* 8 elements in 16 bytes */
    expect_refused("fewer than its 8 elements");
    static const uint8_t one[4] = {0};
    entry es[] = {{"archive/data.pkl", TENSOR_PKL("\x01", "\x00", "\x01"),
                   sizeof TENSOR_PKL("\x01", "\x00", "\x01") - 1},
                  {"archive/data/1", one, sizeof one}};
    write_zip(es, 2);
    expect_refused("has no record archive/data/0");
}

static void test_bad_pickles(void **state)
{
    (void)state;
    struct {
        const char *pkl;
        size_t len;
        const char *why;
    } bad[] = {
#define B(s, why) {s, sizeof(s) - 1, why}
        B("\x80\x02}", "without STOP"),
        B("\x80\x02.", "empty stack"),
        B("\x80\x02}q\x00h\x05.", "never stored"),
        B("\x80\x02}q\x05.", "memoises id 5"),
        B("\x80\x02I42\n.", "opcode 0x49"), /* INT (protocol 0) */
        B("\x80\x02" "cos\nsystem", "not two lines"),
        B("\x80\x02X\xff\xff\xff\x7f", "are left"),
        B("\x80\x02](X\x01\x00\x00\x00kX\x01\x00\x00\x00vu.", "adds items to a non-dict"),
        B("\x80\x02}(X\x01\x00\x00\x00ku.", "odd number"),
        B("\x80\x02]]a.", NULL),                        /* fine: [[]] has no tensor */
        B("\x80\x02}q\x00X\x01\x00\x00\x00kh\x00s.", "deeper than"), /* d['k'] = d */
        B("\x80\x02(X\x07\x00\x00\x00storagecos\nsystem\nX\x01\x00\x00\x00" "0X\x03\x00\x00\x00"
          "cpuK\x04tQ.", "type the verifier does not read"),
        B("\x80\x02(X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x03\x00\x00\x00../"
          "X\x03\x00\x00\x00" "cpuK\x04tQ.", "not a record name"),
        B("\x80\x02X\x01\x00\x00\x00xQ.", "persistent id"),
        B("\x80\x02" "ctorch._utils\n_rebuild_tensor_v2\n)R.", "not (storage"),
        B("\x80\x06.", "protocol 6"),
#undef B
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        pickle_zip(bad[k].pkl, bad[k].len);
        if (bad[k].why)
            expect_refused(bad[k].why);
        else {
            char err[512];
            if (opens(err, sizeof err) != 0)
                fail_msg("pickle %zu: %s", k, err);
        }
    }
    /* a global that is not torch's is never called: an opaque object */
    PICKLE("\x80\x02}X\x01\x00\x00\x00kcos\nsystem\nX\x04\x00\x00\x00trueq\x00\x85Rs.");
    char err[512];
    assert_int_equal(opens(err, sizeof err), 0);
    /* nesting: 40 lists deep */
    char deep[128] = "\x80\x02";
    size_t n = 2;
    for (int k = 0; k < 40; k++)
        deep[n++] = ']';
    for (int k = 0; k < 39; k++)
        deep[n++] = 'a';
    deep[n++] = '.';
    pickle_zip(deep, n);
    expect_refused("deeper than");
}

static void test_not_a_zip(void **state)
{
    (void)state;
    write_bytes((const uint8_t *)"hello, world, this is not a zip file at all", 43);
    expect_refused("not a zip file");
    entry es[] = {{"archive/version", "3\n", 2}};
    write_zip(es, 1);
    expect_refused("no <archive>/data.pkl");
    entry twice[] = {{"a/data.pkl", "\x80\x02N.", 4}, {"b/data.pkl", "\x80\x02N.", 4}};
    write_zip(twice, 2);
    expect_refused("two data.pkl");
    entry big[] = {{"a/data.pkl", "\x80\x02N.", 4}, {"a/byteorder", "big", 3}};
    write_zip(big, 2);
    expect_refused("big-endian");
}

/* Inputs the fuzzer found (fuzz/corpus/fuzz_ptzip/regress-*): a NUL byte in
 * the archive's name; a checkpoint without any tensor. */
static void test_fuzz_regressions(void **state)
{
    (void)state;
    /* write_zip takes C strings: patch the NUL into the name afterwards */
    entry es[] = {{"aXb/data.pkl", "\x80\x02N.", 4}};
    write_zip(es, 1);
    size_t len;
    FILE *r = fopen(path, "rb");
    uint8_t b[256];
    len = fread(b, 1, sizeof b, r);
    fclose(r);
    for (size_t k = 0; k + 3 < len; k++)
        if (!memcmp(b + k, "aXb/", 4))
            b[k + 1] = 0;
    write_bytes(b, len);
    expect_refused("no <archive>/data.pkl");
    PICKLE("\x80\x02}.");
    tp_ptzip z;
    char err[512];
    assert_int_equal(tp_ptzip_open(path, &z, err, sizeof err), 0);
    assert_int_equal(z.n, 0);
    assert_null(tp_ptzip_find(&z, "x"));
    tp_ptzip_close(&z);
}

/* A list holding the same tensor n times (memo references): a pickle a few
 * bytes per reference that names n tensors over one storage of 1 KiB. */
static void many_references(size_t n)
{
    static const char head[] =
        "\x80\x02]ctorch._utils\n_rebuild_tensor_v2\n((X\x07\x00\x00\x00storagectorch\n"
        "FloatStorage\nX\x01\x00\x00\x00" "0X\x03\x00\x00\x00" "cpuM\x00\x01tQK\x00M\x00\x01"
        "\x85K\x01\x85\x89)tRq\x00" "0(";
    size_t len = sizeof head - 1 + 2 * n + 2;
    uint8_t *p = malloc(len), *storage = calloc(1024, 1);
    assert_non_null(p);
    assert_non_null(storage);
    memcpy(p, head, sizeof head - 1);
    for (size_t k = 0; k < n; k++)
        memcpy(p + sizeof head - 1 + 2 * k, "h\x00", 2);
    memcpy(p + len - 2, "e.", 2);
    entry es[] = {{"archive/data.pkl", p, len}, {"archive/data/0", storage, 1024}};
    write_zip(es, 2);
    free(p);
    free(storage);
}

/* Memo references make a small pickle name many tensors, or the same
 * bytes many times over: both are bounded. */
static void test_shared_storage_bounds(void **state)
{
    (void)state;
    many_references(3);
    tp_ptzip z;
    char err[512];
    if (tp_ptzip_open(path, &z, err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_int_equal(z.n, 3); /* "0", "1", "2": three names for one tensor */
    assert_non_null(tp_ptzip_find(&z, "2"));
    tp_ptzip_close(&z);
    many_references(70000); /* 70000 x 1 KiB > 4 x the file + 64 MiB */
    expect_refused("add up to more");
    many_references(TP_PT_TENSORS_MAX + 10);
    expect_refused("more than 262144 tensors");
}

int main(void)
{
    int fd = mkstemp(path);
    if (fd < 0)
        return 1;
    close(fd);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_state_dict),         cmocka_unit_test(test_nested),
        cmocka_unit_test(test_compressed_refused), cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_lying_lengths),      cmocka_unit_test(test_handmade_tensor),
        cmocka_unit_test(test_bad_pickles),        cmocka_unit_test(test_not_a_zip),
        cmocka_unit_test(test_fuzz_regressions),   cmocka_unit_test(test_shared_storage_bounds),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    unlink(path);
    return rc;
}
