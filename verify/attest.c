/* attest.c: builds the in-toto Statement v1 with SLSA provenance v1 for a
 * verified run (attest.h; each field's meaning is in docs/ATTEST.md). Every
 * fact comes from the decoded records the claims were evaluated over (the
 * verdict's), never from the log's unsigned /files index. */
#include "verify/attest.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "core/hex.h"
#include "core/vocab.h"
#include "runlog/records.h"
#include "verify/challenge.h"
#include "verify/claim.h"
#include "verify/dsse.h"

#define RUN_START TRAINPROV__V1__RECORD__BODY_RUN_START

char *tp_file_uri(const char *path)
{
    static const char keep[] = "-._~/";
    size_t n = strlen(path);
    char *out = malloc(sizeof "file://" + 3 * n);
    if (!out)
        return NULL;
    char *w = out + sprintf(out, "file://");
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr(keep, *p))
            *w++ = (char)*p;
        else
            w += sprintf(w, "%%%02X", *p);
    }
    *w = '\0';
    return out;
}

size_t tp_attest_match_checkpoints(const tp_verdict *v, const tp_model *m, const char **out)
{
    size_t matched = 0;
    for (size_t k = 0; k < m->n; k++) {
        out[k] = NULL;
        for (size_t s = 0; s < v->n_streams && !out[k]; s++)
            for (size_t i = 0; i < v->decoded[s].n && !out[k]; i++) {
                const Trainprov__V1__FileEvent *f = tp_file_event(v->decoded[s].records[i]);
                if (f && tp_role_parse(f->role) == TP_ROLE_CHECKPOINT && tp_file_authored(f) &&
                    tp_bytes_eq(&f->sha256, m->files[k].sha256, TP_HASH_LEN))
                    out[k] = f->path;
            }
        matched += out[k] != NULL;
    }
    return matched;
}

/* ---- a list of (path, digest) resources, sorted and merged ---- */

typedef struct {
    const char *path;
    const uint8_t *sha256;
    uint64_t bytes;  /* read (data) or written (checkpoint) */
    size_t sessions; /* FileEvents merged into this one */
} resource;

typedef struct {
    resource *items;
    size_t n, cap;
} resource_list;

static int list_add(resource_list *l, const char *path, const uint8_t *sha256, uint64_t bytes)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        resource *g = realloc(l->items, cap * sizeof *g);
        if (!g)
            return -1;
        l->items = g;
        l->cap = cap;
    }
    l->items[l->n++] = (resource){path, sha256, bytes, 1};
    return 0;
}

static int cmp_resource(const void *x, const void *y)
{
    const resource *a = x, *b = y;
    int c = strcmp(a->path, b->path);
    return c ? c : memcmp(a->sha256, b->sha256, TP_HASH_LEN);
}

/* Sorts by path then digest and merges equal pairs (their bytes and sessions add up). */
static void list_merge(resource_list *l)
{
    if (l->n == 0)
        return;
    qsort(l->items, l->n, sizeof *l->items, cmp_resource);
    size_t w = 0;
    for (size_t i = 1; i < l->n; i++) {
        if (cmp_resource(&l->items[w], &l->items[i]) == 0) {
            l->items[w].bytes += l->items[i].bytes;
            l->items[w].sessions += l->items[i].sessions;
        } else {
            l->items[++w] = l->items[i];
        }
    }
    l->n = w + 1;
}

/* The data files the run read (resolvedDependencies) and the checkpoints it
 * wrote (byproducts), each with the digest of the content read or written. */
static int collect(const tp_verdict *v, resource_list *data, resource_list *ckpt)
{
    for (size_t s = 0; s < v->n_streams; s++)
        for (size_t i = 0; i < v->decoded[s].n; i++) {
            const Trainprov__V1__FileEvent *f = tp_file_event(v->decoded[s].records[i]);
            if (!f)
                continue;
            enum tp_role role = tp_role_parse(f->role);
            if (role == TP_ROLE_DATA) {
                const ProtobufCBinaryData *digest;
                const char *hash_error;
                if (!tp_file_foreign_read(f, &digest, &hash_error))
                    digest = &f->sha256;
                /* no digest: the run's own content (data.accounted passed) */
                if (digest->len == TP_HASH_LEN &&
                    list_add(data, f->path, digest->data, f->bytes_read) != 0)
                    return -1;
            } else if (role == TP_ROLE_CHECKPOINT && tp_file_authored(f) &&
                       list_add(ckpt, f->path, f->sha256.data, f->bytes_written) != 0) {
                return -1;
            }
        }
    list_merge(data);
    list_merge(ckpt);
    return 0;
}

/* ---- JSON pieces ---- */

static struct json_object *str(const char *s) { return json_object_new_string(s ? s : ""); }

static struct json_object *digest_obj(const uint8_t *sha256)
{
    char hex[2 * TP_HASH_LEN + 1];
    tp_hex_encode(sha256, TP_HASH_LEN, hex);
    struct json_object *d = json_object_new_object();
    json_object_object_add(d, "sha256", json_object_new_string(hex));
    return d;
}

/* A ResourceDescriptor {name, uri, digest} for a file path. */
static struct json_object *file_descriptor(const char *path, const uint8_t *sha256)
{
    struct json_object *o = json_object_new_object();
    char *uri = tp_file_uri(path);
    json_object_object_add(o, "name", str(path));
    if (uri)
        json_object_object_add(o, "uri", json_object_new_string(uri));
    free(uri);
    json_object_object_add(o, "digest", digest_obj(sha256));
    return o;
}

static struct json_object *resources_json(const resource_list *l, const char *role,
                                          const char *bytes_key)
{
    struct json_object *a = json_object_new_array();
    for (size_t i = 0; i < l->n; i++) {
        struct json_object *o = file_descriptor(l->items[i].path, l->items[i].sha256),
                           *ann = json_object_new_object();
        json_object_object_add(ann, "role", json_object_new_string(role));
        json_object_object_add(ann, bytes_key, json_object_new_uint64(l->items[i].bytes));
        json_object_object_add(ann, "sessions", json_object_new_uint64(l->items[i].sessions));
        json_object_object_add(o, "annotations", ann);
        json_object_array_add(a, o);
    }
    return a;
}

static struct json_object *string_array(char *const *v, size_t n)
{
    struct json_object *a = json_object_new_array();
    for (size_t i = 0; i < n; i++)
        json_object_array_add(a, str(v[i]));
    return a;
}

static struct json_object *time_json(int64_t ns)
{
    char iso[40];
    tp_time_iso(ns, iso);
    return json_object_new_string(iso);
}

/* The root stream the command was run as: no parent, lowest rank (the
 * first stream's RunStart when no stream is a root). */
static const Trainprov__V1__RunStart *root_run_start(const tp_verdict *v)
{
    const Trainprov__V1__RunStart *best = NULL, *first = NULL;
    for (size_t s = 0; s < v->n_streams; s++) {
        const Trainprov__V1__Record *r = v->decoded[s].n ? v->decoded[s].records[0] : NULL;
        const Trainprov__V1__RunStart *rs = r && r->body_case == RUN_START ? r->run_start : NULL;
        if (rs && !first)
            first = rs;
        if (rs && !rs->parent_stream && (!best || rs->rank < best->rank))
            best = rs;
    }
    return best ? best : first;
}

/* The run's start (earliest RunStart) and end (latest StreamEnd, else latest record). */
static void run_times(const tp_verdict *v, int64_t *start, int64_t *end)
{
    int64_t last_end = 0, last_any = 0;
    *start = 0;
    for (size_t s = 0; s < v->n_streams; s++)
        for (size_t i = 0; i < v->decoded[s].n; i++) {
            const Trainprov__V1__Record *r = v->decoded[s].records[i];
            if (!r)
                continue;
            if (r->body_case == RUN_START && r->run_start->start_time_ns > 0 &&
                (*start == 0 || r->run_start->start_time_ns < *start))
                *start = r->run_start->start_time_ns;
            if (r->body_case == TRAINPROV__V1__RECORD__BODY_STREAM_END && r->time_ns > last_end)
                last_end = r->time_ns;
            if (r->time_ns > last_any)
                last_any = r->time_ns;
        }
    *end = last_end ? last_end : last_any;
}

/* externalParameters.challenge: the evaluator's challenge the run recorded. */
static struct json_object *challenge_json(const Trainprov__V1__RunStart *rs)
{
    tp_challenge ch;
    uint8_t id[TP_CHALLENGE_ID_LEN];
    char hex[2 * TP_CHALLENGE_ID_LEN + 1], nonce[2 * TP_CHALLENGE_NONCE_LEN + 1];
    if (!rs || !rs->challenge.len ||
        tp_challenge_parse(rs->challenge.data, rs->challenge.len, &ch, NULL, 0) != 0 ||
        tp_challenge_id(&ch, id) != 0)
        return NULL;
    struct json_object *o = json_object_new_object();
    tp_hex_encode(id, sizeof id, hex);
    tp_hex_encode(ch.nonce, sizeof ch.nonce, nonce);
    json_object_object_add(o, "id", json_object_new_string(hex));
    json_object_object_add(o, "nonce", json_object_new_string(nonce));
    json_object_object_add(o, "issued", time_json(ch.time_ns));
    tp_hex_encode(ch.key_id, sizeof ch.key_id, hex);
    json_object_object_add(o, "evaluatorKeyId", json_object_new_string(hex));
    return o;
}

static struct json_object *subjects_json(const tp_model *m, const char *const *checkpoints)
{
    struct json_object *a = json_object_new_array();
    for (size_t k = 0; k < m->n; k++) {
        struct json_object *o = json_object_new_object(), *ann = json_object_new_object();
        json_object_object_add(o, "name", str(m->files[k].name));
        json_object_object_add(o, "digest", digest_obj(m->files[k].sha256));
        json_object_object_add(ann, "size", json_object_new_uint64(m->files[k].size));
        if (checkpoints[k])
            json_object_object_add(ann, "checkpoint", str(checkpoints[k]));
        json_object_object_add(o, "annotations", ann);
        json_object_array_add(a, o);
    }
    return a;
}

/* The claims byproduct: the verdict, each claim, and the options it ran with
 * (the model as given: every file of it matched a checkpoint of the run,
 * which the subjects' "checkpoint" annotations name). */
static struct json_object *claims_byproduct(const tp_verdict *v, const tp_claim_options *opt,
                                            const tp_model *m)
{
    struct json_object *o = json_object_new_object(), *ann = json_object_new_object(),
                       *claims = json_object_new_array(), *with = json_object_new_object();
    for (size_t k = 0; k < TP_CLAIM_COUNT; k++) {
        struct json_object *c = json_object_new_object();
        json_object_object_add(c, "id", str(v->claims[k].id));
        json_object_object_add(c, "status", str(tp_claim_status_name(v->claims[k].status)));
        json_object_object_add(c, "detail", str(v->claims[k].detail));
        json_object_array_add(claims, c);
    }
    json_object_object_add(with, "model", str(m->root));
    json_object_object_add(with, "strict", json_object_new_boolean(opt->strict));
    json_object_object_add(with, "require", string_array(opt->require, opt->n_require));
    if (opt->data_manifest_path)
        json_object_object_add(with, "dataManifest", str(opt->data_manifest_path));
    if (opt->evaluator_pubkey_path)
        json_object_object_add(with, "evaluatorPubkey", str(opt->evaluator_pubkey_path));
    if (opt->challenge_path)
        json_object_object_add(with, "challenge", str(opt->challenge_path));
    if (opt->challenge_id) {
        char hex[2 * TP_CHALLENGE_ID_LEN + 1];
        tp_hex_encode(opt->challenge_id, TP_CHALLENGE_ID_LEN, hex);
        json_object_object_add(with, "challengeId", json_object_new_string(hex));
    }
    if (opt->checkpoint_path)
        json_object_object_add(with, "checkpoint", str(opt->checkpoint_path));
    json_object_object_add(ann, "verdict", str(v->pass ? "pass" : "fail"));
    json_object_object_add(ann, "claims", claims);
    json_object_object_add(ann, "verifiedWith", with);
    json_object_object_add(o, "name", str(TP_ATTEST_CLAIMS_NAME));
    json_object_object_add(o, "mediaType", str(TP_ATTEST_CLAIMS_MEDIA_TYPE));
    /* A ResourceDescriptor needs a uri, digest or content: the same JSON as
     * content (base64) with its digest; the annotations keep it readable. */
    size_t len;
    uint8_t sha[TP_HASH_LEN];
    char *text = tp_json_utf8(ann, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
    char *b64 = text ? tp_base64((const uint8_t *)text, len) : NULL;
    if (b64 && EVP_Digest(text, len, sha, NULL, EVP_sha256(), NULL) == 1) {
        json_object_object_add(o, "content", json_object_new_string(b64));
        json_object_object_add(o, "digest", digest_obj(sha));
    }
    free(text);
    free(b64);
    json_object_object_add(o, "annotations", ann);
    return o;
}

static struct json_object *log_byproduct(const tp_runlog *log, const tp_attest_input *in)
{
    struct json_object *o = file_descriptor(in->log_path, in->log_sha256),
                       *ann = json_object_new_object();
    json_object_object_add(o, "mediaType", str(TP_ATTEST_LOG_MEDIA_TYPE));
    json_object_object_add(ann, "role", str("run-log"));
    json_object_object_add(ann, "assembledBy", str(log->assembled_by));
    json_object_object_add(ann, "signedManifest", json_object_new_boolean(log->has_manifest));
    json_object_object_add(o, "annotations", ann);
    return o;
}

static struct json_object *build_definition(const tp_runlog *log, const tp_verdict *v,
                                            const resource_list *data)
{
    const Trainprov__V1__RunStart *rs = root_run_start(v);
    struct json_object *bd = json_object_new_object(), *ext = json_object_new_object(),
                       *internal = json_object_new_object(), *ch = challenge_json(rs);
    tp_runlog_ids_hex ids = tp_runlog_ids(log);
    json_object_object_add(ext, "command", rs ? string_array(rs->argv, rs->n_argv)
                                              : json_object_new_array());
    json_object_object_add(ext, "data", rs ? string_array(rs->data_globs, rs->n_data_globs)
                                           : json_object_new_array());
    json_object_object_add(ext, "checkpoints",
                           rs ? string_array(rs->checkpoint_globs, rs->n_checkpoint_globs)
                              : json_object_new_array());
    if (ch)
        json_object_object_add(ext, "challenge", ch);
    json_object_object_add(internal, "keyId", str(ids.key_id));
    json_object_object_add(internal, "trainprovVersion", str(log->library_version));
    if (rs) {
        json_object_object_add(internal, "host", str(rs->host));
        json_object_object_add(internal, "workingDirectory", str(rs->cwd));
        json_object_object_add(internal, "executable", str(rs->exe));
        json_object_object_add(internal, "worldSize", json_object_new_int(rs->world_size));
    }
    json_object_object_add(internal, "streams", json_object_new_uint64(v->n_streams));
    json_object_object_add(internal, "records", json_object_new_uint64(v->n_records));
    json_object_object_add(bd, "buildType", str(TP_ATTEST_BUILD_TYPE));
    json_object_object_add(bd, "externalParameters", ext);
    json_object_object_add(bd, "internalParameters", internal);
    json_object_object_add(bd, "resolvedDependencies",
                           resources_json(data, "data", "bytesRead"));
    return bd;
}

static struct json_object *run_details(const tp_runlog *log, const tp_verdict *v,
                                       const tp_model *m, const resource_list *ckpt,
                                       const tp_attest_input *in)
{
    struct json_object *rd = json_object_new_object(), *builder = json_object_new_object(),
                       *version = json_object_new_object(), *meta = json_object_new_object(),
                       *byproducts = resources_json(ckpt, "checkpoint", "bytesWritten");
    int64_t start, end;
    run_times(v, &start, &end);
    json_object_object_add(builder, "id", str(TP_ATTEST_BUILDER_ID));
    json_object_object_add(version, "trainprov", str(log->library_version));
    json_object_object_add(builder, "version", version);
    json_object_object_add(meta, "invocationId", str(tp_runlog_ids(log).run_id));
    json_object_object_add(meta, "startedOn", time_json(start));
    json_object_object_add(meta, "finishedOn", time_json(end));
    json_object_array_add(byproducts, log_byproduct(log, in));
    json_object_array_add(byproducts, claims_byproduct(v, in->opt, m));
    json_object_object_add(rd, "builder", builder);
    json_object_object_add(rd, "metadata", meta);
    json_object_object_add(rd, "byproducts", byproducts);
    return rd;
}

struct json_object *tp_attest_statement(const tp_runlog *log, const tp_verdict *v,
                                        const tp_model *m, const char *const *checkpoints,
                                        const tp_attest_input *in)
{
    resource_list data = {0}, ckpt = {0};
    struct json_object *st = NULL;
    if (collect(v, &data, &ckpt) == 0) {
        struct json_object *pred = json_object_new_object();
        st = json_object_new_object();
        json_object_object_add(pred, "buildDefinition", build_definition(log, v, &data));
        json_object_object_add(pred, "runDetails", run_details(log, v, m, &ckpt, in));
        json_object_object_add(st, "_type", str(TP_INTOTO_STATEMENT_V1));
        json_object_object_add(st, "subject", subjects_json(m, checkpoints));
        json_object_object_add(st, "predicateType", str(TP_SLSA_PROVENANCE_V1));
        json_object_object_add(st, "predicate", pred);
    }
    free(data.items);
    free(ckpt.items);
    return st;
}
