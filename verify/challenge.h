/* challenge.h: the evaluator's signed challenge (docs/INIT.md, "The
 * challenge"): a fresh 32-byte nonce, the time and the evaluator's key id,
 * signed with Ed25519 over DSSE PAE of canonical text bytes, stored as a small
 * JSON document (challenge.json) with a detached signature. */
#ifndef TP_CHALLENGE_H
#define TP_CHALLENGE_H
#include <stddef.h>
#include <stdint.h>

#include "core/format.h" /* TP_CHALLENGE_MAX: the largest document */
#include "core/sign.h"

#define TP_CHALLENGE_TYPE "trainprov/challenge/v1"
#define TP_PAYLOAD_CHALLENGE "application/vnd.trainprov.challenge.v1+text"
#define TP_CHALLENGE_NONCE_LEN 32

typedef struct {
    uint8_t nonce[TP_CHALLENGE_NONCE_LEN];
    int64_t time_ns;
    uint8_t key_id[TP_KEY_ID_LEN];
    uint8_t sig[TP_SIG_LEN];
} tp_challenge;

/* A fresh challenge: random nonce, now, key's id, signed with key. 0 or -1. */
int tp_challenge_make(const tp_key *key, tp_challenge *out);
/* The canonical signed bytes:
 * "trainprov/challenge/v1\nnonce=HEX\ntime_ns=DEC\nevaluator_key_id=HEX\n".
 * Returns their length (< cap), or 0 when cap is too small. */
size_t tp_challenge_body(const tp_challenge *c, char *out, size_t cap);
/* The JSON document (a fresh string, NULL when out of memory). */
char *tp_challenge_json(const tp_challenge *c);
/* Parses a document of at most TP_CHALLENGE_MAX bytes: exactly the
 * fields of tp_challenge_json, lowercase hex of the right lengths, "time"
 * consistent with "time_ns". Does not check the signature. 0, or -1 with err. */
int tp_challenge_parse(const uint8_t *doc, size_t len, tp_challenge *out, char *err,
                       size_t errlen);
/* The key id is evaluator's and the signature verifies. 0, or -1 with err. */
int tp_challenge_verify(const tp_challenge *c, const tp_key *evaluator, char *err, size_t errlen);
/* Reads a challenge file (at most TP_CHALLENGE_MAX bytes) into doc and
 * parses it. 0, or -1 with err naming the file. */
int tp_challenge_load(const char *path, uint8_t doc[TP_CHALLENGE_MAX], size_t *len,
                      tp_challenge *out, char *err, size_t errlen);

#endif
