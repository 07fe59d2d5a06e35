/* challenge.c: making, rendering, parsing and checking the evaluator's
 * challenge (challenge.h). The signature covers canonical text rebuilt from
 * the parsed fields, never the JSON bytes, so whitespace or key order in the
 * file do not matter and JSON canonicalisation is not needed. */
#define _GNU_SOURCE /* asprintf */
#include "verify/challenge.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "core/hex.h"
#include "runlog/records.h"

static const char *payload_type(const tp_challenge *c)
{
    return c->version == 1 ? TP_PAYLOAD_CHALLENGE : TP_PAYLOAD_CHALLENGE_V2;
}

int tp_challenge_make(const tp_key *key, int valid_days, tp_challenge *out)
{
    struct timespec ts;
    char body[512];
    memset(out, 0, sizeof *out);
    if (valid_days < 1 || valid_days > TP_CHALLENGE_MAX_VALID_DAYS ||
        RAND_bytes(out->nonce, sizeof out->nonce) != 1 || clock_gettime(CLOCK_REALTIME, &ts) != 0)
        return -1;
    out->version = 2;
    out->time_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
    out->valid_until_ns = out->time_ns + valid_days * TP_NS_PER_DAY;
    tp_key_id(key, out->key_id);
    size_t n = tp_challenge_body(out, body, sizeof body);
    return n && tp_key_sign(key, payload_type(out), (const uint8_t *)body, n, out->sig) == 0
               ? 0
               : -1;
}

size_t tp_challenge_body(const tp_challenge *c, char *out, size_t cap)
{
    char nonce[2 * TP_CHALLENGE_NONCE_LEN + 1], kid[2 * TP_KEY_ID_LEN + 1], until[48] = "";
    tp_hex_encode(c->nonce, sizeof c->nonce, nonce);
    tp_hex_encode(c->key_id, sizeof c->key_id, kid);
    if (c->version != 1)
        snprintf(until, sizeof until, "valid_until_ns=%" PRId64 "\n", c->valid_until_ns);
    int n = snprintf(out, cap, "%s\nnonce=%s\ntime_ns=%" PRId64 "\n%sevaluator_key_id=%s\n",
                     c->version == 1 ? TP_CHALLENGE_TYPE : TP_CHALLENGE_TYPE_V2, nonce,
                     c->time_ns, until, kid);
    return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

int tp_challenge_id(const tp_challenge *c, uint8_t out[TP_CHALLENGE_ID_LEN])
{
    char body[512];
    size_t n = tp_challenge_body(c, body, sizeof body);
    return n && EVP_Digest(body, n, out, NULL, EVP_sha256(), NULL) == 1 ? 0 : -1;
}

char *tp_challenge_json(const tp_challenge *c)
{
    char nonce[2 * TP_CHALLENGE_NONCE_LEN + 1], kid[2 * TP_KEY_ID_LEN + 1],
        sig[2 * TP_SIG_LEN + 1], iso[40], until_iso[40], until[160] = "";
    tp_hex_encode(c->nonce, sizeof c->nonce, nonce);
    tp_hex_encode(c->key_id, sizeof c->key_id, kid);
    tp_hex_encode(c->sig, sizeof c->sig, sig);
    tp_time_iso(c->time_ns, iso);
    if (c->version != 1) {
        tp_time_iso(c->valid_until_ns, until_iso);
        snprintf(until, sizeof until,
                 "  \"valid_until_ns\": %" PRId64 ",\n  \"valid_until\": \"%s\",\n",
                 c->valid_until_ns, until_iso);
    }
    char *s = NULL;
    if (asprintf(&s,
                 "{\n  \"type\": \"%s\",\n  \"nonce\": \"%s\",\n  \"time_ns\": %" PRId64 ",\n"
                 "  \"time\": \"%s\",\n%s  \"evaluator_key_id\": \"%s\",\n"
                 "  \"signature\": \"%s\"\n}\n",
                 c->version == 1 ? TP_CHALLENGE_TYPE : TP_CHALLENGE_TYPE_V2, nonce, c->time_ns,
                 iso, until, kid, sig) < 0)
        return NULL;
    return s;
}

/* Exactly 2n lowercase hex digits, as the challenge document writes them. */
static int lower_hex(const char *s, uint8_t *out, size_t n)
{
    return s && tp_hex_is_lower(s, strlen(s)) ? tp_hex_decode(s, out, n) : -1;
}

static const char *str_field(struct json_object *o, const char *key)
{
    struct json_object *v;
    return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
               ? json_object_get_string(v)
               : NULL;
}

/* A positive integer field whose ISO rendering is the string field iso_key. */
static int time_field(struct json_object *o, const char *key, const char *iso_key, int64_t *out)
{
    struct json_object *t;
    char iso[40];
    if (!json_object_object_get_ex(o, key, &t) || !json_object_is_type(t, json_type_int) ||
        json_object_get_int64(t) <= 0)
        return -1;
    *out = json_object_get_int64(t);
    tp_time_iso(*out, iso);
    return str_field(o, iso_key) && strcmp(str_field(o, iso_key), iso) == 0 ? 0 : -1;
}

int tp_challenge_parse(const uint8_t *doc, size_t len, tp_challenge *out, char *err,
                       size_t errlen)
{
    static const char *const fields[] = {"type", "nonce", "time_ns", "time", "evaluator_key_id",
                                         "signature", "valid_until_ns", "valid_until"};
    memset(out, 0, sizeof *out);
    if (len == 0 || len > TP_CHALLENGE_MAX || memchr(doc, '\0', len)) {
        snprintf(err, errlen, "not a trainprov challenge (empty, over %d bytes, or binary)",
                 TP_CHALLENGE_MAX);
        return -1;
    }
    struct json_tokener *tok = json_tokener_new_ex(8);
    struct json_object *o = tok ? json_tokener_parse_ex(tok, (const char *)doc, (int)len) : NULL;
    size_t end = tok ? json_tokener_get_parse_end(tok) : 0;
    int complete = tok && json_tokener_get_error(tok) == json_tokener_success && end <= len;
    while (complete && end < len) /* only whitespace may follow the object */
        complete = strchr(" \t\r\n", doc[end++]) != NULL;
    json_tokener_free(tok);
    int rc = -1;
    const char *what = "not a JSON object";
    if (!o || !complete || !json_object_is_type(o, json_type_object))
        goto out;
    what = "type is not \"" TP_CHALLENGE_TYPE_V2 "\" or \"" TP_CHALLENGE_TYPE "\"";
    const char *type = str_field(o, "type");
    out->version = type && !strcmp(type, TP_CHALLENGE_TYPE_V2) ? 2
                   : type && !strcmp(type, TP_CHALLENGE_TYPE)  ? 1
                                                               : 0;
    if (!out->version)
        goto out;
    size_t n_fields = out->version == 1 ? 6 : 8;
    what = out->version == 1 ? "unexpected fields (want type, nonce, time_ns, time, "
                               "evaluator_key_id, signature)"
                             : "unexpected fields (want type, nonce, time_ns, time, "
                               "valid_until_ns, valid_until, evaluator_key_id, signature)";
    if ((size_t)json_object_object_length(o) != n_fields)
        goto out;
    for (size_t i = 0; i < n_fields; i++)
        if (!json_object_object_get_ex(o, fields[i], NULL))
            goto out;
    what = "nonce, evaluator_key_id or signature is not lowercase hex of the right length";
    if (lower_hex(str_field(o, "nonce"), out->nonce, sizeof out->nonce) != 0 ||
        lower_hex(str_field(o, "evaluator_key_id"), out->key_id, sizeof out->key_id) != 0 ||
        lower_hex(str_field(o, "signature"), out->sig, sizeof out->sig) != 0)
        goto out;
    what = "time_ns is not a positive integer, or time does not render it";
    if (time_field(o, "time_ns", "time", &out->time_ns) != 0)
        goto out;
    if (out->version == 1) {
        out->valid_until_ns = out->time_ns > INT64_MAX - TP_CHALLENGE_DEFAULT_VALID_DAYS * TP_NS_PER_DAY
                                  ? INT64_MAX
                                  : out->time_ns + TP_CHALLENGE_DEFAULT_VALID_DAYS * TP_NS_PER_DAY;
    } else {
        what = "valid_until_ns is not an integer after time_ns, or valid_until does not render it";
        if (time_field(o, "valid_until_ns", "valid_until", &out->valid_until_ns) != 0 ||
            out->valid_until_ns <= out->time_ns)
            goto out;
    }
    rc = 0;
out:
    if (rc != 0)
        snprintf(err, errlen, "not a valid trainprov challenge: %s", what);
    json_object_put(o);
    return rc;
}

int tp_challenge_verify(const tp_challenge *c, const tp_key *evaluator, char *err, size_t errlen)
{
    uint8_t kid[TP_KEY_ID_LEN];
    char body[512];
    tp_key_id(evaluator, kid);
    if (memcmp(kid, c->key_id, sizeof kid) != 0) {
        snprintf(err, errlen, "the challenge names another evaluator key than the one given");
        return -1;
    }
    size_t n = tp_challenge_body(c, body, sizeof body);
    if (!n || tp_key_verify(evaluator, payload_type(c), (const uint8_t *)body, n, c->sig,
                            TP_SIG_LEN) != 0) {
        snprintf(err, errlen, "the challenge's signature does not verify with the evaluator key");
        return -1;
    }
    return 0;
}

int tp_challenge_load(const char *path, uint8_t doc[TP_CHALLENGE_MAX], size_t *len,
                      tp_challenge *out, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "cannot read challenge %s: %s", path, strerror(errno));
        return -1;
    }
    size_t n = 0;
    uint8_t extra;
    ssize_t r;
    while (n < TP_CHALLENGE_MAX &&
           (r = read(fd, doc + n, TP_CHALLENGE_MAX - n)) != 0) {
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            snprintf(err, errlen, "cannot read challenge %s: %s", path, strerror(errno));
            close(fd);
            return -1;
        }
        n += (size_t)r;
    }
    int too_long = n == TP_CHALLENGE_MAX && read(fd, &extra, 1) > 0;
    close(fd);
    if (too_long) {
        snprintf(err, errlen, "challenge %s is over %d bytes", path, TP_CHALLENGE_MAX);
        return -1;
    }
    char why[256];
    if (tp_challenge_parse(doc, n, out, why, sizeof why) != 0) {
        snprintf(err, errlen, "%s: %s", path, why);
        return -1;
    }
    *len = n;
    return 0;
}
