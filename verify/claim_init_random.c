/* claim_init_random.c: the claim init.random (docs/CLAIMS.md). At strength
 * exact every InitTensor of the log is regenerated from its committed seed
 * and the challenge nonce with the v1 initialiser (core/initrng.h) and its
 * digest compared; the challenge is checked against the evaluator's key;
 * the run's step-0 checkpoint (init_step0.c: the checkpoint it wrote before
 * its first data read, or a --checkpoint it wrote) must hold those bytes.
 *
 * The nonce that keys the regeneration is the one the evaluator expects: the
 * nonce of `--challenge FILE` when given (so a run keyed by another nonce
 * fails, naming its tensors), else the run's own RunStart nonce. The claim
 * passes only when every tensor regenerates, each seed was committed (a Seed
 * record with that value precedes the tensor in its stream), and the nonce is
 * an evaluator's signed challenge checked with --evaluator-pubkey, and a
 * step-0 checkpoint equal to the regenerated tensors ties them to the
 * training; a run whose tensors regenerate but whose nonce is not
 * authenticated is unknown (its init could have been computed before the
 * run), and so is one with no step-0 checkpoint, or one that cannot be
 * checked here (absent, changed since the run wrote it). Regeneration is chunked
 * (bounded memory) and uses every core. A run with no InitTensor (a job with
 * its framework's own initialiser) is tested at strength statistical from its
 * --checkpoint (init_statistical.c), which must be a checkpoint the run
 * wrote, else unknown. --reference adds the
 * centred similarity to a suspected donor (similarity.c) to the evidence,
 * whatever the strength. */
#define _GNU_SOURCE /* vasprintf */
#include "verify/claim.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "verify/challenge.h"
#include "verify/init_statistical.h"
#include "verify/init_step0.h"
#include "core/initrng.h"
#include "verify/safetensors.h"
#include "verify/similarity.h"
#include "core/hex.h"
#include "core/progress.h"
#include "runlog/records.h" /* tp_time_iso */

#define REGEN_CHUNK (16u << 20) /* elements regenerated per hash update */


__attribute__((format(printf, 3, 4))) static void conclude(tp_claim *cl, tp_claim_status st,
                                                           const char *fmt, ...)
{
    va_list ap;
    char *s = NULL;
    va_start(ap, fmt);
    if (vasprintf(&s, fmt, ap) < 0)
        s = NULL;
    va_end(ap);
    free(cl->detail);
    cl->detail = s;
    cl->status = st;
}

/* Fails with the problems found (the list goes to the evidence). */
static void conclude_problems(tp_claim *cl, tp_problems *p)
{
    json_object_object_add(tp_claim_evidence(cl), "problems", p->list);
    p->list = NULL;
    if (p->count > TP_DETAIL_PROBLEMS)
        conclude(cl, TP_CLAIM_FAIL, "%s; and %zu more", p->text, p->count - TP_DETAIL_PROBLEMS);
    else
        conclude(cl, TP_CLAIM_FAIL, "%s", p->text);
}

/* The elements t's shape declares; UINT64_MAX beyond what the v1
 * initialiser regenerates (regenerate() names that problem). */
static uint64_t declared_elements(const Trainprov__V1__InitTensor *t)
{
    uint64_t n = 1;
    if (t->n_shape > TP_ST_DIMS_MAX)
        return UINT64_MAX;
    for (size_t d = 0; d < t->n_shape; d++) {
        if (t->shape[d] && n > TP_INIT_MAX_ELEMS / t->shape[d])
            return UINT64_MAX;
        n *= t->shape[d];
    }
    return n;
}

static void ev_hex(tp_claim *cl, const char *key, const uint8_t *b, size_t n)
{
    char *h = malloc(2 * n + 1);
    if (!h)
        return;
    tp_hex_encode(b, n, h);
    json_object_object_add(tp_claim_evidence(cl), key, json_object_new_string(h));
    free(h);
}

static const Trainprov__V1__RunStart *run_start(const tp_decoded_stream *d)
{
    const Trainprov__V1__Record *r = d->n ? d->records[0] : NULL;
    return r && r->body_case == TRAINPROV__V1__RECORD__BODY_RUN_START ? r->run_start : NULL;
}

/* The Seed records of one stream, sorted by value then position, so that
 * "a Seed with this value precedes record i" is a binary search: a log of a
 * million InitTensors and Seeds costs n log n, not n^2. */
typedef struct {
    uint64_t value;
    size_t at;
} seed_at;

static int cmp_seed(const void *a, const void *b)
{
    const seed_at *x = a, *y = b;
    return x->value != y->value ? (x->value > y->value) - (x->value < y->value)
                                : (x->at > y->at) - (x->at < y->at);
}

/* The stream's Seeds (NULL with *n 0 when it has none); -1 when out of memory. */
static int stream_seeds(const tp_decoded_stream *d, seed_at **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    for (size_t k = 0; k < d->n; k++) {
        const Trainprov__V1__Record *r = d->records[k];
        if (!r || r->body_case != TRAINPROV__V1__RECORD__BODY_SEED)
            continue;
        if (!*out && !(*out = malloc(d->n * sizeof **out)))
            return -1;
        (*out)[(*n)++] = (seed_at){r->seed->value, k};
    }
    if (*n)
        qsort(*out, *n, sizeof **out, cmp_seed);
    return 0;
}

/* A Seed with this value precedes record i (seeds from stream_seeds). */
static int seed_committed(const seed_at *seeds, size_t n, size_t i, uint64_t value)
{
    size_t lo = 0, hi = n;
    while (lo < hi) { /* the first entry with this value: its earliest position */
        size_t mid = lo + (hi - lo) / 2;
        if (seeds[mid].value < value)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && seeds[lo].value == value && seeds[lo].at < i;
}

/* Regenerates t under nonce and compares its digest. 0 when it matches, 1
 * when not (problem added), -1 when out of memory. done of total: the
 * elements regenerated before this tensor, and in all (progress reports). */
static int regenerate(const Trainprov__V1__InitTensor *t, const uint8_t *nonce, size_t nonce_len,
                      tp_problems *p, uint64_t *elems_out, uint64_t done, uint64_t total)
{
    tp_init_spec spec;
    char why[160];
    uint8_t key[TP_INIT_KEY_LEN], digest[32];
    if (strcmp(t->spec, TP_INIT_SPEC) != 0) {
        tp_problems_add(p, "tensor %s: spec '%s' is not " TP_INIT_SPEC, t->name, t->spec);
        return 1;
    }
    if (tp_initrng_spec(t->distribution, t->params, t->n_params, t->dtype, &spec, why,
                        sizeof why) != 0) {
        tp_problems_add(p, "tensor %s: %s", t->name, why);
        return 1;
    }
    uint64_t n = 1;
    for (size_t d = 0; d < t->n_shape; d++) {
        if (t->n_shape > TP_ST_DIMS_MAX ||
            (t->shape[d] && n > TP_INIT_MAX_ELEMS / t->shape[d])) {
            tp_problems_add(p, "tensor %s: its shape is too large for " TP_INIT_SPEC, t->name);
            return 1;
        }
        n *= t->shape[d];
    }
    if (tp_initrng_key(nonce, nonce_len, t->seed, t->name, key) != 0) {
        tp_problems_add(p, "tensor %s: its name or the nonce has a length " TP_INIT_SPEC " refuses",
                t->name);
        return 1;
    }
    if (t->sha256.len != 32) {
        tp_problems_add(p, "tensor %s: its recorded sha256 is not 32 bytes", t->name);
        return 1;
    }
    size_t esz = tp_initrng_elem_size(spec.dtype);
    uint64_t chunk = n < REGEN_CHUNK ? n : REGEN_CHUNK;
    void *buf = malloc(chunk ? chunk * esz : 1);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int rc = buf && md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 ? 0 : -1;
    for (uint64_t at = 0; rc == 0 && at < n; at += chunk) {
        uint64_t k = n - at < chunk ? n - at : chunk;
        if (tp_initrng_fill(key, &spec, at, k, buf, 0) != 0) {
            tp_problems_add(p, "tensor %s: the initialiser refuses its parameters", t->name);
            rc = 1;
        } else if (EVP_DigestUpdate(md, buf, k * esz) != 1) {
            rc = -1;
        }
        tp_progress_report("regenerating init tensors", TP_PROGRESS_ELEMENTS, done + at + k,
                           total);
    }
    unsigned len = 0;
    if (rc == 0 && (EVP_DigestFinal_ex(md, digest, &len) != 1 || len != 32))
        rc = -1;
    free(buf);
    EVP_MD_CTX_free(md);
    if (rc != 0)
        return rc;
    *elems_out = n;
    if (memcmp(digest, t->sha256.data, 32) != 0) {
        char got[65], want[65];
        tp_hex_encode(digest, 32, got);
        tp_hex_encode(t->sha256.data, 32, want);
        tp_problems_add(p, "tensor %s: regenerated from seed %" PRIu64 " and the nonce its sha256 is "
                   "%.16s..., the log records %.16s...",
                t->name, t->seed, got, want);
        return 1;
    }
    return 0;
}

/* When the run started: the earliest RunStart of its streams (the wrapper's
 * job, or every rank's under mpirun). 0 when no stream has one. */
static int64_t run_started_ns(const tp_claim_ctx *c)
{
    int64_t first = 0;
    for (size_t s = 0; s < c->log->n_streams; s++) {
        const Trainprov__V1__RunStart *rs = c->streams[s].run_start;
        if (rs && rs->start_time_ns > 0 && (!first || rs->start_time_ns < first))
            first = rs->start_time_ns;
    }
    return first;
}

/* The run started within the challenge's validity: not before it was issued
 * (less the clock skew allowed between the evaluator's and the trainer's
 * machines), not after it expired. */
static void check_fresh(const tp_claim_ctx *c, const tp_challenge *ch, tp_problems *p,
                        tp_claim *cl)
{
    int64_t start = run_started_ns(c);
    char at[40], issued[40], until[40];
    json_object_object_add(tp_claim_evidence(cl), "challenge_valid_until_ns",
                           json_object_new_int64(ch->valid_until_ns));
    json_object_object_add(tp_claim_evidence(cl), "run_started_ns", json_object_new_int64(start));
    tp_time_iso(start, at);
    tp_time_iso(ch->time_ns, issued);
    tp_time_iso(ch->valid_until_ns, until);
    if (!start)
        tp_problems_add(p, "no RunStart records when the run started, so its challenge's "
                           "validity cannot be checked");
    else if (start < ch->time_ns - TP_CHALLENGE_CLOCK_SKEW_NS)
        tp_problems_add(p, "the run started at %s, before its challenge was issued (%s): the "
                           "challenge cannot have been answered by this run", at, issued);
    else if (start > ch->valid_until_ns)
        tp_problems_add(p, "the run started at %s, after its challenge expired (valid until "
                           "%s)", at, until);
}

/* The challenges: the one in the log (RunStart.challenge) and the one the
 * evaluator says it issued (--challenge, or its id with --challenge-id);
 * sets *nonce to the one to use and *authenticated when a signed challenge
 * the evaluator named binds it. */
static int check_challenge(const tp_claim_ctx *ctx, const Trainprov__V1__RunStart *rs,
                           tp_challenge *expected, const uint8_t **nonce, size_t *nonce_len,
                           int *authenticated, tp_problems *p, tp_claim *cl, char *err,
                           size_t errlen)
{
    const tp_claim_options *opt = ctx->opt;
    tp_key *eval = NULL;
    tp_challenge logged;
    char why[512];
    uint8_t doc[TP_CHALLENGE_MAX], id[TP_CHALLENGE_ID_LEN];
    size_t len;
    int have_logged = rs->challenge.len > 0, have_expected = opt->challenge_path != NULL;
    *nonce = rs->nonce.data;
    *nonce_len = rs->nonce.len;
    *authenticated = 0;
    if (have_expected &&
        tp_challenge_load(opt->challenge_path, doc, &len, expected, err, errlen) != 0)
        return -1;
    if (opt->evaluator_pubkey_path &&
        tp_key_load_public(opt->evaluator_pubkey_path, &eval, err, errlen) != 0)
        return -1;
    if (have_logged && tp_challenge_parse(rs->challenge.data, rs->challenge.len, &logged, why,
                                          sizeof why) != 0) {
        tp_problems_add(p, "the challenge in RunStart: %s", why);
        have_logged = 0;
    } else if (have_logged && (rs->nonce.len != TP_CHALLENGE_NONCE_LEN ||
                               memcmp(rs->nonce.data, logged.nonce, TP_CHALLENGE_NONCE_LEN))) {
        tp_problems_add(p, "RunStart's nonce is not the nonce of the challenge it records");
    }
    if (have_logged) {
        ev_hex(cl, "challenge_nonce", logged.nonce, sizeof logged.nonce);
        ev_hex(cl, "evaluator_key_id", logged.key_id, sizeof logged.key_id);
        json_object_object_add(tp_claim_evidence(cl), "challenge_time_ns",
                               json_object_new_int64(logged.time_ns));
    }
    if (have_expected) {
        *nonce = expected->nonce;
        *nonce_len = sizeof expected->nonce;
        if (rs->nonce.len != TP_CHALLENGE_NONCE_LEN ||
            memcmp(rs->nonce.data, expected->nonce, TP_CHALLENGE_NONCE_LEN) != 0)
            tp_problems_add(p, "the run's nonce is not the nonce of %s (the run answered another "
                       "challenge, or none)",
                    opt->challenge_path);
    }
    const tp_challenge *ch = have_expected ? expected : have_logged ? &logged : NULL;
    if (ch && tp_challenge_id(ch, id) == 0)
        ev_hex(cl, "challenge_id", id, sizeof id);
    if (ch && opt->challenge_id && memcmp(id, opt->challenge_id, sizeof id) != 0)
        tp_problems_add(p, "the run's challenge is not the one --challenge-id names (the run "
                           "answered another challenge)");
    if (ch)
        check_fresh(ctx, ch, p, cl);
    if (eval) {
        uint8_t kid[TP_KEY_ID_LEN];
        tp_key_id(eval, kid);
        int pinned = have_expected || opt->challenge_id;
        if ((ctx->log->has_key_id && !memcmp(kid, ctx->log->key_id, sizeof kid)) ||
            !memcmp(kid, ctx->pubkey_id, sizeof kid))
            tp_problems_add(p, "the evaluator key is the run's own signing key: the trainer "
                               "could have issued the challenge itself (refused)");
        else if (!ch)
            tp_problems_add(p, "the run records no challenge, so nothing binds it to the evaluator");
        else if (tp_challenge_verify(ch, eval, why, sizeof why) != 0)
            tp_problems_add(p, "%s", why);
        else
            *authenticated = pinned ? 1 : -1;
    }
    tp_key_free(eval);
    return 0;
}

int tp_claim_init_random(const tp_claim_ctx *c, tp_claim *cl, char *err, size_t errlen)
{
    const tp_runlog *log = c->log;
    const tp_decoded_stream *dec = c->dec;
    const tp_claim_options *opt = c->opt;
    tp_problems p = {0};
    size_t n = 0, cap = 0;
    Trainprov__V1__InitTensor **ts = NULL;
    const Trainprov__V1__RunStart *rs = log->n_streams ? run_start(&dec[0]) : NULL;
    size_t unsigned_tensors = 0;
    for (size_t s = 0; s < log->n_streams; s++) {
        seed_at *seeds;
        size_t n_seeds;
        if (stream_seeds(&dec[s], &seeds, &n_seeds) != 0) {
            free(ts);
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        for (size_t i = 0; i < dec[s].n; i++) {
            const Trainprov__V1__Record *r = dec[s].records[i];
            if (!r || r->body_case != TRAINPROV__V1__RECORD__BODY_INIT_TENSOR)
                continue;
            /* never regenerate what the key did not sign: a forged log
             * could ask for 2^34 elements per tensor */
            if (!tp_record_signed(c, s, i)) {
                unsigned_tensors++;
                tp_problems_add(&p, "tensor %s: its InitTensor record (%s, record %zu) is not "
                                    "covered by a head that verifies with --pubkey, so it was "
                                    "not regenerated",
                                r->init_tensor->name, c->streams[s].name, i);
                continue;
            }
            if (n == cap) {
                void *m = realloc(ts, (cap = cap ? 2 * cap : 64) * sizeof *ts);
                if (!m) {
                    free(ts);
                    free(seeds);
                    snprintf(err, errlen, "out of memory");
                    return -1;
                }
                ts = m;
            }
            ts[n++] = r->init_tensor;
            if (!seed_committed(seeds, n_seeds, i, r->init_tensor->seed))
                tp_problems_add(&p, "tensor %s: its seed %" PRIu64 " was not committed by a Seed record "
                            "before it",
                        r->init_tensor->name, r->init_tensor->seed);
        }
        free(seeds);
    }
    if (opt->reference_path) {
        struct json_object *sim;
        if (tp_similarity_report(opt->reference_path, opt->checkpoint_path, opt->model_path, &sim,
                                 err, errlen) != 0) {
            free(ts);
            json_object_put(p.list);
            return -1;
        }
        json_object_object_add(tp_claim_evidence(cl), "reference", sim);
    }
    if (n == 0 && unsigned_tensors) {
        free(ts);
        conclude_problems(cl, &p);
        return 0;
    }
    if (n == 0 || !rs) {
        free(ts);
        json_object_put(p.list);
        if (!opt->checkpoint_path) {
            conclude(cl, TP_CLAIM_UNKNOWN,
                     "the run recorded no InitTensor: it did not initialise with trainprov's v1 "
                     "initialiser (give its step-0 checkpoint with --checkpoint for strength "
                     "statistical)");
            return 0;
        }
        char why[TP_PROBLEM_MAX];
        int own = tp_step0_written_by_run(c, opt->checkpoint_path, why, sizeof why, err, errlen);
        if (own < 0)
            return -1;
        json_object_object_add(tp_claim_evidence(cl), "checkpoint_written_by_run",
                               json_object_new_boolean(own));
        if (!own) { /* a file the run did not write says nothing about its init */
            conclude(cl, TP_CLAIM_FAIL, "%s", why);
            return 0;
        }
        free(cl->detail);
        cl->detail = NULL;
        return tp_initstat_check(opt->checkpoint_path, opt->init_declare_path, tp_claim_evidence(cl),
                                 &cl->status, &cl->detail, err, errlen);
    }
    tp_challenge expected;
    const uint8_t *nonce;
    size_t nonce_len;
    int authenticated;
    tp_tie tie;
    char *tie_why = NULL;
    if (check_challenge(c, rs, &expected, &nonce, &nonce_len, &authenticated, &p, cl, err,
                        errlen) != 0 ||
        tp_step0_check(c, ts, n, &p, tp_claim_evidence(cl), &tie, &tie_why, err, errlen) != 0) {
        free(ts);
        free(tie_why);
        json_object_put(p.list);
        return -1;
    }
    uint64_t declared = 0, budget = opt->max_work ? opt->max_work : TP_MAX_WORK_DEFAULT;
    for (size_t i = 0; i < n; i++) {
        uint64_t e = declared_elements(ts[i]);
        if (e != UINT64_MAX) /* else regenerate() refuses it without work */
            declared = e > UINT64_MAX - declared ? UINT64_MAX : declared + e;
    }
    json_object_object_add(tp_claim_evidence(cl), "max_work_elements",
                           json_object_new_uint64(budget));
    if (declared > budget) {
        /* more work than the evaluator allows: nothing is regenerated */
        free(ts);
        free(tie_why);
        json_object_object_add(tp_claim_evidence(cl), "declared_elements",
                               json_object_new_uint64(declared));
        if (p.count) {
            conclude_problems(cl, &p);
            return 0;
        }
        conclude(cl, TP_CLAIM_UNKNOWN,
                 "the %zu signed InitTensor records declare %" PRIu64 " elements, more than "
                 "the --max-work budget of %" PRIu64 " elements: not regenerated (raise "
                 "--max-work to check them)",
                 n, declared, budget);
        return 0;
    }
    uint64_t elems = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t e = 0;
        if (regenerate(ts[i], nonce, nonce_len, &p, &e, elems, declared) < 0) {
            free(ts);
            free(tie_why);
            json_object_put(p.list);
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        elems += e;
    }
    free(ts);
    json_object_object_add(tp_claim_evidence(cl), "strength", json_object_new_string("exact"));
    json_object_object_add(tp_claim_evidence(cl), "spec", json_object_new_string(TP_INIT_SPEC));
    json_object_object_add(tp_claim_evidence(cl), "tensors", json_object_new_int64((int64_t)n));
    json_object_object_add(tp_claim_evidence(cl), "elements", json_object_new_int64((int64_t)elems));
    json_object_object_add(tp_claim_evidence(cl), "tied_to_training",
                           json_object_new_boolean(tie == TP_TIE_EQUAL));
    ev_hex(cl, "nonce", nonce, nonce_len);
    if (p.count) {
        conclude_problems(cl, &p);
        free(tie_why);
        return 0;
    }
    /* what the regeneration proves, then why that is not yet a pass */
    const char *nonce_why =
        authenticated == 1 ? NULL
        : nonce_len == 0   ? "the run answered no challenge: its init could have been computed "
                             "before the run"
        : authenticated < 0
            ? "no --challenge or --challenge-id says which challenge the evaluator issued: any "
              "challenge ever signed by the evaluator key would pass"
            : "the nonce is not checked against the evaluator's key (give --evaluator-pubkey)";
    if (nonce_why || tie != TP_TIE_EQUAL) {
        const char *sep = nonce_why && tie_why ? tie != TP_TIE_EQUAL ? "; and " : "; " : "";
        conclude(cl, TP_CLAIM_UNKNOWN,
                 "%zu tensors (%" PRIu64 " elements) regenerate exactly from the committed seed "
                 "and the run's nonce, but %s%s%s",
                 n, elems, nonce_why ? nonce_why : "", sep, tie_why ? tie_why : "");
        free(tie_why);
        return 0;
    }
    conclude(cl, TP_CLAIM_PASS,
             "strength exact: %zu tensors (%" PRIu64 " elements) regenerate bit for bit from "
             "the committed seed and the evaluator's signed challenge nonce; %s",
             n, elems, tie_why);
    free(tie_why);
    return 0;
}
