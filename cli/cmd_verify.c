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
#include "cli/input_files.h"
#include "runlog/h5log.h"
#include "runlog/records.h"
#include "verify/report.h"
#include "verify/challenge.h"
#include "cli/verify_chain.h"
#include "core/hex.h"

#define TP_REQUIRE_MAX 32

static const char usage[] =
    "usage: trainprov verify RUN.h5 --pubkey KEY.pub.pem [--model FILE]\n"
    "                        [--data-manifest FILE] [--json OUT.json|-] [--strict]\n"
    "                        [--require CLAIM]... [--quiet] [--evaluator-pubkey EVAL.pub.pem]\n"
    "                        [--challenge CHALLENGE.json | --challenge-id ID]\n"
    "                        [--checkpoint STEP0]\n"
    "                        [--init-declare LAWS.json] [--reference OTHER.safetensors]\n"
    "                        [--chain A.h5 B.h5 ...] [--max-work ELEMENTS]\n"
    "  Checks a run log and reports each claim as pass, fail, unknown or n/a (does\n"
    "  not apply to this run, e.g. mpi.init_consistent without MPI).\n"
    "  --pubkey KEY.pub.pem   the public key the log must be signed with\n"
    "  --model FILE|DIR       released weights: lineage.final checks FILE's sha256\n"
    "                         against the checkpoints the run wrote (a directory:\n"
    "                         every file in it against the files the run wrote)\n"
    "  --data-manifest FILE   sha256sum-format list every data file must be in\n"
    "  --json OUT.json        also write the report as JSON ('-': JSON on stdout\n"
    "                         instead of the text report)\n"
    "  --strict               an unknown claim fails the verdict (n/a does not)\n"
    "  --require CLAIM        CLAIM must pass (repeatable; n/a fails)\n"
    "  --quiet                no text report; the exit status tells\n"
    "  --evaluator-pubkey EVAL.pub.pem  init.random: the challenge the run recorded\n"
    "                         must be signed with this key (not the log's key), and\n"
    "                         named with --challenge or --challenge-id\n"
    "  --challenge FILE       init.random: the challenge the evaluator issued; the\n"
    "                         tensors are regenerated with its nonce, and the run\n"
    "                         must have started within its validity\n"
    "  --challenge-id ID      init.random: instead of the file, the id `trainprov\n"
    "                         challenge` printed (SHA-256 of its signed body, hex)\n"
    "  --checkpoint FILE      init.random: the run's step-0 checkpoint (safetensors\n"
    "                         or PyTorch .pt), a copy of one the run wrote, that\n"
    "                         must hold exactly the initialised tensors (without\n"
    "                         it, the one the log names is opened); with no\n"
    "                         InitTensor in the log, tested statistically against\n"
    "                         PyTorch's default initialisers (strength statistical)\n"
    "  --init-declare FILE    init.random statistical: JSON {tensor: {\"dist\": ...}}\n"
    "                         laws for tensors PyTorch's defaults do not cover\n"
    "  --reference FILE       a suspected donor model (safetensors): centred\n"
    "                         similarity of the step-0 (--checkpoint) and final\n"
    "                         (--model) tensors to it, as init.random evidence\n"
    "  --chain A.h5 B.h5 ...  RUN.h5 is the last segment of a campaign resumed with\n"
    "                         `trainprov run --resume-from`: the earlier segments'\n"
    "                         logs, in order. Checks every segment, every link and\n"
    "                         the claims across the campaign\n"
    "  --max-work ELEMENTS    init.random regenerates at most this many tensor\n"
    "                         elements in all (suffix k, M, G, T: powers of 1000;\n"
    "                         default 10G); beyond it the claim is unknown\n"
    "Exit status: 0 verdict pass, 1 a claim failed, 2 usage error or not a log.\n";

typedef struct {
    const char *log_path, *pubkey, *json_path;
    int quiet;
    uint8_t challenge_id[TP_CHALLENGE_ID_LEN];
    char *require[TP_REQUIRE_MAX];
    tp_claim_options claims;
    char **chain; /* --chain: the earlier segments, in order */
    size_t n_chain;
} verify_args;

/* "N" or "N" with a suffix k, M, G, T (powers of 1000): a count > 0. */
static int parse_elements(const char *s, uint64_t *out)
{
    static const char suffixes[] = "kMGT";
    char *end;
    errno = 0;
    unsigned long long n = strtoull(s, &end, 10);
    const char *sfx = *end ? strchr(suffixes, *end) : NULL;
    if (errno || end == s || *s == '-' || n == 0 || (*end && (!sfx || end[1])))
        return -1;
    for (int k = sfx ? (int)(sfx - suffixes) + 1 : 0; k > 0; k--) {
        if (n > UINT64_MAX / 1000)
            return -1;
        n *= 1000;
    }
    *out = n;
    return 0;
}

static int parse_args(int argc, char **argv, verify_args *a)
{
    static const struct option opts[] = {{"pubkey", required_argument, NULL, 'k'},
                                         {"model", required_argument, NULL, 'm'},
                                         {"data-manifest", required_argument, NULL, 'd'},
                                         {"json", required_argument, NULL, 'j'},
                                         {"strict", no_argument, NULL, 's'},
                                         {"require", required_argument, NULL, 'r'},
                                         {"quiet", no_argument, NULL, 'q'},
                                         {"evaluator-pubkey", required_argument, NULL, 'E'},
                                         {"challenge", required_argument, NULL, 'C'},
                                         {"challenge-id", required_argument, NULL, 'I'},
                                         {"checkpoint", required_argument, NULL, 'P'},
                                         {"init-declare", required_argument, NULL, 'D'},
                                         {"reference", required_argument, NULL, 'R'},
                                         {"max-work", required_argument, NULL, 'W'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int c;
    memset(a, 0, sizeof *a);
    if (tp_verify_chain_take_args(&argc, argv, &a->chain, &a->n_chain) != 0)
        return -1;
    optind = 1;
    while ((c = getopt_long(argc, argv, "k:m:d:j:sr:qh", opts, NULL)) != -1) {
        switch (c) {
        case 'k': a->pubkey = optarg; break;
        case 'm': a->claims.model_path = optarg; break;
        case 'd': a->claims.data_manifest_path = optarg; break;
        case 'j': a->json_path = optarg; break;
        case 's': a->claims.strict = 1; break;
        case 'q': a->quiet = 1; break;
        case 'E': a->claims.evaluator_pubkey_path = optarg; break;
        case 'C': a->claims.challenge_path = optarg; break;
        case 'I':
            if (strlen(optarg) != 2 * TP_CHALLENGE_ID_LEN ||
                tp_hex_decode(optarg, a->challenge_id, TP_CHALLENGE_ID_LEN) != 0) {
                fprintf(stderr, "trainprov verify: --challenge-id %s is not %d hex digits (the "
                                "id `trainprov challenge` printed)\n",
                        optarg, 2 * TP_CHALLENGE_ID_LEN);
                return -1;
            }
            a->claims.challenge_id = a->challenge_id;
            break;
        case 'P': a->claims.checkpoint_path = optarg; break;
        case 'D': a->claims.init_declare_path = optarg; break;
        case 'R': a->claims.reference_path = optarg; break;
        case 'W':
            if (parse_elements(optarg, &a->claims.max_work) != 0) {
                fprintf(stderr, "trainprov verify: --max-work %s is not a positive number of "
                                "elements (e.g. 5000000000 or 5G)\n", optarg);
                return -1;
            }
            break;
        case 'r':
            if (a->claims.n_require == TP_REQUIRE_MAX) {
                fprintf(stderr, "trainprov verify: too many --require\n");
                return -1;
            }
            a->require[a->claims.n_require++] = optarg;
            break;
        case 'h': fputs(usage, stdout); return 1;
        default: fputs(usage, stderr); return -1;
        }
    }
    a->claims.require = a->require;
    if (optind == argc && a->n_chain >= 2) /* --chain A.h5 B.h5 LAST.h5 */
        argv[argc++] = a->chain[--a->n_chain];
    if (optind != argc - 1 || !a->pubkey) {
        fprintf(stderr, "trainprov verify: %s\n%s",
                optind == argc ? "which log? (RUN.h5 is missing)"
                : optind < argc - 1 ? "one log at a time" : "--pubkey KEY.pub.pem is required",
                usage);
        return -1;
    }
    a->log_path = argv[optind];
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
    if (rc != 0)
        return rc > 0 ? 0 : 2;
    char err[1024], abs[PATH_MAX];
    tp_key *key = NULL;
    const char *inputs[] = {a.pubkey, a.claims.model_path, a.claims.data_manifest_path,
                            a.claims.evaluator_pubkey_path, a.claims.challenge_path,
                            a.claims.checkpoint_path, a.claims.init_declare_path,
                            a.claims.reference_path};
    const char *names[] = {"--pubkey", "--model", "--data-manifest", "--evaluator-pubkey",
                           "--challenge", "--checkpoint", "--init-declare", "--reference"};
    if (tp_input_files_refuse_special("verify", names, inputs, sizeof inputs / sizeof *inputs) != 0)
        return 2;
    if (tp_key_load_public(a.pubkey, &key, err, sizeof err) != 0) {
        fprintf(stderr, "trainprov verify: %s\n", err);
        return 2;
    }
    if (a.n_chain) {
        struct json_object *j = NULL;
        int text = !a.quiet && !(a.json_path && strcmp(a.json_path, "-") == 0);
        rc = tp_verify_chain(a.log_path, a.chain, a.n_chain, key, &a.claims, text,
                             a.json_path ? &j : NULL);
        if (j && write_json(a.json_path, j) != 0)
            rc = 2;
        json_object_put(j);
        free(a.chain);
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
    int evaluated = tp_claims_evaluate(&log, &index, key, &a.claims, &v, err, sizeof err);
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
