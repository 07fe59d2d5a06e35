/* cmd_attest.c: `trainprov attest RUN.h5 --pubkey K.pub.pem --key K.pem
 * --model FILE|DIR -o model.intoto.json [--oms-key P256.pem --oms-out
 * model.sig] [the verify options]`: when the log verifies, writes a DSSE
 * envelope (signed with the trainer's Ed25519 key, the log's) holding an
 * in-toto Statement v1 with SLSA provenance v1 for the released model
 * (verify/attest.h, docs/ATTEST.md), and optionally the OpenSSF
 * model-signing manifest of the same files signed with an ECDSA P-256 key
 * (verify/oms.h). Nothing is written unless every claim the verdict needs
 * passes and every model file is a checkpoint this run wrote; there is no
 * --force: an attestation says the log verified.
 * Exit 0: written; 1: the log does not verify (the failed claims are named);
 * 2: usage error, unreadable key, model or log. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/claim_options.h"
#include "cli/claim_verdict.h"
#include "cli/commands.h"
#include "cli/write_atomic.h"
#include "core/hashfile.h"
#include "core/hex.h"
#include "runlog/records.h"
#include "verify/attest.h"
#include "verify/challenge.h"
#include "verify/claims.h"
#include "verify/dsse.h"
#include "verify/oms.h"

static const char usage_head[] =
    "usage: trainprov attest RUN.h5 --pubkey KEY.pub.pem --key KEY.pem --model FILE|DIR\n"
    "                        -o MODEL.intoto.json [--oms-key P256.pem --oms-out MODEL.sig]\n"
    "                        [--data-manifest FILE] [--strict] [--require CLAIM]...\n"
    "                        [--evaluator-pubkey EVAL.pub.pem]\n"
    "                        [--challenge CHALLENGE.json | --challenge-id ID]\n"
    "                        [--checkpoint STEP0.safetensors] [--init-declare LAWS.json]\n"
    "                        [--reference OTHER.safetensors] [--chain A.h5 B.h5 ...]\n"
    "                        [--max-work ELEMENTS] [--quiet]\n"
    "  When the log verifies (as `trainprov verify` with the same options) and\n"
    "  every file of the model is a checkpoint the run wrote, writes a signed\n"
    "  in-toto attestation (DSSE, SLSA provenance v1) for the model's files.\n"
    "  --key KEY.pem          the private key of --pubkey: signs the attestation\n"
    "  --model FILE|DIR       the released model: one file, or every file below DIR\n"
    "  -o, --output FILE      where the attestation goes (outside DIR)\n"
    "  --oms-key P256.pem     also write an OpenSSF model-signing manifest of the\n"
    "                         model, signed with this ECDSA P-256 key (trainprov\n"
    "                         keygen --type p256), checked by `model_signing verify key`\n"
    "  --oms-out MODEL.sig    where the model-signing manifest goes (outside DIR)\n"
    "  --quiet                print nothing on success\n"
    "  The verify options mean what they mean for `trainprov verify`:\n";
static const char usage_tail[] =
    "  There is no --force: nothing is written for a log that does not verify.\n"
    "Exit status: 0 written, 1 the log does not verify (the failed claims are\n"
    "named; nothing written), 2 usage error or a file that is not what it should be.\n";

typedef struct {
    const char *log_path, *key, *model, *out, *oms_key, *oms_out;
    int quiet;
    tp_claim_args c;
} attest_args;

static void print_usage(FILE *f)
{
    fputs(usage_head, f);
    fputs(tp_claim_options_usage, f);
    fputs(usage_tail, f);
}

static int parse_args(int argc, char **argv, attest_args *a)
{
    static const struct option own[] = {{"key", required_argument, NULL, 'K'},
                                        {"output", required_argument, NULL, 'o'},
                                        {"oms-key", required_argument, NULL, 'S'},
                                        {"oms-out", required_argument, NULL, 'O'},
                                        {"quiet", no_argument, NULL, 'q'},
                                        {"help", no_argument, NULL, 'h'},
                                        {NULL, 0, NULL, 0}};
    struct option opts[TP_CLAIM_OPTIONS_TABLE];
    int c;
    memset(a, 0, sizeof *a);
    if (tp_claim_args_begin(&a->c, "attest", &argc, argv, own, opts) != 0)
        return -1;
    while ((c = getopt_long(argc, argv, TP_CLAIM_SHORT_OPTIONS "o:qh", opts, NULL)) != -1) {
        int taken = tp_claim_args_take(&a->c, "attest", c, optarg);
        if (taken < 0)
            return -1;
        if (taken)
            continue;
        switch (c) {
        case 'K': a->key = optarg; break;
        case 'o': a->out = optarg; break;
        case 'S': a->oms_key = optarg; break;
        case 'O': a->oms_out = optarg; break;
        case 'q': a->quiet = 1; break;
        case 'h': print_usage(stdout); return 1;
        default: print_usage(stderr); return -1;
        }
    }
    a->log_path = tp_claim_args_finish(&a->c, "attest", argc, argv);
    a->model = a->c.claims.model_path;
    const char *missing = !a->log_path ? ""
                          : !a->key    ? "--key KEY.pem is required (it signs the attestation)"
                          : !a->model  ? "--model FILE|DIR is required (what is attested)"
                          : !a->out    ? "-o MODEL.intoto.json is required"
                          : !a->oms_key != !a->oms_out ? "--oms-key and --oms-out go together"
                                                       : NULL;
    if (missing) {
        if (*missing)
            fprintf(stderr, "trainprov attest: %s\n", missing);
        print_usage(stderr);
        return -1;
    }
    return 0;
}

/* Prints why the log does not earn an attestation; returns how many reasons. */
static size_t print_refusals(const attest_args *a, const tp_verdict *v, const tp_model *m,
                             const char *const *checkpoints)
{
    size_t n = 0, lineage_named = 0;
    for (size_t k = 0; k < TP_CLAIM_COUNT; k++) {
        const tp_claim *c = &v->claims[k];
        int required = 0;
        for (size_t r = 0; r < a->c.claims.n_require; r++)
            required |= strcmp(a->c.claims.require[r], c->id) == 0;
        if (c->status == TP_CLAIM_FAIL ||
            (c->status == TP_CLAIM_UNKNOWN && (a->c.claims.strict || required))) {
            fprintf(stderr, "trainprov attest: %s: claim %s %s: ", a->log_path, c->id,
                    c->status == TP_CLAIM_FAIL ? "failed" : "is unknown (and required)");
            tp_print_safe(stderr, c->detail ? c->detail : "");
            fputc('\n', stderr);
            n++;
            lineage_named |= strcmp(c->id, "lineage.final") == 0;
        }
    }
    for (size_t k = 0; k < m->n && !(lineage_named && !m->is_dir); k++)
        if (!checkpoints[k]) {
            fprintf(stderr, "trainprov attest: %s: claim lineage.final failed for model file ",
                    a->log_path);
            tp_print_safe(stderr, m->files[k].path);
            fputs(": its sha256 matches no checkpoint this run wrote\n", stderr);
            n++;
        }
    return n;
}

/* Serializes st, signs it (Ed25519 for the attestation, P-256 for the
 * model-signing manifest) and returns the envelope or bundle as text. */
static char *sign_statement(struct json_object *st, const tp_key *key, int ecdsa,
                            const char *keyid, const char *public_pem, size_t *len)
{
    size_t plen;
    char *payload = st ? tp_json_utf8(st, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE,
                                      &plen)
                       : NULL;
    uint8_t sig[TP_ECDSA_SIG_MAX];
    size_t siglen = TP_SIG_LEN;
    int rc = !payload ? -1
             : ecdsa  ? tp_key_sign_ecdsa(key, TP_PAYLOAD_INTOTO, (const uint8_t *)payload, plen,
                                          sig, &siglen)
                      : tp_key_sign(key, TP_PAYLOAD_INTOTO, (const uint8_t *)payload, plen, sig);
    struct json_object *env = rc == 0 ? tp_dsse_envelope(TP_PAYLOAD_INTOTO, (uint8_t *)payload,
                                                         plen, sig, siglen, keyid)
                                      : NULL;
    free(payload);
    struct json_object *doc = env && ecdsa ? tp_oms_bundle(env, public_pem) : json_object_get(env);
    json_object_put(env);
    char *text = doc ? tp_json_utf8(doc, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE,
                                    len)
                     : NULL;
    json_object_put(doc);
    return text;
}

/* Both outputs exist in memory before either is written. */
typedef struct {
    char *attestation, *oms;
    size_t attestation_len, oms_len;
} outputs;

static int build_outputs(const attest_args *a, const tp_runlog *log, const tp_verdict *v,
                         const tp_model *m, const char *const *checkpoints, const tp_key *key,
                         const tp_key *oms_key, const uint8_t log_sha256[TP_HASH_LEN],
                         const char *shown, outputs *o)
{
    tp_attest_input in = {.log_path = shown, .opt = &a->c.claims};
    memcpy(in.log_sha256, log_sha256, TP_HASH_LEN);
    uint8_t id[TP_KEY_ID_LEN];
    char keyid[2 * TP_KEY_ID_LEN + 1];
    tp_key_id(key, id);
    tp_hex_encode(id, sizeof id, keyid);
    struct json_object *st = tp_attest_statement(log, v, m, checkpoints, &in);
    o->attestation = sign_statement(st, key, 0, keyid, NULL, &o->attestation_len);
    json_object_put(st);
    if (o->attestation && oms_key) {
        char *pem = tp_key_public_pem(oms_key);
        st = pem ? tp_oms_statement(m) : NULL;
        o->oms = st ? sign_statement(st, oms_key, 1, "", pem, &o->oms_len) : NULL;
        json_object_put(st);
        free(pem);
    }
    if (!o->attestation || (oms_key && !o->oms)) {
        fprintf(stderr, "trainprov attest: cannot build or sign the attestation (out of memory "
                        "or OpenSSL failed)\n");
        return -1;
    }
    return 0;
}

/* The keys: the log's public key, its private half, and the P-256 key. */
static int load_keys(const attest_args *a, tp_key **pub, tp_key **key, tp_key **oms_key)
{
    char err[1024];
    uint8_t want[TP_KEY_ID_LEN], got[TP_KEY_ID_LEN];
    if (tp_key_load_public(a->c.pubkey, pub, err, sizeof err) != 0 ||
        tp_key_load_private(a->key, key, err, sizeof err) != 0 ||
        (a->oms_key && tp_key_load_private_type(TP_KEY_P256, a->oms_key, oms_key, err,
                                                sizeof err) != 0)) {
        fprintf(stderr, "trainprov attest: %s\n", err);
        return -1;
    }
    tp_key_id(*pub, want);
    tp_key_id(*key, got);
    if (memcmp(want, got, TP_KEY_ID_LEN) != 0) {
        fprintf(stderr, "trainprov attest: --key %s is not the private key of --pubkey %s (the "
                        "attestation is signed with the key that signed the log)\n",
                a->key, a->c.pubkey);
        return -1;
    }
    return 0;
}

static int refuse_inside_model(const tp_model *m, const char *what, const char *path)
{
    if (!path || !tp_model_contains(m, path))
        return 0;
    fprintf(stderr, "trainprov attest: %s %s is inside the model directory %s; write it "
                    "elsewhere (it would become a file of the model)\n", what, path, m->root);
    return -1;
}

/* The directory resolved and the last component as given: two spellings of
 * one file compare equal, whether or not it exists yet. */
#define CANONICAL_MAX (2 * PATH_MAX + 2)
static void canonical(const char *path, char out[CANONICAL_MAX])
{
    char copy[PATH_MAX], dir[PATH_MAX];
    snprintf(copy, sizeof copy, "%s", path);
    const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
    if (slash)
        copy[slash - path + (slash == path)] = '\0';
    if (!realpath(slash ? copy : ".", dir))
        snprintf(dir, sizeof dir, "%s", slash ? copy : ".");
    snprintf(out, CANONICAL_MAX, "%s/%s", dir, base);
}

/* An output must not replace an input (the log, a model file, a key) or the
 * other output. */
static int refuse_clobber(const attest_args *a, const tp_model *m)
{
    const char *outs[] = {a->out, a->oms_out};
    char o[CANONICAL_MAX], in[CANONICAL_MAX];
    for (size_t i = 0; i < 2 && outs[i]; i++) {
        canonical(outs[i], o);
        const char *inputs[] = {a->log_path, a->c.pubkey, a->key, a->oms_key,
                                i == 1 ? a->out : NULL};
        for (size_t k = 0; k < sizeof inputs / sizeof inputs[0] + m->n; k++) {
            const char *p = k < 5 ? inputs[k] : m->files[k - 5].path;
            if (!p)
                continue;
            canonical(p, in);
            if (strcmp(o, in) == 0) {
                fprintf(stderr, "trainprov attest: the output %s would replace %s\n", outs[i], p);
                return -1;
            }
        }
    }
    return 0;
}

/* Everything after the keys and the model: the log (or the chain ending in
 * it), its verdict, the outputs. */
static int attest_log(const attest_args *a, const tp_model *m, const tp_key *pub,
                      const tp_key *key, const tp_key *oms_key)
{
    uint8_t log_sha256[TP_HASH_LEN];
    uint64_t log_size;
    int rc = tp_sha256_path(a->log_path, log_sha256, &log_size);
    if (rc != 0) {
        fprintf(stderr, "trainprov attest: cannot read %s: %s\n", a->log_path, strerror(-rc));
        return 2;
    }
    tp_claim_options opt = a->c.claims;
    opt.model_path = m->is_dir ? NULL : m->files[0].path; /* a directory: matched below */
    tp_claim_verdict cv;
    const char **checkpoints = calloc(m->n, sizeof *checkpoints);
    outputs o = {0};
    rc = 2;
    if (!checkpoints) {
        fprintf(stderr, "trainprov attest: out of memory\n");
    } else if (tp_claim_verdict_eval(&cv, "attest", a->log_path, &a->c, &opt, pub) == 0) {
        size_t matched = tp_attest_match_checkpoints(&cv.v, m, checkpoints);
        if (!cv.v.pass || matched != m->n) {
            size_t n = print_refusals(a, &cv.v, m, checkpoints);
            fprintf(stderr, "trainprov attest: %s does not verify (%zu reason%s above): no "
                            "attestation written\n", a->log_path, n, tp_plural(n));
            rc = 1;
        } else if (build_outputs(a, cv.log, &cv.v, m, checkpoints, key, oms_key, log_sha256,
                                 cv.shown, &o) == 0 &&
                   tp_write_atomic("attest", a->out, o.attestation, o.attestation_len) == 0 &&
                   (!o.oms || tp_write_atomic("attest", a->oms_out, o.oms, o.oms_len) == 0)) {
            rc = 0;
            if (!a->quiet) {
                printf("trainprov attest: %s verifies; attestation of %zu model file%s written "
                       "to %s\n", cv.shown, m->n, tp_plural(m->n), a->out);
                if (o.oms)
                    printf("trainprov attest: OpenSSF model-signing manifest written to %s\n",
                           a->oms_out);
            }
        }
    }
    if (checkpoints)
        tp_claim_verdict_free(&cv);
    free(o.attestation);
    free(o.oms);
    free(checkpoints);
    return rc;
}

int tp_cmd_attest(int argc, char **argv)
{
    attest_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc != 0) {
        tp_claim_args_free(&a.c);
        return rc > 0 ? 0 : 2;
    }
    tp_key *pub = NULL, *key = NULL, *oms_key = NULL;
    tp_model m = {0};
    char err[1024];
    rc = 2;
    if (tp_claim_args_refuse_special(&a.c, "attest") != 0 ||
        load_keys(&a, &pub, &key, &oms_key) != 0)
        goto out;
    if (tp_model_load(a.model, &m, err, sizeof err) != 0) {
        fprintf(stderr, "trainprov attest: %s\n", err);
        goto out;
    }
    if (refuse_inside_model(&m, "-o", a.out) != 0 ||
        refuse_inside_model(&m, "--oms-out", a.oms_out) != 0 || refuse_clobber(&a, &m) != 0)
        goto out;
    rc = attest_log(&a, &m, pub, key, oms_key);
out:
    tp_model_free(&m);
    tp_key_free(pub);
    tp_key_free(key);
    tp_key_free(oms_key);
    tp_claim_args_free(&a.c);
    return rc;
}
