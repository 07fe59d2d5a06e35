/* test_claims.c: the verifier's claims over run logs built in memory: a clean
 * two-stream run (a root process and a forked DataLoader worker) passes; each
 * tampering of the tamper suite (issue 2) fails the claim that catches it;
 * the file claims (foreign weights, undeclared inputs, data manifest, --model)
 * pass and fail as documented; and a log survives an HDF5 round trip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "verify/claims.h"
#include "runlog/h5log.h"
#include "core/hashfile.h"
#include "runlog/records.h"
#include "runlog/runlog.h"
#include "core/sign.h"
#include "proto/trainprov.pb-c.h"
#include "core/hex.h"
#include "tests/verify/log_builder.h"

#define ROOT_ID 0x1111111111111111ull
#define CHILD_ID 0x2222222222222222ull

static char dir[] = "/tmp/test_claims.XXXXXX";
static tp_key *key_a, *key_b, *pub_a; /* key_a signs, pub_a verifies, key_b is another signer */
static const uint8_t run_a[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
static const uint8_t run_b[16] = {16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1};
static uint8_t ckpt_sha[32]; /* sha256 of the model file below: the run's checkpoint */
static uint8_t data_sha[32];
static char model_path[64], other_path[64];

static char *path_in(const char *name)
{
    static char buf[4][128];
    static int next;
    char *p = buf[next++ % 4];
    snprintf(p, 128, "%s/%s", dir, name);
    return p;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

/* ---- building a run ---- */

static void add_record(tp_stream_data *s, const uint8_t run_id[16], Trainprov__V1__Record *r)
{
    tp_test_append_record(s, run_id, r,
                          1700000000000000000ll + (int64_t)s->n_records * 1000 +
                              (s->stream_id == CHILD_ID ? 500 : 0));
}

static void add_head(tp_stream_data *s, const uint8_t run_id[16], const tp_key *key, int final)
{
    tp_test_append_head(s, run_id, key, final,
                        1700000000000000000ll + (int64_t)s->n_records * 1000);
}

/* The exclusions every RunStart of the fixture records: the logger's own
 * kind (a system location, trainprov's journal directory) and, when a test
 * sets them, one more. */
static Trainprov__V1__Exclusion excl_system = {PROTOBUF_C_MESSAGE_INIT(&trainprov__v1__exclusion__descriptor), "/usr/lib/", "system"};
static Trainprov__V1__Exclusion excl_own = {PROTOBUF_C_MESSAGE_INIT(&trainprov__v1__exclusion__descriptor), "/work/run.h5.journal/", "trainprov"};
static Trainprov__V1__Exclusion excl_extra = {PROTOBUF_C_MESSAGE_INIT(&trainprov__v1__exclusion__descriptor), NULL, NULL};

static void add_run_start(tp_stream_data *s, const uint8_t run_id[16], const tp_key *key,
                          int pid, uint64_t parent, const char *origin, int declare_data)
{
    Trainprov__V1__Exclusion *excl[] = {&excl_system, &excl_own, &excl_extra};
    uint8_t key_id[32];
    char *argv[] = {"python", "train.py"};
    char *globs[] = {"/data/*.bin"};
    tp_key_id(key, key_id);
    Trainprov__V1__RunStart rs = TRAINPROV__V1__RUN_START__INIT;
    rs.format_version = 1;
    rs.library_version = "test";
    rs.key_id = (ProtobufCBinaryData){32, key_id};
    rs.host = "host";
    rs.pid = pid;
    rs.argv = argv;
    rs.n_argv = 2;
    rs.cwd = "/work";
    rs.parent_stream = parent;
    rs.origin = (char *)origin;
    rs.rank = -1;
    rs.exclusions = excl;
    rs.n_exclusions = excl_extra.prefix ? 3 : 2;
    if (declare_data) {
        rs.data_globs = globs;
        rs.n_data_globs = 1;
    }
    Trainprov__V1__Record r = TRAINPROV__V1__RECORD__INIT;
    r.body_case = TRAINPROV__V1__RECORD__BODY_RUN_START;
    r.run_start = &rs;
    add_record(s, run_id, &r);
}

/* A FileEvent with its content's format and the role the job declared. */
static void add_file_as(tp_stream_data *s, const uint8_t run_id[16], const char *path,
                        const char *role, const char *access, const uint8_t *sha, uint64_t size,
                        const char *format, const char *declared_role)
{
    Trainprov__V1__FileEvent f = TRAINPROV__V1__FILE_EVENT__INIT;
    f.path = (char *)path;
    f.role = (char *)role;
    f.format = (char *)format;
    f.declared_role = (char *)declared_role;
    f.access = (char *)access;
    f.size = size;
    if (sha)
        f.sha256 = (ProtobufCBinaryData){32, (uint8_t *)sha};
    else
        f.hash_error = "EACCES";
    if (!strcmp(access, "write")) {
        f.bytes_written = size;
        f.authored = 1; /* the logger's fresh write: created or truncated */
    } else {
        f.bytes_read = size;
    }
    Trainprov__V1__Record r = TRAINPROV__V1__RECORD__INIT;
    r.body_case = TRAINPROV__V1__RECORD__BODY_FILE;
    r.file = &f;
    add_record(s, run_id, &r);
}

static void add_file(tp_stream_data *s, const uint8_t run_id[16], const char *path,
                     const char *role, const char *access, const uint8_t *sha, uint64_t size)
{
    add_file_as(s, run_id, path, role, access, sha, size, "", "");
}

/* A StreamEnd, reporting the gaps the logger could not avoid (if any). */
static void add_end_with_gaps(tp_stream_data *s, const uint8_t run_id[16], uint64_t dropped,
                              uint64_t untracked)
{
    Trainprov__V1__StreamEnd e = TRAINPROV__V1__STREAM_END__INIT;
    e.reason = "exit";
    e.dropped_events = dropped;
    e.untracked_fds = untracked;
    Trainprov__V1__Record r = TRAINPROV__V1__RECORD__INIT;
    r.body_case = TRAINPROV__V1__RECORD__BODY_STREAM_END;
    r.stream_end = &e;
    add_record(s, run_id, &r);
}

static void add_end(tp_stream_data *s, const uint8_t run_id[16])
{
    add_end_with_gaps(s, run_id, 0, 0);
}

static void sign_manifest(tp_runlog *log, const uint8_t run_id[16], const tp_key *key)
{
    Trainprov__V1__RunManifest m = TRAINPROV__V1__RUN_MANIFEST__INIT;
    Trainprov__V1__ManifestStream ms[8], *msp[8];
    uint8_t key_id[32], roots[8][32];
    tp_key_id(key, key_id);
    m.run_id = (ProtobufCBinaryData){16, (uint8_t *)run_id};
    m.key_id = (ProtobufCBinaryData){32, key_id};
    m.assembled_by = "run";
    assert_true(log->n_streams <= 8);
    for (size_t k = 0; k < log->n_streams; k++) {
        tp_stream_data *s = &log->streams[k];
        tp_test_stream_root(s, roots[k]);
        trainprov__v1__manifest_stream__init(&ms[k]);
        ms[k].stream_id = s->stream_id;
        ms[k].tree_size = s->n_records;
        ms[k].root = (ProtobufCBinaryData){32, roots[k]};
        ms[k].final = !s->outlived;
        ms[k].outlived = s->outlived != 0;
        msp[k] = &ms[k];
    }
    m.streams = msp;
    m.n_streams = log->n_streams;
    free(log->manifest_body.data);
    log->manifest_body.len = trainprov__v1__run_manifest__get_packed_size(&m);
    log->manifest_body.data = malloc(log->manifest_body.len);
    assert_non_null(log->manifest_body.data);
    trainprov__v1__run_manifest__pack(&m, log->manifest_body.data);
    assert_int_equal(tp_key_sign(key, TP_PAYLOAD_MANIFEST, log->manifest_body.data,
                                 log->manifest_body.len, log->manifest_sig),
                     0);
    log->has_manifest = 1;
}

/* A clean run: the root process reads code and a data shard, forks a worker
 * that reads another shard, writes a checkpoint, reads it back, and exits.
 * Heads every 2 records and at the end; a signed manifest. */
static void build_run(tp_runlog *log, const uint8_t run_id[16], const tp_key *key,
                      int declare_data)
{
    memset(log, 0, sizeof *log);
    memcpy(log->run_id, run_id, TP_RUN_ID_LEN);
    tp_key_id(key, log->key_id);
    log->has_run_id = log->has_key_id = 1;
    strcpy(log->library_version, "test");
    strcpy(log->assembled_by, "run");
    tp_stream_data *root = tp_runlog_add_stream(log, ROOT_ID);
    tp_stream_data *child = tp_runlog_add_stream(log, CHILD_ID);
    assert_non_null(root);
    assert_non_null(child);
    root = &log->streams[0];

    add_run_start(root, run_id, key, 100, 0, "root", declare_data);
    add_file(root, run_id, "/work/train.py", "code", "read", data_sha, 1000);
    add_head(root, run_id, key, 0);
    add_file(root, run_id, "/data/shard0.bin", "data", "read", data_sha, 4096);
    Trainprov__V1__ChildStream cs = TRAINPROV__V1__CHILD_STREAM__INIT;
    cs.child_stream = CHILD_ID;
    cs.child_pid = 101;
    cs.how = "fork";
    Trainprov__V1__Record r = TRAINPROV__V1__RECORD__INIT;
    r.body_case = TRAINPROV__V1__RECORD__BODY_CHILD;
    r.child = &cs;
    add_record(root, run_id, &r);
    add_head(root, run_id, key, 0);
    add_file(root, run_id, "/out/ckpt.pt", "checkpoint", "write", ckpt_sha, 10);
    add_file(root, run_id, "/out/ckpt.pt", "weights", "read", ckpt_sha, 10);
    add_end(root, run_id);
    add_head(root, run_id, key, 1);

    add_run_start(child, run_id, key, 101, ROOT_ID, "fork", declare_data);
    add_file(child, run_id, "/data/shard1.bin", "data", "read", data_sha, 4096);
    add_end(child, run_id);
    add_head(child, run_id, key, 1);

    sign_manifest(log, run_id, key);
}

/* Appends the FileEvent f to the worker's stream and seals the log again. */
static void add_worker_event(tp_runlog *log, const uint8_t run_id[16], const tp_key *key,
                             Trainprov__V1__FileEvent *f)
{
    tp_stream_data *s = &log->streams[1];
    free(s->records[--s->n_records].data); /* reopen the worker's stream */
    free(s->head_bodies[--s->n_heads].data);
    Trainprov__V1__Record r = TRAINPROV__V1__RECORD__INIT;
    r.body_case = TRAINPROV__V1__RECORD__BODY_FILE;
    r.file = f;
    add_record(s, run_id, &r);
    add_end(s, run_id);
    add_head(s, run_id, key, 1);
    sign_manifest(log, run_id, key);
}

/* ---- evaluating ---- */

static tp_claim_options no_options;

/* Evaluates log against pub with its /files index as the records say. */
static void evaluate(const tp_runlog *log, const tp_key *pub, const tp_claim_options *opt,
                     tp_verdict *v)
{
    char err[512] = "";
    tp_decoded_stream *dec;
    tp_file_table index;
    assert_int_equal(tp_records_decode_all(log, &dec), 0);
    assert_int_equal(tp_files_from_records(log, dec, &index), 0);
    tp_records_free_all(dec, log->n_streams);
    int rc = tp_claims_evaluate(log, &index, pub, opt ? opt : &no_options, v, err, sizeof err);
    if (rc != 0)
        fail_msg("tp_claims_evaluate: %s", err);
    tp_files_free(&index);
}

static const tp_claim *claim(const tp_verdict *v, const char *id)
{
    for (size_t k = 0; k < TP_CLAIM_COUNT; k++)
        if (!strcmp(v->claims[k].id, id))
            return &v->claims[k];
    fail_msg("no claim %s", id);
    return NULL;
}

/* Asserts that claim id has status want and the verdict is pass iff want_pass. */
static void expect(const tp_runlog *log, const tp_key *pub, const tp_claim_options *opt,
                   const char *id, tp_claim_status want, const char *detail_part)
{
    tp_verdict v;
    evaluate(log, pub, opt, &v);
    const tp_claim *c = claim(&v, id);
    if (c->status != want)
        fail_msg("%s is %s, expected %s: %s", id, tp_claim_status_name(c->status),
                 tp_claim_status_name(want), c->detail);
    if (detail_part && !strstr(c->detail, detail_part))
        fail_msg("%s detail \"%s\" does not mention \"%s\"", id, c->detail, detail_part);
    if (want == TP_CLAIM_FAIL)
        assert_false(v.pass);
    tp_verdict_free(&v);
}

/* ---- tests ---- */

static void test_clean_run_passes(void **state)
{
    tp_runlog log;
    tp_verdict v;
    build_run(&log, run_a, key_a, 0);
    evaluate(&log, pub_a, NULL, &v);
    for (size_t k = 0; k < TP_CLAIM_COUNT; k++) {
        const tp_claim *c = &v.claims[k];
        /* no --model; no InitTensor (the run did not use trainprov's initialiser); not MPI */
        tp_claim_status want = !strcmp(c->id, "mpi.init_consistent") ? TP_CLAIM_NA
                               : strcmp(c->id, "lineage.final") && strcmp(c->id, "init.random")
                                   ? TP_CLAIM_PASS
                                   : TP_CLAIM_UNKNOWN;
        if (c->status != want)
            fail_msg("%s: %s %s", c->id, tp_claim_status_name(c->status), c->detail);
    }
    assert_true(v.pass);
    assert_true(v.key_matches);
    assert_int_equal(v.files.n, 5);
    assert_int_equal(v.n_streams, 2);
    assert_int_equal(v.streams[1].pid, 101);
    assert_true(v.streams[0].ended);
    tp_verdict_free(&v);
    tp_runlog_free(&log);
}

/* --strict leaves n/a as it is (the verdict under --strict is e2e_strict_passes_without_mpi.sh's);
 * a claim the evaluator requires must pass, so a required n/a fails the verdict */
static void test_na_stays_under_strict_and_fails_when_required(void **state)
{
    tp_runlog log;
    tp_verdict v;
    build_run(&log, run_a, key_a, 0);
    char *req[] = {"mpi.init_consistent"}, *req_pass[] = {"log.integrity"};
    tp_claim_options strict = no_options, required = no_options, other = no_options;
    strict.strict = 1;
    required.require = req;
    required.n_require = 1;
    other.require = req_pass;
    other.n_require = 1;
    evaluate(&log, pub_a, &strict, &v);
    assert_int_equal(claim(&v, "mpi.init_consistent")->status, TP_CLAIM_NA);
    tp_verdict_free(&v);
    evaluate(&log, pub_a, &other, &v);
    assert_true(v.pass);
    tp_verdict_free(&v);
    evaluate(&log, pub_a, &required, &v);
    assert_int_equal(claim(&v, "mpi.init_consistent")->status, TP_CLAIM_NA);
    assert_false(v.pass);
    tp_verdict_free(&v);
    tp_runlog_free(&log);
}

/* The worker (stream 1) is still running when the log is assembled: no
 * StreamEnd, a head that is not final; it wrote /out/helper.pt, which the
 * root then read as weights. */
static void make_worker_outlive(tp_runlog *log, const tp_key *key, const uint8_t *helper_sha)
{
    tp_stream_data *w = &log->streams[1], *root = &log->streams[0];
    free(w->records[--w->n_records].data); /* its StreamEnd */
    free(w->head_bodies[--w->n_heads].data); /* and final head */
    add_file(w, run_a, "/out/helper.pt", "checkpoint", "write", helper_sha, 10);
    add_head(w, run_a, key, 0);
    free(root->records[--root->n_records].data);
    free(root->head_bodies[--root->n_heads].data);
    add_file(root, run_a, "/out/helper.pt", "weights", "read", helper_sha, 10);
    add_end(root, run_a);
    add_head(root, run_a, key, 1);
}

/* A stream the wrapper's signed manifest marks as outliving the job passes
 * log.complete (which says so) though it did not end; unmarked, the same
 * stream fails it. Weights only that stream wrote are unknown, not the run's. */
static void test_outliving_stream_is_complete_and_its_writes_unknown(void **state)
{
    tp_runlog log;
    uint8_t helper_sha[32];
    memset(helper_sha, 0x77, sizeof helper_sha);
    build_run(&log, run_a, key_a, 0);
    make_worker_outlive(&log, key_a, helper_sha);
    sign_manifest(&log, run_a, key_a);
    expect(&log, pub_a, NULL, "log.complete", TP_CLAIM_FAIL, "did not end");
    log.streams[1].outlived = 1;
    sign_manifest(&log, run_a, key_a);
    expect(&log, pub_a, NULL, "log.complete", TP_CLAIM_PASS, "outlived the job");
    expect(&log, pub_a, NULL, "init.no_foreign_weights", TP_CLAIM_UNKNOWN,
           "written only by a process that outlived the job");
    tp_runlog_free(&log);
}

static void test_flipped_byte(void **state)
{
    tp_runlog log;
    build_run(&log, run_a, key_a, 0);
    tp_bytes *b = &log.streams[0].records[3];
    b->data[b->len - 1] ^= 1;
    expect(&log, pub_a, NULL, "log.integrity", TP_CLAIM_FAIL, "stream 1111111111111111");
    tp_runlog_free(&log);
}

static void test_deleted_record(void **state)
{
    tp_runlog log;
    build_run(&log, run_a, key_a, 0);
    tp_stream_data *s = &log.streams[0];
    free(s->records[2].data);
    memmove(&s->records[2], &s->records[3], (s->n_records - 3) * sizeof *s->records);
    s->n_records--;
    expect(&log, pub_a, NULL, "log.integrity", TP_CLAIM_FAIL, "record 2 has seq 3");
    tp_runlog_free(&log);
}

static void test_reordered_records(void **state)
{
    tp_runlog log;
    build_run(&log, run_a, key_a, 0);
    tp_stream_data *s = &log.streams[0];
    tp_bytes t = s->records[4];
    s->records[4] = s->records[5];
    s->records[5] = t;
    expect(&log, pub_a, NULL, "log.integrity", TP_CLAIM_FAIL, "record 4 has seq 5");
    tp_runlog_free(&log);
}

static void test_duplicated_record(void **state)
{
    tp_runlog log;
    build_run(&log, run_a, key_a, 0);
    tp_stream_data *s = &log.streams[1]; /* RunStart, FileEvent, StreamEnd */
    assert_int_equal(tp_stream_add_record(s, s->records[1].data, s->records[1].len), 0);
    tp_bytes t = s->records[2];
    s->records[2] = s->records[3];
    s->records[3] = t; /* RunStart, FileEvent, FileEvent again, StreamEnd */
    expect(&log, pub_a, NULL, "log.integrity", TP_CLAIM_FAIL, "record 2 has seq 1");
    tp_runlog_free(&log);
}

static void test_truncated_stream(void **state)
{
    tp_runlog log;
    build_run(&log, run_a, key_a, 0);
    tp_stream_data *s = &log.streams[0];
    while (s->n_records > 4)
        free(s->records[--s->n_records].data);
    free(s->head_bodies[--s->n_heads].data);
    expect(&log, pub_a, NULL, "log.integrity", TP_CLAIM_PASS, NULL);
    expect(&log, pub_a, NULL, "log.complete", TP_CLAIM_FAIL, "did not end");
    tp_runlog_free(&log);
}

static void test_swapped_stream_ids(void **state)
{
    tp_runlog log;
    build_run(&log, run_a, key_a, 0);
    log.streams[0].stream_id = CHILD_ID;
    log.streams[1].stream_id = ROOT_ID;
    expect(&log, pub_a, NULL, "log.integrity", TP_CLAIM_FAIL, "belongs to stream");
    tp_runlog_free(&log);
}

static void test_spliced_stream(void **state)
{
    tp_runlog log, other;
    build_run(&log, run_a, key_a, 0);
    build_run(&other, run_b, key_a, 0);
    /* the worker's stream of run B replaces run A's */
    tp_stream_data t = log.streams[1];
    log.streams[1] = other.streams[1];
    other.streams[1] = t;
    expect(&log, pub_a, NULL, "run.binding", TP_CLAIM_FAIL, "another run id");
    expect(&log, pub_a, NULL, "log.complete", TP_CLAIM_FAIL, "manifest signed");
    tp_runlog_free(&log);
    tp_runlog_free(&other);
}

static void test_other_key(void **state)
{
    tp_runlog log;
    build_run(&log, run_a, key_b, 0);
    expect(&log, pub_a, NULL, "log.integrity", TP_CLAIM_FAIL, "log was signed by key");
    expect(&log, pub_a, NULL, "log.complete", TP_CLAIM_FAIL, "does not verify");
    /* the attribute claims key A, the signatures are key B's */
    uint8_t id[32];
    tp_key_id(pub_a, id);
    memcpy(log.key_id, id, sizeof id);
    expect(&log, pub_a, NULL, "log.integrity", TP_CLAIM_FAIL, "does not verify");
    tp_runlog_free(&log);
}

static void test_edited_run_id(void **state)
{
    tp_runlog log;
    build_run(&log, run_a, key_a, 0);
    log.run_id[0] ^= 0xf0; /* the attribute's first hex digit edited */
    expect(&log, pub_a, NULL, "run.binding", TP_CLAIM_FAIL, "another run id");
    expect(&log, pub_a, NULL, "log.integrity", TP_CLAIM_FAIL, "names another run");
    tp_runlog_free(&log);
}

static void test_unsigned_tail(void **state)
{
    tp_runlog log;
    build_run(&log, run_a, key_a, 0);
    add_end(&log.streams[1], run_a);
    expect(&log, pub_a, NULL, "log.integrity", TP_CLAIM_FAIL, "records 3..3 are not covered");
    tp_runlog_free(&log);
}

static void test_recovered_log(void **state)
{
    tp_runlog log;
    build_run(&log, run_a, key_a, 0);
    log.has_manifest = 0;
    expect(&log, pub_a, NULL, "log.complete", TP_CLAIM_FAIL, "recovered after a crash");
    expect(&log, pub_a, NULL, "log.integrity", TP_CLAIM_PASS, NULL);
    tp_runlog_free(&log);
}

/* A stream whose StreamEnd reports records it could not write (disk full)
 * or files it could not track is signed and sealed, yet incomplete. */
static void test_reported_gaps(void **state)
{
    static const uint64_t gaps[][2] = {{3, 0}, {0, 2}};
    static const char *const said[] = {"could not write 3 records", "2 files were opened"};
    for (size_t g = 0; g < 2; g++) {
        tp_runlog log;
        memset(&log, 0, sizeof log);
        memcpy(log.run_id, run_a, TP_RUN_ID_LEN);
        tp_key_id(key_a, log.key_id);
        log.has_run_id = log.has_key_id = 1;
        strcpy(log.assembled_by, "run");
        tp_stream_data *root = tp_runlog_add_stream(&log, ROOT_ID);
        assert_non_null(root);
        add_run_start(root, run_a, key_a, 100, 0, "root", 0);
        add_end_with_gaps(root, run_a, gaps[g][0], gaps[g][1]);
        add_head(root, run_a, key_a, 1);
        sign_manifest(&log, run_a, key_a);
        expect(&log, pub_a, NULL, "log.complete", TP_CLAIM_FAIL, said[g]);
        expect(&log, pub_a, NULL, "log.integrity", TP_CLAIM_PASS, NULL);
        tp_runlog_free(&log);
    }
}

static void test_missing_child(void **state)
{
    tp_runlog log;
    build_run(&log, run_a, key_a, 0);
    tp_stream_data t = log.streams[1];
    log.n_streams = 1;
    sign_manifest(&log, run_a, key_a);
    expect(&log, pub_a, NULL, "log.complete", TP_CLAIM_FAIL, "announced child stream 2222");
    log.streams[log.n_streams++] = t;
    tp_runlog_free(&log);
}

static void test_index_mismatch(void **state)
{
    tp_runlog log;
    tp_decoded_stream *dec;
    tp_file_table index;
    tp_verdict v;
    char err[256];
    build_run(&log, run_a, key_a, 0);
    assert_int_equal(tp_records_decode_all(&log, &dec), 0);
    assert_int_equal(tp_files_from_records(&log, dec, &index), 0);
    tp_records_free_all(dec, log.n_streams);
    index.rows[1].sha256[0] = index.rows[1].sha256[0] == '0' ? '1' : '0';
    assert_int_equal(tp_claims_evaluate(&log, &index, pub_a, &no_options, &v, err, sizeof err), 0);
    assert_int_equal(claim(&v, "log.integrity")->status, TP_CLAIM_FAIL);
    assert_non_null(strstr(claim(&v, "log.integrity")->detail, "/data/shard0.bin"));
    tp_verdict_free(&v);
    tp_files_free(&index);
    tp_runlog_free(&log);
}

static void test_foreign_weights(void **state)
{
    tp_runlog log;
    uint8_t foreign[32];
    memset(foreign, 0xab, sizeof foreign);
    build_run(&log, run_a, key_a, 0);
    tp_stream_data *s = &log.streams[1];
    free(s->records[--s->n_records].data); /* reopen the worker's stream */
    free(s->head_bodies[--s->n_heads].data);
    add_file(s, run_a, "/models/pretrained.safetensors", "weights", "read", foreign, 100);
    add_end(s, run_a);
    add_head(s, run_a, key_a, 1);
    sign_manifest(&log, run_a, key_a);
    expect(&log, pub_a, NULL, "init.no_foreign_weights", TP_CLAIM_FAIL,
           "/models/pretrained.safetensors (sha256 abababab");
    expect(&log, pub_a, NULL, "log.integrity", TP_CLAIM_PASS, NULL);
    tp_runlog_free(&log);
}

static void test_weights_declared_as_data_fail_naming_the_declaration(void **state)
{
    tp_runlog log;
    uint8_t foreign[32];
    memset(foreign, 0xcd, sizeof foreign);
    build_run(&log, run_a, key_a, 1);
    tp_stream_data *s = &log.streams[1];
    free(s->records[--s->n_records].data);
    free(s->head_bodies[--s->n_heads].data);
    add_file_as(s, run_a, "/data/donor.bin", "weights", "read", foreign, 1 << 20, "raw-float32",
                "data");
    add_end(s, run_a);
    add_head(s, run_a, key_a, 1);
    sign_manifest(&log, run_a, key_a);
    expect(&log, pub_a, NULL, "init.no_foreign_weights", TP_CLAIM_FAIL,
           "declared data, its content is raw-float32");
    tp_runlog_free(&log);
}

static void test_possible_weights_make_it_unknown_unless_own(void **state)
{
    tp_runlog log;
    uint8_t maybe[32];
    memset(maybe, 0xef, sizeof maybe);
    build_run(&log, run_a, key_a, 1);
    tp_stream_data *s = &log.streams[1];
    free(s->records[--s->n_records].data);
    free(s->head_bodies[--s->n_heads].data);
    add_file_as(s, run_a, "/data/odd.bin", "data", "read", maybe, 1 << 20,
                "possible-raw-float16", "data");
    add_end(s, run_a);
    add_head(s, run_a, key_a, 1);
    sign_manifest(&log, run_a, key_a);
    expect(&log, pub_a, NULL, "init.no_foreign_weights", TP_CLAIM_UNKNOWN, "/data/odd.bin");
    tp_claim_options strict = {.strict = 1};
    expect(&log, pub_a, &strict, "init.no_foreign_weights", TP_CLAIM_FAIL, "may be weights");
    tp_runlog_free(&log);

    /* the same bytes written by the run before: its own */
    build_run(&log, run_a, key_a, 1);
    s = &log.streams[1];
    free(s->records[--s->n_records].data);
    free(s->head_bodies[--s->n_heads].data);
    add_file_as(s, run_a, "/out/odd.bin", "other", "write", maybe, 1 << 20,
                "possible-raw-float16", "");
    add_file_as(s, run_a, "/out/odd.bin", "data", "read", maybe, 1 << 20,
                "possible-raw-float16", "");
    add_end(s, run_a);
    add_head(s, run_a, key_a, 1);
    sign_manifest(&log, run_a, key_a);
    expect(&log, pub_a, NULL, "init.no_foreign_weights", TP_CLAIM_PASS, NULL);
    tp_runlog_free(&log);
}

static void test_writable_exclusion_makes_it_unknown(void **state)
{
    static const char *const cases[][3] = {
        {"/scratch/cache/", "user", "/scratch/cache/"},
        {"/proj/venv/lib/", "python", "/proj/venv/lib/"},
        {"/dev/shm/", "system", "/dev/shm/"}, /* the verifier checks the prefix itself */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tp_runlog log;
        excl_extra.prefix = (char *)cases[i][0];
        excl_extra.source = (char *)cases[i][1];
        build_run(&log, run_a, key_a, 0);
        sign_manifest(&log, run_a, key_a);
        expect(&log, pub_a, NULL, "init.no_foreign_weights", TP_CLAIM_UNKNOWN, cases[i][2]);
        tp_runlog_free(&log);
    }
    /* a read-only system location hides nothing */
    tp_runlog log;
    excl_extra.prefix = "/usr/share/";
    excl_extra.source = "python";
    build_run(&log, run_a, key_a, 0);
    sign_manifest(&log, run_a, key_a);
    expect(&log, pub_a, NULL, "init.no_foreign_weights", TP_CLAIM_PASS, NULL);
    tp_runlog_free(&log);
    excl_extra.prefix = NULL;
    excl_extra.source = NULL;
}

static void test_undeclared_input(void **state)
{
    tp_runlog log;
    build_run(&log, run_a, key_a, 1);
    tp_stream_data *s = &log.streams[1];
    free(s->records[--s->n_records].data);
    free(s->head_bodies[--s->n_heads].data);
    add_file(s, run_a, "/opt/blob.bin", "other", "read", data_sha, 1 << 20);
    add_end(s, run_a);
    add_head(s, run_a, key_a, 1);
    sign_manifest(&log, run_a, key_a);
    expect(&log, pub_a, NULL, "init.no_foreign_weights", TP_CLAIM_UNKNOWN, "/opt/blob.bin");
    tp_claim_options strict = {.strict = 1};
    expect(&log, pub_a, &strict, "init.no_foreign_weights", TP_CLAIM_FAIL, "undeclared");
    tp_runlog_free(&log);
}

static void test_data_manifest(void **state)
{
    tp_runlog log;
    char hex[65], line[256];
    tp_claim_options opt = {.data_manifest_path = path_in("data.sha256")};
    build_run(&log, run_a, key_a, 0);
    tp_hex_encode(data_sha, 32, hex);
    snprintf(line, sizeof line, "%s  /data/shard0.bin\n%s *shard1.bin\n", hex, hex);
    write_file(opt.data_manifest_path, line);
    expect(&log, pub_a, &opt, "data.accounted", TP_CLAIM_PASS, "all hashed");
    write_file(opt.data_manifest_path,
               "0000000000000000000000000000000000000000000000000000000000000000  /x\n");
    expect(&log, pub_a, &opt, "data.accounted", TP_CLAIM_FAIL, "/data/shard0.bin");
    write_file(opt.data_manifest_path, "not a sha256sum line\n");
    tp_verdict v;
    char err[512];
    tp_decoded_stream *dec;
    tp_file_table index;
    assert_int_equal(tp_records_decode_all(&log, &dec), 0);
    assert_int_equal(tp_files_from_records(&log, dec, &index), 0);
    tp_records_free_all(dec, log.n_streams);
    assert_int_equal(tp_claims_evaluate(&log, &index, pub_a, &opt, &v, err, sizeof err), -1);
    assert_non_null(strstr(err, "data.sha256:1:"));
    tp_verdict_free(&v);
    tp_files_free(&index);
    tp_runlog_free(&log);
}

static void test_unhashed_data(void **state)
{
    tp_runlog log;
    build_run(&log, run_a, key_a, 0);
    tp_stream_data *s = &log.streams[1];
    free(s->records[--s->n_records].data);
    free(s->head_bodies[--s->n_heads].data);
    add_file(s, run_a, "/data/locked.bin", "data", "read", NULL, 10);
    add_end(s, run_a);
    add_head(s, run_a, key_a, 1);
    sign_manifest(&log, run_a, key_a);
    expect(&log, pub_a, NULL, "data.accounted", TP_CLAIM_FAIL, "/data/locked.bin has no digest (EACCES)");
    tp_runlog_free(&log);
}

static void test_lineage(void **state)
{
    tp_runlog log;
    build_run(&log, run_a, key_a, 0);
    tp_claim_options model = {.model_path = model_path}, other = {.model_path = other_path};
    expect(&log, pub_a, &model, "lineage.final", TP_CLAIM_PASS, "/out/ckpt.pt");
    expect(&log, pub_a, &other, "lineage.final", TP_CLAIM_FAIL, "matches no checkpoint");
    tp_claim_options require = {.n_require = 1, .require = (char *[]){"lineage.final"}};
    tp_verdict v;
    evaluate(&log, pub_a, &require, &v);
    assert_false(v.pass); /* required but unknown without --model */
    tp_verdict_free(&v);
    tp_runlog_free(&log);
}

/* A donor opened read-write: the session wrote (one byte back) but did not
 * produce the content, so it is a read of what it found (prior_sha256), and
 * what it left is no checkpoint of the run's. */
static void test_read_write_on_found_content_is_a_read(void **state)
{
    tp_runlog log;
    uint8_t donor[32];
    memset(donor, 0xcd, sizeof donor);
    build_run(&log, run_a, key_a, 0);
    Trainprov__V1__FileEvent f = TRAINPROV__V1__FILE_EVENT__INIT;
    f.path = "/models/donor.pt";
    f.role = "weights";
    f.access = "readwrite";
    f.sha256 = (ProtobufCBinaryData){32, donor};
    f.prior_sha256 = (ProtobufCBinaryData){32, donor};
    f.bytes_read = f.bytes_written = 1;
    add_worker_event(&log, run_a, key_a, &f);
    expect(&log, pub_a, NULL, "init.no_foreign_weights", TP_CLAIM_FAIL,
           "/models/donor.pt (sha256 cdcdcdcd");
    tp_runlog_free(&log);
    /* the same bytes written as a "checkpoint" without authorship do not count */
    build_run(&log, run_a, key_a, 0);
    f.role = "checkpoint";
    f.access = "write";
    f.prior_sha256 = (ProtobufCBinaryData){0, NULL};
    f.bytes_read = 0;
    memcpy(donor, ckpt_sha, 32);
    add_worker_event(&log, run_a, key_a, &f);
    tp_claim_options other = {.model_path = other_path};
    expect(&log, pub_a, &other, "lineage.final", TP_CLAIM_FAIL, "matches no checkpoint");
    tp_runlog_free(&log);
}

/* A rename of content the run did not produce (into a --checkpoint glob) is
 * a read of it, not a checkpoint of the run's. */
static void test_rename_of_found_content_is_a_read(void **state)
{
    tp_runlog log;
    uint8_t donor[32];
    memset(donor, 0xef, sizeof donor);
    build_run(&log, run_a, key_a, 0);
    Trainprov__V1__FileEvent f = TRAINPROV__V1__FILE_EVENT__INIT;
    f.path = "/out/ckpt_9.pt";
    f.role = "weights";
    f.access = "rename";
    f.renamed_from = "/models/donor.pt";
    f.sha256 = (ProtobufCBinaryData){32, donor};
    add_worker_event(&log, run_a, key_a, &f);
    expect(&log, pub_a, NULL, "init.no_foreign_weights", TP_CLAIM_FAIL, "/out/ckpt_9.pt");
    tp_runlog_free(&log);
}

/* A checkpoint another writer changed before the hash has no digest: no
 * claim passes on it. */
static void test_changed_checkpoint_is_not_the_runs(void **state)
{
    tp_runlog log;
    build_run(&log, run_a, key_a, 0);
    Trainprov__V1__FileEvent f = TRAINPROV__V1__FILE_EVENT__INIT;
    f.path = "/out/final.pt";
    f.role = "checkpoint";
    f.access = "write";
    f.authored = 1;
    f.changed = 1;
    f.hash_error = "changed by another writer before it was hashed";
    f.bytes_written = 10;
    add_worker_event(&log, run_a, key_a, &f);
    tp_claim_options other = {.model_path = other_path};
    expect(&log, pub_a, &other, "lineage.final", TP_CLAIM_FAIL, "matches no checkpoint");
    tp_runlog_free(&log);
}

/* The job opened a file in the journal directory (or the key): log.integrity fails. */
static void test_recorder_file_fails_integrity(void **state)
{
    tp_runlog log;
    build_run(&log, run_a, key_a, 0);
    Trainprov__V1__FileEvent f = TRAINPROV__V1__FILE_EVENT__INIT;
    f.path = "/out/run.h5.journal/digests-host/1-2-3-4-5";
    f.role = "other";
    f.access = "write";
    f.recorder_file = 1;
    f.hash_error = "trainprov's own file: not hashed";
    add_worker_event(&log, run_a, key_a, &f);
    expect(&log, pub_a, NULL, "log.integrity", TP_CLAIM_FAIL,
           "opened trainprov's own file /out/run.h5.journal/digests-host/1-2-3-4-5");
    tp_runlog_free(&log);
}

static void test_h5_round_trip(void **state)
{
    tp_runlog log, back;
    tp_file_table index;
    tp_verdict v;
    char err[512];
    const char *path = path_in("run.h5");
    build_run(&log, run_a, key_a, 0);
    if (tp_h5log_write(path, &log, err, sizeof err) != 0)
        fail_msg("tp_h5log_write: %s", err);
    if (tp_h5log_read_files(path, &back, &index, err, sizeof err) != 0)
        fail_msg("tp_h5log_read_files: %s", err);
    assert_int_equal(back.n_streams, 2);
    assert_true(index.present);
    assert_int_equal(tp_claims_evaluate(&back, &index, pub_a, &no_options, &v, err, sizeof err), 0);
    for (size_t k = 0; k < TP_CLAIM_COUNT; k++)
        if (v.claims[k].status == TP_CLAIM_FAIL)
            fail_msg("%s: %s", v.claims[k].id, v.claims[k].detail);
    assert_true(v.pass);
    tp_verdict_free(&v);
    tp_files_free(&index);
    tp_runlog_free(&back);
    tp_runlog_free(&log);
    write_file(path, "not hdf5");
    assert_int_equal(tp_h5log_read(path, &back, err, sizeof err), -1);
    assert_non_null(strstr(err, "not an HDF5 file"));
}

static int setup(void **state)
{
    char err[256];
    uint64_t size;
    if (!mkdtemp(dir))
        return -1;
    if (tp_key_generate(path_in("a.pem"), path_in("a.pub.pem"), err, sizeof err) != 0 ||
        tp_key_generate(path_in("b.pem"), path_in("b.pub.pem"), err, sizeof err) != 0 ||
        tp_key_load_private(path_in("a.pem"), &key_a, err, sizeof err) != 0 ||
        tp_key_load_private(path_in("b.pem"), &key_b, err, sizeof err) != 0 ||
        tp_key_load_public(path_in("a.pub.pem"), &pub_a, err, sizeof err) != 0) {
        fprintf(stderr, "setup: %s\n", err);
        return -1;
    }
    snprintf(model_path, sizeof model_path, "%s", path_in("final.pt"));
    snprintf(other_path, sizeof other_path, "%s", path_in("other.pt"));
    write_file(model_path, "weights!!!");
    write_file(other_path, "not these");
    write_file(path_in("shard"), "tokens");
    if (tp_sha256_path(model_path, ckpt_sha, &size) != 0 ||
        tp_sha256_path(path_in("shard"), data_sha, &size) != 0)
        return -1;
    return 0;
}

static int teardown(void **state)
{
    const char *names[] = {"a.pem", "a.pub.pem", "b.pem", "b.pub.pem", "final.pt", "other.pt",
                           "shard", "data.sha256", "run.h5"};
    tp_key_free(key_a);
    tp_key_free(key_b);
    tp_key_free(pub_a);
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        unlink(path_in(names[i]));
    rmdir(dir);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clean_run_passes),
        cmocka_unit_test(test_na_stays_under_strict_and_fails_when_required),
        cmocka_unit_test(test_outliving_stream_is_complete_and_its_writes_unknown),
        cmocka_unit_test(test_flipped_byte),
        cmocka_unit_test(test_deleted_record),   cmocka_unit_test(test_reordered_records),
        cmocka_unit_test(test_duplicated_record), cmocka_unit_test(test_truncated_stream),
        cmocka_unit_test(test_swapped_stream_ids), cmocka_unit_test(test_spliced_stream),
        cmocka_unit_test(test_other_key),        cmocka_unit_test(test_edited_run_id),
        cmocka_unit_test(test_unsigned_tail),    cmocka_unit_test(test_recovered_log),
        cmocka_unit_test(test_missing_child),    cmocka_unit_test(test_index_mismatch),
        cmocka_unit_test(test_reported_gaps),
        cmocka_unit_test(test_foreign_weights),  cmocka_unit_test(test_undeclared_input),
        cmocka_unit_test(test_weights_declared_as_data_fail_naming_the_declaration),
        cmocka_unit_test(test_possible_weights_make_it_unknown_unless_own),
        cmocka_unit_test(test_writable_exclusion_makes_it_unknown),
        cmocka_unit_test(test_data_manifest),    cmocka_unit_test(test_unhashed_data),
        cmocka_unit_test(test_lineage),          cmocka_unit_test(test_h5_round_trip),
        cmocka_unit_test(test_read_write_on_found_content_is_a_read),
        cmocka_unit_test(test_rename_of_found_content_is_a_read),
        cmocka_unit_test(test_changed_checkpoint_is_not_the_runs),
        cmocka_unit_test(test_recorder_file_fails_integrity),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
