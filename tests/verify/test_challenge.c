/* test_challenge.c: the evaluator's challenge: a made challenge renders to
 * JSON that parses back to the same fields and verifies with the evaluator's
 * key; another key, an edited nonce or time, extra or missing fields,
 * uppercase hex and trailing garbage are refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

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
    assert_int_equal(tp_challenge_make(eval_key, &c), 0);
    char *doc = tp_challenge_json(&c);
    assert_non_null(doc);
    assert_int_equal(parse(doc, &back), 0);
    assert_memory_equal(&c, &back, sizeof c);
    assert_int_equal(tp_challenge_verify(&back, eval_pub, err, sizeof err), 0);
    assert_int_equal(tp_challenge_verify(&back, other_pub, err, sizeof err), -1);
    tp_challenge again;
    assert_int_equal(tp_challenge_make(eval_key, &again), 0);
    assert_memory_not_equal(c.nonce, again.nonce, sizeof c.nonce);
    free(doc);
}

static void test_edits_refused(void **state)
{
    tp_challenge c, back;
    char err[256], nonce[65], from[80], to[80];
    assert_int_equal(tp_challenge_make(eval_key, &c), 0);
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
    e = edit(doc, "\"type\": \"trainprov/challenge/v1\",", "");
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
                                       cmocka_unit_test(test_edits_refused)};
    return cmocka_run_group_tests(tests, setup, teardown);
}
