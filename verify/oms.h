/* oms.h: the OpenSSF model-signing manifest (github.com/sigstore/
 * model-transparency, format v1.0, as its `model_signing sign key` writes it):
 * an in-toto Statement v1 with predicateType
 * "https://model_signing/signature/v1.0", one subject (the model's name and
 * the SHA-256 over its resources' digests in order) and a predicate listing
 * every file ("resources": name, algorithm, digest) and how the model was
 * serialized; carried in a DSSE envelope signed with ECDSA P-256 (that tool
 * takes no Ed25519 key) inside a sigstore bundle v0.3 whose verification
 * material is the public key's hint (SHA-256 of its PEM). docs/ATTEST.md has
 * the `model_signing verify key` command that checks it. */
#ifndef TP_OMS_H
#define TP_OMS_H
#include <json-c/json.h>

#include "verify/attest_model.h"

#define TP_OMS_PREDICATE_V1 "https://model_signing/signature/v1.0"
#define TP_SIGSTORE_BUNDLE_V03 "application/vnd.dev.sigstore.bundle.v0.3+json"

/* The statement for m (a new object; NULL when out of memory). A file
 * model's one resource is named "." (its path relative to itself), a
 * directory's by their paths relative to it, as model_signing names them. */
struct json_object *tp_oms_statement(const tp_model *m);
/* The bundle around a signed envelope (tp_dsse_envelope; the bundle takes
 * its reference) for the public key public_pem. */
struct json_object *tp_oms_bundle(struct json_object *envelope, const char *public_pem);

#endif
