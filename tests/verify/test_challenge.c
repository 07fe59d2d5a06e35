/* test_challenge.c: the evaluator's challenge: a made challenge renders to
 * JSON that parses back to the same fields and verifies with the evaluator's
 * key; another key, an edited nonce, time or validity, extra or missing
 * fields, uppercase hex and trailing garbage are refused; a version 1
 * document (no validity) still parses and verifies, valid 30 days; the id is
 * SHA-256 of the signed body. */
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

#include "verify/challenge.h"
#include "core/hex.h"

static char dir[] = "/tmp/tp-test-ch-XXXXXX";
static tp_key *eval_key, *eval_pub, *other_pub;

static tp_key *load(const char *name, int private)
{
    char priv[256], pub[256], err[256];
    tp_key *k = NULL;
    snprintf(priv, sizeof priv, "%s/%s.pem", dir, name);
    snprintf(pub, sizeof pub, "%s/%s.pub.pem", dir, name);
    if (access(priv, F_OK) != 0)
        assert_int_equal(tp_key_generate(priv, pub, err, sizeof err), 0);
    assert_int_equal(private ? tp_key_load_private(priv, &k, err, sizeof err)
                             : tp_key_load_public(pub, &k, err, sizeof err),
                     0);
    return k;
}

static int parse(const char *doc, tp_challenge *c)
{
    char err[256];
    return tp_challenge_parse((const uint8_t *)doc, strlen(doc), c, err, sizeof err);
}

/* doc with the first occurrence of from replaced by to (a fresh string). */
static char *edit(const char *doc, const char *from, const char *to)
{
    const char *at = strstr(doc, from);
    assert_non_null(at);
    char *out = malloc(strlen(doc) + strlen(to) + 1);
    sprintf(out, "%.*s%s%s", (int)(at - doc), doc, to, at + strlen(from));
    return out;
}

static void test_round_trip(void **state)
{
    tp_challenge c, back;
    char err[256];
    assert_int_equal(tp_challenge_make(eval_key, 30, &c), 0);
    char *doc = tp_challenge_json(&c);
    assert_non_null(doc);
    assert_int_equal(parse(doc, &back), 0);
    assert_memory_equal(&c, &back, sizeof c);
    assert_int_equal(tp_challenge_verify(&back, eval_pub, err, sizeof err), 0);
    assert_int_equal(tp_challenge_verify(&back, other_pub, err, sizeof err), -1);
    tp_challenge again;
    assert_int_equal(tp_challenge_make(eval_key, 30, &again), 0);
    assert_memory_not_equal(c.nonce, again.nonce, sizeof c.nonce);
    free(doc);
}

static void test_edits_refused(void **state)
{
    tp_challenge c, back;
    char err[256], nonce[65], from[80], to[80];
    assert_int_equal(tp_challenge_make(eval_key, 30, &c), 0);
    char *doc = tp_challenge_json(&c);
    tp_hex_encode(c.nonce, sizeof c.nonce, nonce);
    /* an edited nonce parses but no longer verifies */
    snprintf(from, sizeof from, "\"nonce\": \"%c", nonce[0]);
    snprintf(to, sizeof to, "\"nonce\": \"%c", nonce[0] == '0' ? '1' : '0');
    char *e = edit(doc, from, to);
    assert_int_equal(parse(e, &back), 0);
    assert_int_equal(tp_challenge_verify(&back, eval_pub, err, sizeof err), -1);
    free(e);
    /* uppercase hex, an extra field, a missing field, trailing garbage, time mismatch */
    snprintf(to, sizeof to, "\"nonce\": \"%c", nonce[0] >= 'a' ? nonce[0] - 32 : 'A');
    e = edit(doc, from, to);
    assert_int_equal(parse(e, &back), -1);
    free(e);
    e = edit(doc, "{\n", "{\n  \"extra\": 1,\n");
    assert_int_equal(parse(e, &back), -1);
    free(e);
    e = edit(doc, "\"type\": \"trainprov/challenge/v2\",", "");
    assert_int_equal(parse(e, &back), -1);
    free(e);
    e = edit(doc, "}\n", "} x");
    assert_int_equal(parse(e, &back), -1);
    free(e);
    e = edit(doc, "\"time\": \"", "\"time\": \"1");
    assert_int_equal(parse(e, &back), -1);
    free(e);
    assert_int_equal(parse("", &back), -1);
    free(doc);
}

/* The validity is signed: shifting it breaks the signature; a validity not
 * after the time, or a valid_until that does not render valid_until_ns, does
 * not parse; --valid-days outside 1..3650 makes no challenge. */
static void test_validity_signed(void **state)
{
    tp_challenge c, back;
    char err[256], from[64], to[64];
    assert_int_equal(tp_challenge_make(eval_key, 7, &c), 0);
    assert_int_equal(c.version, 2);
    assert_true(c.valid_until_ns == c.time_ns + 7 * TP_NS_PER_DAY);
    char *doc = tp_challenge_json(&c);
    assert_non_null(strstr(doc, "\"type\": \"trainprov/challenge/v2\""));
    tp_challenge later = c;
    later.valid_until_ns += TP_NS_PER_DAY;
    char *shifted = tp_challenge_json(&later); /* well formed, signature of the old validity */
    assert_int_equal(parse(shifted, &back), 0);
    assert_int_equal(tp_challenge_verify(&back, eval_pub, err, sizeof err), -1);
    free(shifted);
    snprintf(from, sizeof from, "\"valid_until_ns\": %lld", (long long)c.valid_until_ns);
    snprintf(to, sizeof to, "\"valid_until_ns\": %lld", (long long)c.valid_until_ns + 1);
    char *e = edit(doc, from, to);
    assert_int_equal(parse(e, &back), -1); /* valid_until no longer renders it */
    free(e);
    e = edit(doc, "  \"valid_until\"", "  \"x\": 1,\n  \"valid_until\"");
    assert_int_equal(parse(e, &back), -1);
    free(e);
    tp_challenge before = c;
    before.valid_until_ns = c.time_ns - 1;
    char *b = tp_challenge_json(&before);
    assert_int_equal(parse(b, &back), -1);
    free(b);
    assert_int_equal(tp_challenge_make(eval_key, 0, &back), -1);
    assert_int_equal(tp_challenge_make(eval_key, TP_CHALLENGE_MAX_VALID_DAYS + 1, &back), -1);
    free(doc);
}

/* A version 1 challenge (as trainprov made them before validity was signed)
 * parses, verifies, and is valid for the default 30 days. */
static void test_v1_still_read(void **state)
{
    tp_challenge c, back;
    char err[256], body[512];
    assert_int_equal(tp_challenge_make(eval_key, 30, &c), 0);
    c.version = 1;
    size_t n = tp_challenge_body(&c, body, sizeof body);
    assert_true(n > 0);
    assert_null(strstr(body, "valid_until"));
    assert_int_equal(strncmp(body, "trainprov/challenge/v1\nnonce=", 29), 0);
    assert_int_equal(tp_key_sign(eval_key, TP_PAYLOAD_CHALLENGE, (const uint8_t *)body, n,
                                 c.sig), 0);
    char *doc = tp_challenge_json(&c);
    assert_null(strstr(doc, "valid_until"));
    assert_int_equal(parse(doc, &back), 0);
    assert_int_equal(back.version, 1);
    assert_true(back.valid_until_ns == back.time_ns + 30 * TP_NS_PER_DAY);
    assert_int_equal(tp_challenge_verify(&back, eval_pub, err, sizeof err), 0);
    free(doc);
}

/* The id is SHA-256 of the canonical body, so it changes with any field. */
static void test_id_is_body_sha256(void **state)
{
    tp_challenge c;
    char body[512];
    uint8_t id[TP_CHALLENGE_ID_LEN], want[32], other[TP_CHALLENGE_ID_LEN];
    assert_int_equal(tp_challenge_make(eval_key, 30, &c), 0);
    size_t n = tp_challenge_body(&c, body, sizeof body);
    assert_int_equal(tp_challenge_id(&c, id), 0);
    assert_int_equal(EVP_Digest(body, n, want, NULL, EVP_sha256(), NULL), 1);
    assert_memory_equal(id, want, 32);
    c.valid_until_ns++;
    assert_int_equal(tp_challenge_id(&c, other), 0);
    assert_memory_not_equal(id, other, 32);
}

static int setup(void **state)
{
    if (!mkdtemp(dir))
        return -1;
    eval_key = load("eval", 1);
    eval_pub = load("eval", 0);
    other_pub = load("other", 0);
    return 0;
}

static int teardown(void **state)
{
    char cmd[300];
    tp_key_free(eval_key);
    tp_key_free(eval_pub);
    tp_key_free(other_pub);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_round_trip),
                                       cmocka_unit_test(test_edits_refused),
                                       cmocka_unit_test(test_validity_signed),
                                       cmocka_unit_test(test_v1_still_read),
                                       cmocka_unit_test(test_id_is_body_sha256)};
    return cmocka_run_group_tests(tests, setup, teardown);
}
