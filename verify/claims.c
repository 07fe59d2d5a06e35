/* claims.c: the claim registry and the verdict. The facts the claims share
 * (decoded records and heads, stream summaries, the file table, the MPI
 * ranks) are derived once into a tp_claim_ctx (claim.h); then each claim of
 * the registry is evaluated, in order, into its own tp_claim (one file per
 * claim: claim_<id>.c). Fails closed: anything that cannot be checked (a
 * record that does not decode, a missing head, an unhashed file) is a
 * problem, never a pass. log.integrity decides whether the records are the
 * signed ones; the other claims are computed over the records either way and
 * say so when their evidence is unsigned. */
#include "verify/claims.h"
#include "verify/claim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The registry: every claim this verifier checks, in report order. */
static const struct {
    const char *id;
    tp_claim_fn evaluate;
    const char *does_not_prove;
} registry[TP_CLAIM_COUNT] = {
    {"log.integrity", tp_claim_log_integrity,
     "that the logger saw everything the job did, or that the key was not misused: only that "
     "these are the records the key signed"},
    {"log.complete", tp_claim_log_complete,
     "that no work happened outside the traced processes (a program started without the "
     "preload, another machine)"},
    {"run.binding", tp_claim_run_binding,
     "when the run happened; only an evaluator's challenge nonce binds it to a time"},
    {"init.no_foreign_weights", tp_claim_init_no_foreign_weights,
     "that no weights arrived through a channel trainprov does not see (network, shared "
     "memory, a custom format read as data)"},
    {"data.accounted", tp_claim_data_accounted,
     "what the data contains or that training used it: only which files were read and their "
     "digests"},
    {"lineage.final", tp_claim_lineage_final,
     "that the checkpoint came only from the logged inputs; only that the file is "
     "byte-identical to one this run wrote"},
    {"mpi.init_consistent", tp_claim_mpi_init_consistent,
     "that the ranks trained from these parameters afterwards, or anything about broadcasts "
     "after the first MPI_Allreduce; only that every rank received the same initial "
     "broadcasts as rank 0"},
    {"init.random", tp_claim_init_random,
     "how training went on from these weights (weights that arrive after the step-0 checkpoint "
     "through a channel trainprov does not see), or anything about tensors not filled by the "
     "initialiser; strength exact proves the recorded tensors came from the committed seed and "
     "the evaluator's nonce, so not from a model trained before the challenge, and that the "
     "run's step-0 checkpoint held exactly them; strength "
     "statistical proves only that the step-0 checkpoint is distributed like a fresh "
     "initialisation, not when it was drawn nor that the run started from it"},
};

static void summarize(const tp_claim_ctx *c, tp_verdict *v)
{
    for (size_t s = 0; s < c->log->n_streams; s++) {
        const Trainprov__V1__RunStart *rs = c->streams[s].run_start;
        tp_stream_summary *sum = &v->streams[s];
        sum->stream_id = c->log->streams[s].stream_id;
        sum->pid = rs ? rs->pid : -1;
        const Trainprov__V1__Launcher *l = rs ? rs->launcher : NULL;
        sum->rank = rs && rs->world_size > 0               ? rs->rank
                    : l && l->rank >= 0 && l->world_size > l->rank ? l->rank
                                                                   : -1;
        sum->node = l && l->nodes > 0 ? l->node : -1;
        sum->restart = tp_launch_restart(l);
        sum->origin = rs && rs->origin[0] ? rs->origin : "?";
        sum->parent_stream = rs ? rs->parent_stream : 0;
        sum->records = c->log->streams[s].n_records;
        sum->signed_records = c->key_matches ? c->streams[s].signed_records : 0;
        sum->heads = c->log->streams[s].n_heads;
        sum->ended = c->streams[s].ended;
        sum->outlived = c->streams[s].outlived;
        snprintf(sum->end, sizeof sum->end, "%s", c->streams[s].end); /* the facts are freed */
        sum->journal_status = c->log->streams[s].journal_status;
        for (size_t i = 0; i < c->dec[s].n; i++) {
            const Trainprov__V1__FileEvent *f = tp_file_event(c->dec[s].records[i]);
            if (!f)
                continue;
            sum->files++;
            sum->bytes_read += f->bytes_read;
            sum->bytes_written += f->bytes_written;
        }
        v->n_records += sum->records;
    }
}

/* The facts the header of a report shows, from signed bytes only: who
 * assembled the log (the run manifest, when it verifies) and the library
 * version (a signed RunStart). */
static void signed_provenance(const tp_claim_ctx *c, tp_verdict *v)
{
    const tp_runlog *log = c->log;
    if (log->has_manifest &&
        tp_key_verify(c->key, TP_PAYLOAD_MANIFEST, log->manifest_body.data,
                      log->manifest_body.len, log->manifest_sig, TP_SIG_LEN) == 0) {
        Trainprov__V1__RunManifest *m = tp_manifest_decode(&log->manifest_body, NULL, 0);
        if (m && m->assembled_by)
            snprintf(v->assembled_by, sizeof v->assembled_by, "%s", m->assembled_by);
        if (m)
            trainprov__v1__run_manifest__free_unpacked(m, NULL);
    }
    const Trainprov__V1__RunStart *rs = log->n_streams ? c->streams[0].run_start : NULL;
    if (rs && rs->library_version && tp_record_signed(c, 0, 0))
        snprintf(v->library_version, sizeof v->library_version, "%s", rs->library_version);
}

const char *tp_claim_status_name(tp_claim_status s)
{
    return s == TP_CLAIM_PASS ? "pass" : s == TP_CLAIM_FAIL ? "fail"
                                       : s == TP_CLAIM_NA   ? "n/a"
                                                            : "unknown";
}

int tp_claim_known(const char *id)
{
    for (size_t k = 0; k < TP_CLAIM_COUNT; k++)
        if (!strcmp(registry[k].id, id))
            return 1;
    return 0;
}

static int required(const tp_claim_options *opt, const char *id)
{
    for (size_t k = 0; k < opt->n_require; k++)
        if (!strcmp(opt->require[k], id))
            return 1;
    return 0;
}

int tp_claim_fails_verdict(const tp_claim_options *opt, const tp_claim *cl)
{
    /* n/a passes even under --strict; a required claim must pass */
    return cl->status == TP_CLAIM_FAIL || (cl->status == TP_CLAIM_UNKNOWN && opt->strict) ||
           (cl->status != TP_CLAIM_PASS && required(opt, cl->id));
}

static void decide(const tp_claim_ctx *c, tp_verdict *v)
{
    int integrity_ok = v->claims[0].status == TP_CLAIM_PASS; /* log.integrity */
    v->pass = 1;
    for (size_t k = 0; k < TP_CLAIM_COUNT; k++) {
        tp_claim *cl = &v->claims[k];
        if (!integrity_ok && k != 0 && cl->detail) {
            char *d = cl->detail;
            cl->detail = NULL;
            tp_claim_detail(cl, "%s [evidence unsigned: log.integrity failed]", d);
            free(d);
        }
        if (tp_claim_fails_verdict(c->opt, cl))
            v->pass = 0;
    }
}

int tp_claims_evaluate(const tp_runlog *log, const tp_file_table *index, const tp_key *key,
                       const tp_claim_options *opt, tp_verdict *v, char *err, size_t errlen)
{
    tp_claim_ctx c = {0};
    memset(v, 0, sizeof *v);
    for (size_t k = 0; k < opt->n_require; k++)
        if (!tp_claim_known(opt->require[k])) {
            snprintf(err, errlen, "--require %s: not a claim this verifier checks",
                     opt->require[k]);
            return -1;
        }
    for (size_t k = 0; k < TP_CLAIM_COUNT; k++) {
        v->claims[k].id = registry[k].id;
        v->claims[k].does_not_prove = registry[k].does_not_prove;
        v->claims[k].status = TP_CLAIM_UNKNOWN;
    }
    tp_key_id(key, v->pubkey_id);
    v->n_streams = log->n_streams;
    v->streams = calloc(log->n_streams ? log->n_streams : 1, sizeof *v->streams);
    if (!v->streams || tp_records_decode_all(log, &v->decoded) != 0 ||
        tp_files_from_records(log, v->decoded, &v->files) != 0 ||
        tp_claim_ctx_init(&c, log, index, key, opt, v->decoded, &v->files, v->pubkey_id) != 0) {
        snprintf(err, errlen, "out of memory");
        tp_claim_ctx_free(&c);
        return -1;
    }
    v->key_matches = c.key_matches;
    summarize(&c, v);
    v->launch_kind = c.launch.kind;
    v->launch_job = c.launch.job;
    v->launch_world = c.launch.world;
    v->launch_nodes = c.launch.nodes;
    v->launch_restarts = c.launch.restarts;
    signed_provenance(&c, v);
    int rc = 0;
    for (size_t k = 0; rc == 0 && k < TP_CLAIM_COUNT; k++)
        rc = registry[k].evaluate(&c, &v->claims[k], err, errlen);
    if (rc == 0)
        decide(&c, v);
    tp_claim_ctx_free(&c);
    return rc;
}

void tp_verdict_free(tp_verdict *v)
{
    for (size_t k = 0; k < TP_CLAIM_COUNT; k++) {
        free(v->claims[k].detail);
        json_object_put(v->claims[k].evidence);
    }
    tp_files_free(&v->files);
    tp_records_free_all(v->decoded, v->n_streams);
    free(v->streams);
    memset(v, 0, sizeof *v);
}
