/* cmd_verify.c: `trainprov verify RUN.h5 --pubkey KEY.pub.pem [--model FILE]
 * [--data-manifest FILE] [--json OUT.json|-] [--strict] [--require CLAIM]...
 * [--quiet] [--chain A.h5 B.h5 ...]`: reads the log, evaluates the claims and
 * reports them; with --chain, the campaign of resumed segments ending in it
 * (cli/verify_chain.c).
 * Exit 0: verdict pass; 1: a claim failed; 2: usage error, unreadable key,
 * or a file that is not a trainprov log. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verify/claims.h"
#include "cli/commands.h"
#include "cli/progress.h"
#include "runlog/h5log.h"
#include "runlog/records.h"
#include "verify/report.h"
#include "verify/challenge.h"
#include "cli/verify_chain.h"
#include "cli/claim_options.h"

static const char usage_head[] =
    "usage: trainprov verify RUN.h5 --pubkey KEY.pub.pem [--model FILE]\n"
    "                        [--data-manifest FILE] [--json OUT.json|-] [--strict]\n"
    "                        [--require CLAIM]... [--quiet] [--evaluator-pubkey EVAL.pub.pem]\n"
    "                        [--challenge CHALLENGE.json | --challenge-id ID]\n"
    "                        [--checkpoint STEP0]\n"
    "                        [--init-declare LAWS.json] [--reference OTHER.safetensors]\n"
    "                        [--chain A.h5 B.h5 ...] [--max-work ELEMENTS]\n"
    "  Checks a run log and reports each claim as pass, fail, unknown or n/a (does\n"
    "  not apply to this run, e.g. mpi.init_consistent without MPI).\n"
    "  --json OUT.json        also write the report as JSON ('-': JSON on stdout\n"
    "                         instead of the text report)\n"
    "  --quiet                no text report; the exit status tells\n";
static const char usage_tail[] =
    "Exit status: 0 verdict pass, 1 a claim failed, 2 usage error or not a log.\n";

typedef struct {
    const char *log_path, *json_path;
    int quiet;
    tp_claim_args c;
} verify_args;

static void print_usage(FILE *f)
{
    fputs(usage_head, f);
    fputs(tp_claim_options_usage, f);
    fputs(usage_tail, f);
}

static int parse_args(int argc, char **argv, verify_args *a)
{
    static const struct option own[] = {{"json", required_argument, NULL, 'j'},
                                        {"quiet", no_argument, NULL, 'q'},
                                        {"help", no_argument, NULL, 'h'},
                                        {NULL, 0, NULL, 0}};
    struct option opts[TP_CLAIM_OPTIONS_TABLE];
    int c;
    memset(a, 0, sizeof *a);
    if (tp_claim_args_begin(&a->c, "verify", &argc, argv, own, opts) != 0)
        return -1;
    while ((c = getopt_long(argc, argv, TP_CLAIM_SHORT_OPTIONS "j:qh", opts, NULL)) != -1) {
        int taken = tp_claim_args_take(&a->c, "verify", c, optarg);
        if (taken < 0)
            return -1;
        if (taken)
            continue;
        switch (c) {
        case 'j': a->json_path = optarg; break;
        case 'q': a->quiet = 1; break;
        case 'h': print_usage(stdout); return 1;
        default: print_usage(stderr); return -1;
        }
    }
    a->log_path = tp_claim_args_finish(&a->c, "verify", argc, argv);
    if (!a->log_path) {
        print_usage(stderr);
        return -1;
    }
    return 0;
}

static int write_json(const char *path, struct json_object *j)
{
    int to_stdout = strcmp(path, "-") == 0;
    FILE *f = to_stdout ? stdout : fopen(path, "w");
    if (!f) {
        fprintf(stderr, "trainprov verify: cannot write %s: %s\n", path, strerror(errno));
        return -1;
    }
    int rc = tp_json_write(f, j);
    if ((to_stdout ? fflush(f) : fclose(f)) != 0)
        rc = -1;
    if (rc != 0)
        fprintf(stderr, "trainprov verify: cannot write %s\n", path);
    return rc;
}

int tp_cmd_verify(int argc, char **argv)
{
    verify_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc != 0) {
        tp_claim_args_free(&a.c);
        return rc > 0 ? 0 : 2;
    }
    char err[1024], abs[PATH_MAX];
    tp_key *key = NULL;
    if (tp_claim_args_refuse_special(&a.c, "verify") != 0) {
        tp_claim_args_free(&a.c);
        return 2;
    }
    if (tp_key_load_public(a.c.pubkey, &key, err, sizeof err) != 0) {
        fprintf(stderr, "trainprov verify: %s\n", err);
        tp_claim_args_free(&a.c);
        return 2;
    }
    if (a.c.n_chain) {
        struct json_object *j = NULL;
        int text = !a.quiet && !(a.json_path && strcmp(a.json_path, "-") == 0);
        rc = tp_verify_chain(a.log_path, a.c.chain, a.c.n_chain, key, &a.c.claims, text,
                             a.json_path ? &j : NULL);
        if (j && write_json(a.json_path, j) != 0)
            rc = 2;
        json_object_put(j);
        tp_claim_args_free(&a.c);
        tp_key_free(key);
        return rc;
    }
    const char *shown = realpath(a.log_path, abs) ? abs : a.log_path;
    tp_runlog log;
    tp_file_table index;
    tp_verdict v;
    tp_cli_progress_start("verify", a.quiet || a.json_path); /* cli/progress.h */
    if (tp_h5log_read_files(a.log_path, &log, &index, err, sizeof err) != 0) {
        tp_cli_progress_stop();
        fprintf(stderr, "trainprov verify: %s\n", err);
        tp_key_free(key);
        return 2;
    }
    rc = 2;
    int evaluated = tp_claims_evaluate(&log, &index, key, &a.c.claims, &v, err, sizeof err);
    tp_cli_progress_stop();
    if (evaluated != 0) {
        fprintf(stderr, "trainprov verify: %s\n", err);
    } else {
        int to_stdout = a.json_path && strcmp(a.json_path, "-") == 0;
        rc = v.pass ? 0 : 1;
        if (!a.quiet && !to_stdout)
            tp_report_text(stdout, shown, &log, &v);
        if (a.json_path) {
            struct json_object *j = tp_report_json(shown, &log, &v);
            if (write_json(a.json_path, j) != 0)
                rc = 2;
            json_object_put(j);
        }
    }
    tp_verdict_free(&v);
    tp_files_free(&index);
    tp_runlog_free(&log);
    tp_key_free(key);
    return rc;
}
