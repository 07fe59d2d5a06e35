/* verify_chain.c: `trainprov verify LAST.h5 --chain A.h5 B.h5 ...`, the
 * campaign of segments a job was trained in (verify/chain.h): the option's
 * list of logs, and the report (the chain's segments and links, then the
 * campaign's claims over the last segment's log). */
#include "cli/verify_chain.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verify/chain.h"
#include "verify/report.h"
#include "cli/progress.h"

int tp_verify_chain_take_args(int *argc, char **argv, char ***chain, size_t *n_chain)
{
    int out = 0;
    for (int i = 0; i < *argc; i++) {
        const char *eq = !strncmp(argv[i], "--chain=", 8) ? argv[i] + 8 : NULL;
        if (strcmp(argv[i], "--chain") != 0 && !eq) {
            argv[out++] = argv[i];
            continue;
        }
        int j = i + 1;
        while (j < *argc && argv[j][0] != '-')
            j++;
        size_t add = (size_t)(j - i - 1) + (eq && *eq);
        if (add == 0) {
            fprintf(stderr, "trainprov verify: --chain needs the logs of the earlier segments, "
                            "in order: --chain A.h5 B.h5 ...\n");
            return -1;
        }
        char **p = realloc(*chain, (*n_chain + add) * sizeof *p);
        if (!p) {
            fprintf(stderr, "trainprov verify: out of memory\n");
            return -1;
        }
        *chain = p;
        if (eq && *eq)
            p[(*n_chain)++] = (char *)eq;
        for (int k = i + 1; k < j; k++)
            p[(*n_chain)++] = argv[k];
        i = j - 1;
    }
    *argc = out;
    argv[out] = NULL;
    return 0;
}

static int same_file(const char *a, const char *b)
{
    char ra[PATH_MAX], rb[PATH_MAX];
    return realpath(a, ra) && realpath(b, rb) && !strcmp(ra, rb);
}

int tp_verify_chain(const char *last, char *const *chain, size_t n_chain, const tp_key *key,
                    const tp_claim_options *opt, int text, struct json_object **json)
{
    /* `--chain A.h5 B.h5 LAST.h5` names the last segment twice: once is enough */
    if (n_chain && same_file(chain[n_chain - 1], last))
        n_chain--;
    const char **paths = calloc(n_chain + 1, sizeof *paths);
    if (!paths) {
        fprintf(stderr, "trainprov verify: out of memory\n");
        return 2;
    }
    for (size_t k = 0; k < n_chain; k++)
        paths[k] = chain[k];
    paths[n_chain] = last;
    tp_chain ch;
    char err[1024];
    int rc = 2;
    tp_cli_progress_start("verify", !text || json);
    int verified = tp_chain_verify(&ch, paths, n_chain + 1, key, opt, err, sizeof err);
    tp_cli_progress_stop();
    if (verified != 0) {
        fprintf(stderr, "trainprov verify: %s\n", err);
    } else {
        tp_verdict view = tp_chain_campaign_view(&ch);
        const tp_chain_segment *seg = &ch.seg[ch.n - 1];
        char abs[PATH_MAX];
        const char *shown = realpath(seg->path, abs) ? abs : seg->path;
        rc = ch.pass ? 0 : 1;
        if (text) {
            tp_chain_report_text(stdout, &ch);
            tp_report_text(stdout, shown, &seg->log, &view);
        }
        if (json) {
            *json = tp_report_json(shown, &seg->log, &view);
            json_object_object_add(*json, "chain", tp_chain_json(&ch));
        }
    }
    tp_chain_free(&ch);
    free(paths);
    return rc;
}
