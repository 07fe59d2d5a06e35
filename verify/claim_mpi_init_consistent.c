/* claim_mpi_init_consistent.c: the claim mpi.init_consistent (docs/CLAIMS.md).
 * Rank 0's list of initial broadcasts is the reference: every rank takes part
 * in every MPI_COMM_WORLD broadcast and must have recorded the same sequence
 * (root, bytes, SHA-256). A broadcast that was not hashed is a problem, never
 * a pass. A run that used no MPI at all is n/a; one launched under MPI
 * without any MPI_Init record is unknown. */
#include "verify/claim.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hex.h"

/* Anything that shows MPI: an MpiEvent record, a process an MPI launcher
 * started (RunStart.world_size, signed), a log assembled under mpirun. */
static int used_mpi(const tp_claim_ctx *c)
{
    if (strcmp(c->log->assembled_by, "mpi") == 0)
        return 1;
    for (size_t s = 0; s < c->log->n_streams; s++)
        for (size_t i = 0; i < c->dec[s].n; i++) {
            const Trainprov__V1__Record *r = c->dec[s].records[i];
            if (r && (r->body_case == TRAINPROV__V1__RECORD__BODY_MPI_EVENT ||
                      (r->body_case == TRAINPROV__V1__RECORD__BODY_RUN_START &&
                       r->run_start->world_size > 0)))
                return 1;
        }
    return 0;
}

int tp_claim_mpi_init_consistent(const tp_claim_ctx *c, tp_claim *cl, char *err, size_t errlen)
{
    const tp_mpi_facts *v = &c->mpi;
    if (v->world == 0 && !used_mpi(c)) {
        cl->status = TP_CLAIM_NA;
        tp_claim_detail(cl, "does not apply: no process of the run used MPI (no MPI record, none "
                        "started by an MPI launcher)");
        return 0;
    }
    if (v->world == 0) {
        cl->status = TP_CLAIM_UNKNOWN;
        tp_claim_detail(cl, "the run was launched under MPI, but no process of it recorded "
                        "MPI_Init");
        return 0;
    }
    tp_problems p = {0};
    size_t n_ref = 0, total = 0;
    uint64_t ref_bytes = 0;
    const Trainprov__V1__MpiEvent **ref = v->ranks[0].init ? tp_mpi_broadcasts(v, 0, &n_ref) : NULL;
    if (!v->ranks[0].init)
        tp_problems_add(&p, "rank 0 (the root) has no MPI stream in the log: nothing to compare with");
    for (size_t i = 0; ref && i < n_ref; i++) {
        ref_bytes += ref[i]->bytes;
        if (ref[i]->sha256.len != TP_HASH_LEN)
            tp_problems_add(&p, "rank 0: broadcast %zu (%" PRIu64 " bytes) was not hashed (%s)", i,
                ref[i]->bytes, ref[i]->note);
    }
    for (int r = 0; ref && r < v->world; r++) {
        const tp_rank_info *ri = &v->ranks[r];
        if (!ri->init) {
            tp_problems_add(&p, "rank %d: no stream, so no broadcast it received", r);
            continue;
        }
        size_t n;
        const Trainprov__V1__MpiEvent **b = tp_mpi_broadcasts(v, r, &n);
        total += n;
        if (!b)
            tp_problems_add(&p, "out of memory");
        else if (n != n_ref)
            tp_problems_add(&p, "rank %d recorded %zu initial broadcasts, rank 0 (the root) %zu: rank %d "
                "did not receive the root's parameters", r, n, n_ref, r);
        for (size_t i = 0; b && r && n == n_ref && i < n; i++) {
            char got[65] = "", want[65] = "";
            if (b[i]->sha256.len == TP_HASH_LEN)
                tp_hex_encode(b[i]->sha256.data, TP_HASH_LEN, got);
            if (ref[i]->sha256.len == TP_HASH_LEN)
                tp_hex_encode(ref[i]->sha256.data, TP_HASH_LEN, want);
            if (b[i]->root != ref[i]->root || b[i]->bytes != ref[i]->bytes || !got[0] ||
                strcmp(got, want) != 0) {
                tp_problems_add(&p, "rank %d: broadcast %zu (root %d, %" PRIu64 " bytes, sha256 %.16s...) "
                    "differs from the root's (root %d, %" PRIu64 " bytes, sha256 %.16s...)", r, i,
                    b[i]->root, b[i]->bytes, got[0] ? got : "none", ref[i]->root, ref[i]->bytes,
                    want[0] ? want : "none");
                break; /* one mismatch per rank is enough to name it */
            }
        }
        free(b);
    }
    free(ref);
    if (!p.count && total == 0) {
        cl->status = TP_CLAIM_UNKNOWN;
        tp_claim_detail(cl, "no rank recorded a broadcast before its first MPI_Allreduce: "
                        "nothing shows the ranks started from the same parameters");
    } else {
        char pass[256];
        snprintf(pass, sizeof pass, "all %d ranks received the same %zu initial broadcasts "
                 "(%" PRIu64 " bytes) as rank 0, the root", v->world, n_ref, ref_bytes);
        tp_claim_conclude(cl, &p, pass);
    }
    json_object_object_add(tp_claim_evidence(cl), "world_size", json_object_new_int(v->world));
    json_object_object_add(tp_claim_evidence(cl), "ranks", tp_mpi_ranks_json(v));
    return 0;
}

