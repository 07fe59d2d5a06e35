/* test_merkle.c: the incremental RFC 9162 Merkle tree (core/merkle.c)
 * against a straightforward recursive MTH written here from the RFC text,
 * for every tree size from 0 to 300, and against fixed roots computed
 * independently with Python's hashlib (including the RFC 6962 / Trillian
 * reference leaves, whose roots are published test data). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/sha.h>

#include "core/merkle.h"

/* ---- independent reference: RFC 9162 section 2.1.1, recursive ---- */

struct leaf {
    const uint8_t *data;
    size_t len;
};

static void ref_mth(const struct leaf *d, size_t n, uint8_t out[32])
{
    if (n == 0) {
        SHA256((const uint8_t *)"", 0, out);
        return;
    }
    if (n == 1) {
        uint8_t *buf = malloc(d[0].len + 1);
        assert_non_null(buf);
        buf[0] = 0x00;
        if (d[0].len)
            memcpy(buf + 1, d[0].data, d[0].len);
        SHA256(buf, d[0].len + 1, out);
        free(buf);
        return;
    }
    size_t k = 1; /* largest power of two smaller than n */
    while (k * 2 < n)
        k *= 2;
    uint8_t node[65];
    node[0] = 0x01;
    ref_mth(d, k, node + 1);
    ref_mth(d + k, n - k, node + 33);
    SHA256(node, sizeof node, out);
}

static void unhex(const char *hex, uint8_t *out, size_t n)
{
    assert_int_equal(strlen(hex), 2 * n);
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
        out[i] = (uint8_t)v;
    }
}

static void assert_hash_equal(const uint8_t a[32], const uint8_t b[32], const char *what)
{
    if (memcmp(a, b, 32) != 0) {
        char ha[65], hb[65];
        for (int i = 0; i < 32; i++) {
            sprintf(ha + 2 * i, "%02x", a[i]);
            sprintf(hb + 2 * i, "%02x", b[i]);
        }
        fail_msg("%s: got %s, expected %s", what, ha, hb);
    }
}

/* ---- tests ---- */

static void test_empty_root(void **state)
{
    (void)state;
    tp_merkle m;
    uint8_t root[32], expect[32];
    tp_merkle_init(&m);
    tp_merkle_root(&m, root);
    unhex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", expect, 32);
    assert_hash_equal(root, expect, "empty tree");
    assert_int_equal(m.size, 0);
}

static void test_leaf_and_node_hash(void **state)
{
    (void)state;
    uint8_t got[32], expect[32];
    /* SHA-256(0x00) */
    tp_merkle_leaf_hash((const uint8_t *)"", 0, got);
    unhex("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d", expect, 32);
    assert_hash_equal(got, expect, "leaf hash of empty record");

    uint8_t l[32], r[32], node[65];
    tp_merkle_leaf_hash((const uint8_t *)"a", 1, l);
    tp_merkle_leaf_hash((const uint8_t *)"b", 1, r);
    tp_merkle_node_hash(l, r, got);
    node[0] = 0x01;
    memcpy(node + 1, l, 32);
    memcpy(node + 33, r, 32);
    SHA256(node, sizeof node, expect);
    assert_hash_equal(got, expect, "node hash");
}

/* Every size 0..300 with records of varying length (including empty ones),
 * compared with the recursive MTH; also every prefix root while appending. */
static void test_against_recursive_mth(void **state)
{
    (void)state;
    enum { N = 300 };
    static uint8_t storage[N][40];
    struct leaf leaves[N];
    for (size_t i = 0; i < N; i++) {
        size_t len = (i * 7) % 41; /* 0..40 bytes */
        if (len > sizeof storage[i])
            len = sizeof storage[i];
        for (size_t j = 0; j < len; j++)
            storage[i][j] = (uint8_t)(i * 31 + j * 17 + 5);
        leaves[i].data = storage[i];
        leaves[i].len = len;
    }
    tp_merkle m;
    tp_merkle_init(&m);
    for (size_t n = 0; n <= N; n++) {
        uint8_t got[32], expect[32];
        char what[64];
        tp_merkle_root(&m, got);
        ref_mth(leaves, n, expect);
        snprintf(what, sizeof what, "root over %zu leaves", n);
        assert_hash_equal(got, expect, what);
        assert_int_equal(m.size, n);
        if (n < N)
            tp_merkle_append(&m, leaves[n].data, leaves[n].len);
    }
}

/* tp_merkle_append_leaf with precomputed leaf hashes gives the same roots. */
static void test_append_leaf_equivalent(void **state)
{
    (void)state;
    tp_merkle a, b;
    tp_merkle_init(&a);
    tp_merkle_init(&b);
    for (unsigned i = 0; i < 77; i++) {
        char rec[32];
        int len = snprintf(rec, sizeof rec, "rec-%u", i);
        uint8_t leaf[32], ra[32], rb[32];
        tp_merkle_append(&a, (const uint8_t *)rec, (size_t)len);
        tp_merkle_leaf_hash((const uint8_t *)rec, (size_t)len, leaf);
        tp_merkle_append_leaf(&b, leaf);
        tp_merkle_root(&a, ra);
        tp_merkle_root(&b, rb);
        assert_hash_equal(ra, rb, "append vs append_leaf");
    }
}

/* Roots computed with Python hashlib (independent of this file's C code). */
static void test_fixed_vectors(void **state)
{
    (void)state;
    /* RFC 6962 / Trillian reference leaves; roots for prefixes 1..8. */
    static const char *leaf_hex[8] = {"",         "00",       "10",
                                      "2021",     "3031",     "40414243",
                                      "5051525354555657",
                                      "606162636465666768696a6b6c6d6e6f"};
    static const char *roots[8] = {
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    };
    tp_merkle m;
    tp_merkle_init(&m);
    for (int i = 0; i < 8; i++) {
        uint8_t leaf[16], got[32], expect[32];
        size_t len = strlen(leaf_hex[i]) / 2;
        unhex(leaf_hex[i], leaf, len);
        tp_merkle_append(&m, leaf, len);
        tp_merkle_root(&m, got);
        unhex(roots[i], expect, 32);
        char what[48];
        snprintf(what, sizeof what, "reference root over %d leaves", i + 1);
        assert_hash_equal(got, expect, what);
    }

    /* ["a", "b", "c"] */
    tp_merkle_init(&m);
    tp_merkle_append(&m, (const uint8_t *)"a", 1);
    tp_merkle_append(&m, (const uint8_t *)"b", 1);
    tp_merkle_append(&m, (const uint8_t *)"c", 1);
    {
        uint8_t got[32], expect[32];
        tp_merkle_root(&m, got);
        unhex("36642e73c2540ab121e3a6bf9545b0a24982cd830eb13d3cd19de3ce6c021ec1", expect, 32);
        assert_hash_equal(got, expect, "root over a,b,c");
    }

    /* "record 0" .. "record 999" */
    tp_merkle_init(&m);
    for (int i = 0; i < 1000; i++) {
        char rec[32];
        int len = snprintf(rec, sizeof rec, "record %d", i);
        tp_merkle_append(&m, (const uint8_t *)rec, (size_t)len);
        if (i == 6) {
            uint8_t got[32], expect[32];
            tp_merkle_root(&m, got);
            unhex("6650979f6c878aad85f380ec89c9e2a7af10d2a64aa96a8918aa7f507b20f98e", expect,
                  32);
            assert_hash_equal(got, expect, "root over record 0..6");
        }
    }
    {
        uint8_t got[32], expect[32];
        tp_merkle_root(&m, got);
        unhex("997c0067c5ee716990d44a6731a704890ac7957401b97605fdf266b3cab8b4ef", expect, 32);
        assert_hash_equal(got, expect, "root over record 0..999");
    }
}

/* Changing, reordering or dropping one leaf changes the root. */
static void test_sensitivity(void **state)
{
    (void)state;
    const char *recs[5] = {"r0", "r1", "r2", "r3", "r4"};
    const int orders[4][5] = {{0, 1, 2, 3, 4}, {1, 0, 2, 3, 4}, {0, 1, 2, 4, 3}, {0, 1, 2, 3, -1}};
    uint8_t roots[4][32];
    for (int o = 0; o < 4; o++) {
        tp_merkle m;
        tp_merkle_init(&m);
        for (int i = 0; i < 5 && orders[o][i] >= 0; i++)
            tp_merkle_append(&m, (const uint8_t *)recs[orders[o][i]], 2);
        tp_merkle_root(&m, roots[o]);
    }
    for (int a = 0; a < 4; a++)
        for (int b = a + 1; b < 4; b++)
            assert_memory_not_equal(roots[a], roots[b], 32);

    /* A leaf must not be confusable with an interior node (domain separation). */
    uint8_t l0[32], l1[32], node[32], two[32], forged[32];
    tp_merkle m;
    tp_merkle_leaf_hash((const uint8_t *)"x", 1, l0);
    tp_merkle_leaf_hash((const uint8_t *)"y", 1, l1);
    tp_merkle_node_hash(l0, l1, node);
    tp_merkle_init(&m);
    tp_merkle_append(&m, (const uint8_t *)"x", 1);
    tp_merkle_append(&m, (const uint8_t *)"y", 1);
    tp_merkle_root(&m, two);
    assert_memory_equal(two, node, 32);
    uint8_t concat[64];
    memcpy(concat, l0, 32);
    memcpy(concat + 32, l1, 32);
    tp_merkle_init(&m);
    tp_merkle_append(&m, concat, sizeof concat);
    tp_merkle_root(&m, forged);
    assert_memory_not_equal(forged, two, 32);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_root),
        cmocka_unit_test(test_leaf_and_node_hash),
        cmocka_unit_test(test_against_recursive_mth),
        cmocka_unit_test(test_append_leaf_equivalent),
        cmocka_unit_test(test_fixed_vectors),
        cmocka_unit_test(test_sensitivity),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
