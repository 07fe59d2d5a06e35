/* test_safetensors.c: the verifier's safetensors reader accepts a valid file
 * (tensor table, per-tensor SHA-256) and refuses, with a reason, every header
 * whose lengths or offsets do not fit: short files, out-of-bounds header
 * lengths, offsets outside the data, sizes that do not match the shape,
 * overlapping tensors, unknown dtypes, duplicate names, NUL bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "verify/safetensors.h"

static char path[] = "/tmp/tp-test-st-XXXXXX";

/* Writes u64le(hlen) ‖ header ‖ data; hlen_override replaces the length. */
static void write_file(const char *header, const void *data, size_t dlen, uint64_t hlen_override)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    uint64_t h = hlen_override ? hlen_override : strlen(header);
    uint8_t le[8];
    for (int k = 0; k < 8; k++)
        le[k] = (uint8_t)(h >> (8 * k));
    fwrite(le, 1, 8, f);
    fwrite(header, 1, strlen(header), f);
    if (dlen)
        fwrite(data, 1, dlen, f);
    fclose(f);
}

static int opens(void)
{
    tp_safetensors st;
    char err[256];
    int rc = tp_safetensors_open(path, &st, err, sizeof err);
    if (rc == 0)
        tp_safetensors_close(&st);
    return rc;
}

static void test_valid(void **state)
{
    float data[6] = {1, 2, 3, 4, 5, 6};
    write_file("{\"__metadata__\":{\"format\":\"pt\"},\"b\":{\"dtype\":\"F32\",\"shape\":[2],"
               "\"data_offsets\":[16,24]},\"a\":{\"dtype\":\"F32\",\"shape\":[2,2],"
               "\"data_offsets\":[0,16]}}  ",
               data, sizeof data, 0);
    tp_safetensors st;
    char err[256];
    assert_int_equal(tp_safetensors_open(path, &st, err, sizeof err), 0);
    assert_int_equal(st.n, 2);
    const tp_st_tensor *a = tp_safetensors_find(&st, "a"), *b = tp_safetensors_find(&st, "b");
    assert_non_null(a);
    assert_non_null(b);
    assert_null(tp_safetensors_find(&st, "c"));
    assert_int_equal(a->ndim, 2);
    assert_string_equal(b->dtype, "F32");
    uint8_t got[32], want[32];
    unsigned len;
    assert_int_equal(tp_safetensors_sha256(&st, b, got), 0);
    EVP_Digest(data + 4, 8, want, &len, EVP_sha256(), NULL);
    assert_memory_equal(got, want, 32);
    tp_safetensors_close(&st);
}

static void test_refusals(void **state)
{
    uint8_t data[16] = {0};
    static const char *const bad[] = {
        "[1,2]",                                                                   /* not object */
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,32]}}",       /* past data */
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}",        /* size */
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}",        /* begin > end */
        "{\"a\":{\"dtype\":\"Q4\",\"shape\":[2],\"data_offsets\":[0,8]}}",         /* dtype */
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}",       /* shape */
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
        "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}",         /* overlap */
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[2]}}",                                /* offsets */
        "{\"a\":{\"dtype\":\"U8\",\"shape\":[4294967296,4294967296,4294967296],"
        "\"data_offsets\":[0,0]}}",                                                 /* overflow */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        write_file(bad[i], data, sizeof data, 0);
        if (opens() == 0)
            fail_msg("header %zu was accepted: %s", i, bad[i]);
    }
    /* header lengths: beyond the file, beyond the 100 MB limit, too small */
    write_file("{}", data, sizeof data, 1000);
    assert_int_equal(opens(), -1);
    write_file("{}", data, sizeof data, (uint64_t)TP_ST_HEADER_MAX + 1);
    assert_int_equal(opens(), -1);
    write_file("{", NULL, 0, 1);
    assert_int_equal(opens(), -1);
    /* shorter than the length prefix */
    FILE *f = fopen(path, "wb");
    fwrite("abc", 1, 3, f);
    fclose(f);
    assert_int_equal(opens(), -1);
    /* an empty table is a valid file */
    write_file("{}", NULL, 0, 0);
    assert_int_equal(opens(), 0);
}

static int setup(void **state)
{
    int fd = mkstemp(path);
    if (fd < 0)
        return -1;
    close(fd);
    return 0;
}

static int teardown(void **state)
{
    unlink(path);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_valid),
                                       cmocka_unit_test(test_refusals)};
    return cmocka_run_group_tests(tests, setup, teardown);
}
