/* test_init_step0.c: which checkpoint init.random takes as the run's step 0
 * (verify/init_step0.c), on run logs built in memory with chosen times: the
 * first checkpoint after the init with no data read in between is compared;
 * data read before the init (start-up files) does not count, a data read
 * between the init and the checkpoint, or one the logger could not time,
 * leaves nothing tied; a checkpoint closed before the init is not step 0; a
 * step 0 that differs fails when data was read after it and is unknown when
 * not; a recorded path that is gone (or a FIFO) is unknown; a renamed checkpoint is
 * found at its destination; --checkpoint naming a file the run did not
 * write fails. */
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

#include "core/hashfile.h"
#include "core/initrng.h"
#include "core/sign.h"
#include "proto/trainprov.pb-c.h"
#include "runlog/records.h"
#include "runlog/runlog.h"
#include "verify/claims.h"
#include "tests/verify/log_builder.h"

#define T0 1700000000000000000ll
#define N 8 /* elements of the tensor "w" */

static char dir[] = "/tmp/test_init_step0.XXXXXX";
static tp_key *key, *pub;
static const uint8_t run_id[16] = {7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7};
static const double params[2] = {-1.0, 1.0};
static float init_w[N];
static uint8_t w_sha[32], good_sha[32], bad_sha[32];
static char good[128], bad[128], gone[128], renamed[128], fifo[128];

static char *path_in(const char *name)
{
    static char buf[4][128];
    static int next;
    char *p = buf[next++ % 4];
    snprintf(p, 128, "%s/%s", dir, name);
    return p;
}

/* A safetensors file holding w = values. */
static void write_step0(const char *path, const float *values)
{
    char header[] = "{\"w\":{\"dtype\":\"F32\",\"shape\":[8],\"data_offsets\":[0,32]}}      ";
    uint64_t hlen = strlen(header);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    for (int k = 0; k < 8; k++)
        fputc((int)(hlen >> (8 * k)) & 0xff, f);
    fwrite(header, 1, hlen, f);
    fwrite(values, sizeof *values, N, f);
    assert_int_equal(fclose(f), 0);
}

/* ---- the log ---- */

typedef struct {
    const char *path, *role, *access;
    const uint8_t *sha;
    int64_t first, last; /* offsets from T0; 0: not recorded */
    uint64_t bytes_read;
    int authored;
    const char *renamed_from;
} file_ev;

static void add(tp_stream_data *s, Trainprov__V1__Record *r, int64_t t)
{
    tp_test_append_record(s, run_id, r, T0 + t);
}

/* A final head over every record of s, signed with the test key: the
 * verifier regenerates and opens only what a verifying head covers. */
static void sign_final(tp_stream_data *s) { tp_test_append_head(s, run_id, key, 1, 0); }

/* One stream: RunStart at T0, Seed, InitTensor w at T0 + 100, the events
 * (each recorded at its close), StreamEnd, under a signed final head. */
static void build(tp_runlog *log, const file_ev *ev, size_t n)
{
    memset(log, 0, sizeof *log);
    memcpy(log->run_id, run_id, sizeof run_id);
    tp_key_id(key, log->key_id);
    log->has_run_id = log->has_key_id = 1;
    tp_stream_data *s = tp_runlog_add_stream(log, 0x3333333333333333ull);
    assert_non_null(s);
    uint8_t key_id[32];
    tp_key_id(key, key_id);

    Trainprov__V1__RunStart rs = TRAINPROV__V1__RUN_START__INIT;
    rs.format_version = 1;
    rs.key_id = (ProtobufCBinaryData){32, key_id};
    rs.pid = 100;
    rs.origin = "root";
    rs.rank = -1;
    rs.start_time_ns = T0;
    Trainprov__V1__Record r = TRAINPROV__V1__RECORD__INIT;
    r.body_case = TRAINPROV__V1__RECORD__BODY_RUN_START;
    r.run_start = &rs;
    add(s, &r, 0);

    Trainprov__V1__Seed seed = TRAINPROV__V1__SEED__INIT;
    seed.name = "w";
    seed.value = 5;
    r = (Trainprov__V1__Record)TRAINPROV__V1__RECORD__INIT;
    r.body_case = TRAINPROV__V1__RECORD__BODY_SEED;
    r.seed = &seed;
    add(s, &r, 1);

    uint64_t shape[1] = {N};
    Trainprov__V1__InitTensor it = TRAINPROV__V1__INIT_TENSOR__INIT;
    it.name = "w";
    it.shape = shape;
    it.n_shape = 1;
    it.dtype = "float32";
    it.distribution = "uniform";
    it.params = (double *)params;
    it.n_params = 2;
    it.sha256 = (ProtobufCBinaryData){32, w_sha};
    it.seed = 5;
    it.spec = TP_INIT_SPEC;
    r = (Trainprov__V1__Record)TRAINPROV__V1__RECORD__INIT;
    r.body_case = TRAINPROV__V1__RECORD__BODY_INIT_TENSOR;
    r.init_tensor = &it;
    add(s, &r, 100);

    for (size_t k = 0; k < n; k++) {
        Trainprov__V1__FileEvent f = TRAINPROV__V1__FILE_EVENT__INIT;
        f.path = (char *)ev[k].path;
        f.role = (char *)ev[k].role;
        f.access = (char *)ev[k].access;
        f.sha256 = (ProtobufCBinaryData){32, (uint8_t *)ev[k].sha};
        f.first_access_ns = ev[k].first ? T0 + ev[k].first : 0;
        f.last_access_ns = T0 + ev[k].last;
        f.bytes_read = ev[k].bytes_read;
        f.bytes_written = strcmp(ev[k].access, "read") ? 32 : 0;
        f.authored = ev[k].authored;
        f.renamed_from = (char *)(ev[k].renamed_from ? ev[k].renamed_from : "");
        r = (Trainprov__V1__Record)TRAINPROV__V1__RECORD__INIT;
        r.body_case = TRAINPROV__V1__RECORD__BODY_FILE;
        r.file = &f;
        add(s, &r, ev[k].last);
    }
    Trainprov__V1__StreamEnd e = TRAINPROV__V1__STREAM_END__INIT;
    e.reason = "exit";
    r = (Trainprov__V1__Record)TRAINPROV__V1__RECORD__INIT;
    r.body_case = TRAINPROV__V1__RECORD__BODY_STREAM_END;
    r.stream_end = &e;
    add(s, &r, 100000);
    sign_final(s);
}

/* init.random over the events: its status, its detail must contain
 * detail_part, its evidence.step0.result must be result ("" for none). */
static void expect(const file_ev *ev, size_t n, const char *checkpoint, tp_claim_status want,
                   const char *detail_part, const char *result)
{
    tp_runlog log;
    build(&log, ev, n);
    tp_decoded_stream *dec;
    tp_file_table index;
    tp_verdict v;
    char err[512] = "";
    tp_claim_options opt = {0};
    opt.checkpoint_path = checkpoint;
    assert_int_equal(tp_records_decode_all(&log, &dec), 0);
    assert_int_equal(tp_files_from_records(&log, dec, &index), 0);
    tp_records_free_all(dec, log.n_streams);
    if (tp_claims_evaluate(&log, &index, pub, &opt, &v, err, sizeof err) != 0)
        fail_msg("tp_claims_evaluate: %s", err);
    const tp_claim *c = NULL;
    for (size_t k = 0; k < TP_CLAIM_COUNT; k++)
        if (!strcmp(v.claims[k].id, "init.random"))
            c = &v.claims[k];
    assert_non_null(c);
    if (c->status != want)
        fail_msg("init.random is %s, expected %s: %s", tp_claim_status_name(c->status),
                 tp_claim_status_name(want), c->detail);
    if (!strstr(c->detail, detail_part))
        fail_msg("init.random's detail \"%s\" does not say \"%s\"", c->detail, detail_part);
    struct json_object *s0, *res;
    assert_true(json_object_object_get_ex(c->evidence, "step0", &s0));
    const char *got = json_object_object_get_ex(s0, "result", &res) ? json_object_get_string(res)
                                                                   : "";
    if (strcmp(got, result) != 0)
        fail_msg("step0.result is \"%s\", expected \"%s\": %s", got, result, c->detail);
    tp_verdict_free(&v);
    tp_files_free(&index);
    tp_runlog_free(&log);
}

#define EXPECT(ev, ckpt, want, part, result) expect(ev, sizeof ev / sizeof ev[0], ckpt, want, part, result)

/* The run's nonce is not authenticated in these logs (no challenge), so a
 * tied init is unknown too: what tells is the step-0 part of the detail. */
static const char *const equal = "equals the regenerated init";
static const char *const untied = "not tied to the training";

static void test_step0_before_data_is_compared(void **state)
{
    (void)state;
    file_ev ev[] = {
        {"/etc/startup.cfg", "data", "read", w_sha, 10, 50, 10, 0, NULL}, /* before the init */
        {good, "checkpoint", "write", good_sha, 150, 200, 0, 1, NULL},
        {"/data/shard0.bin", "data", "read", w_sha, 300, 400, 4096, 0, NULL},
    };
    EXPECT(ev, NULL, TP_CLAIM_UNKNOWN, equal, "equal");
}

static void test_data_read_between_init_and_checkpoint_ties_nothing(void **state)
{
    (void)state;
    file_ev ev[] = {
        {"/data/shard0.bin", "data", "read", w_sha, 150, 400, 4096, 0, NULL},
        {good, "checkpoint", "write", good_sha, 160, 200, 0, 1, NULL},
    };
    EXPECT(ev, NULL, TP_CLAIM_UNKNOWN, "no checkpoint written before the first data read", "");
    /* a session the logger could not time (no bytes counted) may have read then */
    file_ev untimed[] = {
        {good, "checkpoint", "write", good_sha, 150, 200, 0, 1, NULL},
        {"/data/shard0.bin", "data", "read", w_sha, 0, 400, 0, 0, NULL},
    };
    EXPECT(untimed, NULL, TP_CLAIM_UNKNOWN, untied, "");
}

static void test_checkpoint_before_init_is_not_step0(void **state)
{
    (void)state;
    file_ev ev[] = {
        {bad, "checkpoint", "write", bad_sha, 20, 50, 0, 1, NULL},
        {good, "checkpoint", "write", good_sha, 150, 200, 0, 1, NULL},
        {"/data/shard0.bin", "data", "read", w_sha, 300, 400, 4096, 0, NULL},
    };
    EXPECT(ev, NULL, TP_CLAIM_UNKNOWN, equal, "equal");
}

static void test_step0_that_differs(void **state)
{
    (void)state;
    file_ev ev[] = {
        {bad, "checkpoint", "write", bad_sha, 150, 200, 0, 1, NULL},
        {"/data/shard0.bin", "data", "read", w_sha, 300, 400, 4096, 0, NULL},
    };
    EXPECT(ev, NULL, TP_CLAIM_FAIL, "tensor w: its bytes in the step-0 checkpoint", "differs");
    EXPECT(ev, bad, TP_CLAIM_FAIL, "(changed after init)", "differs");
    /* no data read after it: it may be a trained checkpoint */
    file_ev no_data[] = {{bad, "checkpoint", "write", bad_sha, 150, 200, 0, 1, NULL}};
    EXPECT(no_data, NULL, TP_CLAIM_UNKNOWN, "may be a trained checkpoint", "differs");
}

static void test_step0_not_on_this_machine(void **state)
{
    (void)state;
    file_ev ev[] = {
        {gone, "checkpoint", "write", good_sha, 150, 200, 0, 1, NULL},
        {"/data/shard0.bin", "data", "read", w_sha, 300, 400, 4096, 0, NULL},
    };
    EXPECT(ev, NULL, TP_CLAIM_UNKNOWN, "is not on this machine", "absent");
    /* a FIFO where the run wrote it is no checkpoint, and is not waited on */
    file_ev at_fifo[] = {
        {fifo, "checkpoint", "write", good_sha, 150, 200, 0, 1, NULL},
        {"/data/shard0.bin", "data", "read", w_sha, 300, 400, 4096, 0, NULL},
    };
    EXPECT(at_fifo, NULL, TP_CLAIM_UNKNOWN, "is not on this machine", "absent");
    /* the evaluator's copy, given with --checkpoint, is the run's by its digest */
    EXPECT(ev, good, TP_CLAIM_UNKNOWN, equal, "equal");
}

static void test_renamed_step0_found_at_its_destination(void **state)
{
    (void)state;
    file_ev ev[] = {
        {gone, "checkpoint", "write", good_sha, 150, 200, 0, 1, NULL},
        {renamed, "checkpoint", "rename", good_sha, 0, 210, 0, 1, gone},
        {"/data/shard0.bin", "data", "read", w_sha, 300, 400, 4096, 0, NULL},
    };
    EXPECT(ev, NULL, TP_CLAIM_UNKNOWN, renamed, "equal");
}

static void test_checkpoint_the_run_did_not_write_fails(void **state)
{
    (void)state;
    file_ev ev[] = {
        {gone, "checkpoint", "write", bad_sha, 150, 200, 0, 1, NULL},
        {"/data/shard0.bin", "data", "read", w_sha, 300, 400, 4096, 0, NULL},
    };
    EXPECT(ev, good, TP_CLAIM_FAIL, "is not a checkpoint this run wrote", "absent");
    /* read by the run, not written: no authorship */
    file_ev read_only[] = {
        {good, "weights", "read", good_sha, 150, 200, 32, 0, NULL},
        {"/data/shard0.bin", "data", "read", w_sha, 300, 400, 4096, 0, NULL},
    };
    EXPECT(read_only, good, TP_CLAIM_FAIL, "is not a checkpoint this run wrote", "");
}

static int setup(void **state)
{
    (void)state;
    char err[256];
    uint64_t size;
    tp_init_spec spec;
    uint8_t k[TP_INIT_KEY_LEN];
    unsigned len = 0;
    if (!mkdtemp(dir) ||
        tp_key_generate(path_in("a.pem"), path_in("a.pub.pem"), err, sizeof err) != 0 ||
        tp_key_load_private(path_in("a.pem"), &key, err, sizeof err) != 0 ||
        tp_key_load_public(path_in("a.pub.pem"), &pub, err, sizeof err) != 0 ||
        tp_initrng_spec("uniform", params, 2, "float32", &spec, err, sizeof err) != 0 ||
        tp_initrng_key(NULL, 0, 5, "w", k) != 0 || tp_initrng_fill(k, &spec, 0, N, init_w, 1) != 0 ||
        EVP_Digest(init_w, sizeof init_w, w_sha, &len, EVP_sha256(), NULL) != 1)
        return -1;
    snprintf(good, sizeof good, "%s", path_in("step0.safetensors"));
    snprintf(bad, sizeof bad, "%s", path_in("donor_step0.safetensors"));
    snprintf(gone, sizeof gone, "%s", path_in("gone.safetensors"));
    snprintf(renamed, sizeof renamed, "%s", path_in("renamed.safetensors"));
    snprintf(fifo, sizeof fifo, "%s", path_in("fifo.safetensors"));
    if (mkfifo(fifo, 0600) != 0)
        return -1;
    float other[N];
    memcpy(other, init_w, sizeof other);
    other[3] += 0.5f;
    write_step0(good, init_w);
    write_step0(renamed, init_w);
    write_step0(bad, other);
    return tp_sha256_path(good, good_sha, &size) == 0 && tp_sha256_path(bad, bad_sha, &size) == 0
               ? 0
               : -1;
}

static int teardown(void **state)
{
    (void)state;
    const char *names[] = {"a.pem", "a.pub.pem", "step0.safetensors", "donor_step0.safetensors",
                           "renamed.safetensors", "fifo.safetensors"};
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
        unlink(path_in(names[k]));
    rmdir(dir);
    tp_key_free(key);
    tp_key_free(pub);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_step0_before_data_is_compared),
        cmocka_unit_test(test_data_read_between_init_and_checkpoint_ties_nothing),
        cmocka_unit_test(test_checkpoint_before_init_is_not_step0),
        cmocka_unit_test(test_step0_that_differs),
        cmocka_unit_test(test_step0_not_on_this_machine),
        cmocka_unit_test(test_renamed_step0_found_at_its_destination),
        cmocka_unit_test(test_checkpoint_the_run_did_not_write_fails),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
