/* test_launch_facts.c: the rank and node checks of verify/launch_facts.c
 * over run logs built in memory: two `trainprov run` nodes, each a torchrun
 * agent (root stream) with two worker ranks (kind torchrun, GROUP_RANK =
 * node), each worker with a DataLoader child of the same rank. A clean job
 * passes; a missing rank, a missing node, a rank of another job, a killed
 * rank, a rank missing from its node's latest restart fail naming it; an
 * elastic restart passes and counts; srun ranks count when torchrun's are
 * absent, torchrun's win under srun; a job without launcher records has no
 * ranks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "verify/claim.h"
#include "verify/launch_facts.h"
#include "runlog/records.h"
#include "runlog/runlog.h"

#define NODES 2
#define PER_NODE 2
#define WORLD (NODES * PER_NODE)

static const uint8_t run_id[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

typedef struct {
    int missing_rank;   /* rank whose worker stream is left out */
    int missing_node;   /* node whose agent stream is left out */
    int killed_rank;    /* rank whose worker has no StreamEnd */
    int foreign_rank;   /* rank whose worker names another torchrun job */
    int restarted_node; /* node whose workers ran twice (restart 0 and 1) */
    int lost_restart;   /* with restarted_node: rank whose restart-1 stream is left out */
    int slurm;          /* the workers have srun's variables instead of torchrun's */
    int under_srun;     /* the agents have srun's variables (torchrun under srun) */
    int no_launcher;    /* no launcher records at all */
} variant;

static const variant clean = {-1, -1, -1, -1, -1, -1, 0, 0, 0};

static void add_record(tp_stream_data *s, Trainprov__V1__Record *r)
{
    r->run_id = (ProtobufCBinaryData){16, (uint8_t *)run_id};
    r->stream_id = s->stream_id;
    r->seq = s->n_records;
    size_t len = trainprov__v1__record__get_packed_size(r);
    uint8_t *buf = malloc(len ? len : 1);
    assert_non_null(buf);
    trainprov__v1__record__pack(r, buf);
    assert_int_equal(tp_stream_add_record(s, buf, len), 0);
    free(buf);
}

static void launcher_unset(Trainprov__V1__Launcher *l)
{
    trainprov__v1__launcher__init(l);
    l->kind = "";
    l->rank = l->local_rank = l->world_size = l->group_rank = -1;
    l->torchelastic_restart_count = l->slurm_procid = l->slurm_nodeid = -1;
    l->slurm_restart_count = -1;
    l->node = -1;
}

static void add_stream(tp_runlog *log, uint64_t id, uint64_t parent, int64_t start,
                       const Trainprov__V1__Launcher *l, int ended)
{
    tp_stream_data *s = tp_runlog_add_stream(log, id);
    assert_non_null(s);
    Trainprov__V1__RunStart rs = TRAINPROV__V1__RUN_START__INIT;
    rs.pid = (int32_t)id;
    rs.origin = parent ? "fork" : "root";
    rs.parent_stream = parent;
    rs.start_time_ns = start;
    rs.rank = -1;
    rs.launcher = (Trainprov__V1__Launcher *)l;
    Trainprov__V1__Record r = TRAINPROV__V1__RECORD__INIT;
    r.body_case = TRAINPROV__V1__RECORD__BODY_RUN_START;
    r.run_start = &rs;
    add_record(s, &r);
    if (!ended)
        return;
    Trainprov__V1__StreamEnd end = TRAINPROV__V1__STREAM_END__INIT;
    end.reason = "exit";
    Trainprov__V1__Record e = TRAINPROV__V1__RECORD__INIT;
    e.body_case = TRAINPROV__V1__RECORD__BODY_STREAM_END;
    e.stream_end = &end;
    add_record(s, &e);
}

static uint64_t agent_of(int node) { return 0x100 + (uint64_t)node; }
static uint64_t worker_of(int rank, int restart) { return 0x1000 + 0x100 * (uint64_t)restart + (uint64_t)rank; }

static void add_worker(tp_runlog *log, const variant *v, int rank, int restart)
{
    int node = rank / PER_NODE;
    Trainprov__V1__Launcher l;
    launcher_unset(&l);
    l.node = node;
    l.nodes = NODES;
    if (v->slurm) {
        l.kind = "slurm";
        l.slurm_job_id = "77";
        l.slurm_nodeid = node;
        l.slurm_procid = rank;
        l.slurm_restart_count = 0;
    } else {
        l.kind = "torchrun";
        l.group_rank = node;
        l.torchelastic_run_id = rank == v->foreign_rank ? "other" : "job";
        l.torchelastic_restart_count = restart;
    }
    l.rank = rank;
    l.local_rank = rank % PER_NODE;
    l.world_size = WORLD;
    int64_t start = 1000 + 100 * restart + rank;
    add_stream(log, worker_of(rank, restart), agent_of(node), start, &l,
               !(rank == v->killed_rank && restart == (node == v->restarted_node)));
    /* a DataLoader worker of the rank: same variables, not a rank stream */
    add_stream(log, worker_of(rank, restart) + 0x10000, worker_of(rank, restart), start + 1, &l,
               1);
}

static void build(tp_runlog *log, const variant *v)
{
    memset(log, 0, sizeof *log);
    memcpy(log->run_id, run_id, TP_RUN_ID_LEN);
    log->has_run_id = 1;
    for (int node = 0; node < NODES; node++) {
        if (node == v->missing_node)
            continue;
        Trainprov__V1__Launcher l;
        launcher_unset(&l);
        l.node = node;
        l.nodes = NODES;
        if (v->under_srun) {
            l.kind = "slurm";
            l.rank = l.slurm_procid = l.slurm_nodeid = node;
            l.world_size = NODES;
            l.slurm_job_id = "77";
        }
        add_stream(log, agent_of(node), 0, 10, v->no_launcher ? NULL : &l, 1);
    }
    for (int rank = 0; !v->no_launcher && rank < WORLD; rank++) {
        if (rank == v->missing_rank)
            continue;
        add_worker(log, v, rank, 0);
        if (rank / PER_NODE == v->restarted_node && rank != v->lost_restart)
            add_worker(log, v, rank, 1);
    }
}

typedef struct {
    tp_claim complete, binding;
    int world, nodes, restarts;
    size_t attempts0;
    const char *kind;
} outcome;

static void evaluate(const variant *v, outcome *o)
{
    tp_runlog log;
    tp_decoded_stream *dec;
    build(&log, v);
    assert_int_equal(tp_records_decode_all(&log, &dec), 0);
    memset(o, 0, sizeof *o);
    tp_launch_facts f;
    assert_int_equal(tp_launch_facts_init(&f, &log, dec), 0);
    tp_problems none = {0}, complete = {0}, binding = {0};
    tp_launch_check_complete(&f, &complete);
    tp_launch_check_binding(&f, &binding);
    tp_claim_conclude_ranks(&o->complete, &none, &complete, "pass");
    tp_claim_conclude_ranks(&o->binding, &none, &binding, "pass");
    o->world = f.world;
    o->nodes = f.nodes;
    o->restarts = f.restarts;
    o->attempts0 = f.world ? f.ranks[0].attempts : 0;
    o->kind = f.kind; /* a literal of launch_facts.c */
    tp_launch_facts_free(&f);
    tp_records_free_all(dec, log.n_streams);
    tp_runlog_free(&log);
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

static void outcome_free(outcome *o)
{
    free(o->complete.detail);
    free(o->binding.detail);
    json_object_put(o->complete.evidence);
    json_object_put(o->binding.evidence);
}

static void check(const variant *v, tp_claim_status complete, const char *complete_part,
                  tp_claim_status binding, const char *binding_part)
{
    outcome o;
    evaluate(v, &o);
    expect(&o.complete, "log.complete", complete, complete_part);
    expect(&o.binding, "run.binding", binding, binding_part);
    outcome_free(&o);
}

static void test_clean_job_passes(void **state)
{
    outcome o;
    evaluate(&clean, &o);
    expect(&o.complete, "log.complete", TP_CLAIM_PASS, NULL);
    expect(&o.binding, "run.binding", TP_CLAIM_PASS, NULL);
    assert_int_equal(o.world, WORLD);
    assert_int_equal(o.nodes, NODES);
    assert_int_equal(o.restarts, 0);
    assert_int_equal(o.attempts0, 1); /* the DataLoader child is not a rank stream */
    assert_string_equal(o.kind, "torchrun");
    outcome_free(&o);
}

static void test_missing_rank_named(void **state)
{
    variant v = clean;
    v.missing_rank = 2;
    check(&v, TP_CLAIM_FAIL, "rank 2 of 4 (torchrun) has no stream", TP_CLAIM_FAIL,
          "rank 2 of 4 (torchrun): no stream of it in the log");
}

static void test_missing_node_named(void **state)
{
    variant v = clean;
    v.missing_node = 1;
    check(&v, TP_CLAIM_PASS, NULL, TP_CLAIM_FAIL, "node 1 of 2: no stream of its `trainprov run`");
}

static void test_rank_of_other_job_named(void **state)
{
    variant v = clean;
    v.foreign_rank = 3;
    check(&v, TP_CLAIM_PASS, NULL, TP_CLAIM_FAIL, "(rank 3) belongs to torchrun job 'other'");
}

static void test_killed_rank_named(void **state)
{
    variant v = clean;
    v.killed_rank = 1;
    check(&v, TP_CLAIM_FAIL, "rank 1 (stream 0000000000001001) did not end", TP_CLAIM_PASS, NULL);
}

static void test_elastic_restart_passes(void **state)
{
    variant v = clean;
    v.restarted_node = 0;
    outcome o;
    evaluate(&v, &o);
    expect(&o.complete, "log.complete", TP_CLAIM_PASS, NULL);
    expect(&o.binding, "run.binding", TP_CLAIM_PASS, NULL);
    assert_int_equal(o.restarts, 1);
    assert_int_equal(o.attempts0, 2);
    outcome_free(&o);
}

static void test_killed_after_restart_named(void **state)
{
    variant v = clean;
    v.restarted_node = 0;
    v.killed_rank = 1; /* its restart-1 stream did not end; restart 0 did */
    check(&v, TP_CLAIM_FAIL, "rank 1 (stream 0000000000001101) did not end", TP_CLAIM_PASS, NULL);
}

static void test_rank_missing_from_latest_restart_named(void **state)
{
    variant v = clean;
    v.restarted_node = 0;
    v.lost_restart = 1;
    check(&v, TP_CLAIM_PASS, NULL, TP_CLAIM_FAIL,
          "rank 1 of 4 (torchrun): no stream of its node's restart 1");
}

static void test_srun_ranks(void **state)
{
    variant v = clean;
    v.slurm = 1;
    v.missing_rank = 3;
    check(&v, TP_CLAIM_FAIL, "rank 3 of 4 (slurm)", TP_CLAIM_FAIL, "rank 3 of 4 (slurm)");
}

static void test_torchrun_under_srun_uses_torchrun_ranks(void **state)
{
    variant v = clean;
    v.under_srun = 1; /* the agents are srun tasks 0 and 1 of 2 */
    v.missing_rank = 0;
    outcome o;
    evaluate(&v, &o);
    assert_string_equal(o.kind, "torchrun");
    assert_int_equal(o.world, WORLD);
    expect(&o.binding, "run.binding", TP_CLAIM_FAIL, "rank 0 of 4 (torchrun)");
    outcome_free(&o);
}

static void test_no_launcher_no_ranks(void **state)
{
    variant v = clean;
    v.no_launcher = 1;
    outcome o;
    evaluate(&v, &o);
    assert_int_equal(o.world, 0);
    assert_int_equal(o.nodes, 0);
    expect(&o.complete, "log.complete", TP_CLAIM_PASS, NULL);
    expect(&o.binding, "run.binding", TP_CLAIM_PASS, NULL);
    outcome_free(&o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clean_job_passes),
        cmocka_unit_test(test_missing_rank_named),
        cmocka_unit_test(test_missing_node_named),
        cmocka_unit_test(test_rank_of_other_job_named),
        cmocka_unit_test(test_killed_rank_named),
        cmocka_unit_test(test_elastic_restart_passes),
        cmocka_unit_test(test_killed_after_restart_named),
        cmocka_unit_test(test_rank_missing_from_latest_restart_named),
        cmocka_unit_test(test_srun_ranks),
        cmocka_unit_test(test_torchrun_under_srun_uses_torchrun_ranks),
        cmocka_unit_test(test_no_launcher_no_ranks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
