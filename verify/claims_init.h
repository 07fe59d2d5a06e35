/* claims_init.h: the claim init.random (docs/CLAIMS.md) at strength exact:
 * every InitTensor of the log is regenerated from its committed seed and the
 * challenge nonce with the v1 initialiser (core/initrng.h) and its digest
 * compared; the challenge is checked against the evaluator's key; with a
 * step-0 checkpoint, the tensors the run started from must be those bytes.
 * A log with no InitTensor is tested at strength statistical from its step-0
 * checkpoint (claims_initstat.h); --reference adds similarity evidence
 * (similarity.h). */
#ifndef TP_CLAIMS_INIT_H
#define TP_CLAIMS_INIT_H
#include <stddef.h>

#include "verify/claims.h"

#define TP_CLAIM_INIT_ID "init.random"
#define TP_CLAIM_INIT_DOES_NOT_PROVE                                                              \
    "that the job trained from these weights, or anything about tensors not filled by the "      \
    "initialiser; strength exact proves the recorded tensors came from the committed seed and "   \
    "the evaluator's nonce, so not from a model trained before the challenge; strength "         \
    "statistical proves only that the step-0 checkpoint is distributed like a fresh "            \
    "initialisation, not when it was drawn nor that the run started from it"

/* Fills cl (id and does_not_prove are the caller's). 0, or -1 with err for a
 * problem that is not the claim's: an unreadable --evaluator-pubkey,
 * --challenge, --checkpoint, --init-declare or --reference, out of memory. */
int tp_claim_init_random(const tp_runlog *log, const tp_decoded_stream *dec,
                         const tp_claim_options *opt, tp_claim *cl, char *err, size_t errlen);

#endif
