/* oms.c: the OpenSSF model-signing statement and sigstore bundle (oms.h),
 * laid out field for field as model_signing v1.x writes them
 * (src/model_signing/_signing/signing.py Payload, sign_ec_key.py). */
#include "verify/oms.h"

#include <string.h>

#include <openssl/evp.h>

#include "core/hex.h"

/* What `model_signing sign` records as ignored (its default git paths). */
static const char *const ignored[] = {".git", ".gitattributes", ".github", ".gitignore"};

struct json_object *tp_oms_statement(const tp_model *m)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(ctx);
        return NULL;
    }
    struct json_object *resources = json_object_new_array();
    char hex[2 * TP_HASH_LEN + 1];
    for (size_t k = 0; k < m->n; k++) {
        struct json_object *r = json_object_new_object();
        tp_hex_encode(m->files[k].sha256, TP_HASH_LEN, hex);
        EVP_DigestUpdate(ctx, m->files[k].sha256, TP_HASH_LEN);
        json_object_object_add(r, "algorithm", json_object_new_string("sha256"));
        json_object_object_add(r, "name", json_object_new_string(m->is_dir ? m->files[k].name : "."));
        json_object_object_add(r, "digest", json_object_new_string(hex));
        json_object_array_add(resources, r);
    }
    uint8_t root[TP_HASH_LEN];
    int ok = EVP_DigestFinal_ex(ctx, root, NULL) == 1;
    EVP_MD_CTX_free(ctx);
    if (!ok) {
        json_object_put(resources);
        return NULL;
    }
    struct json_object *ser = json_object_new_object(), *ign = json_object_new_array(),
                       *pred = json_object_new_object(), *subj = json_object_new_object(),
                       *digest = json_object_new_object(), *subjects = json_object_new_array(),
                       *st = json_object_new_object();
    for (size_t i = 0; i < sizeof ignored / sizeof ignored[0]; i++)
        json_object_array_add(ign, json_object_new_string(ignored[i]));
    json_object_object_add(ser, "method", json_object_new_string("files"));
    json_object_object_add(ser, "hash_type", json_object_new_string("sha256"));
    json_object_object_add(ser, "allow_symlinks", json_object_new_boolean(0));
    json_object_object_add(ser, "ignore_paths", ign);
    json_object_object_add(pred, "serialization", ser);
    json_object_object_add(pred, "resources", resources);
    tp_hex_encode(root, TP_HASH_LEN, hex);
    json_object_object_add(digest, "sha256", json_object_new_string(hex));
    json_object_object_add(subj, "name", json_object_new_string(m->name));
    json_object_object_add(subj, "digest", digest);
    json_object_array_add(subjects, subj);
    json_object_object_add(st, "_type", json_object_new_string("https://in-toto.io/Statement/v1"));
    json_object_object_add(st, "subject", subjects);
    json_object_object_add(st, "predicateType", json_object_new_string(TP_OMS_PREDICATE_V1));
    json_object_object_add(st, "predicate", pred);
    return st;
}

struct json_object *tp_oms_bundle(struct json_object *envelope, const char *public_pem)
{
    uint8_t hint[TP_HASH_LEN];
    char hex[2 * TP_HASH_LEN + 1];
    if (EVP_Digest(public_pem, strlen(public_pem), hint, NULL, EVP_sha256(), NULL) != 1)
        return NULL;
    tp_hex_encode(hint, sizeof hint, hex);
    struct json_object *b = json_object_new_object(), *vm = json_object_new_object(),
                       *pk = json_object_new_object();
    json_object_object_add(pk, "hint", json_object_new_string(hex));
    json_object_object_add(vm, "publicKey", pk);
    json_object_object_add(vm, "tlogEntries", json_object_new_array());
    json_object_object_add(b, "mediaType", json_object_new_string(TP_SIGSTORE_BUNDLE_V03));
    json_object_object_add(b, "verificationMaterial", vm);
    json_object_object_add(b, "dsseEnvelope", json_object_get(envelope));
    return b;
}
