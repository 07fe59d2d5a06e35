/* init_step0.h: what ties init.random's regenerated tensors to the training
 * (docs/CLAIMS.md, init.random): the run's step-0 checkpoint, found in the
 * signed records (the first checkpoint the run wrote, when writing it ended
 * before the first data read of any stream), or a file given with
 * --checkpoint that must be a checkpoint this run authored; and the
 * comparison of such a file (safetensors or PyTorch zip) with the
 * InitTensors. */
#ifndef TP_INIT_STEP0_H
#define TP_INIT_STEP0_H
#include <stddef.h>
#include <stdint.h>

#include "verify/claim.h"

typedef enum {
    TP_TIE_EQUAL,      /* a step-0 checkpoint holds exactly the regenerated init */
    TP_TIE_DIFFERS,    /* it holds other tensors or bytes (problems say which): fail */
    TP_TIE_NONE,       /* no checkpoint was written before the first data read */
    TP_TIE_UNCHECKED,  /* there is one, but it cannot be checked here (*why says so) */
} tp_tie;

/* Checks the step-0 checkpoint of the run (and --checkpoint, when given)
 * against the n InitTensors ts. Problems (a file the run did not write, a
 * tensor that differs) go to p; the evidence under "step0" (and the older
 * "checkpoint", "checkpoint_tensors"). *why (malloc'd) explains a
 * TP_TIE_NONE or TP_TIE_UNCHECKED in words for the detail line, and names
 * the checkpoint for TP_TIE_EQUAL. 0, or -1 with err when --checkpoint
 * cannot be read as a checkpoint (bad input) or out of memory. */
int tp_step0_check(const tp_claim_ctx *c, Trainprov__V1__InitTensor **ts, size_t n,
                   tp_problems *p, struct json_object *evidence, tp_tie *tie, char **why,
                   char *err, size_t errlen);

/* Whether the file at path is a checkpoint this run authored (its SHA-256
 * is that of one): 1 yes; 0 no, with why in words; -1 with err when it
 * cannot be read. For --checkpoint at strength statistical. */
int tp_step0_written_by_run(const tp_claim_ctx *c, const char *path, char *why, size_t whylen,
                            char *err, size_t errlen);

#endif
