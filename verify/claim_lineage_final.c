/* claim_lineage_final.c: the claim lineage.final (docs/CLAIMS.md): the
 * --model file is byte-identical to a checkpoint this run wrote: authored
 * (it produced the bytes) and hashed as the job left it. In a resume chain
 * (verify --chain), a checkpoint any earlier segment authored counts too. */
#include "verify/claim.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hashfile.h"
#include "core/hex.h"
#include "core/vocab.h"
#include <errno.h>

int tp_claim_lineage_final(const tp_claim_ctx *c, tp_claim *cl, char *err, size_t errlen)
{
    const char *model = c->opt->model_path;
    if (!model) {
        cl->status = TP_CLAIM_UNKNOWN;
        tp_claim_detail(cl, "no --model given");
        return 0;
    }
    uint8_t digest[TP_HASH_LEN];
    uint64_t size;
    int rc = tp_sha256_path(model, digest, &size);
    if (rc != 0) {
        snprintf(err, errlen, "cannot read --model %s: %s", model, strerror(-rc));
        return -1;
    }
    char hex[2 * TP_HASH_LEN + 1];
    tp_hex_encode(digest, TP_HASH_LEN, hex);
    json_object_object_add(tp_claim_evidence(cl), "model", json_object_new_string(model));
    json_object_object_add(tp_claim_evidence(cl), "model_sha256", json_object_new_string(hex));
    for (size_t s = 0; s < c->log->n_streams; s++)
        for (size_t i = 0; i < c->dec[s].n; i++) {
            const Trainprov__V1__FileEvent *f = tp_file_event(c->dec[s].records[i]);
            if (!f || tp_role_parse(f->role) != TP_ROLE_CHECKPOINT || !tp_file_authored(f) ||
                !tp_bytes_eq(&f->sha256, digest, TP_HASH_LEN))
                continue;
            cl->status = TP_CLAIM_PASS;
            tp_claim_detail(cl, "sha256 %s of %s equals checkpoint %s written by %s", hex, model,
                       f->path, c->streams[s].name);
            json_object_object_add(tp_claim_evidence(cl), "checkpoint", json_object_new_string(f->path));
            return 0;
        }
    for (size_t k = 0; k < c->opt->n_prior; k++) {
        const tp_prior_file *pf = &c->opt->prior[k];
        if (!pf->checkpoint || memcmp(pf->sha256, digest, TP_HASH_LEN) != 0)
            continue;
        cl->status = TP_CLAIM_PASS;
        tp_claim_detail(cl, "sha256 %s of %s equals checkpoint %s written by segment %zu of the "
                        "chain (%s)", hex, model, pf->path, pf->segment, pf->segment_path);
        json_object_object_add(tp_claim_evidence(cl), "checkpoint", json_object_new_string(pf->path));
        json_object_object_add(tp_claim_evidence(cl), "segment", json_object_new_uint64(pf->segment));
        return 0;
    }
    cl->status = TP_CLAIM_FAIL;
    tp_claim_detail(cl, "sha256 %s of %s matches no checkpoint this run%s wrote (a file the run "
                    "only modified, renamed without writing, or that changed after it closed it "
                    "does not count)", hex, model, c->opt->chained ? " or an earlier segment" : "");
    return 0;
}
