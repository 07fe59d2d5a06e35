/* test_init_random_bounded.c: init.random never regenerates what the key did
 * not sign, and regenerates no more than --max-work elements: InitTensors of
 * 2^34 elements after the last signed head (or in a stream whose heads do
 * not verify) are named and not regenerated; signed ones beyond the budget
 * make the claim unknown, naming the budget; a small signed one within it is
 * regenerated (a wrong digest fails). Each case would take hours if the
 * tensors were regenerated, so a hang here is the failure. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/initrng.h"
#include "core/sign.h"
#include "proto/trainprov.pb-c.h"
#include "runlog/records.h"
#include "runlog/runlog.h"
#include "verify/claims.h"
#include "tests/verify/log_builder.h"

#define STREAM_ID 0x1111111111111111ull
#define HUGE_SIDE (1ull << 17) /* two sides: 2^34 elements, the v1 maximum */

static char dir[] = "/tmp/test_init_random_bounded.XXXXXX";
static char priv_path[128], pub_path[128];
static tp_key *key, *pub;
static const uint8_t run_id[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

static void add_record(tp_stream_data *s, Trainprov__V1__Record *r)
{
    tp_test_append_record(s, run_id, r, 1700000000000000000ll + (int64_t)s->n_records);
}

static void add_head(tp_stream_data *s, int final) { tp_test_append_head(s, run_id, key, final, 0); }

static void add_run_start(tp_stream_data *s)
{
    uint8_t key_id[32];
    tp_key_id(key, key_id);
    Trainprov__V1__RunStart rs = TRAINPROV__V1__RUN_START__INIT;
    rs.format_version = 1;
    rs.library_version = "test";
    rs.key_id = (ProtobufCBinaryData){32, key_id};
    rs.pid = 100;
    rs.origin = "root";
    rs.rank = -1;
    rs.start_time_ns = 1700000000000000000ll;
    Trainprov__V1__Record r = TRAINPROV__V1__RECORD__INIT;
    r.body_case = TRAINPROV__V1__RECORD__BODY_RUN_START;
    r.run_start = &rs;
    add_record(s, &r);
}

static void add_seed(tp_stream_data *s, uint64_t value)
{
    Trainprov__V1__Seed seed = TRAINPROV__V1__SEED__INIT;
    seed.name = "test";
    seed.value = value;
    Trainprov__V1__Record r = TRAINPROV__V1__RECORD__INIT;
    r.body_case = TRAINPROV__V1__RECORD__BODY_SEED;
    r.seed = &seed;
    add_record(s, &r);
}

/* An InitTensor of shape [side][side] whose recorded digest is all 0x55
 * (so it never matches: a regeneration fails it, naming the digest). */
static void add_tensor(tp_stream_data *s, const char *name, uint64_t side, uint64_t seed)
{
    uint64_t shape[2] = {side, side};
    double params[2] = {0.0, 1.0};
    uint8_t digest[32];
    memset(digest, 0x55, sizeof digest);
    Trainprov__V1__InitTensor t = TRAINPROV__V1__INIT_TENSOR__INIT;
    t.name = (char *)name;
    t.shape = shape;
    t.n_shape = 2;
    t.dtype = "float32";
    t.distribution = "normal";
    t.params = params;
    t.n_params = 2;
    t.sha256 = (ProtobufCBinaryData){32, digest};
    t.seed = seed;
    t.spec = TP_INIT_SPEC;
    Trainprov__V1__Record r = TRAINPROV__V1__RECORD__INIT;
    r.body_case = TRAINPROV__V1__RECORD__BODY_INIT_TENSOR;
    r.init_tensor = &t;
    add_record(s, &r);
}

static void add_end(tp_stream_data *s)
{
    Trainprov__V1__StreamEnd e = TRAINPROV__V1__STREAM_END__INIT;
    Trainprov__V1__Record r = TRAINPROV__V1__RECORD__INIT;
    r.body_case = TRAINPROV__V1__RECORD__BODY_STREAM_END;
    r.stream_end = &e;
    add_record(s, &r);
}

/* A one-stream log: RunStart, Seed 7, n_tensors InitTensors of [side][side],
 * StreamEnd; signed by a final head unless tail_unsigned, in which case the
 * head signs only RunStart and Seed and the tensors come after it. */
static tp_stream_data *build(tp_runlog *log, size_t n_tensors, uint64_t side, int tail_unsigned)
{
    memset(log, 0, sizeof *log);
    memcpy(log->run_id, run_id, sizeof run_id);
    tp_key_id(key, log->key_id);
    log->has_run_id = log->has_key_id = 1;
    tp_stream_data *s = tp_runlog_add_stream(log, STREAM_ID);
    assert_non_null(s);
    add_run_start(s);
    add_seed(s, 7);
    if (tail_unsigned)
        add_head(s, 0);
    for (size_t k = 0; k < n_tensors; k++) {
        char name[32];
        snprintf(name, sizeof name, "layer%zu.weight", k);
        add_tensor(s, name, side, 7);
    }
    add_end(s);
    if (!tail_unsigned)
        add_head(s, 1);
    return s;
}

static const tp_claim *init_random(const tp_runlog *log, const tp_claim_options *opt,
                                   tp_verdict *v)
{
    char err[512] = "";
    tp_decoded_stream *dec;
    tp_file_table index;
    assert_int_equal(tp_records_decode_all(log, &dec), 0);
    assert_int_equal(tp_files_from_records(log, dec, &index), 0);
    tp_records_free_all(dec, log->n_streams);
    if (tp_claims_evaluate(log, &index, pub, opt, v, err, sizeof err) != 0)
        fail_msg("tp_claims_evaluate: %s", err);
    tp_files_free(&index);
    for (size_t k = 0; k < TP_CLAIM_COUNT; k++)
        if (!strcmp(v->claims[k].id, "init.random"))
            return &v->claims[k];
    fail_msg("no init.random");
    return NULL;
}

static void expect(const tp_runlog *log, const tp_claim_options *opt, tp_claim_status want,
                   const char *detail_part)
{
    tp_verdict v;
    const tp_claim *c = init_random(log, opt, &v);
    if (c->status != want || !c->detail || !strstr(c->detail, detail_part))
        fail_msg("init.random is %s (%s), expected %s mentioning \"%s\"",
                 tp_claim_status_name(c->status), c->detail ? c->detail : "",
                 tp_claim_status_name(want), detail_part);
    tp_verdict_free(&v);
}

static void test_tensors_after_the_last_signed_head_are_not_regenerated(void **state)
{
    tp_runlog log;
    tp_claim_options opt = {0};
    build(&log, 50, HUGE_SIDE, 1);
    expect(&log, &opt, TP_CLAIM_FAIL,
           "tensor layer0.weight: its InitTensor record (stream 1111111111111111 (pid 100), "
           "record 2) is not covered by a head that verifies with --pubkey, so it was not "
           "regenerated");
    expect(&log, &opt, TP_CLAIM_FAIL, "and 46 more");
    tp_runlog_free(&log);
}

static void test_tensors_whose_head_does_not_verify_are_not_regenerated(void **state)
{
    tp_runlog log;
    tp_claim_options opt = {0};
    tp_stream_data *s = build(&log, 50, HUGE_SIDE, 0);
    s->head_sigs[0][5] ^= 0x01; /* the only head's signature broken */
    expect(&log, &opt, TP_CLAIM_FAIL, "so it was not regenerated");
    tp_runlog_free(&log);
}

static void test_signed_tensors_beyond_max_work_are_unknown_naming_the_budget(void **state)
{
    tp_runlog log;
    tp_claim_options opt = {0};
    build(&log, 50, HUGE_SIDE, 0);
    expect(&log, &opt, TP_CLAIM_UNKNOWN,
           "the 50 signed InitTensor records declare 858993459200 elements, more than the "
           "--max-work budget of 10000000000 elements: not regenerated");
    opt.max_work = 1000;
    tp_runlog_free(&log);
    build(&log, 1, 64, 0); /* 4096 elements */
    expect(&log, &opt, TP_CLAIM_UNKNOWN, "--max-work budget of 1000 elements");
    tp_runlog_free(&log);
}

static void test_signed_tensor_within_budget_is_regenerated(void **state)
{
    tp_runlog log;
    tp_claim_options opt = {0};
    opt.max_work = 4096;
    build(&log, 1, 64, 0);
    expect(&log, &opt, TP_CLAIM_FAIL, "tensor layer0.weight: regenerated from seed 7");
    tp_runlog_free(&log);
}

static int setup(void **state)
{
    char err[512];
    if (!mkdtemp(dir))
        return -1;
    snprintf(priv_path, sizeof priv_path, "%s/k.pem", dir);
    snprintf(pub_path, sizeof pub_path, "%s/k.pub.pem", dir);
    if (tp_key_generate(priv_path, pub_path, err, sizeof err) != 0 ||
        tp_key_load_private(priv_path, &key, err, sizeof err) != 0 ||
        tp_key_load_public(pub_path, &pub, err, sizeof err) != 0) {
        fprintf(stderr, "setup: %s\n", err);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    tp_key_free(key);
    tp_key_free(pub);
    unlink(priv_path);
    unlink(pub_path);
    rmdir(dir);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tensors_after_the_last_signed_head_are_not_regenerated),
        cmocka_unit_test(test_tensors_whose_head_does_not_verify_are_not_regenerated),
        cmocka_unit_test(test_signed_tensors_beyond_max_work_are_unknown_naming_the_budget),
        cmocka_unit_test(test_signed_tensor_within_budget_is_regenerated),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
