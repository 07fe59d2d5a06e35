/* challenge.h: the evaluator's signed challenge (docs/INIT.md, "The
 * challenge"): a fresh 32-byte nonce, its issue time, the end of its
 * validity (v2) and the evaluator's key id, signed with Ed25519 over DSSE PAE
 * of canonical text bytes, stored as a small JSON document (challenge.json)
 * with a detached signature. Version 1 documents (no validity) still parse;
 * they are valid for TP_CHALLENGE_DEFAULT_VALID_DAYS from their time. */
#ifndef TP_CHALLENGE_H
#define TP_CHALLENGE_H
#include <stddef.h>
#include <stdint.h>

#include "core/format.h" /* TP_CHALLENGE_MAX: the largest document */
#include "core/sign.h"

#define TP_CHALLENGE_TYPE "trainprov/challenge/v1"
#define TP_PAYLOAD_CHALLENGE "application/vnd.trainprov.challenge.v1+text"
#define TP_CHALLENGE_TYPE_V2 "trainprov/challenge/v2"
#define TP_PAYLOAD_CHALLENGE_V2 "application/vnd.trainprov.challenge.v2+text"
#define TP_CHALLENGE_NONCE_LEN 32
#define TP_CHALLENGE_ID_LEN 32 /* SHA-256 of the canonical signed body */
#define TP_CHALLENGE_DEFAULT_VALID_DAYS 30
#define TP_CHALLENGE_MAX_VALID_DAYS 3650
#define TP_NS_PER_DAY (86400ll * 1000000000ll)
/* A run may start this long before the challenge's time: the evaluator's and
 * the trainer's clocks differ a little. */
#define TP_CHALLENGE_CLOCK_SKEW_NS (300ll * 1000000000ll)

typedef struct {
    int version;            /* 1 or 2 */
    uint8_t nonce[TP_CHALLENGE_NONCE_LEN];
    int64_t time_ns;        /* issued */
    int64_t valid_until_ns; /* v2: signed; v1: time_ns + the default validity */
    uint8_t key_id[TP_KEY_ID_LEN];
    uint8_t sig[TP_SIG_LEN];
} tp_challenge;

/* A fresh v2 challenge: random nonce, now, valid for valid_days
 * (1..TP_CHALLENGE_MAX_VALID_DAYS), key's id, signed with key. 0 or -1. */
int tp_challenge_make(const tp_key *key, int valid_days, tp_challenge *out);
/* The canonical signed bytes, v2:
 * "trainprov/challenge/v2\nnonce=HEX\ntime_ns=DEC\nvalid_until_ns=DEC\n"
 * "evaluator_key_id=HEX\n"; v1 the same without the valid_until_ns line.
 * Returns their length (< cap), or 0 when cap is too small. */
size_t tp_challenge_body(const tp_challenge *c, char *out, size_t cap);
/* The challenge id: SHA-256 of the canonical signed body (what
 * `trainprov verify --challenge-id` takes). 0 or -1. */
int tp_challenge_id(const tp_challenge *c, uint8_t out[TP_CHALLENGE_ID_LEN]);
/* The JSON document (a fresh string, NULL when out of memory). */
char *tp_challenge_json(const tp_challenge *c);
/* Parses a document of at most TP_CHALLENGE_MAX bytes, v1 or v2: exactly the
 * fields of its version, lowercase hex of the right lengths, "time" (and
 * "valid_until") consistent with "time_ns" ("valid_until_ns"), validity after
 * the time. Does not check the signature. 0, or -1 with err. */
int tp_challenge_parse(const uint8_t *doc, size_t len, tp_challenge *out, char *err,
                       size_t errlen);
/* The key id is evaluator's and the signature verifies. 0, or -1 with err. */
int tp_challenge_verify(const tp_challenge *c, const tp_key *evaluator, char *err, size_t errlen);
/* Reads a challenge file (at most TP_CHALLENGE_MAX bytes) into doc and
 * parses it. 0, or -1 with err naming the file. */
int tp_challenge_load(const char *path, uint8_t doc[TP_CHALLENGE_MAX], size_t *len,
                      tp_challenge *out, char *err, size_t errlen);

#endif
