/* dsse.c: the DSSE JSON envelope and the base64 it needs (OpenSSL's codec,
 * with the input checked first: EVP_DecodeBlock alone skips whitespace and
 * leaves the padding bytes in its output). */
#include "verify/dsse.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

char *tp_base64(const uint8_t *in, size_t len)
{
    if (len > (size_t)1 << 30)
        return NULL;
    char *out = malloc(4 * ((len + 2) / 3) + 1);
    if (out)
        EVP_EncodeBlock((unsigned char *)out, in, (int)len);
    return out;
}

static int b64_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '+' || c == '/';
}

int tp_base64_decode(const char *s, uint8_t **out, size_t *outlen)
{
    size_t n = strlen(s), pad = 0;
    *out = NULL;
    if (n % 4 != 0 || n > (size_t)1 << 30)
        return -1;
    while (pad < 2 && pad < n && s[n - 1 - pad] == '=')
        pad++;
    for (size_t i = 0; i < n - pad; i++)
        if (!b64_char(s[i]))
            return -1;
    uint8_t *buf = malloc(n / 4 * 3 + 1);
    if (!buf)
        return -1;
    int got = n ? EVP_DecodeBlock(buf, (const unsigned char *)s, (int)n) : 0;
    if (got < 0 || (size_t)got < pad) {
        free(buf);
        return -1;
    }
    *out = buf;
    *outlen = (size_t)got - pad;
    return 0;
}

struct json_object *tp_dsse_envelope(const char *payload_type, const uint8_t *payload,
                                     size_t len, const uint8_t *sig, size_t siglen,
                                     const char *keyid)
{
    char *p64 = tp_base64(payload, len), *s64 = tp_base64(sig, siglen);
    struct json_object *env = NULL;
    if (p64 && s64) {
        env = json_object_new_object();
        struct json_object *sigs = json_object_new_array(), *one = json_object_new_object();
        json_object_object_add(one, "keyid", json_object_new_string(keyid));
        json_object_object_add(one, "sig", json_object_new_string(s64));
        json_object_array_add(sigs, one);
        json_object_object_add(env, "payloadType", json_object_new_string(payload_type));
        json_object_object_add(env, "payload", json_object_new_string(p64));
        json_object_object_add(env, "signatures", sigs);
    }
    free(p64);
    free(s64);
    return env;
}

/* The string member key of o, or NULL. */
static const char *member_string(struct json_object *o, const char *key)
{
    struct json_object *v;
    if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

struct json_object *tp_json_parse_whole(const char *text, size_t len)
{
    struct json_tokener *tok = len <= TP_DSSE_FILE_MAX ? json_tokener_new() : NULL;
    struct json_object *o = tok ? json_tokener_parse_ex(tok, text, (int)len) : NULL;
    if (o && (json_tokener_get_error(tok) != json_tokener_success ||
              json_tokener_get_parse_end(tok) != len)) {
        json_object_put(o);
        o = NULL;
    }
    if (tok)
        json_tokener_free(tok);
    return o;
}

int tp_dsse_from_json(struct json_object *env, tp_dsse *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    struct json_object *sigs;
    int rc = -1;
    const char *type, *payload;
    if (!json_object_is_type(env, json_type_object))
        snprintf(err, errlen, "not a DSSE envelope (not a JSON object)");
    else if (!(type = member_string(env, "payloadType")) ||
             !(payload = member_string(env, "payload")))
        snprintf(err, errlen, "not a DSSE envelope (no \"payloadType\" or \"payload\" string)");
    else if (!json_object_object_get_ex(env, "signatures", &sigs) ||
             !json_object_is_type(sigs, json_type_array) || json_object_array_length(sigs) == 0)
        snprintf(err, errlen, "not a DSSE envelope (no \"signatures\")");
    else if (json_object_array_length(sigs) > TP_DSSE_SIGS_MAX)
        snprintf(err, errlen, "more than %d signatures", TP_DSSE_SIGS_MAX);
    else if (!(out->payload_type = strdup(type)) ||
             tp_base64_decode(payload, &out->payload, &out->payload_len) != 0)
        snprintf(err, errlen, "\"payload\" is not base64");
    else {
        rc = 0;
        for (size_t i = 0; rc == 0 && i < json_object_array_length(sigs); i++) {
            struct json_object *s = json_object_array_get_idx(sigs, i);
            const char *keyid = json_object_is_type(s, json_type_object)
                                    ? member_string(s, "keyid") : NULL;
            const char *sig = json_object_is_type(s, json_type_object)
                                  ? member_string(s, "sig") : NULL;
            if (!sig || tp_base64_decode(sig, &out->sigs[i].sig, &out->sigs[i].len) != 0 ||
                !(out->sigs[i].keyid = strdup(keyid ? keyid : ""))) {
                snprintf(err, errlen, "signature %zu has no base64 \"sig\"", i);
                rc = -1;
            }
            out->n_sigs = i + 1;
        }
    }
    if (rc != 0)
        tp_dsse_free(out);
    return rc;
}

int tp_dsse_parse(const char *text, size_t len, tp_dsse *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    struct json_object *env = tp_json_parse_whole(text, len);
    if (!env) {
        snprintf(err, errlen, "not a JSON document");
        return -1;
    }
    int rc = tp_dsse_from_json(env, out, err, errlen);
    json_object_put(env);
    return rc;
}

void tp_dsse_free(tp_dsse *d)
{
    free(d->payload_type);
    free(d->payload);
    for (size_t i = 0; i < d->n_sigs; i++) {
        free(d->sigs[i].keyid);
        free(d->sigs[i].sig);
    }
    memset(d, 0, sizeof *d);
}
