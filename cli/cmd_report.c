/* cmd_report.c: `trainprov report RUN.h5 --pubkey KEY.pub.pem [the verify
 * options] -o REPORT.html`: verifies the log as `trainprov verify` does with
 * the same options (cli/claim_options.h) and writes the verdict, the claims
 * with their evidence, the timeline, the training curve and the tables as
 * one self-contained HTML page (verify/html_report.h). The page is written
 * for a failing log too (it says FAIL). It is written whole through a
 * temporary file and renamed into place, or not at all.
 * Exit 0: verdict pass; 1: a claim failed (page written); 2: usage error,
 * unreadable key, a file that is not a log, or the page could not be
 * written (no file left behind). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/claim_options.h"
#include "cli/claim_verdict.h"
#include "cli/commands.h"
#include "cli/write_atomic.h"
#include "verify/html_report.h"

static const char usage_head[] =
    "usage: trainprov report RUN.h5 --pubkey KEY.pub.pem -o REPORT.html [--quiet]\n"
    "                        [the options of trainprov verify]\n"
    "  Verifies the log as `trainprov verify` does with the same options and writes\n"
    "  one self-contained HTML page (no script, nothing fetched): the verdict, every\n"
    "  claim with its evidence and what it does not prove, a timeline of the\n"
    "  streams, the training curve from the run's loss notes, the data files,\n"
    "  checkpoints, undeclared inputs and init.random's tensors.\n"
    "  -o, --output FILE      where the page goes (written whole, or not at all)\n"
    "  --quiet                print nothing; the exit status tells\n";
static const char usage_tail[] =
    "Exit status: 0 verdict pass, 1 a claim failed (the page is written and says\n"
    "FAIL), 2 usage error, not a log, or the page could not be written.\n";

typedef struct {
    const char *log_path, *out;
    int quiet;
    tp_claim_args c;
} report_args;

static void print_usage(FILE *f)
{
    fputs(usage_head, f);
    fputs(tp_claim_options_usage, f);
    fputs(usage_tail, f);
}

static int parse_args(int argc, char **argv, report_args *a)
{
    static const struct option own[] = {{"output", required_argument, NULL, 'o'},
                                        {"quiet", no_argument, NULL, 'q'},
                                        {"help", no_argument, NULL, 'h'},
                                        {NULL, 0, NULL, 0}};
    struct option opts[TP_CLAIM_OPTIONS_TABLE];
    int c;
    memset(a, 0, sizeof *a);
    if (tp_claim_args_begin(&a->c, "report", &argc, argv, own, opts) != 0)
        return -1;
    while ((c = getopt_long(argc, argv, TP_CLAIM_SHORT_OPTIONS "o:qh", opts, NULL)) != -1) {
        int taken = tp_claim_args_take(&a->c, "report", c, optarg);
        if (taken < 0)
            return -1;
        if (taken)
            continue;
        switch (c) {
        case 'o': a->out = optarg; break;
        case 'q': a->quiet = 1; break;
        case 'h': print_usage(stdout); return 1;
        default: print_usage(stderr); return -1;
        }
    }
    a->log_path = tp_claim_args_finish(&a->c, "report", argc, argv);
    if (a->log_path && !a->out)
        fputs("trainprov report: -o REPORT.html is required\n", stderr);
    if (!a->log_path || !a->out) {
        print_usage(stderr);
        return -1;
    }
    return 0;
}

static int same_file(const char *a, const char *b)
{
    char ra[PATH_MAX], rb[PATH_MAX];
    return realpath(a, ra) && realpath(b, rb) && !strcmp(ra, rb);
}

/* The page must not replace the log, a segment of the chain or an input. */
static int refuse_clobber(const report_args *a)
{
    const tp_claim_options *o = &a->c.claims;
    const char *inputs[] = {a->log_path, a->c.pubkey, o->model_path, o->data_manifest_path,
                            o->evaluator_pubkey_path, o->challenge_path, o->checkpoint_path,
                            o->init_declare_path, o->reference_path};
    for (size_t k = 0; k < sizeof inputs / sizeof *inputs + a->c.n_chain; k++) {
        const char *in = k < sizeof inputs / sizeof *inputs ? inputs[k]
                                                             : a->c.chain[k - sizeof inputs / sizeof *inputs];
        if (in && same_file(a->out, in)) {
            fprintf(stderr, "trainprov report: the output %s would replace %s\n", a->out, in);
            return -1;
        }
    }
    return 0;
}

/* The page in memory, then written whole. */
static int write_page(const report_args *a, const tp_claim_verdict *cv)
{
    char *page = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&page, &len);
    int rc = -1;
    if (m) {
        rc = tp_html_report(m, cv->shown, cv->log, &cv->v, cv->chain);
        if (fclose(m) != 0)
            rc = -1;
    }
    if (rc != 0)
        fprintf(stderr, "trainprov report: out of memory writing the page\n");
    else
        rc = tp_write_atomic("report", a->out, page, len);
    free(page);
    return rc;
}

int tp_cmd_report(int argc, char **argv)
{
    report_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc != 0) {
        tp_claim_args_free(&a.c);
        return rc > 0 ? 0 : 2;
    }
    char err[1024];
    tp_key *key = NULL;
    tp_claim_verdict cv;
    int evaluated = 0;
    rc = 2;
    if (tp_claim_args_refuse_special(&a.c, "report") != 0 || refuse_clobber(&a) != 0)
        goto out;
    if (tp_key_load_public(a.c.pubkey, &key, err, sizeof err) != 0) {
        fprintf(stderr, "trainprov report: %s\n", err);
        goto out;
    }
    evaluated = 1;
    if (tp_claim_verdict_eval(&cv, "report", a.log_path, &a.c, &a.c.claims, key) != 0)
        goto out;
    if (write_page(&a, &cv) != 0)
        goto out;
    rc = cv.v.pass ? 0 : 1;
    if (!a.quiet)
        printf("trainprov report: verdict %s; report written to %s\n", cv.v.pass ? "PASS" : "FAIL",
               a.out);
out:
    if (evaluated)
        tp_claim_verdict_free(&cv);
    tp_key_free(key);
    tp_claim_args_free(&a.c);
    return rc;
}
