/* claim_run_binding.c: the claim run.binding (docs/CLAIMS.md): every
 * record, head and the manifest carry the log's run id, every stream starts
 * with a RunStart of this run and key whose parent is present, all with the
 * same challenge nonce; in an MPI run every rank of the job is there exactly
 * once with rank 0's MPI_Init agreement (mpi_facts.h); in a torchrun / srun
 * job every rank and every node is there (launch_facts.h). */
#include "verify/claim.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void check_run_start(const tp_claim_ctx *c, size_t s, const Trainprov__V1__RunStart *first,
                            tp_problems *p)
{
    const Trainprov__V1__RunStart *rs = c->streams[s].run_start;
    /* a stream killed before its first signed head binds nothing and claims
     * nothing: log.complete reports it as killed */
    if (c->log->streams[s].n_records == 0)
        return;
    if (!rs) {
        tp_problems_add(p, "%s: record 0 is not a RunStart", c->streams[s].name);
        return;
    }
    if (!tp_bytes_eq(&rs->key_id, c->log->key_id, TP_KEY_ID_LEN))
        tp_problems_add(p, "%s: its RunStart names another key", c->streams[s].name);
    if (rs->parent_stream && tp_claim_find_stream(c, rs->parent_stream) < 0)
        tp_problems_add(p, "%s: its parent stream %016" PRIx64 " is not in the log", c->streams[s].name,
                    rs->parent_stream);
    if (first && (!tp_bytes_eq(&rs->nonce, first->nonce.data, first->nonce.len) ||
                  !tp_bytes_eq(&rs->resume_from, first->resume_from.data, first->resume_from.len)))
        tp_problems_add(p, "%s: its challenge nonce or resume-from digest differs from %s",
                    c->streams[s].name, c->streams[0].name);
}

int tp_claim_run_binding(const tp_claim_ctx *c, tp_claim *cl, char *err, size_t errlen)
{
    const tp_runlog *log = c->log;
    tp_problems p = {0}, ranks = {0};
    const Trainprov__V1__RunStart *first = log->n_streams ? c->streams[0].run_start : NULL;
    for (size_t s = 0; s < log->n_streams; s++) {
        size_t foreign = 0;
        for (size_t i = 0; i < c->dec[s].n; i++) {
            const Trainprov__V1__Record *r = c->dec[s].records[i];
            foreign += r && !tp_bytes_eq(&r->run_id, c->log->run_id, TP_RUN_ID_LEN);
        }
        if (foreign)
            tp_problems_add(&p, "%s: %zu records carry another run id than the log's %s",
                        c->streams[s].name, foreign, tp_runlog_ids(log).run_id);
        for (size_t j = 0; j < log->streams[s].n_heads; j++) {
            const Trainprov__V1__TreeHead *h = c->streams[s].heads[j];
            if (h && !tp_bytes_eq(&h->run_id, c->log->run_id, TP_RUN_ID_LEN))
                tp_problems_add(&p, "%s: head %zu carries another run id", c->streams[s].name, j);
        }
        check_run_start(c, s, first, &p);
    }
    if (log->has_manifest) {
        Trainprov__V1__RunManifest *m = tp_manifest_decode(&log->manifest_body, NULL, 0);
        if (m && !tp_bytes_eq(&m->run_id, c->log->run_id, TP_RUN_ID_LEN))
            tp_problems_add(&p, "the run manifest carries another run id");
        if (m)
            trainprov__v1__run_manifest__free_unpacked(m, NULL);
    }
    if (!c->ids_ok)
        tp_problems_add(&p, "the log's run_id attribute is not 32 hex digits");
    char pass[160];
    snprintf(pass, sizeof pass, "every record, head and the manifest carry run id %s; every "
             "stream starts with a RunStart of this run", tp_runlog_ids(log).run_id);
    if (c->mpi.world)
        tp_mpi_check_binding(&c->mpi, &ranks);
    tp_launch_check_binding(&c->launch, &ranks);
    tp_claim_conclude_ranks(cl, &p, &ranks, pass);
    return 0;
}
