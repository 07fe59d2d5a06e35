/* test_claims_mpi.c: the cross-rank checks of verify/mpi_facts.c and the
 * claim of verify/claim_mpi_init_consistent.c over MPI
 * run logs built in memory (4 ranks: RunStart, MpiEvent init, the initial
 * broadcasts, counters, StreamEnd; rank 0 also the final heads it gathered).
 * A clean job passes; a rank that received other parameters, skipped the
 * broadcast or broadcast unhashed fails mpi.init_consistent naming it; a
 * missing, duplicated, foreign, killed or altered rank stream fails
 * run.binding or log.complete naming the rank; a job without MPI_Init is
 * unknown. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "verify/claims.h"
#include "verify/claim.h"
#include "runlog/records.h"
#include "runlog/runlog.h"
#include "tests/verify/log_builder.h"

#define WORLD 4
#define N_BCAST 3

static const uint8_t run_id[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

typedef struct {
    int skip_rank;        /* rank that recorded no broadcast */
    int differ_rank;      /* rank whose broadcast 1 has another digest */
    int unhashed;         /* rank 0's broadcast 2 was not hashed */
    int missing_rank;     /* rank without a stream */
    int killed_rank;      /* rank without StreamEnd */
    int altered_rank;     /* rank with a record after the head rank 0 gathered */
    int foreign_rank;     /* an extra stream of another job claims this rank */
    int no_mpi;           /* no MpiEvent at all */
    int no_launcher;      /* with no_mpi: no MPI launcher either (RunStart.world_size 0) */
} variant;

static const variant clean = {-1, -1, 0, -1, -1, -1, -1, 0, 0};

static uint64_t stream_of(int rank) { return 0x1000 + (uint64_t)rank; }

static void add_record(tp_stream_data *s, Trainprov__V1__Record *r)
{
    tp_test_append_record(s, run_id, r, 0);
}

static void add_mpi(tp_stream_data *s, Trainprov__V1__MpiEvent *e)
{
    Trainprov__V1__Record r = TRAINPROV__V1__RECORD__INIT;
    r.body_case = TRAINPROV__V1__RECORD__BODY_MPI_EVENT;
    r.mpi_event = e;
    add_record(s, &r);
}

static void add_end(tp_stream_data *s, const char *reason)
{
    Trainprov__V1__StreamEnd end = TRAINPROV__V1__STREAM_END__INIT;
    end.reason = (char *)reason;
    Trainprov__V1__Record r = TRAINPROV__V1__RECORD__INIT;
    r.body_case = TRAINPROV__V1__RECORD__BODY_STREAM_END;
    r.stream_end = &end;
    add_record(s, &r);
}

/* RunStart, init, broadcasts, counters of one rank (no end). */
static void rank_records(tp_stream_data *s, int rank, const variant *v, uint8_t agree_byte)
{
    Trainprov__V1__RunStart rs = TRAINPROV__V1__RUN_START__INIT;
    rs.pid = 100 + rank;
    rs.origin = "root";
    rs.rank = rank;
    rs.world_size = v->no_launcher ? 0 : WORLD;
    Trainprov__V1__Record r = TRAINPROV__V1__RECORD__INIT;
    r.body_case = TRAINPROV__V1__RECORD__BODY_RUN_START;
    r.run_start = &rs;
    add_record(s, &r);
    if (v->no_mpi)
        return;
    uint8_t agreement[32];
    memset(agreement, agree_byte, sizeof agreement);
    Trainprov__V1__MpiEvent init = TRAINPROV__V1__MPI_EVENT__INIT;
    init.kind = "init";
    init.rank = rank;
    init.world_size = WORLD;
    init.agreed_run_id = (ProtobufCBinaryData){16, (uint8_t *)run_id};
    init.agreement = (ProtobufCBinaryData){32, agreement};
    add_mpi(s, &init);
    for (int i = 0; rank != v->skip_rank && i < N_BCAST; i++) {
        uint8_t digest[32];
        memset(digest, 0x40 + i + (rank == v->differ_rank && i == 1 ? 0x10 : 0), sizeof digest);
        Trainprov__V1__MpiEvent b = TRAINPROV__V1__MPI_EVENT__INIT;
        b.kind = "bcast";
        b.rank = rank;
        b.world_size = WORLD;
        b.index = (uint64_t)i;
        b.root = 0;
        b.comm_size = WORLD;
        b.bytes = 1000 * (uint64_t)(i + 1);
        if (!(v->unhashed && i == 2))
            b.sha256 = (ProtobufCBinaryData){32, digest};
        else
            b.note = "noncontiguous datatype: not hashed";
        add_mpi(s, &b);
    }
    Trainprov__V1__MpiEvent c = TRAINPROV__V1__MPI_EVENT__INIT;
    c.kind = "counters";
    c.op = "allreduce";
    c.calls = 20;
    c.bytes = 20 * 4096;
    add_mpi(s, &c);
}

static void build(tp_runlog *log, const variant *v)
{
    memset(log, 0, sizeof *log);
    memcpy(log->run_id, run_id, TP_RUN_ID_LEN);
    log->has_run_id = 1;
    tp_stream_data *s[WORLD] = {0};
    Trainprov__V1__MpiRankHead heads[WORLD], *ptrs[WORLD];
    uint8_t roots[WORLD][32];
    for (int r = 1; r < WORLD; r++) {
        s[r] = tp_runlog_add_stream(log, stream_of(r));
        assert_non_null(s[r]);
        rank_records(s[r], r, v, 0xaa);
        if (r != v->killed_rank)
            add_end(s[r], "mpi_finalize");
        tp_test_stream_root(s[r], roots[r]);
        trainprov__v1__mpi_rank_head__init(&heads[r]);
        heads[r].rank = r;
        heads[r].stream_id = stream_of(r);
        heads[r].tree_size = s[r]->n_records;
        if (r != v->killed_rank)
            heads[r].root = (ProtobufCBinaryData){32, roots[r]};
        ptrs[r - 1] = &heads[r];
        if (r == v->altered_rank)
            add_end(s[r], "exit");
    }
    s[0] = tp_runlog_add_stream(log, stream_of(0));
    assert_non_null(s[0]);
    rank_records(s[0], 0, v, 0xaa);
    if (!v->no_mpi) {
        Trainprov__V1__MpiEvent fin = TRAINPROV__V1__MPI_EVENT__INIT;
        fin.kind = "finalize";
        fin.world_size = WORLD;
        fin.ranks = ptrs;
        fin.n_ranks = WORLD - 1;
        add_mpi(s[0], &fin);
    }
    add_end(s[0], "mpi_finalize");
    if (v->foreign_rank >= 0) {
        tp_stream_data *f = tp_runlog_add_stream(log, 0x9000);
        assert_non_null(f);
        rank_records(f, v->foreign_rank, v, 0x55);
        add_end(f, "mpi_finalize");
    }
    if (v->missing_rank >= 0) {
        size_t k = 0;
        for (; k < log->n_streams && log->streams[k].stream_id != stream_of(v->missing_rank); k++)
            ;
        assert_true(k < log->n_streams);
        tp_stream_data gone = log->streams[k];
        memmove(&log->streams[k], &log->streams[k + 1],
                (log->n_streams - k - 1) * sizeof gone);
        log->n_streams--;
        for (size_t i = 0; i < gone.n_records; i++)
            free(gone.records[i].data);
        free(gone.records);
    }
}

typedef struct {
    tp_claim mpi, complete, binding;
} outcome;

static void evaluate(const variant *v, outcome *o)
{
    tp_runlog log;
    tp_decoded_stream *dec;
    build(&log, v);
    assert_int_equal(tp_records_decode_all(&log, &dec), 0);
    memset(o, 0, sizeof *o);
    o->mpi.status = TP_CLAIM_UNKNOWN;
    /* only the MPI facts of the context: the rank checks log.complete and
     * run.binding conclude with, and mpi.init_consistent */
    tp_claim_ctx c = {.log = &log, .dec = dec};
    assert_int_equal(tp_mpi_facts_init(&c.mpi, &log, dec), 0);
    assert_int_equal(tp_claim_mpi_init_consistent(&c, &o->mpi, NULL, 0), 0);
    tp_problems none = {0}, complete = {0}, binding = {0};
    if (c.mpi.world) {
        tp_mpi_check_complete(&c.mpi, &complete);
        tp_mpi_check_binding(&c.mpi, &binding);
    }
    tp_claim_conclude_ranks(&o->complete, &none, &complete, "pass");
    tp_claim_conclude_ranks(&o->binding, &none, &binding, "pass");
    tp_mpi_facts_free(&c.mpi);
    tp_records_free_all(dec, log.n_streams);
    tp_runlog_free(&log);
}

static void outcome_free(outcome *o)
{
    tp_claim *c[] = {&o->mpi, &o->complete, &o->binding};
    for (int i = 0; i < 3; i++) {
        free(c[i]->detail);
        json_object_put(c[i]->evidence);
    }
}

static void expect(const tp_claim *c, const char *name, tp_claim_status want, const char *part)
{
    if (c->status != want)
        fail_msg("%s is %s, expected %s: %s", name, tp_claim_status_name(c->status),
                 tp_claim_status_name(want), c->detail ? c->detail : "");
    if (part && (!c->detail || !strstr(c->detail, part)))
        fail_msg("%s detail \"%s\" does not mention \"%s\"", name, c->detail ? c->detail : "",
                 part);
}

static void check(const variant *v, tp_claim_status mpi, const char *mpi_part,
                  tp_claim_status complete, const char *complete_part, tp_claim_status binding,
                  const char *binding_part)
{
    outcome o;
    evaluate(v, &o);
    expect(&o.mpi, "mpi.init_consistent", mpi, mpi_part);
    expect(&o.complete, "log.complete", complete, complete_part);
    expect(&o.binding, "run.binding", binding, binding_part);
    outcome_free(&o);
}

static void test_clean_job_passes(void **state)
{
    outcome o;
    evaluate(&clean, &o);
    expect(&o.mpi, "mpi.init_consistent", TP_CLAIM_PASS, "all 4 ranks");
    expect(&o.complete, "log.complete", TP_CLAIM_PASS, NULL);
    expect(&o.binding, "run.binding", TP_CLAIM_PASS, NULL);
    struct json_object *ranks;
    assert_true(json_object_object_get_ex(o.mpi.evidence, "ranks", &ranks));
    assert_int_equal(json_object_array_length(ranks), WORLD);
    struct json_object *r2 = json_object_array_get_idx(ranks, 2), *n;
    assert_true(json_object_object_get_ex(r2, "broadcasts", &n));
    assert_int_equal(json_object_get_int(n), N_BCAST);
    assert_true(json_object_object_get_ex(r2, "allreduce_calls", &n));
    assert_int_equal(json_object_get_int(n), 20);
    outcome_free(&o);
}

static void test_other_parameters(void **state)
{
    variant v = clean;
    v.differ_rank = 2;
    check(&v, TP_CLAIM_FAIL, "rank 2: broadcast 1", TP_CLAIM_PASS, NULL, TP_CLAIM_PASS, NULL);
}

static void test_skipped_broadcast(void **state)
{
    variant v = clean;
    v.skip_rank = 3;
    check(&v, TP_CLAIM_FAIL, "rank 3 recorded 0 initial broadcasts", TP_CLAIM_PASS, NULL,
          TP_CLAIM_PASS, NULL);
}

static void test_unhashed_broadcast(void **state)
{
    variant v = clean;
    v.unhashed = 1;
    check(&v, TP_CLAIM_FAIL, "was not hashed", TP_CLAIM_PASS, NULL, TP_CLAIM_PASS, NULL);
}

static void test_missing_rank(void **state)
{
    variant v = clean;
    v.missing_rank = 2;
    check(&v, TP_CLAIM_FAIL, "rank 2", TP_CLAIM_FAIL, "rank 2", TP_CLAIM_FAIL,
          "rank 2 of 4: no stream");
}

static void test_foreign_stream(void **state)
{
    variant v = clean;
    v.foreign_rank = 1;
    check(&v, TP_CLAIM_PASS, NULL, TP_CLAIM_PASS, NULL, TP_CLAIM_FAIL,
          "rank 1 has two MPI streams");
}

static void test_killed_rank(void **state)
{
    variant v = clean;
    v.killed_rank = 3;
    check(&v, TP_CLAIM_PASS, NULL, TP_CLAIM_FAIL, "rank 3 (stream 0000000000001003) did not end",
          TP_CLAIM_PASS, NULL);
}

static void test_altered_after_finalize(void **state)
{
    variant v = clean;
    v.altered_rank = 1;
    check(&v, TP_CLAIM_PASS, NULL, TP_CLAIM_FAIL, "rank 1", TP_CLAIM_PASS, NULL);
}

static void test_launched_under_mpi_without_init_is_unknown(void **state)
{
    variant v = clean;
    v.no_mpi = 1;
    check(&v, TP_CLAIM_UNKNOWN, "launched under MPI", TP_CLAIM_PASS, NULL, TP_CLAIM_PASS, NULL);
}

static void test_no_mpi_at_all_is_na(void **state)
{
    variant v = clean;
    v.no_mpi = v.no_launcher = 1;
    check(&v, TP_CLAIM_NA, "does not apply", TP_CLAIM_PASS, NULL, TP_CLAIM_PASS, NULL);
    assert_string_equal(tp_claim_status_name(TP_CLAIM_NA), "n/a");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clean_job_passes),  cmocka_unit_test(test_other_parameters),
        cmocka_unit_test(test_skipped_broadcast), cmocka_unit_test(test_unhashed_broadcast),
        cmocka_unit_test(test_missing_rank),      cmocka_unit_test(test_foreign_stream),
        cmocka_unit_test(test_killed_rank),       cmocka_unit_test(test_altered_after_finalize),
        cmocka_unit_test(test_launched_under_mpi_without_init_is_unknown),
        cmocka_unit_test(test_no_mpi_at_all_is_na),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
