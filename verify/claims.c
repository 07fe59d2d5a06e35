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
     "that the job trained from these weights, or anything about tensors not filled by the "
     "initialiser; strength exact proves the recorded tensors came from the committed seed and "
     "the evaluator's nonce, so not from a model trained before the challenge; strength "
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
        sum->rank = rs && rs->world_size > 0 ? rs->rank : -1;
        sum->origin = rs && rs->origin[0] ? rs->origin : "?";
        sum->parent_stream = rs ? rs->parent_stream : 0;
        sum->records = c->log->streams[s].n_records;
        sum->heads = c->log->streams[s].n_heads;
        sum->ended = c->streams[s].ended;
        sum->end = c->streams[s].end;
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

const char *tp_claim_status_name(tp_claim_status s)
{
    return s == TP_CLAIM_PASS ? "pass" : s == TP_CLAIM_FAIL ? "fail" : "unknown";
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
        if (cl->status == TP_CLAIM_FAIL ||
            (cl->status == TP_CLAIM_UNKNOWN && (c->opt->strict || required(c->opt, cl->id))))
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
