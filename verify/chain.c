/* chain.c: resume chains (chain.h, docs/CLAIMS.md "Resume chains"): a
 * segment's digest, the check `trainprov run --resume-from` makes of the
 * previous segment, and `verify --chain`: every segment's own claims (a read
 * of a file an earlier segment authored is the campaign's own), every link
 * (segment k resumes from segment k-1's digest, one trainer key, distinct
 * runs, one challenge), and the claims across the campaign. */
#define _GNU_SOURCE /* vasprintf, asprintf */
#include "verify/chain.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "core/hex.h"
#include "core/vocab.h"
#include "runlog/h5log.h"
#include "verify/claim.h"

#define TP_RECOVERED_DOMAIN "trainprov/segment/v1 recovered"

/* ---- a segment's digest ---- */

static void put_u64(EVP_MD_CTX *md, uint64_t v)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (56 - 8 * i));
    EVP_DigestUpdate(md, b, sizeof b);
}

static int cmp_stream(const void *a, const void *b)
{
    uint64_t x = (*(const tp_stream_data *const *)a)->stream_id;
    uint64_t y = (*(const tp_stream_data *const *)b)->stream_id;
    return x < y ? -1 : x > y;
}

int tp_chain_segment_digest(const tp_runlog *log, uint8_t out[TP_HASH_LEN])
{
    if (log->has_manifest)
        return EVP_Digest(log->manifest_body.data, log->manifest_body.len, out, NULL,
                          EVP_sha256(), NULL) == 1 ? 0 : -1;
    const tp_stream_data **by_id = calloc(log->n_streams ? log->n_streams : 1, sizeof *by_id);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int ok = by_id && md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1;
    if (ok) {
        for (size_t s = 0; s < log->n_streams; s++)
            by_id[s] = &log->streams[s];
        qsort(by_id, log->n_streams, sizeof *by_id, cmp_stream);
        EVP_DigestUpdate(md, TP_RECOVERED_DOMAIN, sizeof TP_RECOVERED_DOMAIN);
        EVP_DigestUpdate(md, log->run_id, TP_RUN_ID_LEN);
        EVP_DigestUpdate(md, log->key_id, TP_KEY_ID_LEN);
        put_u64(md, log->n_streams);
        for (size_t s = 0; s < log->n_streams; s++) {
            const tp_stream_data *st = by_id[s];
            const tp_bytes *last = st->n_heads ? &st->head_bodies[st->n_heads - 1] : NULL;
            put_u64(md, st->stream_id);
            put_u64(md, last ? last->len : 0);
            if (last)
                EVP_DigestUpdate(md, last->data, last->len);
        }
        ok = EVP_DigestFinal_ex(md, out, NULL) == 1;
    }
    EVP_MD_CTX_free(md);
    free(by_id);
    return ok ? 0 : -1;
}

/* ---- the previous segment, at run start ---- */

/* log.integrity and run.binding of log under key, without the other claims
 * (init.random may regenerate a model's tensors: not at every resume). */
static int check_signed(const tp_runlog *log, const tp_file_table *index, const tp_key *key,
                        tp_claim out[2], char *err, size_t errlen)
{
    tp_decoded_stream *dec = NULL;
    tp_file_table files = {0};
    tp_claim_ctx c = {0};
    tp_claim_options opt = {0};
    uint8_t pubkey_id[TP_KEY_ID_LEN];
    int rc = -1;
    tp_key_id(key, pubkey_id);
    if (tp_records_decode_all(log, &dec) != 0 || tp_files_from_records(log, dec, &files) != 0 ||
        tp_claim_ctx_init(&c, log, index, key, &opt, dec, &files, pubkey_id) != 0)
        snprintf(err, errlen, "out of memory");
    else if (tp_claim_log_integrity(&c, &out[0], err, errlen) == 0 &&
             tp_claim_run_binding(&c, &out[1], err, errlen) == 0)
        rc = 0;
    tp_claim_ctx_free(&c);
    tp_files_free(&files);
    if (dec)
        tp_records_free_all(dec, log->n_streams);
    return rc;
}

int tp_chain_check_previous(const char *path, const tp_key *key, uint8_t digest[TP_HASH_LEN],
                            char *err, size_t errlen)
{
    tp_runlog log;
    tp_file_table index;
    char why[1024];
    if (tp_h5log_read_files(path, &log, &index, why, sizeof why) != 0) {
        snprintf(err, errlen, "--resume-from: %s", why);
        return -1;
    }
    uint8_t key_id[TP_KEY_ID_LEN];
    tp_key_id(key, key_id);
    tp_claim cl[2] = {{.id = "log.integrity"}, {.id = "run.binding"}};
    int rc = -1;
    if (!log.has_key_id || memcmp(log.key_id, key_id, TP_KEY_ID_LEN) != 0) {
        char want[2 * TP_KEY_ID_LEN + 1];
        tp_hex_encode(key_id, TP_KEY_ID_LEN, want);
        snprintf(err, errlen, "--resume-from %s: signed by key %s, not by --key (%s): the "
                 "segments of a campaign are signed with one trainer key",
                 path, tp_runlog_ids(&log).key_id, want);
    } else if (check_signed(&log, &index, key, cl, why, sizeof why) != 0) {
        snprintf(err, errlen, "--resume-from %s: %s", path, why);
    } else if (cl[0].status != TP_CLAIM_PASS || cl[1].status != TP_CLAIM_PASS) {
        int k = cl[0].status != TP_CLAIM_PASS ? 0 : 1;
        snprintf(err, errlen, "--resume-from %s: not a log to resume from: %s fails: %s", path,
                 cl[k].id, cl[k].detail ? cl[k].detail : "");
    } else if (log.has_manifest &&
               tp_key_verify(key, TP_PAYLOAD_MANIFEST, log.manifest_body.data,
                             log.manifest_body.len, log.manifest_sig, TP_SIG_LEN) != 0) {
        snprintf(err, errlen, "--resume-from %s: not a log to resume from: its run manifest's "
                 "signature does not verify with --key", path);
    } else if (tp_chain_segment_digest(&log, digest) != 0) {
        snprintf(err, errlen, "out of memory");
    } else {
        rc = 0;
    }
    for (int k = 0; k < 2; k++) {
        free(cl[k].detail);
        json_object_put(cl[k].evidence);
    }
    tp_files_free(&index);
    tp_runlog_free(&log);
    return rc;
}

/* ---- verify --chain ---- */

static int add_prior(tp_chain *ch, const Trainprov__V1__FileEvent *f, size_t segment,
                     const char *segment_path)
{
    tp_prior_file *p = realloc(ch->prior, (ch->n_prior + 1) * sizeof *p);
    if (!p)
        return -1;
    ch->prior = p;
    p = &ch->prior[ch->n_prior++];
    memcpy(p->sha256, f->sha256.data, TP_HASH_LEN);
    p->checkpoint = tp_role_parse(f->role) == TP_ROLE_CHECKPOINT;
    p->path = f->path;
    p->segment = segment;
    p->segment_path = segment_path;
    return 0;
}

/* Every file segment k authored, with its digest, joins the chain's files. */
static int collect_authored(tp_chain *ch, size_t k)
{
    const tp_chain_segment *seg = &ch->seg[k];
    for (size_t s = 0; s < seg->log.n_streams; s++)
        for (size_t i = 0; i < seg->v.decoded[s].n; i++) {
            const Trainprov__V1__FileEvent *f = tp_file_event(seg->v.decoded[s].records[i]);
            if (f && tp_file_authored(f) && add_prior(ch, f, k + 1, seg->path) != 0)
                return -1;
        }
    return 0;
}

static const Trainprov__V1__RunStart *first_run_start(const tp_chain_segment *seg)
{
    if (!seg->log.n_streams || !seg->v.decoded[0].n)
        return NULL;
    const Trainprov__V1__Record *r = seg->v.decoded[0].records[0];
    return r && r->body_case == TRAINPROV__V1__RECORD__BODY_RUN_START ? r->run_start : NULL;
}

/* Appends "; " and the formatted text to *s. */
__attribute__((format(printf, 2, 3))) static void append(char **s, const char *fmt, ...)
{
    va_list ap;
    char *add = NULL, *joined = NULL;
    va_start(ap, fmt);
    int n = vasprintf(&add, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if (!*s) {
        *s = add;
        return;
    }
    if (asprintf(&joined, "%s; %s", *s, add) >= 0) {
        free(*s);
        *s = joined;
    }
    free(add);
}

/* The segment (0-based) whose digest is d, or -1. */
static long segment_with_digest(const tp_chain *ch, const ProtobufCBinaryData *d)
{
    for (size_t j = 0; j < ch->n; j++)
        if (tp_bytes_eq(d, ch->seg[j].digest, TP_HASH_LEN))
            return (long)j;
    return -1;
}

static void hex32(const uint8_t *b, size_t len, char out[2 * TP_HASH_LEN + 1])
{
    if (len == TP_HASH_LEN)
        tp_hex_encode(b, TP_HASH_LEN, out);
    else
        snprintf(out, 2 * TP_HASH_LEN + 1, "(%zu bytes, not a digest)", len);
}

/* Link k: into segment k (0-based) from segment k-1, or the campaign's start. */
static char *check_link(const tp_chain *ch, size_t k)
{
    const tp_chain_segment *seg = &ch->seg[k], *first = &ch->seg[0];
    const Trainprov__V1__RunStart *rs = seg->run_start;
    char *p = NULL, have[2 * TP_HASH_LEN + 1], want[2 * TP_HASH_LEN + 1];
    if (!rs)
        return (append(&p, "link %zu: %s has no RunStart to say what it resumes from", k + 1,
                       seg->path), p);
    long j = rs->resume_from.len ? segment_with_digest(ch, &rs->resume_from) : -1;
    hex32(rs->resume_from.data, rs->resume_from.len, have);
    if (k == 0) {
        if (rs->resume_from.len && j >= 0)
            append(&p, "link 1: %s resumes from %s, which is %s, listed after it: segments out "
                   "of order? (the chain must start with the campaign's first segment)",
                   seg->path, have, ch->seg[j].path);
        else if (rs->resume_from.len)
            append(&p, "link 1: %s resumes from %s, which is not in the chain: the chain must "
                   "start with the campaign's first segment", seg->path, have);
        return p;
    }
    const tp_chain_segment *prev = &ch->seg[k - 1];
    tp_hex_encode(prev->digest, TP_HASH_LEN, want);
    for (size_t i = 0; i < k; i++)
        if (!memcmp(seg->log.run_id, ch->seg[i].log.run_id, TP_RUN_ID_LEN))
            return (append(&p, "link %zu: %s is the same run as %s (%s): a segment listed twice",
                           k + 1, seg->path, ch->seg[i].path, tp_runlog_ids(&seg->log).run_id),
                    p);
    if (!rs->resume_from.len)
        append(&p, "link %zu: %s starts a new run (no --resume-from), it does not resume from "
               "%s (%s)", k + 1, seg->path, prev->path, want);
    else if (!tp_bytes_eq(&rs->resume_from, prev->digest, TP_HASH_LEN))
        append(&p, "link %zu: %s resumes from %s, not from %s (%s)%s%s%s", k + 1, seg->path, have,
               prev->path, want, j >= 0 ? "; that is " : ": no segment of the chain has that "
               "digest (a segment missing, or one of another campaign)", j >= 0 ?
               ch->seg[j].path : "", j >= 0 ? ": segments out of order?" : "");
    if (memcmp(seg->log.key_id, first->log.key_id, TP_KEY_ID_LEN) != 0)
        append(&p, "link %zu: %s is signed by key %s, %s by key %s: a campaign has one trainer "
               "key", k + 1, seg->path, tp_runlog_ids(&seg->log).key_id, first->path,
               tp_runlog_ids(&first->log).key_id);
    if (rs->nonce.len && first->run_start &&
        !tp_bytes_eq(&rs->nonce, first->run_start->nonce.data, first->run_start->nonce.len))
        append(&p, "link %zu: %s answers another challenge than %s (the campaign's challenge "
               "is the first segment's)", k + 1, seg->path, first->path);
    return p;
}

/* The stream with this id is in the log. */
static int has_stream(const tp_runlog *log, uint64_t id)
{
    for (size_t s = 0; s < log->n_streams; s++)
        if (log->streams[s].stream_id == id)
            return 1;
    return 0;
}

/* What log.complete finds in a log without a manifest is only what a kill
 * leaves (no manifest, streams that did not end, torn journals, unsigned
 * records lost): no announced child stream is missing and no stream reports
 * records it could not write. */
static int only_kill_gaps(const tp_chain_segment *seg)
{
    if (seg->log.has_manifest)
        return 0;
    for (size_t s = 0; s < seg->log.n_streams; s++)
        for (size_t i = 0; i < seg->v.decoded[s].n; i++) {
            const Trainprov__V1__Record *r = seg->v.decoded[s].records[i];
            if (r && r->body_case == TRAINPROV__V1__RECORD__BODY_CHILD &&
                !has_stream(&seg->log, r->child->child_stream))
                return 0;
            if (r && r->body_case == TRAINPROV__V1__RECORD__BODY_STREAM_END &&
                (r->stream_end->dropped_events || r->stream_end->untracked_fds))
                return 0;
        }
    return 1;
}

/* A segment killed and rebuilt by `recover` (it has no manifest: the
 * assembled_by attribute is not signed), resumed by the next segment, with
 * nothing missing but what the kill cut off. */
static int recovered_link(const tp_chain *ch, size_t k)
{
    return k + 1 < ch->n && only_kill_gaps(&ch->seg[k]);
}

/* Whether claim k (registry order) is the claim id. */
static int is_claim(const tp_chain *ch, size_t k, const char *id)
{
    return !strcmp(ch->seg[0].v.claims[k].id, id);
}

/* Status of claim k of segment j as the campaign counts it: log.complete of
 * a recovered segment the next one resumed is unknown, not failed. */
static tp_claim_status campaign_status(const tp_chain *ch, size_t j, size_t k)
{
    tp_claim_status st = ch->seg[j].v.claims[k].status;
    if (st == TP_CLAIM_FAIL && is_claim(ch, k, "log.complete") && recovered_link(ch, j))
        return TP_CLAIM_UNKNOWN;
    return st;
}

static void segment_verdict(tp_chain *ch, size_t j)
{
    int fails = 0, only_complete = 1;
    for (size_t k = 0; k < TP_CLAIM_COUNT; k++)
        if (ch->seg[j].v.claims[k].status == TP_CLAIM_FAIL) {
            fails++;
            only_complete &= is_claim(ch, k, "log.complete");
        }
    ch->seg[j].verdict = !fails ? "pass" : only_complete && recovered_link(ch, j) ? "recovered"
                                                                                  : "fail";
}

static struct json_object *segment_claim_json(const tp_chain *ch, size_t j, size_t k)
{
    const tp_claim *c = &ch->seg[j].v.claims[k];
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "segment", json_object_new_uint64(j + 1));
    json_object_object_add(o, "path", json_object_new_string(ch->seg[j].path));
    json_object_object_add(o, "status",
                           json_object_new_string(tp_claim_status_name(campaign_status(ch, j, k))));
    json_object_object_add(o, "detail", json_object_new_string(c->detail ? c->detail : ""));
    if (c->evidence)
        json_object_object_add(o, "evidence", json_object_get(c->evidence));
    return o;
}

/* The campaign's claim k taken from one segment's (init.random: the first;
 * lineage.final: the last, which knew every segment's checkpoints). */
static void campaign_from(tp_chain *ch, size_t k, size_t j)
{
    const tp_claim *c = &ch->seg[j].v.claims[k];
    tp_claim *out = &ch->claims[k];
    out->status = c->status;
    tp_claim_detail(out, "segment %zu (%s): %s", j + 1, ch->seg[j].path,
                    c->detail ? c->detail : "");
    if (c->evidence)
        out->evidence = json_object_get(c->evidence);
}

/* The campaign's claim k over every segment: failed if one fails, else
 * unknown if one is unknown, else passed if one passed and the others passed
 * or did not apply (n/a), else n/a; the detail names the segments that did
 * not pass (or, when all did, each segment's detail). */
static void campaign_over_all(tp_chain *ch, size_t k)
{
    tp_claim *out = &ch->claims[k];
    tp_claim_status worst = TP_CLAIM_PASS;
    struct json_object *list = json_object_new_array();
    char *detail = NULL;
    for (size_t j = 0; j < ch->n; j++) {
        tp_claim_status st = campaign_status(ch, j, k);
        if (st == TP_CLAIM_FAIL || (st == TP_CLAIM_UNKNOWN && worst != TP_CLAIM_FAIL) ||
            (worst == TP_CLAIM_PASS && j == 0) || (worst == TP_CLAIM_NA && st == TP_CLAIM_PASS))
            worst = st;
        json_object_array_add(list, segment_claim_json(ch, j, k));
    }
    for (size_t j = 0; j < ch->n; j++) {
        tp_claim_status st = campaign_status(ch, j, k);
        const char *d = ch->seg[j].v.claims[k].detail;
        if (worst != TP_CLAIM_PASS && st == TP_CLAIM_PASS)
            continue;
        append(&detail, "segment %zu (%s)%s%s: %s%s", j + 1, ch->seg[j].path,
               st == TP_CLAIM_PASS ? "" : " ", st == TP_CLAIM_PASS ? "" : tp_claim_status_name(st),
               st != ch->seg[j].v.claims[k].status
                   ? "killed and rebuilt by recover, then resumed by the next segment: no run "
                     "manifest shows that none of its streams was cut back to an earlier "
                     "signed head; its own log.complete: "
                   : "", d ? d : "");
    }
    out->status = worst;
    tp_claim_detail(out, "%s", detail ? detail : "");
    free(detail);
    json_object_object_add(tp_claim_evidence(out), "segments", list);
}

/* Segment k's options: the evaluator's, with the earlier segments' files,
 * --model only for the last and the init.random evidence only for the first;
 * the verdict (strict, --require) is the campaign's. */
static tp_claim_options segment_options(const tp_chain *ch, size_t k, const tp_claim_options *opt)
{
    tp_claim_options o = *opt;
    o.require = NULL;
    o.n_require = 0;
    o.chained = 1;
    o.prior = ch->prior;
    o.n_prior = ch->n_prior;
    if (k + 1 != ch->n)
        o.model_path = NULL;
    if (k != 0) {
        o.checkpoint_path = o.evaluator_pubkey_path = o.challenge_path = NULL;
        o.init_declare_path = o.reference_path = NULL;
        o.challenge_id = NULL;
    }
    return o;
}

int tp_chain_verify(tp_chain *ch, const char *const *paths, size_t n, const tp_key *key,
                    const tp_claim_options *opt, char *err, size_t errlen)
{
    memset(ch, 0, sizeof *ch);
    err[0] = '\0';
    for (size_t k = 0; k < opt->n_require; k++)
        if (!tp_claim_known(opt->require[k])) {
            snprintf(err, errlen, "--require %s: not a claim this verifier checks",
                     opt->require[k]);
            return -1;
        }
    ch->seg = calloc(n ? n : 1, sizeof *ch->seg);
    ch->link_problem = calloc(n ? n : 1, sizeof *ch->link_problem);
    if (!ch->seg || !ch->link_problem) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (size_t k = 0; k < n; k++) {
        tp_chain_segment *seg = &ch->seg[k];
        seg->path = paths[k];
        if (tp_h5log_read_files(paths[k], &seg->log, &seg->index, err, errlen) != 0)
            return -1;
        ch->n = k + 1;
        if (tp_chain_segment_digest(&seg->log, seg->digest) != 0) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
    }
    for (size_t k = 0; k < n; k++) {
        tp_claim_options o = segment_options(ch, k, opt);
        if (tp_claims_evaluate(&ch->seg[k].log, &ch->seg[k].index, key, &o, &ch->seg[k].v, err,
                               errlen) != 0 ||
            collect_authored(ch, k) != 0) {
            if (!err[0])
                snprintf(err, errlen, "out of memory");
            return -1;
        }
        ch->seg[k].run_start = first_run_start(&ch->seg[k]);
    }
    ch->links_ok = 1;
    for (size_t k = 0; k < n; k++) {
        ch->link_problem[k] = check_link(ch, k);
        ch->links_ok &= ch->link_problem[k] == NULL;
        segment_verdict(ch, k);
    }
    ch->pass = ch->links_ok;
    for (size_t k = 0; k < TP_CLAIM_COUNT; k++) {
        tp_claim *c = &ch->claims[k];
        c->id = ch->seg[0].v.claims[k].id;
        c->does_not_prove = ch->seg[0].v.claims[k].does_not_prove;
        if (!strcmp(c->id, "init.random"))
            campaign_from(ch, k, 0);
        else if (!strcmp(c->id, "lineage.final"))
            campaign_from(ch, k, n - 1);
        else
            campaign_over_all(ch, k);
        if (tp_claim_fails_verdict(opt, c))
            ch->pass = 0;
    }
    return 0;
}

void tp_chain_free(tp_chain *ch)
{
    for (size_t k = 0; k < TP_CLAIM_COUNT; k++) {
        free(ch->claims[k].detail);
        json_object_put(ch->claims[k].evidence);
    }
    for (size_t k = 0; ch->seg && k < ch->n; k++) {
        tp_verdict_free(&ch->seg[k].v);
        tp_files_free(&ch->seg[k].index);
        tp_runlog_free(&ch->seg[k].log);
    }
    for (size_t k = 0; ch->link_problem && k < ch->n; k++)
        free(ch->link_problem[k]);
    free(ch->link_problem);
    free(ch->seg);
    free(ch->prior);
    memset(ch, 0, sizeof *ch);
}

tp_verdict tp_chain_campaign_view(const tp_chain *ch)
{
    tp_verdict v = ch->seg[ch->n - 1].v;
    memcpy(v.claims, ch->claims, sizeof v.claims);
    v.pass = ch->pass;
    return v;
}
