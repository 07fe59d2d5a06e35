/* claim_verdict.h: a log judged with the claim options (claim_options.h), for
 * the commands that act on the verdict rather than print it (`attest`,
 * `report`): one log, or with --chain the campaign whose last segment it is
 * (verify/chain.h), seen as one verdict over the last segment's log. */
#ifndef TP_CLAIM_VERDICT_H
#define TP_CLAIM_VERDICT_H
#include <limits.h>

#include "cli/claim_options.h"
#include "core/sign.h"
#include "runlog/records.h"
#include "verify/chain.h"
#include "verify/claims.h"

typedef struct {
    const char *shown;         /* the log's path, resolved when it resolves */
    char abs[PATH_MAX];
    const tp_runlog *log;      /* the log (the chain's last segment's) */
    tp_verdict v;              /* its verdict (the campaign's under --chain) */
    const tp_chain *chain;     /* NULL without --chain */
    /* owned */
    tp_runlog one_log;
    tp_file_table index;
    tp_verdict one;
    tp_chain ch;
    int have_log, have_verdict, have_chain;
} tp_claim_verdict;

/* Reads log_path (and a->chain) and evaluates the claims under opt with
 * key. 0, or -1 after printing an error naming the file after
 * "trainprov CMD: " (the command exits 2). Free with tp_claim_verdict_free
 * either way. */
int tp_claim_verdict_eval(tp_claim_verdict *out, const char *cmd, const char *log_path,
                          const tp_claim_args *a, const tp_claim_options *opt, const tp_key *key);
void tp_claim_verdict_free(tp_claim_verdict *cv);

#endif
