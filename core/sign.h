/* sign.h: Ed25519 keys (PKCS#8 / SPKI PEM), key ids, and signatures over the
 * DSSE pre-authentication encoding (PAE), so that any signature trainprov makes
 * can be checked with `openssl pkeyutl -verify -rawin` on the PAE bytes.
 * ECDSA P-256 keys too, for one use only: the OpenSSF model-signing manifest
 * (`trainprov attest --oms-key`), a format that does not take Ed25519. */
#ifndef TP_SIGN_H
#define TP_SIGN_H
#include <stddef.h>
#include <stdint.h>

#define TP_SIG_LEN 64
#define TP_KEY_ID_LEN 32

#define TP_PAYLOAD_TREEHEAD "application/vnd.trainprov.treehead.v1+protobuf"
#define TP_PAYLOAD_MANIFEST "application/vnd.trainprov.manifest.v1+protobuf"

typedef struct tp_key tp_key;

/* What a key file must hold. Ed25519 signs everything trainprov itself
 * checks; P-256 only the model-signing manifest. */
typedef enum { TP_KEY_ED25519, TP_KEY_P256 } tp_key_type;

/* An ECDSA P-256 signature, DER-encoded: at most this many bytes. */
#define TP_ECDSA_SIG_MAX 72

/* Every int function returns 0 or a negative code of core/error.h; err, when
 * given, names the file and what is wrong with it. */

/* Writes a new key pair: private key PKCS#8 PEM with mode 0600 (refuses to
 * overwrite an existing file), public key SPKI PEM. */
int tp_key_generate(const char *private_path, const char *public_path, char *err, size_t errlen);
/* The same for a key of the given type. */
int tp_key_generate_type(tp_key_type type, const char *private_path, const char *public_path,
                         char *err, size_t errlen);
/* Loads an Ed25519 private key. Refuses, OpenSSH-style, a file that is not
 * regular, is owned by another user or readable by group or others, or sits
 * in a directory owned by another user (root aside) or writable by group or
 * others. */
int tp_key_load_private(const char *path, tp_key **out, char *err, size_t errlen);
int tp_key_load_public(const char *path, tp_key **out, char *err, size_t errlen);
/* The same two for a key of the given type (the ones above: Ed25519). */
int tp_key_load_private_type(tp_key_type type, const char *path, tp_key **out, char *err,
                             size_t errlen);
int tp_key_load_public_type(tp_key_type type, const char *path, tp_key **out, char *err,
                            size_t errlen);
void tp_key_free(tp_key *k);
/* key id = SHA-256 of the public key's SubjectPublicKeyInfo DER */
void tp_key_id(const tp_key *k, uint8_t out[TP_KEY_ID_LEN]);
/* The public key as SPKI PEM text, exactly as `openssl pkey -pubout` writes
 * it (a fresh string; NULL when out of memory). */
char *tp_key_public_pem(const tp_key *k);

/* PAE(type, body) = "DSSEv1" SP len(type) SP type SP len(body) SP body.
 * Returns the encoded length; writes at most cap bytes (pass cap 0 to size). */
size_t tp_pae(const char *payload_type, const uint8_t *body, size_t len, uint8_t *out, size_t cap);
/* Signs / verifies PAE(payload_type, body). Return 0 on success. */
int tp_key_sign(const tp_key *k, const char *payload_type, const uint8_t *body, size_t len,
                uint8_t sig[TP_SIG_LEN]);
int tp_key_verify(const tp_key *k, const char *payload_type, const uint8_t *body, size_t len,
                  const uint8_t *sig, size_t siglen);
/* ECDSA P-256 with SHA-256 over PAE(payload_type, body); the DER signature
 * goes to sig, its length to *siglen. Refuses a key that is not P-256. */
int tp_key_sign_ecdsa(const tp_key *k, const char *payload_type, const uint8_t *body, size_t len,
                      uint8_t sig[TP_ECDSA_SIG_MAX], size_t *siglen);
int tp_key_verify_ecdsa(const tp_key *k, const char *payload_type, const uint8_t *body,
                        size_t len, const uint8_t *sig, size_t siglen);

#endif
