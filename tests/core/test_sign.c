/* test_sign.c: Ed25519 (and ECDSA P-256) key files, key ids and DSSE-PAE
 * signatures (core/sign.c). Keys are generated into a fresh temporary directory.
 * Where possible the expected values are computed independently of sign.c:
 * the PAE bytes are spelled out literally, the key id is SHA-256 of the DER
 * decoded straight from the PEM's base64, and signatures are checked with
 * plain OpenSSL EVP calls over hand-built PAE bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include "core/sign.h"
#include "core/hex.h"

struct fixture {
    char dir[64];
    char priv[128];
    char pub[128];
    char priv2[128];
    char pub2[128];
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    const char *tmp = getenv("TMPDIR");
    snprintf(f->dir, sizeof f->dir, "%s/tp-sign-XXXXXX", tmp && *tmp && strlen(tmp) < 40 ? tmp : "/tmp");
    if (!mkdtemp(f->dir)) {
        free(f);
        return -1;
    }
    snprintf(f->priv, sizeof f->priv, "%s/key.pem", f->dir);
    snprintf(f->pub, sizeof f->pub, "%s/key.pub.pem", f->dir);
    snprintf(f->priv2, sizeof f->priv2, "%s/other.pem", f->dir);
    snprintf(f->pub2, sizeof f->pub2, "%s/other.pub.pem", f->dir);
    char err[256] = "";
    mode_t old = umask(0); /* the private key must be 0600 whatever the umask */
    int rc1 = tp_key_generate(f->priv, f->pub, err, sizeof err);
    int rc2 = tp_key_generate(f->priv2, f->pub2, err, sizeof err);
    umask(old);
    if (rc1 != 0 || rc2 != 0) {
        fprintf(stderr, "keygen failed: %s\n", err);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    const char *files[] = {f->priv, f->pub, f->priv2, f->pub2};
    for (size_t i = 0; i < 4; i++)
        unlink(files[i]);
    char extra[160];
    snprintf(extra, sizeof extra, "%s/copy.pem", f->dir);
    unlink(extra);
    rmdir(f->dir);
    free(f);
    return 0;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    static char buf[8192];
    size_t n = fread(buf, 1, sizeof buf - 1, fp);
    fclose(fp);
    buf[n] = '\0';
    if (len)
        *len = n;
    char *out = malloc(n + 1);
    assert_non_null(out);
    memcpy(out, buf, n + 1);
    return out;
}

static void test_keygen_files(void **state)
{
    struct fixture *f = *state;
    struct stat st;
    assert_int_equal(stat(f->priv, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    assert_int_equal(stat(f->pub, &st), 0);
    assert_true(S_ISREG(st.st_mode));

    char *priv = slurp(f->priv, NULL);
    char *pub = slurp(f->pub, NULL);
    assert_non_null(strstr(priv, "-----BEGIN PRIVATE KEY-----")); /* PKCS#8 */
    assert_non_null(strstr(pub, "-----BEGIN PUBLIC KEY-----"));   /* SPKI */
    free(priv);
    free(pub);

    /* The files are Ed25519 keys as OpenSSL itself reads them. */
    FILE *fp = fopen(f->priv, "r");
    assert_non_null(fp);
    EVP_PKEY *pk = PEM_read_PrivateKey(fp, NULL, NULL, NULL);
    fclose(fp);
    assert_non_null(pk);
    assert_int_equal(EVP_PKEY_get_base_id(pk), EVP_PKEY_ED25519);
    EVP_PKEY_free(pk);

    /* Refuses to overwrite an existing key. */
    char err[256] = "";
    assert_int_not_equal(tp_key_generate(f->priv, f->pub, err, sizeof err), 0);
    assert_true(strlen(err) > 0);
}

static void test_private_key_mode_refused(void **state)
{
    struct fixture *f = *state;
    char copy[160], err[512] = "";
    snprintf(copy, sizeof copy, "%s/copy.pem", f->dir);
    size_t len;
    char *pem = slurp(f->priv, &len);
    FILE *fp = fopen(copy, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(pem, 1, len, fp), len);
    fclose(fp);
    free(pem);

    tp_key *k = NULL;
    assert_int_equal(chmod(copy, 0644), 0);
    assert_int_not_equal(tp_key_load_private(copy, &k, err, sizeof err), 0);
    assert_null(k);
    assert_non_null(strstr(err, copy)); /* the message names the file */

    err[0] = '\0';
    assert_int_equal(chmod(copy, 0640), 0);
    assert_int_not_equal(tp_key_load_private(copy, &k, err, sizeof err), 0);
    assert_null(k);
    assert_true(strlen(err) > 0);

    assert_int_equal(chmod(copy, 0600), 0);
    assert_int_equal(tp_key_load_private(copy, &k, err, sizeof err), 0);
    assert_non_null(k);
    tp_key_free(k);

    /* A missing file and a public key are not private keys. */
    char missing[160];
    snprintf(missing, sizeof missing, "%s/no-such-key.pem", f->dir);
    k = NULL;
    assert_int_not_equal(tp_key_load_private(missing, &k, err, sizeof err), 0);
    assert_null(k);
    assert_int_equal(chmod(f->pub, 0600), 0);
    assert_int_not_equal(tp_key_load_private(f->pub, &k, err, sizeof err), 0);
    assert_null(k);
    assert_int_equal(chmod(f->pub, 0644), 0);
}

/* OpenSSH's rules beyond the mode: a directory others can write (someone
 * else could swap the key) and, as root, a key owned by another user. */
static void test_private_key_owner_and_directory_refused(void **state)
{
    struct fixture *f = *state;
    char err[512] = "";
    tp_key *k = NULL;

    assert_int_equal(chmod(f->dir, 0777), 0);
    assert_int_not_equal(tp_key_load_private(f->priv, &k, err, sizeof err), 0);
    assert_null(k);
    assert_non_null(strstr(err, "others can write"));
    assert_non_null(strstr(err, f->dir));
    assert_int_equal(chmod(f->dir, 0770), 0); /* group-writable: refused too */
    assert_int_not_equal(tp_key_load_private(f->priv, &k, err, sizeof err), 0);
    assert_int_equal(chmod(f->dir, 0755), 0); /* others may read the directory */
    assert_int_equal(tp_key_load_private(f->priv, &k, err, sizeof err), 0);
    tp_key_free(k);
    k = NULL;
    assert_int_equal(chmod(f->dir, 0700), 0);
    /* A public key is not a secret: no such rule for it. */
    assert_int_equal(chmod(f->dir, 0777), 0);
    assert_int_equal(tp_key_load_public(f->pub, &k, err, sizeof err), 0);
    tp_key_free(k);
    k = NULL;
    assert_int_equal(chmod(f->dir, 0700), 0);

    if (geteuid() != 0)
        return; /* only root can give a file to another user */
    assert_int_equal(chown(f->priv2, 65534, (gid_t)-1), 0);
    err[0] = '\0';
    assert_int_not_equal(tp_key_load_private(f->priv2, &k, err, sizeof err), 0);
    assert_null(k);
    assert_non_null(strstr(err, "belongs to another user"));
    assert_int_equal(chown(f->priv2, 0, (gid_t)-1), 0);
    assert_int_equal(tp_key_load_private(f->priv2, &k, err, sizeof err), 0);
    tp_key_free(k);
}

static void test_pae_exact(void **state)
{
    (void)state;
    static const char expect[] =
        "DSSEv1 46 application/vnd.trainprov.treehead.v1+protobuf 5 hello";
    uint8_t out[256];
    size_t need = tp_pae(TP_PAYLOAD_TREEHEAD, (const uint8_t *)"hello", 5, NULL, 0);
    assert_int_equal(need, strlen(expect));
    size_t n = tp_pae(TP_PAYLOAD_TREEHEAD, (const uint8_t *)"hello", 5, out, sizeof out);
    assert_int_equal(n, strlen(expect));
    assert_memory_equal(out, expect, n);

    /* Binary body with NUL bytes, and the other payload type. */
    static const uint8_t body[3] = {0x00, 0xff, 0x0a};
    static const char prefix[] = "DSSEv1 46 application/vnd.trainprov.manifest.v1+protobuf 3 ";
    n = tp_pae(TP_PAYLOAD_MANIFEST, body, sizeof body, out, sizeof out);
    assert_int_equal(n, strlen(prefix) + 3);
    assert_memory_equal(out, prefix, strlen(prefix));
    assert_memory_equal(out + strlen(prefix), body, 3);

    /* Empty body. */
    static const char empty[] = "DSSEv1 4 text 0 ";
    n = tp_pae("text", NULL, 0, out, sizeof out);
    assert_int_equal(n, strlen(empty));
    assert_memory_equal(out, empty, n);

    /* Too small a buffer: the size is still reported and nothing overflows. */
    uint8_t small[8];
    memset(small, 0xAA, sizeof small);
    n = tp_pae(TP_PAYLOAD_TREEHEAD, (const uint8_t *)"hello", 5, small, sizeof small);
    assert_int_equal(n, strlen(expect));
}

/* key id = SHA-256(DER of SubjectPublicKeyInfo); the DER is decoded here
 * directly from the PEM's base64, not through sign.c. */
static void test_key_id(void **state)
{
    struct fixture *f = *state;
    char *pem = slurp(f->pub, NULL);
    char b64[1024] = "";
    char *p = strstr(pem, "-----BEGIN PUBLIC KEY-----");
    assert_non_null(p);
    p = strchr(p, '\n');
    assert_non_null(p);
    p++;
    char *end = strstr(p, "-----END PUBLIC KEY-----");
    assert_non_null(end);
    size_t o = 0;
    for (; p < end; p++)
        if (*p != '\n' && *p != '\r' && o < sizeof b64 - 1)
            b64[o++] = *p;
    b64[o] = '\0';
    free(pem);
    unsigned char der[512];
    int dlen = EVP_DecodeBlock(der, (const unsigned char *)b64, (int)o);
    assert_true(dlen > 0);
    while (o > 0 && b64[o - 1] == '=') { /* EVP_DecodeBlock counts padding */
        dlen--;
        o--;
    }
    assert_int_equal(dlen, 44); /* Ed25519 SPKI DER is 44 bytes */
    uint8_t expect[32];
    SHA256(der, (size_t)dlen, expect);

    tp_key *pub = NULL, *priv = NULL;
    char err[256];
    assert_int_equal(tp_key_load_public(f->pub, &pub, err, sizeof err), 0);
    assert_int_equal(tp_key_load_private(f->priv, &priv, err, sizeof err), 0);
    uint8_t id_pub[32], id_priv[32];
    tp_key_id(pub, id_pub);
    tp_key_id(priv, id_priv);
    assert_memory_equal(id_pub, expect, 32);
    assert_memory_equal(id_priv, expect, 32); /* same id from either half */

    tp_key *other = NULL;
    uint8_t id_other[32];
    assert_int_equal(tp_key_load_public(f->pub2, &other, err, sizeof err), 0);
    tp_key_id(other, id_other);
    assert_memory_not_equal(id_other, expect, 32);

    char hex[65];
    tp_hex_encode(expect, 32, hex);
    assert_int_equal(strlen(hex), 64);
    for (int i = 0; i < 64; i++)
        assert_true((hex[i] >= '0' && hex[i] <= '9') || (hex[i] >= 'a' && hex[i] <= 'f'));
    tp_key_free(pub);
    tp_key_free(priv);
    tp_key_free(other);
}

static void test_sign_verify(void **state)
{
    struct fixture *f = *state;
    tp_key *priv = NULL, *pub = NULL, *pub2 = NULL, *priv2 = NULL;
    char err[256];
    assert_int_equal(tp_key_load_private(f->priv, &priv, err, sizeof err), 0);
    assert_int_equal(tp_key_load_public(f->pub, &pub, err, sizeof err), 0);
    assert_int_equal(tp_key_load_public(f->pub2, &pub2, err, sizeof err), 0);
    assert_int_equal(tp_key_load_private(f->priv2, &priv2, err, sizeof err), 0);

    uint8_t body[100];
    for (size_t i = 0; i < sizeof body; i++)
        body[i] = (uint8_t)(i * 13 + 1);
    uint8_t sig[TP_SIG_LEN];
    assert_int_equal(tp_key_sign(priv, TP_PAYLOAD_TREEHEAD, body, sizeof body, sig), 0);

    /* Round trip with the public key, and with the private key's public half. */
    assert_int_equal(tp_key_verify(pub, TP_PAYLOAD_TREEHEAD, body, sizeof body, sig, TP_SIG_LEN), 0);
    assert_int_equal(tp_key_verify(priv, TP_PAYLOAD_TREEHEAD, body, sizeof body, sig, TP_SIG_LEN), 0);

    /* Ed25519 is deterministic. */
    uint8_t sig_again[TP_SIG_LEN];
    assert_int_equal(tp_key_sign(priv, TP_PAYLOAD_TREEHEAD, body, sizeof body, sig_again), 0);
    assert_memory_equal(sig, sig_again, TP_SIG_LEN);

    /* Any flipped bit of the signature fails. */
    for (size_t bit = 0; bit < TP_SIG_LEN * 8; bit += 37) {
        uint8_t bad[TP_SIG_LEN];
        memcpy(bad, sig, TP_SIG_LEN);
        bad[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        assert_int_not_equal(
            tp_key_verify(pub, TP_PAYLOAD_TREEHEAD, body, sizeof body, bad, TP_SIG_LEN), 0);
    }
    /* A flipped bit of the body fails. */
    for (size_t i = 0; i < sizeof body; i += 9) {
        uint8_t bad[sizeof body];
        memcpy(bad, body, sizeof body);
        bad[i] ^= 0x01;
        assert_int_not_equal(tp_key_verify(pub, TP_PAYLOAD_TREEHEAD, bad, sizeof bad, sig, TP_SIG_LEN), 0);
    }
    /* A shorter body fails. */
    assert_int_not_equal(tp_key_verify(pub, TP_PAYLOAD_TREEHEAD, body, sizeof body - 1, sig, TP_SIG_LEN), 0);
    /* Another key fails. */
    assert_int_not_equal(tp_key_verify(pub2, TP_PAYLOAD_TREEHEAD, body, sizeof body, sig, TP_SIG_LEN), 0);
    /* Another payload type fails (a head cannot pass as a manifest). */
    assert_int_not_equal(tp_key_verify(pub, TP_PAYLOAD_MANIFEST, body, sizeof body, sig, TP_SIG_LEN), 0);
    /* Wrong signature length fails. */
    assert_int_not_equal(tp_key_verify(pub, TP_PAYLOAD_TREEHEAD, body, sizeof body, sig, TP_SIG_LEN - 1), 0);
    /* A public key cannot sign. */
    uint8_t nosig[TP_SIG_LEN];
    assert_int_not_equal(tp_key_sign(pub, TP_PAYLOAD_TREEHEAD, body, sizeof body, nosig), 0);
    /* The other key's signature differs and verifies only with its own key. */
    uint8_t sig2[TP_SIG_LEN];
    assert_int_equal(tp_key_sign(priv2, TP_PAYLOAD_TREEHEAD, body, sizeof body, sig2), 0);
    assert_memory_not_equal(sig, sig2, TP_SIG_LEN);
    assert_int_not_equal(tp_key_verify(pub, TP_PAYLOAD_TREEHEAD, body, sizeof body, sig2, TP_SIG_LEN), 0);

    /* A large body (past any stack buffer) round-trips. */
    size_t big_len = 100000;
    uint8_t *big = malloc(big_len);
    assert_non_null(big);
    for (size_t i = 0; i < big_len; i++)
        big[i] = (uint8_t)(i ^ (i >> 8));
    assert_int_equal(tp_key_sign(priv, TP_PAYLOAD_MANIFEST, big, big_len, sig), 0);
    assert_int_equal(tp_key_verify(pub, TP_PAYLOAD_MANIFEST, big, big_len, sig, TP_SIG_LEN), 0);
    big[big_len - 1] ^= 0x80;
    assert_int_not_equal(tp_key_verify(pub, TP_PAYLOAD_MANIFEST, big, big_len, sig, TP_SIG_LEN), 0);
    free(big);

    tp_key_free(priv);
    tp_key_free(pub);
    tp_key_free(pub2);
    tp_key_free(priv2);
}

/* The signature is over the PAE bytes: plain OpenSSL verifies it over a
 * hand-built PAE (what `openssl pkeyutl -verify -rawin` does), and not over
 * the bare body. */
static void test_signature_is_over_pae(void **state)
{
    struct fixture *f = *state;
    tp_key *priv = NULL;
    char err[256];
    assert_int_equal(tp_key_load_private(f->priv, &priv, err, sizeof err), 0);
    const uint8_t body[] = "tree head body bytes";
    size_t blen = sizeof body - 1;
    uint8_t sig[TP_SIG_LEN];
    assert_int_equal(tp_key_sign(priv, TP_PAYLOAD_TREEHEAD, body, blen, sig), 0);

    char pae[256];
    int n = snprintf(pae, sizeof pae, "DSSEv1 %zu %s %zu ", strlen(TP_PAYLOAD_TREEHEAD),
                     TP_PAYLOAD_TREEHEAD, blen);
    memcpy(pae + n, body, blen);
    size_t pae_len = (size_t)n + blen;

    FILE *fp = fopen(f->pub, "r");
    assert_non_null(fp);
    EVP_PKEY *pk = PEM_read_PUBKEY(fp, NULL, NULL, NULL);
    fclose(fp);
    assert_non_null(pk);

    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    assert_int_equal(EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pk), 1);
    assert_int_equal(EVP_DigestVerify(ctx, sig, TP_SIG_LEN, (const uint8_t *)pae, pae_len), 1);
    EVP_MD_CTX_free(ctx);

    ctx = EVP_MD_CTX_new();
    assert_int_equal(EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pk), 1);
    assert_int_not_equal(EVP_DigestVerify(ctx, sig, TP_SIG_LEN, body, blen), 1);
    EVP_MD_CTX_free(ctx);

    EVP_PKEY_free(pk);
    tp_key_free(priv);
}

/* An ECDSA P-256 key (the model-signing manifest's): keygen writes a P-256
 * pair; its signature is DER ECDSA with SHA-256 over the same PAE, which
 * plain OpenSSL verifies over hand-built PAE bytes; the public PEM is the
 * file's bytes; and neither kind of key passes as the other, nor signs with
 * the other's function. */
static void test_p256_sign_over_pae(void **state)
{
    struct fixture *f = *state;
    char priv_path[160], pub_path[160], err[256];
    snprintf(priv_path, sizeof priv_path, "%s/p256.pem", f->dir);
    snprintf(pub_path, sizeof pub_path, "%s/p256.pub.pem", f->dir);
    assert_int_equal(tp_key_generate_type(TP_KEY_P256, priv_path, pub_path, err, sizeof err), 0);
    tp_key *priv = NULL, *pub = NULL, *wrong = NULL, *ed = NULL;
    assert_int_equal(tp_key_load_private_type(TP_KEY_P256, priv_path, &priv, err, sizeof err), 0);
    assert_int_equal(tp_key_load_public_type(TP_KEY_P256, pub_path, &pub, err, sizeof err), 0);
    /* Not each other's kind. */
    assert_int_not_equal(tp_key_load_private(priv_path, &wrong, err, sizeof err), 0);
    assert_non_null(strstr(err, "not an Ed25519 key"));
    assert_int_not_equal(tp_key_load_public_type(TP_KEY_P256, f->pub, &wrong, err, sizeof err), 0);
    assert_non_null(strstr(err, "not an ECDSA P-256 key"));
    assert_null(wrong);

    const uint8_t body[] = "{\"_type\":\"https://in-toto.io/Statement/v1\"}";
    size_t blen = sizeof body - 1;
    const char *type = "application/vnd.in-toto+json";
    uint8_t sig[TP_ECDSA_SIG_MAX], nosig[TP_SIG_LEN];
    size_t siglen = 0;
    assert_int_equal(tp_key_sign_ecdsa(priv, type, body, blen, sig, &siglen), 0);
    assert_true(siglen >= 8 && siglen <= TP_ECDSA_SIG_MAX && sig[0] == 0x30); /* DER SEQUENCE */
    assert_int_equal(tp_key_verify_ecdsa(pub, type, body, blen, sig, siglen), 0);
    assert_int_not_equal(tp_key_verify_ecdsa(pub, "application/json", body, blen, sig, siglen), 0);
    assert_int_not_equal(tp_key_sign(priv, type, body, blen, nosig), 0);
    assert_int_equal(tp_key_load_private(f->priv, &ed, err, sizeof err), 0);
    assert_int_not_equal(tp_key_sign_ecdsa(ed, type, body, blen, sig, &siglen), 0);
    tp_key_free(ed);

    /* Plain OpenSSL, SHA-256 over the hand-built PAE; not over the bare body. */
    char pae[256];
    int n = snprintf(pae, sizeof pae, "DSSEv1 %zu %s %zu ", strlen(type), type, blen);
    memcpy(pae + n, body, blen);
    assert_int_equal(tp_key_sign_ecdsa(priv, type, body, blen, sig, &siglen), 0);
    FILE *fp = fopen(pub_path, "r");
    assert_non_null(fp);
    EVP_PKEY *pk = PEM_read_PUBKEY(fp, NULL, NULL, NULL);
    fclose(fp);
    assert_non_null(pk);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    assert_int_equal(EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, pk), 1);
    assert_int_equal(EVP_DigestVerify(ctx, sig, siglen, (const uint8_t *)pae, (size_t)n + blen), 1);
    EVP_MD_CTX_free(ctx);
    ctx = EVP_MD_CTX_new();
    assert_int_equal(EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, pk), 1);
    assert_int_not_equal(EVP_DigestVerify(ctx, sig, siglen, body, blen), 1);
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(pk);

    /* The public PEM is the file's bytes (model_signing's key hint hashes them). */
    size_t flen;
    char *file = slurp(pub_path, &flen);
    char *pem = tp_key_public_pem(priv);
    assert_non_null(pem);
    assert_int_equal(strlen(pem), flen);
    assert_memory_equal(pem, file, flen);
    free(pem);
    free(file);

    tp_key_free(priv);
    tp_key_free(pub);
    unlink(priv_path);
    unlink(pub_path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keygen_files),
        cmocka_unit_test(test_private_key_mode_refused),
        cmocka_unit_test(test_private_key_owner_and_directory_refused),
        cmocka_unit_test(test_pae_exact),
        cmocka_unit_test(test_key_id),
        cmocka_unit_test(test_sign_verify),
        cmocka_unit_test(test_signature_is_over_pae),
        cmocka_unit_test(test_p256_sign_over_pae),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
