/* sign.c: Ed25519 (and, for the model-signing manifest, ECDSA P-256) key
 * files and DSSE-PAE signatures with OpenSSL 3. The private key never leaves
 * an EVP_PKEY: nothing here prints or logs it. */
#include "core/sign.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "core/error.h"

struct tp_key {
    EVP_PKEY *pkey;
    tp_key_type type;
    int has_private;
};

static const char *type_name(tp_key_type type)
{
    return type == TP_KEY_P256 ? "ECDSA P-256" : "Ed25519";
}

/* The key holds the type asked for (for P-256: an EC key on prime256v1). */
static int pkey_is(EVP_PKEY *pkey, tp_key_type type)
{
    if (type == TP_KEY_ED25519)
        return EVP_PKEY_get_base_id(pkey) == EVP_PKEY_ED25519;
    char curve[64];
    return EVP_PKEY_get_base_id(pkey) == EVP_PKEY_EC &&
           EVP_PKEY_get_utf8_string_param(pkey, "group", curve, sizeof curve, NULL) == 1 &&
           strcmp(curve, "prime256v1") == 0;
}

/* Fills err (it names the file) and returns code. */
static int fail(int code, char *err, size_t errlen, const char *fmt, const char *a,
                const char *b)
{
    if (err && errlen)
        snprintf(err, errlen, fmt, a, b ? b : "");
    return code;
}

static int write_pem_file(const char *path, EVP_PKEY *pkey, int private_key, char *err,
                          size_t errlen)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, private_key ? 0600 : 0644);
    if (fd < 0)
        return fail(-errno, err, errlen, "cannot create %s: %s", path, strerror(errno));
    FILE *f = fdopen(fd, "w");
    if (!f) {
        int e = errno;
        close(fd);
        errno = e;
        return fail(-errno, err, errlen, "cannot write %s: %s", path, strerror(errno));
    }
    int ok = private_key ? PEM_write_PKCS8PrivateKey(f, pkey, NULL, NULL, 0, NULL, NULL)
                         : PEM_write_PUBKEY(f, pkey);
    if (fclose(f) != 0 || !ok) {
        unlink(path);
        return fail(TP_ECRYPTO, err, errlen, "cannot write %s%s", path, ": write failed");
    }
    return 0;
}

int tp_key_generate_type(tp_key_type type, const char *private_path, const char *public_path,
                         char *err, size_t errlen)
{
    EVP_PKEY *pkey = type == TP_KEY_P256 ? EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")
                                         : EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    if (!pkey)
        return fail(TP_ECRYPTO, err, errlen, "%s key generation failed in OpenSSL%s",
                    type_name(type), NULL);
    int rc = write_pem_file(private_path, pkey, 1, err, errlen);
    if (rc == 0 && (rc = write_pem_file(public_path, pkey, 0, err, errlen)) != 0)
        unlink(private_path);
    EVP_PKEY_free(pkey);
    return rc;
}

int tp_key_generate(const char *private_path, const char *public_path, char *err, size_t errlen)
{
    return tp_key_generate_type(TP_KEY_ED25519, private_path, public_path, err, errlen);
}

/* The directory holding the (resolved) key file: owned by this user or root
 * and writable by no one else, so nobody else can swap the key. OpenSSH's
 * StrictModes rule. 0, or a negative code with err. */
static int check_key_dir(const char *path, char *err, size_t errlen)
{
    char real[PATH_MAX];
    struct stat st;
    if (!realpath(path, real))
        return fail(-errno, err, errlen, "cannot resolve key %s: %s", path, strerror(errno));
    char *slash = strrchr(real, '/');
    if (slash == real)
        slash[1] = '\0';
    else
        *slash = '\0';
    if (stat(real, &st) != 0)
        return fail(-errno, err, errlen, "cannot check the directory of key %s: %s", path,
                    strerror(errno));
    if (st.st_uid != geteuid() && st.st_uid != 0)
        return fail(-EACCES, err, errlen,
                    "private key %s is in directory %s, which belongs to another user; keep "
                    "keys in a directory of your own", path, real);
    if (st.st_mode & 022)
        return fail(-EACCES, err, errlen,
                    "private key %s is in directory %s, which others can write (another user "
                    "could replace the key); run: chmod go-w on it, or move the key", path, real);
    return 0;
}

/* Opens a key file (O_NONBLOCK: a FIFO planted as the key does not hang the
 * open) and checks what was opened: a regular file, and for a
 * private key owned by this user, readable by no one else, in a safe
 * directory. Returns the descriptor, or a negative code with err. */
static int open_key(const char *path, int want_private, char *err, size_t errlen)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return fail(-errno, err, errlen, "cannot read key %s: %s", path, strerror(errno));
    int rc = 0;
    char mode[16];
    if (fstat(fd, &st) != 0)
        rc = fail(-errno, err, errlen, "cannot read key %s: %s", path, strerror(errno));
    else if (!S_ISREG(st.st_mode))
        rc = fail(TP_EMALFORMED, err, errlen, "key %s is not a regular file%s", path, NULL);
    else if (want_private && st.st_uid != geteuid())
        rc = fail(-EACCES, err, errlen,
                  "private key %s belongs to another user%s; a private key must be owned by "
                  "the user who signs with it", path, NULL);
    else if (want_private && (st.st_mode & 077)) {
        snprintf(mode, sizeof mode, "%04o", (unsigned)(st.st_mode & 07777));
        rc = fail(-EACCES, err, errlen,
                  "private key %s is readable by others (mode %s); run: chmod 600 on it", path,
                  mode);
    } else if (want_private)
        rc = check_key_dir(path, err, errlen);
    if (rc != 0) {
        close(fd);
        return rc;
    }
    return fd;
}

static int load_key(tp_key_type type, const char *path, int want_private, tp_key **out,
                    char *err, size_t errlen)
{
    *out = NULL;
    int fd = open_key(path, want_private, err, errlen);
    if (fd < 0)
        return fd;
    BIO *bio = BIO_new_fd(fd, BIO_CLOSE);
    if (!bio) {
        close(fd);
        return fail(-ENOMEM, err, errlen, "cannot open key %s%s", path, ": out of memory");
    }
    EVP_PKEY *pkey = want_private ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL)
                                  : PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
    BIO_free(bio);
    if (!pkey)
        return fail(TP_EMALFORMED, err, errlen,
                    want_private ? "%s is not a PEM private key%s (make one with trainprov keygen)"
                                 : "%s is not a PEM public key%s (expected the .pub.pem from trainprov keygen)",
                    path, NULL);
    if (!pkey_is(pkey, type)) {
        EVP_PKEY_free(pkey);
        return fail(TP_EMALFORMED, err, errlen, "key %s is not an %s key", path, type_name(type));
    }
    tp_key *k = calloc(1, sizeof *k);
    if (!k) {
        EVP_PKEY_free(pkey);
        return fail(-ENOMEM, err, errlen, "out of memory loading %s%s", path, NULL);
    }
    k->pkey = pkey;
    k->type = type;
    k->has_private = want_private;
    *out = k;
    return 0;
}

int tp_key_load_private(const char *path, tp_key **out, char *err, size_t errlen)
{
    return load_key(TP_KEY_ED25519, path, 1, out, err, errlen);
}

int tp_key_load_public(const char *path, tp_key **out, char *err, size_t errlen)
{
    return load_key(TP_KEY_ED25519, path, 0, out, err, errlen);
}

int tp_key_load_private_type(tp_key_type type, const char *path, tp_key **out, char *err,
                             size_t errlen)
{
    return load_key(type, path, 1, out, err, errlen);
}

int tp_key_load_public_type(tp_key_type type, const char *path, tp_key **out, char *err,
                            size_t errlen)
{
    return load_key(type, path, 0, out, err, errlen);
}

void tp_key_free(tp_key *k)
{
    if (!k)
        return;
    EVP_PKEY_free(k->pkey);
    free(k);
}

void tp_key_id(const tp_key *k, uint8_t out[TP_KEY_ID_LEN])
{
    unsigned char *der = NULL;
    int len = i2d_PUBKEY(k->pkey, &der);
    if (len <= 0) {
        memset(out, 0, TP_KEY_ID_LEN);
        return;
    }
    EVP_Digest(der, (size_t)len, out, NULL, EVP_sha256(), NULL);
    OPENSSL_free(der);
}

char *tp_key_public_pem(const tp_key *k)
{
    BIO *bio = BIO_new(BIO_s_mem());
    char *data, *pem = NULL;
    if (bio && PEM_write_bio_PUBKEY(bio, k->pkey) == 1) {
        long n = BIO_get_mem_data(bio, &data);
        if (n > 0 && (pem = malloc((size_t)n + 1)) != NULL) {
            memcpy(pem, data, (size_t)n);
            pem[n] = '\0';
        }
    }
    BIO_free(bio);
    return pem;
}

size_t tp_pae(const char *payload_type, const uint8_t *body, size_t len, uint8_t *out, size_t cap)
{
    char head[256];
    int n = snprintf(head, sizeof head, "DSSEv1 %zu %s %zu ", strlen(payload_type), payload_type,
                     len);
    if (n < 0 || (size_t)n >= sizeof head)
        return 0;
    size_t total = (size_t)n + len;
    if (out && cap >= total) {
        memcpy(out, head, (size_t)n);
        if (len)
            memcpy(out + n, body, len);
    }
    return total;
}

/* Runs fn over PAE bytes built in a stack buffer when small, else the heap. */
static int with_pae(const char *type, const uint8_t *body, size_t len,
                    int (*fn)(const tp_key *, const uint8_t *, size_t, void *), const tp_key *k,
                    void *arg)
{
    uint8_t small[1024];
    size_t total = tp_pae(type, body, len, NULL, 0);
    if (total == 0)
        return TP_ETOOBIG;
    uint8_t *buf = total <= sizeof small ? small : malloc(total);
    if (!buf)
        return -ENOMEM;
    tp_pae(type, body, len, buf, total);
    int rc = fn(k, buf, total, arg);
    if (buf != small)
        free(buf);
    return rc;
}

static int sign_bytes(const tp_key *k, const uint8_t *msg, size_t len, void *sig)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    size_t siglen = TP_SIG_LEN;
    int ok = ctx && EVP_DigestSignInit(ctx, NULL, NULL, NULL, k->pkey) == 1 &&
             EVP_DigestSign(ctx, sig, &siglen, msg, len) == 1 && siglen == TP_SIG_LEN;
    EVP_MD_CTX_free(ctx);
    return ok ? 0 : TP_ECRYPTO;
}

struct sig_ref {
    const uint8_t *sig;
    size_t len;
};

static int verify_bytes(const tp_key *k, const uint8_t *msg, size_t len, void *arg)
{
    const struct sig_ref *s = arg;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = ctx && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, k->pkey) == 1 &&
             EVP_DigestVerify(ctx, s->sig, s->len, msg, len) == 1;
    EVP_MD_CTX_free(ctx);
    return ok ? 0 : TP_EVERIFY;
}

struct sig_out {
    uint8_t *sig;
    size_t *len;
};

static int sign_ecdsa_bytes(const tp_key *k, const uint8_t *msg, size_t len, void *arg)
{
    struct sig_out *out = arg;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    size_t siglen = TP_ECDSA_SIG_MAX;
    int ok = ctx && EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, k->pkey) == 1 &&
             EVP_DigestSign(ctx, out->sig, &siglen, msg, len) == 1;
    EVP_MD_CTX_free(ctx);
    *out->len = ok ? siglen : 0;
    return ok ? 0 : TP_ECRYPTO;
}

static int verify_ecdsa_bytes(const tp_key *k, const uint8_t *msg, size_t len, void *arg)
{
    const struct sig_ref *s = arg;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = ctx && EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, k->pkey) == 1 &&
             EVP_DigestVerify(ctx, s->sig, s->len, msg, len) == 1;
    EVP_MD_CTX_free(ctx);
    return ok ? 0 : TP_EVERIFY;
}

int tp_key_sign_ecdsa(const tp_key *k, const char *payload_type, const uint8_t *body, size_t len,
                      uint8_t sig[TP_ECDSA_SIG_MAX], size_t *siglen)
{
    if (!k || !k->has_private || k->type != TP_KEY_P256)
        return -EINVAL;
    struct sig_out out = {sig, siglen};
    return with_pae(payload_type, body, len, sign_ecdsa_bytes, k, &out);
}

int tp_key_verify_ecdsa(const tp_key *k, const char *payload_type, const uint8_t *body,
                        size_t len, const uint8_t *sig, size_t siglen)
{
    if (!k || k->type != TP_KEY_P256 || siglen == 0 || siglen > TP_ECDSA_SIG_MAX)
        return TP_EVERIFY;
    struct sig_ref s = {sig, siglen};
    return with_pae(payload_type, body, len, verify_ecdsa_bytes, k, &s);
}

int tp_key_sign(const tp_key *k, const char *payload_type, const uint8_t *body, size_t len,
                uint8_t sig[TP_SIG_LEN])
{
    if (!k || !k->has_private || k->type != TP_KEY_ED25519)
        return -EINVAL;
    return with_pae(payload_type, body, len, sign_bytes, k, sig);
}

int tp_key_verify(const tp_key *k, const char *payload_type, const uint8_t *body, size_t len,
                  const uint8_t *sig, size_t siglen)
{
    if (!k || k->type != TP_KEY_ED25519 || siglen != TP_SIG_LEN)
        return TP_EVERIFY;
    struct sig_ref s = {sig, siglen};
    return with_pae(payload_type, body, len, verify_bytes, k, &s);
}
