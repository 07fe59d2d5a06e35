/* dsse.h: the DSSE JSON envelope (github.com/secure-systems-lab/dsse,
 * envelope.md) around a signed payload: {"payloadType", "payload" (base64),
 * "signatures": [{"keyid", "sig" (base64)}]}. The signature covers
 * PAE(payloadType, payload) (core/sign.h, tp_pae), so the same bytes the
 * journals' heads are signed over; the envelope is only their JSON carrier. */
#ifndef TP_DSSE_H
#define TP_DSSE_H
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#define TP_PAYLOAD_INTOTO "application/vnd.in-toto+json"
/* The largest envelope file read back (verify-attestation). */
#define TP_DSSE_FILE_MAX (256u << 20)
#define TP_DSSE_SIGS_MAX 16

/* Standard base64 with padding, no line breaks (a fresh string; NULL when
 * out of memory). */
char *tp_base64(const uint8_t *in, size_t len);
/* Decodes standard base64 (padding required, no whitespace) into a fresh
 * buffer. 0, or -1 when s is not base64 or memory ran out. */
int tp_base64_decode(const char *s, uint8_t **out, size_t *outlen);

/* A new envelope object holding payload and one signature (keyid may be ""). */
struct json_object *tp_dsse_envelope(const char *payload_type, const uint8_t *payload,
                                     size_t len, const uint8_t *sig, size_t siglen,
                                     const char *keyid);

typedef struct {
    char *payload_type;
    uint8_t *payload;
    size_t payload_len;
    struct {
        char *keyid;
        uint8_t *sig;
        size_t len;
    } sigs[TP_DSSE_SIGS_MAX];
    size_t n_sigs;
} tp_dsse;

/* Parses an envelope (JSON text of len bytes). 0, or -1 with err saying
 * what is missing or malformed. */
int tp_dsse_parse(const char *text, size_t len, tp_dsse *out, char *err, size_t errlen);
/* The same from an already parsed JSON object. */
int tp_dsse_from_json(struct json_object *env, tp_dsse *out, char *err, size_t errlen);
/* Parses len bytes that must be exactly one JSON document (at most
 * TP_DSSE_FILE_MAX bytes, nothing after it); NULL otherwise. */
struct json_object *tp_json_parse_whole(const char *text, size_t len);
void tp_dsse_free(tp_dsse *d);

#endif
