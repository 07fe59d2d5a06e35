/* test_initstat.c: the statistics of init.random strength statistical and
 * of --reference against values known in closed form: the Kolmogorov
 * distribution's quantiles, the normal and uniform CDFs, KS on an exactly
 * uniform grid and on a shifted one, the moments of small arrays, the
 * largest singular value of matrices whose SVD is known, the MP edge, the
 * half and bfloat16 widening of the safetensors reader, Pearson correlation
 * (centred: a common offset does not count). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "verify/initstat.h"
#include "verify/safetensors.h"
#include "verify/similarity.h"

static void test_ks_pvalue(void **state)
{
    /* Q(1.3581) = 0.05, Q(1.6276) = 0.01 (the Kolmogorov distribution), at
     * large n where Stephens' correction vanishes. */
    size_t n = 100000000;
    assert_true(fabs(tp_initstat_ks_pvalue(1.3581 / sqrt((double)n), n) - 0.05) < 1e-3);
    assert_true(fabs(tp_initstat_ks_pvalue(1.6276 / sqrt((double)n), n) - 0.01) < 1e-3);
    assert_true(tp_initstat_ks_pvalue(0, 10) == 1);
    assert_true(tp_initstat_ks_pvalue(0.5, 1000) < 1e-100);
}

static void test_cdf(void **state)
{
    tp_dist n01 = {TP_DIST_NORMAL, 0, 1}, u = {TP_DIST_UNIFORM, -2, 2};
    assert_true(fabs(tp_initstat_cdf(&n01, 0) - 0.5) < 1e-15);
    assert_true(fabs(tp_initstat_cdf(&n01, 1.959963985) - 0.975) < 1e-9);
    assert_true(tp_initstat_cdf(&u, -3) == 0 && tp_initstat_cdf(&u, 3) == 1);
    assert_true(fabs(tp_initstat_cdf(&u, 1) - 0.75) < 1e-15);
}

static void test_ks(void **state)
{
    enum { N = 1000 };
    float x[N];
    double D, p;
    tp_dist u = {TP_DIST_UNIFORM, 0, 1};
    for (int i = 0; i < N; i++) /* midpoints, reversed: D = 1/(2N) exactly */
        x[i] = (float)((N - 1 - i + 0.5) / N);
    tp_initstat_ks(x, N, &u, &D, &p);
    assert_true(fabs(D - 0.5 / N) < 1e-6);
    assert_true(p > 0.99);
    assert_true(x[0] < x[N - 1]); /* sorted */
    for (int i = 0; i < N; i++)   /* squeezed into [0, 0.8]: D = 0.2 */
        x[i] = (float)(0.8 * (i + 0.5) / N);
    tp_initstat_ks(x, N, &u, &D, &p);
    assert_true(fabs(D - 0.2) < 1e-3);
    assert_true(p < 1e-30);
}

static void test_moments(void **state)
{
    const float x[4] = {-1, 1, -1, 1}, y[5] = {0, 0, 0, 0, 10};
    double m, v, k, em, ev, ek;
    tp_initstat_moments(x, 4, &m, &v, &k);
    assert_true(m == 0 && v == 1 && k == -2);
    tp_initstat_moments(y, 5, &m, &v, &k); /* mean 2, var 16, m4 = (4 * 2^4 + 8^4) / 5 */
    assert_true(m == 2 && v == 16);
    assert_true(fabs(k - (4 * 16 + 4096.0) / 5 / 256 + 3) < 1e-12);
    tp_dist u = {TP_DIST_UNIFORM, -3, 3};
    tp_initstat_expected(&u, &em, &ev, &ek);
    assert_true(em == 0 && ev == 3 && ek == -1.2);
}

static void test_sigma_max(void **state)
{
    /* diag(3, -5, 1) padded to 4 x 3: sigma_max 5; a rank-one 3 x 4 outer
     * product u v^T has sigma_max |u| |v|. */
    const float d[12] = {3, 0, 0, 0, -5, 0, 0, 0, 1, 0, 0, 0};
    assert_true(fabs(tp_initstat_sigma_max(d, 4, 3, 200) - 5) < 1e-3);
    float r[12];
    const float u[3] = {1, 2, 2}, v[4] = {1, 1, 1, 1};
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 4; j++)
            r[i * 4 + j] = u[i] * v[j];
    assert_true(fabs(tp_initstat_sigma_max(r, 3, 4, 50) - 6) < 1e-6);
    assert_true(fabs(tp_initstat_mp_edge(0.5, 100, 400) - 15) < 1e-12);
}

static void test_pearson(void **state)
{
    const float a[5] = {1, 2, 3, 4, 5}, b[5] = {101, 102, 103, 104, 105},
                c[5] = {5, 4, 3, 2, 1}, k[5] = {7, 7, 7, 7, 7}, o[5] = {1, -1, 0, -1, 1};
    assert_true(fabs(tp_similarity_pearson(a, b, 5) - 1) < 1e-12);
    assert_true(fabs(tp_similarity_pearson(a, c, 5) + 1) < 1e-12);
    assert_true(tp_similarity_pearson(a, k, 5) == 0);
    assert_true(fabs(tp_similarity_pearson(a, o, 5)) < 1e-12);
}

static void test_read_f32(void **state)
{
    /* F16 1.0, -2.0, 2^-24 (the smallest subnormal), 65504; BF16 1.0, -0.5. */
    char path[] = "/tmp/tp-test-initstat-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *h = "{\"h\":{\"dtype\":\"F16\",\"shape\":[4],\"data_offsets\":[0,8]},"
                    "\"b\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[8,12]},"
                    "\"i\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[12,16]}}";
    const uint8_t data[16] = {0x00, 0x3c, 0x00, 0xc0, 0x01, 0x00, 0xff, 0x7b,
                              0x80, 0x3f, 0x00, 0xbf, 1,    0,    0,    0};
    uint8_t le[8];
    for (int i = 0; i < 8; i++)
        le[i] = (uint8_t)((uint64_t)strlen(h) >> (8 * i));
    assert_true(write(fd, le, 8) == 8 && write(fd, h, strlen(h)) == (ssize_t)strlen(h) &&
                write(fd, data, 16) == 16);
    close(fd);
    tp_safetensors st;
    char err[256];
    float *x;
    uint64_t n;
    const char *why = NULL;
    assert_int_equal(tp_safetensors_open(path, &st, err, sizeof err), 0);
    assert_int_equal(tp_safetensors_read_f32(&st, tp_safetensors_find(&st, "h"), &x, &n, &why), 0);
    assert_true(n == 4 && x[0] == 1 && x[1] == -2 && x[2] == ldexpf(1, -24) && x[3] == 65504);
    free(x);
    assert_int_equal(tp_safetensors_read_f32(&st, tp_safetensors_find(&st, "b"), &x, &n, &why), 0);
    assert_true(n == 2 && x[0] == 1 && x[1] == -0.5f);
    free(x);
    assert_int_equal(tp_safetensors_read_f32(&st, tp_safetensors_find(&st, "i"), &x, &n, &why), 1);
    assert_non_null(why);
    tp_safetensors_close(&st);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ks_pvalue), cmocka_unit_test(test_cdf),
        cmocka_unit_test(test_ks),        cmocka_unit_test(test_moments),
        cmocka_unit_test(test_sigma_max), cmocka_unit_test(test_pearson),
        cmocka_unit_test(test_read_f32)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
