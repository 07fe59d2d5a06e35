/* test_initrng.c: the deterministic initialiser trainprov/init/v1 against the
 * test vectors of docs/INIT.md, and its invariants: the bytes do not depend
 * on the thread count or on how a tensor is split into ranges, the normal
 * quantile is accurate, the format roundings are IEEE round-to-nearest-even,
 * bad parameters are refused. Built twice (test_initrng at the project's
 * optimisation, test_initrng_O0 from the source at -O0), so a compiler
 * optimisation that changed a bit fails one of them. */
#define _GNU_SOURCE /* M_PI */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "core/error.h"
#include "core/initrng.h"

typedef struct {
    const char *nonce_hex, *name, *dist, *dtype;
    uint64_t seed;
    double params[4];
    size_t n_params;
    uint32_t first[4];   /* the first four elements' bits */
    const char *sha256;  /* of the first 1000 elements */
} vector;

/* docs/INIT.md, "Test vectors". */
static const vector vectors[] = {
    {"", "w", "uniform", "float32", 0, {-1.0, 1.0}, 2,
     {0x3f4d5598, 0xbf2068b8, 0x3f6868b6, 0xbe65f710},
     "ceaf187d46516648fc0227da0d80d91606e971fcce2441341e80234d12780a49"},
    {"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
     "layers.0.attn.in_proj_weight", "normal", "float32", 1234, {0.0, 0.02}, 2,
     {0x3b2caba4, 0x3cac9f78, 0xbaf328e7, 0x3c8f32a6},
     "5eebc0faaa2d1de54774066a82fb42884b70c5c66aca5e253d850dbf2f34520b"},
    {"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
     "layers.0.attn.in_proj_weight", "normal", "bfloat16", 1234, {0.0, 0.02}, 2,
     {0x3b2d, 0x3cad, 0xbaf3, 0x3c8f},
     "c71286dc77d43df67ea33d9c47b896342a680cc711cc24817f0a1158fbc7ecf7"},
    {"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", "emb.weight",
     "trunc_normal", "float16", 1234, {0.0, 1.0, -2.0, 2.0}, 4,
     {0xb5c9, 0xbbba, 0xbaea, 0xb29b},
     "9b41bb8d5c22fb6166788a95b5b23097efb42ad2a06ceec8b0b278efb2731ecc"},
    {"ffffffffffffffffffffffffffffffff", "ln.weight", "constant", "bfloat16",
     UINT64_MAX, {1.0}, 1, {0x3f80, 0x3f80, 0x3f80, 0x3f80},
     "fedbacf004a65d691423cb8ad3028d41afb5b94c34e36e5188ebda8208e65519"},
};

#define QUANTILE_SHA256 "0e51b7b02686e6f8ccd411c4ad1cc6c034c07ec129e345834baa7720f227eb0f"

static size_t unhex(const char *s, uint8_t *out)
{
    size_t n = strlen(s) / 2;
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        sscanf(s + 2 * i, "%2x", &v);
        out[i] = (uint8_t)v;
    }
    return n;
}

static void sha256_hex(const void *p, size_t n, char out[65])
{
    uint8_t d[32];
    unsigned len;
    EVP_Digest(p, n, d, &len, EVP_sha256(), NULL);
    for (int i = 0; i < 32; i++)
        sprintf(out + 2 * i, "%02x", d[i]);
}

static void make(const vector *v, tp_init_spec *spec, uint8_t key[TP_INIT_KEY_LEN])
{
    uint8_t nonce[64];
    char err[160];
    size_t nlen = unhex(v->nonce_hex, nonce);
    assert_int_equal(tp_initrng_spec(v->dist, v->params, v->n_params, v->dtype, spec, err,
                                     sizeof err), 0);
    assert_int_equal(tp_initrng_key(nonce, nlen, v->seed, v->name, key), 0);
}

static void test_vectors(void **state)
{
    for (size_t k = 0; k < sizeof vectors / sizeof vectors[0]; k++) {
        const vector *v = &vectors[k];
        tp_init_spec spec;
        uint8_t key[TP_INIT_KEY_LEN], buf[4000];
        char hex[65];
        make(v, &spec, key);
        size_t esz = tp_initrng_elem_size(spec.dtype);
        assert_int_equal(tp_initrng_fill(key, &spec, 0, 1000, buf, 1), 0);
        for (int i = 0; i < 4; i++) {
            uint32_t bits = 0;
            memcpy(&bits, buf + i * esz, esz);
            if (bits != v->first[i])
                fail_msg("vector %zu (%s %s) element %d: 0x%x, expected 0x%x", k, v->dist,
                         v->dtype, i, bits, v->first[i]);
        }
        sha256_hex(buf, 1000 * esz, hex);
        if (strcmp(hex, v->sha256) != 0)
            fail_msg("vector %zu (%s %s): sha256 %s, expected %s", k, v->dist, v->dtype, hex,
                     v->sha256);
    }
}

static void test_key_vector(void **state)
{
    uint8_t nonce[32], key[32];
    char hex[65];
    for (int i = 0; i < 32; i++)
        nonce[i] = (uint8_t)i;
    assert_int_equal(tp_initrng_key(nonce, 32, 1234, "emb.weight", key), 0);
    for (int i = 0; i < 32; i++)
        sprintf(hex + 2 * i, "%02x", key[i]);
    assert_string_equal(hex, "edddf518546c47c7e4f610e323d6612476b65d56fb9f09e3ca9ea1efc26fb81e");
    /* lengths are bounded */
    assert_int_equal(tp_initrng_key(nonce, 65, 1, "x", key), TP_ETOOBIG);
    assert_int_equal(tp_initrng_key(nonce, 0, 1, "", key), TP_ETOOBIG);
}

/* Threads and ranges: one tensor of 2^20 + 37 elements, whole with 1 and 4
 * threads, and in three uneven ranges, give the same bytes. */
static void test_threads_and_ranges(void **state)
{
    static const char *dists[] = {"uniform", "normal", "trunc_normal"};
    static const double params[3][4] = {{-0.5, 0.5}, {0.0, 1.0}, {0.0, 1.0, -1.0, 1.5}};
    static const size_t nparams[3] = {2, 2, 4};
    const uint64_t n = (1u << 20) + 37;
    float *a = malloc(n * 4), *b = malloc(n * 4), *c = malloc(n * 4);
    assert_non_null(a);
    assert_non_null(b);
    assert_non_null(c);
    uint8_t key[32];
    assert_int_equal(tp_initrng_key((const uint8_t *)"nonce", 5, 9, "t", key), 0);
    for (int d = 0; d < 3; d++) {
        tp_init_spec spec;
        char err[160];
        assert_int_equal(tp_initrng_spec(dists[d], params[d], nparams[d], "float32", &spec, err,
                                         sizeof err), 0);
        assert_int_equal(tp_initrng_fill(key, &spec, 0, n, a, 1), 0);
        assert_int_equal(tp_initrng_fill(key, &spec, 0, n, b, 4), 0);
        assert_int_equal(tp_initrng_fill(key, &spec, 0, 1001, c, 1), 0);
        assert_int_equal(tp_initrng_fill(key, &spec, 1001, 300001, c + 1001, 2), 0);
        assert_int_equal(tp_initrng_fill(key, &spec, 301002, n - 301002, c + 301002, 3), 0);
        assert_memory_equal(a, b, n * 4);
        assert_memory_equal(a, c, n * 4);
    }
    free(a);
    free(b);
    free(c);
}

/* The quantile against libm's erfc (allowed here: this is the test): one
 * Newton step gives the true quantile; Acklam's bound is 1.15e-9 relative. */
static void test_ndtri_accuracy(void **state)
{
    double worst = 0;
    for (int i = 1; i < 200000; i++) {
        double u = i / 200000.0;
        double x = tp_initrng_ndtri(u);
        double back = 0.5 * erfc(-x / sqrt(2.0));
        double exact = x - (back - u) / (exp(-0.5 * x * x) / sqrt(2 * M_PI));
        double rel = u == 0.5 ? fabs(x) : fabs(x - exact) / fabs(exact);
        if (rel > worst)
            worst = rel;
    }
    double tiny = tp_initrng_ndtri(0x1p-53);
    assert_true(worst < 1.2e-9);
    assert_true(tiny < -8.2 && tiny > -8.3);
    assert_true(tp_initrng_ndtri(0.5) == 0.0);
}

/* The binary64 quantile itself, before any rounding to an output format
 * masks its last bits: SHA-256 of the little-endian doubles Q(u) for
 * u = (2j + 1) 2^-18, j = 0 .. 2^17 - 1, then u = 2^-k, k = 2 .. 53
 * (docs/INIT.md, "Test vectors"). A fused multiply-add changes it. */
static void test_quantile_vector(void **state)
{
    size_t n = (1u << 17) + 52, k = 0;
    double *q = malloc(n * sizeof *q);
    char hex[65];
    assert_non_null(q);
    for (uint32_t j = 0; j < (1u << 17); j++)
        q[k++] = tp_initrng_ndtri((double)(2 * j + 1) * 0x1p-18);
    for (int e = 2; e <= 53; e++)
        q[k++] = tp_initrng_ndtri(ldexp(1.0, -e));
    sha256_hex(q, n * sizeof *q, hex);
    free(q);
    assert_string_equal(hex, QUANTILE_SHA256);
}

static void test_roundings(void **state)
{
    /* bfloat16: ties to even, overflow, subnormals */
    assert_int_equal(tp_initrng_to_bf16(1.0), 0x3f80);
    assert_int_equal(tp_initrng_to_bf16(1.0 + 0x1p-8), 0x3f80);            /* tie -> even */
    assert_int_equal(tp_initrng_to_bf16(1.0 + 0x1p-8 + 0x1p-30), 0x3f81);  /* above the tie */
    assert_int_equal(tp_initrng_to_bf16(1.0 + 3 * 0x1p-8), 0x3f82);        /* tie -> even */
    assert_int_equal(tp_initrng_to_bf16(-2.0), 0xc000);
    assert_int_equal(tp_initrng_to_bf16(1e39), 0x7f80);
    assert_int_equal(tp_initrng_to_bf16(0x1p-133), 0x0001);                /* min subnormal */
    assert_int_equal(tp_initrng_to_bf16(0x1p-134), 0x0000);                /* half: to even 0 */
    /* float16 */
    assert_int_equal(tp_initrng_to_f16(1.0), 0x3c00);
    assert_int_equal(tp_initrng_to_f16(1.0 + 0x1p-11), 0x3c00);
    assert_int_equal(tp_initrng_to_f16(1.0 + 3 * 0x1p-11), 0x3c02);
    assert_int_equal(tp_initrng_to_f16(65504.0), 0x7bff);
    assert_int_equal(tp_initrng_to_f16(65520.0), 0x7c00);                  /* rounds to inf */
    assert_int_equal(tp_initrng_to_f16(-0x1p-24), 0x8001);
    assert_int_equal(tp_initrng_to_f16(0x1p-25), 0x0000);
    assert_int_equal(tp_initrng_to_f16(0x1.8p-24), 0x0002);               /* 1.5 -> 2 */
    assert_int_equal(tp_initrng_to_f16(0x1p-14), 0x0400);
}

static void test_refusals(void **state)
{
    tp_init_spec s;
    char err[160];
    const double ok[4] = {0, 1, -2, 2}, nan_[2] = {0, NAN}, rev[2] = {1, 0};
    assert_int_equal(tp_initrng_spec("normal", ok, 2, "float64", &s, err, sizeof err), TP_EMALFORMED);
    assert_int_equal(tp_initrng_spec("gamma", ok, 2, "float32", &s, err, sizeof err), TP_EMALFORMED);
    assert_int_equal(tp_initrng_spec("normal", ok, 3, "float32", &s, err, sizeof err), TP_EMALFORMED);
    assert_int_equal(tp_initrng_spec("normal", nan_, 2, "float32", &s, err, sizeof err), TP_EMALFORMED);
    assert_int_equal(tp_initrng_spec("uniform", rev, 2, "float32", &s, err, sizeof err), TP_EMALFORMED);
    assert_int_equal(tp_initrng_spec("trunc_normal", ok, 4, "float16", &s, err, sizeof err), 0);
    uint8_t key[32] = {0};
    float x;
    assert_int_equal(tp_initrng_fill(key, &s, TP_INIT_MAX_ELEMS, 1, &x, 1), TP_ETOOBIG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors),        cmocka_unit_test(test_key_vector),
        cmocka_unit_test(test_threads_and_ranges), cmocka_unit_test(test_ndtri_accuracy),
        cmocka_unit_test(test_roundings),      cmocka_unit_test(test_quantile_vector),      cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
