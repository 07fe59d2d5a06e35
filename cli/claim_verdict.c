/* claim_verdict.c: a log, or a chain ending in it, evaluated into one
 * verdict (claim_verdict.h). */
#include "cli/claim_verdict.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runlog/h5log.h"

static int same_file(const char *a, const char *b)
{
    char ra[PATH_MAX], rb[PATH_MAX];
    return realpath(a, ra) && realpath(b, rb) && !strcmp(ra, rb);
}

static int eval_chain(tp_claim_verdict *cv, const char *cmd, const char *log_path,
                      const tp_claim_args *a, const tp_claim_options *opt, const tp_key *key)
{
    size_t n = a->n_chain;
    if (n && same_file(a->chain[n - 1], log_path)) /* the last segment named twice */
        n--;
    const char **paths = calloc(n + 1, sizeof *paths);
    char err[1024];
    if (!paths) {
        fprintf(stderr, "trainprov %s: out of memory\n", cmd);
        return -1;
    }
    for (size_t k = 0; k < n; k++)
        paths[k] = a->chain[k];
    paths[n] = log_path;
    cv->have_chain = 1;
    int rc = tp_chain_verify(&cv->ch, paths, n + 1, key, opt, err, sizeof err);
    free(paths);
    if (rc != 0) {
        fprintf(stderr, "trainprov %s: %s\n", cmd, err);
        return -1;
    }
    cv->chain = &cv->ch;
    cv->log = &cv->ch.seg[cv->ch.n - 1].log;
    cv->v = tp_chain_campaign_view(&cv->ch);
    return 0;
}

int tp_claim_verdict_eval(tp_claim_verdict *cv, const char *cmd, const char *log_path,
                          const tp_claim_args *a, const tp_claim_options *opt, const tp_key *key)
{
    char err[1024];
    memset(cv, 0, sizeof *cv);
    cv->shown = realpath(log_path, cv->abs) ? cv->abs : log_path;
    if (a->n_chain)
        return eval_chain(cv, cmd, log_path, a, opt, key);
    if (tp_h5log_read_files(log_path, &cv->one_log, &cv->index, err, sizeof err) != 0) {
        fprintf(stderr, "trainprov %s: %s\n", cmd, err);
        return -1;
    }
    cv->have_log = 1;
    cv->have_verdict = 1;
    if (tp_claims_evaluate(&cv->one_log, &cv->index, key, opt, &cv->one, err, sizeof err) != 0) {
        fprintf(stderr, "trainprov %s: %s\n", cmd, err);
        return -1;
    }
    cv->log = &cv->one_log;
    cv->v = cv->one;
    return 0;
}

void tp_claim_verdict_free(tp_claim_verdict *cv)
{
    if (cv->have_verdict)
        tp_verdict_free(&cv->one);
    if (cv->have_log) {
        tp_files_free(&cv->index);
        tp_runlog_free(&cv->one_log);
    }
    if (cv->have_chain)
        tp_chain_free(&cv->ch);
    memset(cv, 0, sizeof *cv);
}
