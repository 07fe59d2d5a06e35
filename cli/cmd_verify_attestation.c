/* cmd_verify_attestation.c: `trainprov verify-attestation MODEL.intoto.json
 * --pubkey KEY.pub.pem --model FILE|DIR [--json OUT.json|-] [--quiet]`:
 * checks an attestation `trainprov attest` wrote: the DSSE signature with
 * the trainer's public key, the payload type, the Statement and predicate
 * types, and that the subjects are exactly the model's files (each digest
 * equal to the file's sha256, no file missing, none extra; for a single-file
 * model the one digest, whatever the file is called now). Given the
 * model-signing manifest (`attest --oms-out`, a sigstore bundle) and its
 * P-256 public key, it checks that the way `model_signing verify key` does:
 * the key hint, the ECDSA signature, the predicate type, the subject digest
 * over the resources, and the resources against the files.
 * Exit 0: it holds; 1: the signature or a digest does not; 2: usage error,
 * unreadable key or model, or a file that is not one of those documents. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/commands.h"
#include "core/hex.h"
#include "runlog/records.h"
#include <openssl/evp.h>

#include "verify/attest.h"
#include "verify/dsse.h"
#include "verify/oms.h"

static const char usage[] =
    "usage: trainprov verify-attestation MODEL.intoto.json --pubkey KEY.pub.pem\n"
    "                                    --model FILE|DIR [--json OUT.json|-] [--quiet]\n"
    "  Checks an attestation written by `trainprov attest`: its signature with\n"
    "  KEY.pub.pem, its in-toto and SLSA types, and that its subjects are exactly\n"
    "  the files of the model with the same sha256. Given the model-signing\n"
    "  manifest (attest --oms-out) and its P-256 public key, checks that instead,\n"
    "  as `model_signing verify key` does.\n"
    "  --json OUT.json   also write the result as JSON ('-': JSON on stdout instead)\n"
    "  --quiet           no text; the exit status tells\n"
    "Exit status: 0 it holds, 1 the signature or a model file does not match,\n"
    "2 usage error or a file that is not what it should be.\n";

typedef struct {
    const char *path, *pubkey, *model, *json_path;
    int quiet;
} va_args;

static int parse_args(int argc, char **argv, va_args *a)
{
    static const struct option opts[] = {{"pubkey", required_argument, NULL, 'k'},
                                         {"model", required_argument, NULL, 'm'},
                                         {"json", required_argument, NULL, 'j'},
                                         {"quiet", no_argument, NULL, 'q'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int c;
    memset(a, 0, sizeof *a);
    optind = 1;
    while ((c = getopt_long(argc, argv, "k:m:j:qh", opts, NULL)) != -1) {
        switch (c) {
        case 'k': a->pubkey = optarg; break;
        case 'm': a->model = optarg; break;
        case 'j': a->json_path = optarg; break;
        case 'q': a->quiet = 1; break;
        case 'h': fputs(usage, stdout); return 1;
        default: fputs(usage, stderr); return -1;
        }
    }
    const char *missing = optind == argc      ? "which attestation? (MODEL.intoto.json is missing)"
                          : optind < argc - 1 ? "one attestation at a time"
                          : !a->pubkey        ? "--pubkey KEY.pub.pem is required"
                          : !a->model         ? "--model FILE|DIR is required"
                                              : NULL;
    if (missing) {
        fprintf(stderr, "trainprov verify-attestation: %s\n%s", missing, usage);
        return -1;
    }
    a->path = argv[optind];
    return 0;
}

/* Reads a regular file of at most TP_DSSE_FILE_MAX bytes (a FIFO does not
 * hang the open). A fresh NUL-terminated buffer, or NULL with err. */
static char *read_bounded(const char *path, size_t *len, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    struct stat st;
    char *buf = NULL;
    if (fd < 0 || fstat(fd, &st) != 0) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
    } else if (!S_ISREG(st.st_mode) || st.st_size > (off_t)TP_DSSE_FILE_MAX) {
        snprintf(err, errlen, "%s is not a regular file of at most %u MiB", path,
                 TP_DSSE_FILE_MAX >> 20);
    } else if (!(buf = malloc((size_t)st.st_size + 1))) {
        snprintf(err, errlen, "out of memory reading %s", path);
    } else {
        size_t n = 0;
        while (n < (size_t)st.st_size) {
            ssize_t r = read(fd, buf + n, (size_t)st.st_size - n);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0)
                break;
            n += (size_t)r;
        }
        if (n != (size_t)st.st_size) {
            snprintf(err, errlen, "cannot read %s: it changed while read", path);
            free(buf);
            buf = NULL;
        } else {
            buf[n] = '\0';
            *len = n;
        }
    }
    if (fd >= 0)
        close(fd);
    return buf;
}

static const char *member_string(struct json_object *o, const char *key)
{
    struct json_object *v;
    if (!json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, key, &v) ||
        !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

/* The result, built as JSON and printed as text from it. */
typedef struct {
    struct json_object *json, *subjects, *extra, *problems;
    int failed; /* a signature or digest check did not hold: exit 1 */
} result;

static void problem(result *r, const char *fmt, const char *a, const char *b)
{
    char line[1024];
    snprintf(line, sizeof line, fmt, a, b ? b : "");
    json_object_array_add(r->problems, json_object_new_string(line));
    r->failed = 1;
}

/* Which document is checked: trainprov's attestation or the model-signing manifest. */
typedef enum { DOC_INTOTO_SLSA, DOC_MODEL_SIGNING } doc_kind;

/* Signed by pub: one signature verifies over PAE(payloadType, payload)
 * (Ed25519 for the attestation, ECDSA P-256 for the manifest). */
static int signed_by(const tp_dsse *d, const tp_key *pub, doc_kind kind)
{
    for (size_t i = 0; i < d->n_sigs; i++)
        if ((kind == DOC_MODEL_SIGNING
                 ? tp_key_verify_ecdsa(pub, d->payload_type, d->payload, d->payload_len,
                                       d->sigs[i].sig, d->sigs[i].len)
                 : tp_key_verify(pub, d->payload_type, d->payload, d->payload_len,
                                 d->sigs[i].sig, d->sigs[i].len)) == 0)
            return 1;
    return 0;
}

/* One subject's check against a model file (or none). */
static void add_subject(result *r, const char *name, const char *want, const tp_model_file *f)
{
    char hex[2 * TP_HASH_LEN + 1] = "";
    struct json_object *o = json_object_new_object();
    if (f)
        tp_hex_encode(f->sha256, TP_HASH_LEN, hex);
    const char *status = !f ? "missing" : strcmp(hex, want) == 0 ? "match" : "changed";
    json_object_object_add(o, "name", json_object_new_string(name));
    json_object_object_add(o, "sha256", json_object_new_string(want));
    if (f) {
        json_object_object_add(o, "file", json_object_new_string(f->path));
        json_object_object_add(o, "file_sha256", json_object_new_string(hex));
    }
    json_object_object_add(o, "status", json_object_new_string(status));
    json_object_array_add(r->subjects, o);
    if (!f)
        problem(r, "subject %s: no such file in the model%s", name, NULL);
    else if (strcmp(status, "match") != 0)
        problem(r, "subject %s: %s has another sha256 than the attested one", name, f->path);
}

/* The model file of this name (the files are sorted by tp_model_name_cmp), or NULL. */
static const tp_model_file *find_file(const tp_model *m, const char *name)
{
    size_t lo = 0, hi = m->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = tp_model_name_cmp(name, m->files[mid].name);
        if (c == 0)
            return &m->files[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

/* Entry i's name and sha256 hex: an in-toto subject {name, digest: {sha256}}
 * or a model-signing resource {name, algorithm: sha256, digest}. NULL name
 * when the entry is malformed. */
static const char *entry(struct json_object *e, doc_kind kind, const char **want)
{
    struct json_object *digest;
    *want = NULL;
    if (kind == DOC_MODEL_SIGNING) {
        const char *alg = member_string(e, "algorithm");
        *want = alg && strcmp(alg, "sha256") == 0 ? member_string(e, "digest") : NULL;
    } else if (json_object_is_type(e, json_type_object) &&
               json_object_object_get_ex(e, "digest", &digest)) {
        *want = member_string(digest, "sha256");
    }
    const char *name = member_string(e, "name");
    return name && *want && strlen(*want) == 2 * TP_HASH_LEN &&
                   tp_hex_is_lower(*want, 2 * TP_HASH_LEN)
               ? name : NULL;
}

/* Compares the attested files (subjects, or the manifest's resources) with
 * the model's files; for the manifest, also its root digest (model_signing's
 * own consistency check). 0, or -1 when an entry is malformed (err). */
static int check_files(result *r, struct json_object *files, doc_kind kind,
                       const char *root_want, const tp_model *m, char *err, size_t errlen)
{
    size_t n = json_object_array_length(files);
    char *seen = calloc(m->n ? m->n : 1, 1);
    EVP_MD_CTX *root = EVP_MD_CTX_new();
    if (!seen || !root || EVP_DigestInit_ex(root, EVP_sha256(), NULL) != 1) {
        snprintf(err, errlen, "out of memory");
        free(seen);
        EVP_MD_CTX_free(root);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        const char *want, *name = entry(json_object_array_get_idx(files, i), kind, &want);
        uint8_t raw[TP_HASH_LEN];
        if (!name) {
            snprintf(err, errlen, "%s %zu has no name or no sha256 digest (64 lowercase hex)",
                     kind == DOC_MODEL_SIGNING ? "resource" : "subject", i);
            free(seen);
            EVP_MD_CTX_free(root);
            return -1;
        }
        tp_hex_decode(want, raw, TP_HASH_LEN);
        EVP_DigestUpdate(root, raw, TP_HASH_LEN);
        /* a file model is one file, whatever its name (model_signing calls it ".") */
        const tp_model_file *f = m->is_dir ? find_file(m, name) : n == 1 ? &m->files[0] : NULL;
        if (f && seen[f - m->files]) {
            problem(r, "subject %s is listed twice%s", name, NULL);
            continue;
        }
        if (f)
            seen[f - m->files] = 1;
        add_subject(r, name, want, f);
    }
    uint8_t digest[TP_HASH_LEN];
    char hex[2 * TP_HASH_LEN + 1];
    EVP_DigestFinal_ex(root, digest, NULL);
    EVP_MD_CTX_free(root);
    tp_hex_encode(digest, TP_HASH_LEN, hex);
    if (root_want && strcmp(root_want, hex) != 0)
        problem(r, "the manifest's subject digest %s is not the SHA-256 of its resources' "
                   "digests (%s)", root_want, hex);
    for (size_t k = 0; k < m->n; k++)
        if (!seen[k]) {
            json_object_array_add(r->extra, json_object_new_string(m->files[k].name));
            problem(r, "model file %s is not a subject of the attestation%s", m->files[k].path,
                    NULL);
        }
    free(seen);
    return 0;
}

/* The run the attestation speaks for: its run id and the attested verdict. */
static void add_run(result *r, struct json_object *st)
{
    struct json_object *pred, *rd, *meta, *bp;
    if (!json_object_object_get_ex(st, "predicate", &pred) ||
        !json_object_object_get_ex(pred, "runDetails", &rd))
        return;
    if (json_object_object_get_ex(rd, "metadata", &meta) && member_string(meta, "invocationId"))
        json_object_object_add(r->json, "run_id",
                               json_object_new_string(member_string(meta, "invocationId")));
    if (!json_object_object_get_ex(rd, "byproducts", &bp) ||
        !json_object_is_type(bp, json_type_array))
        return;
    for (size_t i = 0; i < json_object_array_length(bp); i++) {
        struct json_object *b = json_object_array_get_idx(bp, i), *ann;
        const char *name = member_string(b, "name");
        if (name && strcmp(name, TP_ATTEST_CLAIMS_NAME) == 0 &&
            json_object_object_get_ex(b, "annotations", &ann) && member_string(ann, "verdict"))
            json_object_object_add(r->json, "attested_verdict",
                                   json_object_new_string(member_string(ann, "verdict")));
    }
}

/* Parses and checks the statement. 0 (r says whether it holds), or -1 with
 * err when the document is not an attestation of the expected kind. */
static int check_statement(result *r, const tp_dsse *d, doc_kind kind, const tp_model *m,
                           char *err, size_t errlen)
{
    struct json_object *st = tp_json_parse_whole((const char *)d->payload, d->payload_len);
    struct json_object *files = NULL, *subjects, *pred;
    const char *type = member_string(st, "_type"), *pred_type = member_string(st, "predicateType"),
               *want_pred = kind == DOC_MODEL_SIGNING ? TP_OMS_PREDICATE_V1 : TP_SLSA_PROVENANCE_V1,
               *root = NULL;
    int has_subjects = json_object_object_get_ex(st, "subject", &subjects) &&
                       json_object_is_type(subjects, json_type_array) &&
                       json_object_array_length(subjects) > 0;
    if (kind == DOC_MODEL_SIGNING && has_subjects && json_object_array_length(subjects) == 1) {
        struct json_object *digest;
        if (json_object_object_get_ex(json_object_array_get_idx(subjects, 0), "digest", &digest))
            root = member_string(digest, "sha256");
        if (json_object_object_get_ex(st, "predicate", &pred))
            json_object_object_get_ex(pred, "resources", &files);
    } else if (kind == DOC_INTOTO_SLSA) {
        files = subjects;
    }
    int rc = -1;
    if (!st)
        snprintf(err, errlen, "the payload is not a JSON document");
    else if (!type || strcmp(type, TP_INTOTO_STATEMENT_V1) != 0)
        snprintf(err, errlen, "the payload is not an in-toto Statement v1 (_type %.200s)",
                 type ? type : "missing");
    else if (!pred_type || strcmp(pred_type, want_pred) != 0)
        snprintf(err, errlen, "predicateType is %.200s, not %s", pred_type ? pred_type : "missing",
                 want_pred);
    else if (!has_subjects || (kind == DOC_MODEL_SIGNING && !root))
        snprintf(err, errlen, kind == DOC_MODEL_SIGNING
                                  ? "the statement has not one subject with a sha256 digest"
                                  : "the statement has no subjects");
    else if (!files || !json_object_is_type(files, json_type_array))
        snprintf(err, errlen, "the manifest has no \"resources\" list");
    else if ((rc = check_files(r, files, kind, root, m, err, errlen)) == 0)
        add_run(r, st);
    json_object_put(st);
    return rc;
}

/* The SHA-256 of the public key's PEM equals the bundle's key hint, when it
 * has one (model_signing's check). */
static void check_hint(result *r, struct json_object *bundle, const tp_key *pub, const char *path)
{
    struct json_object *vm, *pk;
    const char *hint = json_object_object_get_ex(bundle, "verificationMaterial", &vm) &&
                               json_object_object_get_ex(vm, "publicKey", &pk)
                           ? member_string(pk, "hint") : NULL;
    char *pem = tp_key_public_pem(pub), hex[2 * TP_HASH_LEN + 1] = "";
    uint8_t d[TP_HASH_LEN];
    if (pem && EVP_Digest(pem, strlen(pem), d, NULL, EVP_sha256(), NULL) == 1)
        tp_hex_encode(d, TP_HASH_LEN, hex);
    free(pem);
    if (hint && strcmp(hint, hex) != 0)
        problem(r, "the bundle names another public key than %s (hint %s)", path, hint);
}

static void print_text(const va_args *a, const result *r)
{
    struct json_object *v, *verdict;
    printf("trainprov verify-attestation %s\n", a->path);
    if (json_object_object_get_ex(r->json, "run_id", &v))
        printf("  run id     %s (attested verdict %s)\n", json_object_get_string(v),
               json_object_object_get_ex(r->json, "attested_verdict", &verdict)
                   ? json_object_get_string(verdict) : "?");
    json_object_object_get_ex(r->json, "signature", &v);
    printf("  signature  %s with %s\n", json_object_get_string(v), a->pubkey);
    for (size_t i = 0; i < json_object_array_length(r->subjects); i++) {
        struct json_object *s = json_object_array_get_idx(r->subjects, i), *f;
        printf("  %-8s   ", json_object_get_string(json_object_object_get(s, "status")));
        tp_print_safe(stdout, json_object_get_string(json_object_object_get(s, "name")));
        printf("  sha256 %s", json_object_get_string(json_object_object_get(s, "sha256")));
        if (json_object_object_get_ex(s, "file", &f)) {
            fputs("  ", stdout);
            tp_print_safe(stdout, json_object_get_string(f));
        }
        fputc('\n', stdout);
    }
    for (size_t i = 0; i < json_object_array_length(r->extra); i++) {
        fputs("  extra      ", stdout);
        tp_print_safe(stdout, json_object_get_string(json_object_array_get_idx(r->extra, i)));
        fputs(" (not attested)\n", stdout);
    }
    for (size_t i = 0; i < json_object_array_length(r->problems); i++) {
        fputs("  problem    ", stdout);
        tp_print_safe(stdout, json_object_get_string(json_object_array_get_idx(r->problems, i)));
        fputc('\n', stdout);
    }
    printf("result: %s\n", r->failed ? "FAIL" : "PASS");
}

static int write_json(const char *path, struct json_object *j)
{
    int to_stdout = strcmp(path, "-") == 0;
    FILE *f = to_stdout ? stdout : fopen(path, "w");
    int rc = f ? tp_json_write(f, j) : -1;
    if (f && (to_stdout ? fflush(f) : fclose(f)) != 0)
        rc = -1;
    if (rc != 0)
        fprintf(stderr, "trainprov verify-attestation: cannot write %s\n", path);
    return rc;
}

/* Checks the document (an attestation, or a model-signing bundle) against
 * the key and the model into r. 0, or -1 with err for a document that is not
 * one of them or a key of the wrong kind. */
static int check(const va_args *a, const tp_model *m, result *r, char *err, size_t errlen)
{
    size_t len;
    char why[512];
    char *text = read_bounded(a->path, &len, err, errlen);
    if (!text)
        return -1;
    struct json_object *doc = tp_json_parse_whole(text, len), *env = doc, *inner;
    free(text);
    doc_kind kind = DOC_INTOTO_SLSA;
    if (doc && json_object_is_type(doc, json_type_object) &&
        json_object_object_get_ex(doc, "dsseEnvelope", &inner)) {
        kind = DOC_MODEL_SIGNING;
        env = inner;
        const char *media = member_string(doc, "mediaType");
        if (!media || strcmp(media, TP_SIGSTORE_BUNDLE_V03) != 0) {
            snprintf(err, errlen, "%s: a sigstore bundle of mediaType %.200s, not %s", a->path,
                     media ? media : "missing", TP_SIGSTORE_BUNDLE_V03);
            json_object_put(doc);
            return -1;
        }
    }
    tp_key *pub = NULL;
    tp_dsse d = {0};
    int rc = -1;
    if (!doc)
        snprintf(err, errlen, "%s: not a JSON document", a->path);
    else if (tp_dsse_from_json(env, &d, why, sizeof why) != 0)
        snprintf(err, errlen, "%s: %s", a->path, why);
    else if (strcmp(d.payload_type, TP_PAYLOAD_INTOTO) != 0)
        snprintf(err, errlen, "%s: payloadType is %.200s, not %s (not an in-toto attestation)",
                 a->path, d.payload_type, TP_PAYLOAD_INTOTO);
    else if (tp_key_load_public_type(kind == DOC_MODEL_SIGNING ? TP_KEY_P256 : TP_KEY_ED25519,
                                     a->pubkey, &pub, why, sizeof why) != 0)
        snprintf(err, errlen, "%s%s", why,
                 kind == DOC_MODEL_SIGNING ? " (a model-signing manifest is checked with the "
                                             "P-256 public key it was signed for)" : "");
    else {
        json_object_object_add(r->json, "format",
                               json_object_new_string(kind == DOC_MODEL_SIGNING
                                                          ? "model-signing-v1.0"
                                                          : "in-toto-slsa-provenance-v1"));
        if (kind == DOC_MODEL_SIGNING)
            check_hint(r, doc, pub, a->pubkey);
        int ok = signed_by(&d, pub, kind);
        json_object_object_add(r->json, "signature",
                               json_object_new_string(ok ? "valid" : "invalid"));
        if (!ok)
            problem(r, "the signature does not verify with %s%s", a->pubkey, NULL);
        if (check_statement(r, &d, kind, m, why, sizeof why) != 0)
            snprintf(err, errlen, "%s: %s", a->path, why);
        else
            rc = 0;
    }
    tp_dsse_free(&d);
    tp_key_free(pub);
    json_object_put(doc);
    return rc;
}

int tp_cmd_verify_attestation(int argc, char **argv)
{
    va_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc != 0)
        return rc > 0 ? 0 : 2;
    char err[1024];
    tp_model m = {0};
    result r = {json_object_new_object(), json_object_new_array(), json_object_new_array(),
                json_object_new_array(), 0};
    rc = 2;
    if (tp_model_load(a.model, &m, err, sizeof err) != 0 ||
        check(&a, &m, &r, err, sizeof err) != 0) {
        fprintf(stderr, "trainprov verify-attestation: %s\n", err);
    } else {
        rc = r.failed ? 1 : 0;
        json_object_object_add(r.json, "attestation", json_object_new_string(a.path));
        json_object_object_add(r.json, "model", json_object_new_string(a.model));
        json_object_object_add(r.json, "result", json_object_new_string(rc ? "fail" : "pass"));
        json_object_object_add(r.json, "subjects", json_object_get(r.subjects));
        json_object_object_add(r.json, "extra_files", json_object_get(r.extra));
        json_object_object_add(r.json, "problems", json_object_get(r.problems));
        int to_stdout = a.json_path && strcmp(a.json_path, "-") == 0;
        if (!a.quiet && !to_stdout)
            print_text(&a, &r);
        if (a.json_path && write_json(a.json_path, r.json) != 0)
            rc = 2;
    }
    json_object_put(r.json);
    json_object_put(r.subjects);
    json_object_put(r.extra);
    json_object_put(r.problems);
    tp_model_free(&m);
    return rc;
}
