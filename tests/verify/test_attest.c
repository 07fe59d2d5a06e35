/* test_attest.c: the attestation builders (verify/attest.c, attest_model.c,
 * dsse.c, oms.c) on hand-made records and model directories: the model is
 * listed in model_signing's names and order with sha256sum digests, and
 * refuses links, special files and empty directories; file URIs keep every
 * byte in ASCII; base64 and the DSSE envelope parse only what they should;
 * the statement's dependencies are the data files read (merged per content,
 * the run's own content left out), its byproducts the checkpoints the run
 * authored, its command the root process's, its times the run's; the
 * model-signing subject digest is SHA-256 over the resource digests. */
#define _GNU_SOURCE /* memmem */
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

#include "core/hex.h"
#include "runlog/records.h"
#include "verify/attest.h"
#include "verify/attest_model.h"
#include "verify/challenge.h"
#include "verify/dsse.h"
#include "verify/oms.h"

static char dir[] = "/tmp/test_attest.XXXXXX";

static void write_file(const char *name, const char *text)
{
    char p[256];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

static void sha256_hex(const char *text, char out[65])
{
    uint8_t d[32];
    assert_int_equal(EVP_Digest(text, strlen(text), d, NULL, EVP_sha256(), NULL), 1);
    tp_hex_encode(d, 32, out);
}

/* JSON member by a dotted path ("a.b.0.c"), or NULL. */
static struct json_object *at(struct json_object *o, const char *path)
{
    char buf[256], *save = NULL;
    snprintf(buf, sizeof buf, "%s", path);
    for (char *k = strtok_r(buf, ".", &save); k && o; k = strtok_r(NULL, ".", &save)) {
        if (json_object_is_type(o, json_type_array))
            o = json_object_array_get_idx(o, (size_t)atoi(k));
        else if (!json_object_object_get_ex(o, k, &o))
            return NULL;
    }
    return o;
}

static const char *at_str(struct json_object *o, const char *path)
{
    struct json_object *v = at(o, path);
    return v ? json_object_get_string(v) : NULL;
}

/* ---- the model ---- */

static void test_model_order_is_model_signings(void **state)
{
    (void)state;
    assert_true(tp_model_name_cmp("a/x", "a-b") < 0); /* component "a" < "a-b" */
    assert_true(strcmp("a/x", "a-b") > 0);             /* unlike bytewise order */
    assert_true(tp_model_name_cmp("a", "a/b") < 0);
    assert_true(tp_model_name_cmp("b", "a/z") > 0);
    assert_int_equal(tp_model_name_cmp("a/b/c", "a/b/c"), 0);
    assert_true(tp_model_name_cmp("a/b", "a/b/c") < 0);
}

static void test_model_directory_listed_and_hashed(void **state)
{
    (void)state;
    char p[256], want[65], err[512];
    snprintf(p, sizeof p, "%s/m", dir);
    assert_int_equal(mkdir(p, 0755), 0);
    snprintf(p, sizeof p, "%s/m/a", dir);
    assert_int_equal(mkdir(p, 0755), 0);
    snprintf(p, sizeof p, "%s/m/.git", dir);
    assert_int_equal(mkdir(p, 0755), 0);
    write_file("m/a-b", "weights a-b\n");
    write_file("m/a/x", "weights x\n");
    write_file("m/a/.gitignore", "kept: not at the top\n");
    write_file("m/.gitignore", "left out\n");
    write_file("m/.git/HEAD", "left out\n");
    tp_model m;
    snprintf(p, sizeof p, "%s/m", dir);
    assert_int_equal(tp_model_load(p, &m, err, sizeof err), 0);
    assert_true(m.is_dir);
    assert_string_equal(m.name, "m");
    assert_int_equal(m.n, 3);
    assert_string_equal(m.files[0].name, "a/.gitignore");
    assert_string_equal(m.files[1].name, "a/x");
    assert_string_equal(m.files[2].name, "a-b");
    char hex[65];
    sha256_hex("weights x\n", want);
    tp_hex_encode(m.files[1].sha256, 32, hex);
    assert_string_equal(hex, want);
    assert_int_equal(m.files[1].size, strlen("weights x\n"));
    /* An output path inside the directory is inside; beside it is not. */
    snprintf(p, sizeof p, "%s/m/a/out.json", dir);
    assert_true(tp_model_contains(&m, p));
    snprintf(p, sizeof p, "%s/m.intoto.json", dir);
    assert_false(tp_model_contains(&m, p));
    tp_model_free(&m);

    /* A single file: its base name. */
    snprintf(p, sizeof p, "%s/m/a-b", dir);
    assert_int_equal(tp_model_load(p, &m, err, sizeof err), 0);
    assert_false(m.is_dir);
    assert_int_equal(m.n, 1);
    assert_string_equal(m.files[0].name, "a-b");
    assert_false(tp_model_contains(&m, p));
    tp_model_free(&m);
}

static void test_model_refuses_links_fifos_and_empty(void **state)
{
    (void)state;
    char p[256], q[256], err[512];
    tp_model m;
    snprintf(p, sizeof p, "%s/empty", dir);
    assert_int_equal(mkdir(p, 0755), 0);
    assert_int_equal(tp_model_load(p, &m, err, sizeof err), -1);
    assert_non_null(strstr(err, "holds no file"));

    snprintf(p, sizeof p, "%s/linked", dir);
    assert_int_equal(mkdir(p, 0755), 0);
    snprintf(q, sizeof q, "%s/linked/w", dir);
    assert_int_equal(symlink("/etc/hostname", q), 0);
    assert_int_equal(tp_model_load(p, &m, err, sizeof err), -1);
    assert_non_null(strstr(err, "symbolic link"));

    snprintf(p, sizeof p, "%s/fifo", dir);
    assert_int_equal(mkdir(p, 0755), 0);
    snprintf(q, sizeof q, "%s/fifo/w", dir);
    assert_int_equal(mkfifo(q, 0600), 0);
    assert_int_equal(tp_model_load(p, &m, err, sizeof err), -1); /* and did not hang */
    assert_non_null(strstr(err, "not a regular file"));
    assert_int_equal(tp_model_load(q, &m, err, sizeof err), -1);
}

/* ---- URIs, base64, the envelope ---- */

static void test_file_uri_keeps_every_byte_in_ascii(void **state)
{
    (void)state;
    char *u = tp_file_uri("/data/a b/\xc3\xa9%\xff_x-1.~bin");
    assert_non_null(u);
    assert_string_equal(u, "file:///data/a%20b/%C3%A9%25%FF_x-1.~bin");
    free(u);
}

static void test_base64_round_trip_and_refusals(void **state)
{
    (void)state;
    const uint8_t in[] = "any carnal pleasure.";
    for (size_t n = 0; n <= 20; n++) {
        char *s = tp_base64(in, n);
        uint8_t *out;
        size_t len;
        assert_non_null(s);
        assert_int_equal(tp_base64_decode(s, &out, &len), 0);
        assert_int_equal(len, n);
        assert_memory_equal(out, in, n);
        free(out);
        free(s);
    }
    uint8_t *out;
    size_t len;
    const char *bad[] = {"abc", "ab=c", "a b=", "====", "YW\nJj", "YWJj\n", "Y*Jj"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(tp_base64_decode(bad[i], &out, &len), -1);
}

static void test_dsse_parse_accepts_only_envelopes(void **state)
{
    (void)state;
    const uint8_t payload[] = "{\"x\":1}", sig[64] = {1, 2, 3};
    struct json_object *env = tp_dsse_envelope(TP_PAYLOAD_INTOTO, payload, 7, sig, 64, "kid");
    assert_non_null(env);
    size_t len;
    char *text = tp_json_utf8(env, JSON_C_TO_STRING_PLAIN, &len), err[256];
    tp_dsse d;
    assert_int_equal(tp_dsse_parse(text, len, &d, err, sizeof err), 0);
    assert_string_equal(d.payload_type, TP_PAYLOAD_INTOTO);
    assert_int_equal(d.payload_len, 7);
    assert_memory_equal(d.payload, payload, 7);
    assert_int_equal(d.n_sigs, 1);
    assert_string_equal(d.sigs[0].keyid, "kid");
    assert_int_equal(d.sigs[0].len, 64);
    assert_memory_equal(d.sigs[0].sig, sig, 64);
    tp_dsse_free(&d);
    /* Trailing bytes after the document are not an envelope. */
    char *trailing = malloc(len + 3);
    memcpy(trailing, text, len);
    memcpy(trailing + len, " {}", 3);
    assert_int_equal(tp_dsse_parse(trailing, len + 3, &d, err, sizeof err), -1);
    free(trailing);
    free(text);
    json_object_put(env);
    const char *bad[] = {
        "not json",
        "[1,2]",
        "{\"payloadType\":\"t\",\"signatures\":[{\"sig\":\"AAAA\"}]}",
        "{\"payloadType\":\"t\",\"payload\":\"!!!!\",\"signatures\":[{\"sig\":\"AAAA\"}]}",
        "{\"payloadType\":\"t\",\"payload\":\"AAAA\",\"signatures\":[]}",
        "{\"payloadType\":\"t\",\"payload\":\"AAAA\",\"signatures\":[{\"keyid\":\"k\"}]}",
        "{\"payloadType\":\"t\",\"payload\":\"AAAA\",\"signatures\":[\"AAAA\"]}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(tp_dsse_parse(bad[i], strlen(bad[i]), &d, err, sizeof err), -1);
}

/* ---- the statement, from hand-made records ---- */

static uint8_t dig_a[32] = {0xa}, dig_b[32] = {0xb}, dig_c[32] = {0xc}, dig_d[32] = {0xd};

static Trainprov__V1__Record *record(int64_t t, Trainprov__V1__Record__BodyCase body, void *msg)
{
    Trainprov__V1__Record *r = calloc(1, sizeof *r);
    trainprov__v1__record__init(r);
    r->time_ns = t;
    r->body_case = body;
    r->run_start = msg; /* the union: whichever member body names */
    return r;
}

static Trainprov__V1__FileEvent *file_event(const char *path, const char *role,
                                            const char *access, uint8_t *sha, int authored,
                                            uint64_t read, uint64_t written)
{
    Trainprov__V1__FileEvent *f = calloc(1, sizeof *f);
    trainprov__v1__file_event__init(f);
    f->path = (char *)path;
    f->role = (char *)role;
    f->access = (char *)access;
    f->sha256 = (ProtobufCBinaryData){sha ? 32 : 0, sha};
    f->authored = authored;
    f->bytes_read = read;
    f->bytes_written = written;
    return f;
}

typedef struct {
    tp_runlog log;
    tp_verdict v;
    tp_decoded_stream dec[2];
    Trainprov__V1__Record *recs[2][8];
    Trainprov__V1__RunStart rs[2];
    Trainprov__V1__StreamEnd end;
    char *argv_root[2], *argv_child[1], *globs[1];
} fixture_run;

#define BODY(x) TRAINPROV__V1__RECORD__BODY_##x

/* A root stream that reads /d/a twice and /d/b, reads back its own output
 * (no digest), writes checkpoint /o/c.pt and a file it does not author; a
 * forked child with an earlier-looking but parented RunStart. */
static void build_run(fixture_run *f)
{
    memset(f, 0, sizeof *f);
    const int64_t T0 = 1800000000000000000ll;
    f->argv_root[0] = "python3";
    f->argv_root[1] = "train.py";
    f->argv_child[0] = "worker";
    f->globs[0] = "/d/*";
    for (int s = 0; s < 2; s++) {
        trainprov__v1__run_start__init(&f->rs[s]);
        f->rs[s].rank = -1;
    }
    f->rs[0].argv = f->argv_root;
    f->rs[0].n_argv = 2;
    f->rs[0].data_globs = f->globs;
    f->rs[0].n_data_globs = 1;
    f->rs[0].start_time_ns = T0;
    f->rs[0].host = "h";
    f->rs[1].argv = f->argv_child;
    f->rs[1].n_argv = 1;
    f->rs[1].parent_stream = 0x11;
    f->rs[1].start_time_ns = T0 + 5;
    trainprov__v1__stream_end__init(&f->end);
    Trainprov__V1__Record **r0 = f->recs[0];
    size_t n = 0;
    r0[n++] = record(T0, BODY(RUN_START), &f->rs[0]);
    r0[n++] = record(T0 + 1, BODY(FILE), file_event("/d/b", "data", "read", dig_b, 0, 7, 0));
    r0[n++] = record(T0 + 2, BODY(FILE), file_event("/d/a", "data", "read", dig_a, 0, 10, 0));
    r0[n++] = record(T0 + 3, BODY(FILE), file_event("/d/a", "data", "read", dig_a, 0, 5, 0));
    r0[n++] = record(T0 + 4, BODY(FILE), file_event("/o/own", "data", "read", NULL, 1, 3, 0));
    r0[n++] = record(T0 + 5, BODY(FILE),
                     file_event("/o/c.pt", "checkpoint", "write", dig_c, 1, 0, 100));
    r0[n++] = record(T0 + 6, BODY(FILE),
                     file_event("/o/d.pt", "checkpoint", "write", dig_d, 0, 0, 100));
    r0[n++] = record(T0 + 900, BODY(STREAM_END), &f->end);
    f->dec[0] = (tp_decoded_stream){r0, n};
    f->recs[1][0] = record(T0 + 950, BODY(RUN_START), &f->rs[1]);
    f->dec[1] = (tp_decoded_stream){f->recs[1], 1};
    memset(f->log.run_id, 0x42, sizeof f->log.run_id);
    memset(f->log.key_id, 0x24, sizeof f->log.key_id);
    f->log.has_run_id = f->log.has_key_id = 1;
    snprintf(f->log.library_version, sizeof f->log.library_version, "9.9");
    snprintf(f->log.assembled_by, sizeof f->log.assembled_by, "run");
    f->log.n_streams = 2;
    f->v.decoded = f->dec;
    f->v.n_streams = 2;
    f->v.n_records = n + 1;
    f->v.pass = 1;
    static const char *ids[TP_CLAIM_COUNT] = {"c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7"};
    for (int k = 0; k < TP_CLAIM_COUNT; k++) {
        f->v.claims[k].id = ids[k];
        f->v.claims[k].status = TP_CLAIM_PASS;
    }
}

static void free_run(fixture_run *f)
{
    for (size_t i = 0; i < f->dec[0].n; i++) {
        if (f->recs[0][i]->body_case == BODY(FILE))
            free(f->recs[0][i]->file);
        free(f->recs[0][i]);
    }
    free(f->recs[1][0]);
}

static void test_statement_from_records(void **state)
{
    (void)state;
    fixture_run f;
    build_run(&f);
    tp_model_file mf[2] = {{"c.pt", "/rel/c.pt", {0xc}, 100}, {"d.pt", "/rel/d.pt", {0xd}, 100}};
    tp_model m = {.is_dir = 1, .name = "rel", .root = "/rel", .files = mf, .n = 2};
    const char *ck[2];
    /* Only the authored checkpoint is one the run wrote. */
    assert_int_equal(tp_attest_match_checkpoints(&f.v, &m, ck), 1);
    assert_string_equal(ck[0], "/o/c.pt");
    assert_null(ck[1]);

    tp_claim_options opt = {.strict = 1};
    tp_attest_input in = {.log_path = "/logs/run.h5", .opt = &opt};
    memset(in.log_sha256, 0x77, 32);
    m.n = 1;
    struct json_object *st = tp_attest_statement(&f.log, &f.v, &m, ck, &in);
    assert_non_null(st);
    assert_string_equal(at_str(st, "_type"), TP_INTOTO_STATEMENT_V1);
    assert_string_equal(at_str(st, "predicateType"), TP_SLSA_PROVENANCE_V1);
    assert_int_equal(json_object_array_length(at(st, "subject")), 1);
    assert_string_equal(at_str(st, "subject.0.name"), "c.pt");
    assert_string_equal(at_str(st, "subject.0.annotations.checkpoint"), "/o/c.pt");
    /* the root's command, not the forked child's */
    assert_string_equal(at_str(st, "predicate.buildDefinition.externalParameters.command.1"),
                        "train.py");
    assert_string_equal(at_str(st, "predicate.buildDefinition.externalParameters.data.0"), "/d/*");
    assert_null(at(st, "predicate.buildDefinition.externalParameters.challenge"));
    /* dependencies: /d/a merged (2 sessions, 15 bytes), /d/b; not the run's own /o/own */
    struct json_object *deps = at(st, "predicate.buildDefinition.resolvedDependencies");
    assert_int_equal(json_object_array_length(deps), 2);
    assert_string_equal(at_str(deps, "0.name"), "/d/a");
    assert_string_equal(at_str(deps, "0.uri"), "file:///d/a");
    assert_int_equal(json_object_get_int64(at(deps, "0.annotations.bytesRead")), 15);
    assert_int_equal(json_object_get_int64(at(deps, "0.annotations.sessions")), 2);
    assert_string_equal(at_str(deps, "1.name"), "/d/b");
    char hex[65];
    tp_hex_encode(dig_b, 32, hex);
    assert_string_equal(at_str(deps, "1.digest.sha256"), hex);
    /* byproducts: the authored checkpoint, the log, the claims */
    struct json_object *by = at(st, "predicate.runDetails.byproducts");
    assert_int_equal(json_object_array_length(by), 3);
    assert_string_equal(at_str(by, "0.name"), "/o/c.pt");
    assert_string_equal(at_str(by, "1.name"), "/logs/run.h5");
    assert_string_equal(at_str(by, "1.mediaType"), TP_ATTEST_LOG_MEDIA_TYPE);
    memset(hex, '7', 64);
    assert_string_equal(at_str(by, "1.digest.sha256"), hex);
    assert_string_equal(at_str(by, "2.name"), TP_ATTEST_CLAIMS_NAME);
    assert_string_equal(at_str(by, "2.annotations.verdict"), "pass");
    assert_int_equal(json_object_array_length(at(by, "2.annotations.claims")), TP_CLAIM_COUNT);
    assert_true(json_object_get_boolean(at(by, "2.annotations.verifiedWith.strict")));
    /* its content is the annotations' JSON, and its digest that content's */
    uint8_t *content, sha[32];
    size_t clen;
    assert_int_equal(tp_base64_decode(at_str(by, "2.content"), &content, &clen), 0);
    EVP_Digest(content, clen, sha, NULL, EVP_sha256(), NULL);
    tp_hex_encode(sha, 32, hex);
    assert_string_equal(at_str(by, "2.digest.sha256"), hex);
    assert_non_null(memmem(content, clen, "\"verdict\":\"pass\"", 16));
    free(content);
    /* times: the root's start, the StreamEnd's time (not the child's later RunStart) */
    assert_string_equal(at_str(st, "predicate.runDetails.metadata.startedOn"),
                        "2027-01-15T08:00:00.000000000Z");
    assert_string_equal(at_str(st, "predicate.runDetails.metadata.finishedOn"),
                        "2027-01-15T08:00:00.000000900Z");
    assert_string_equal(at_str(st, "predicate.runDetails.metadata.invocationId"),
                        "42424242424242424242424242424242");
    json_object_put(st);
    free_run(&f);
}

/* A run under an evaluator's challenge: externalParameters.challenge.id is
 * the id `trainprov challenge` printed, with its nonce. */
static void test_statement_names_the_challenge(void **state)
{
    (void)state;
    char priv[256], pub[256], err[256], hex[65];
    snprintf(priv, sizeof priv, "%s/eval.pem", dir);
    snprintf(pub, sizeof pub, "%s/eval.pub.pem", dir);
    tp_key *key;
    assert_int_equal(tp_key_generate(priv, pub, err, sizeof err), 0);
    assert_int_equal(tp_key_load_private(priv, &key, err, sizeof err), 0);
    tp_challenge ch;
    uint8_t id[TP_CHALLENGE_ID_LEN];
    assert_int_equal(tp_challenge_make(key, 30, &ch), 0);
    assert_int_equal(tp_challenge_id(&ch, id), 0);
    char *doc = tp_challenge_json(&ch);
    assert_non_null(doc);
    fixture_run f;
    build_run(&f);
    f.rs[0].challenge = (ProtobufCBinaryData){strlen(doc), (uint8_t *)doc};
    tp_model_file mf = {"c.pt", "/rel/c.pt", {0xc}, 100};
    tp_model m = {.name = "c.pt", .root = "/rel/c.pt", .files = &mf, .n = 1};
    const char *ck[1] = {"/o/c.pt"};
    tp_claim_options opt = {0};
    tp_attest_input in = {.log_path = "/logs/run.h5", .opt = &opt};
    struct json_object *st = tp_attest_statement(&f.log, &f.v, &m, ck, &in);
    assert_non_null(st);
    tp_hex_encode(id, sizeof id, hex);
    assert_string_equal(
        at_str(st, "predicate.buildDefinition.externalParameters.challenge.id"), hex);
    tp_hex_encode(ch.nonce, sizeof ch.nonce, hex);
    assert_string_equal(
        at_str(st, "predicate.buildDefinition.externalParameters.challenge.nonce"), hex);
    json_object_put(st);
    free_run(&f);
    free(doc);
    tp_key_free(key);
}

/* Under MPI every rank's process is a root: the command is rank 0's. */
static void test_statement_command_is_rank_zeros(void **state)
{
    (void)state;
    fixture_run f;
    build_run(&f);
    f.rs[0].rank = 1;
    f.rs[0].world_size = f.rs[1].world_size = 2;
    f.rs[1].rank = 0;
    f.rs[1].parent_stream = 0;
    tp_model_file mf = {"c.pt", "/rel/c.pt", {0xc}, 100};
    tp_model m = {.name = "c.pt", .root = "/rel/c.pt", .files = &mf, .n = 1};
    const char *ck[1] = {"/o/c.pt"};
    tp_claim_options opt = {0};
    tp_attest_input in = {.log_path = "/logs/run.h5", .opt = &opt};
    struct json_object *st = tp_attest_statement(&f.log, &f.v, &m, ck, &in);
    assert_non_null(st);
    assert_string_equal(at_str(st, "predicate.buildDefinition.externalParameters.command.0"),
                        "worker");
    assert_int_equal(
        json_object_get_int(at(st, "predicate.buildDefinition.internalParameters.worldSize")), 2);
    json_object_put(st);
    free_run(&f);
}

static void test_oms_subject_digests_the_resources(void **state)
{
    (void)state;
    tp_model_file mf[2] = {{"a/x", "/m/a/x", {1}, 1}, {"a-b", "/m/a-b", {2}, 1}};
    tp_model m = {.is_dir = 1, .name = "m", .root = "/m", .files = mf, .n = 2};
    struct json_object *st = tp_oms_statement(&m);
    assert_non_null(st);
    assert_string_equal(at_str(st, "predicateType"), TP_OMS_PREDICATE_V1);
    assert_string_equal(at_str(st, "subject.0.name"), "m");
    assert_string_equal(at_str(st, "predicate.resources.0.name"), "a/x");
    assert_string_equal(at_str(st, "predicate.resources.1.name"), "a-b");
    assert_string_equal(at_str(st, "predicate.resources.1.algorithm"), "sha256");
    uint8_t both[64] = {1}, root[32];
    both[32] = 2;
    EVP_Digest(both, 64, root, NULL, EVP_sha256(), NULL);
    char hex[65];
    tp_hex_encode(root, 32, hex);
    assert_string_equal(at_str(st, "subject.0.digest.sha256"), hex);
    json_object_put(st);
    /* A file model's one resource is ".". */
    m.is_dir = 0;
    m.n = 1;
    st = tp_oms_statement(&m);
    assert_string_equal(at_str(st, "predicate.resources.0.name"), ".");
    json_object_put(st);
}

static int setup(void **state)
{
    (void)state;
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_model_order_is_model_signings),
        cmocka_unit_test(test_model_directory_listed_and_hashed),
        cmocka_unit_test(test_model_refuses_links_fifos_and_empty),
        cmocka_unit_test(test_file_uri_keeps_every_byte_in_ascii),
        cmocka_unit_test(test_base64_round_trip_and_refusals),
        cmocka_unit_test(test_dsse_parse_accepts_only_envelopes),
        cmocka_unit_test(test_statement_from_records),
        cmocka_unit_test(test_statement_names_the_challenge),
        cmocka_unit_test(test_statement_command_is_rank_zeros),
        cmocka_unit_test(test_oms_subject_digests_the_resources),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
