/* claim_options.c: the claim options shared by `verify`, `attest` and
 * `report` (claim_options.h): one table of long options, one parser for
 * their values, one usage text, so that the three commands cannot drift. */
#include "cli/claim_options.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/input_files.h"
#include "core/hex.h"

static const struct option claim_opts[] = {
    {"pubkey", required_argument, NULL, 'k'},
    {"model", required_argument, NULL, 'm'},
    {"data-manifest", required_argument, NULL, 'd'},
    {"strict", no_argument, NULL, 's'},
    {"require", required_argument, NULL, 'r'},
    {"evaluator-pubkey", required_argument, NULL, 'E'},
    {"challenge", required_argument, NULL, 'C'},
    {"challenge-id", required_argument, NULL, 'I'},
    {"checkpoint", required_argument, NULL, 'P'},
    {"init-declare", required_argument, NULL, 'D'},
    {"reference", required_argument, NULL, 'R'},
    {"max-work", required_argument, NULL, 'W'},
};
#define N_CLAIM_OPTS (sizeof claim_opts / sizeof claim_opts[0])

const char tp_claim_options_usage[] =
    "  --pubkey KEY.pub.pem   the public key the log must be signed with\n"
    "  --model FILE|DIR       released weights: lineage.final checks FILE's sha256\n"
    "                         against the checkpoints the run wrote (a directory:\n"
    "                         every file in it against the files the run wrote)\n"
    "  --data-manifest FILE   sha256sum-format list every data file must be in\n"
    "  --strict               an unknown claim fails the verdict (n/a does not)\n"
    "  --require CLAIM        CLAIM must pass (repeatable; n/a fails)\n"
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
    "                         default 10G); beyond it the claim is unknown\n";

/* Takes every `--chain A.h5 B.h5 ...` (the logs up to the next option) and
 * `--chain=A.h5` out of argv, appending them to a->chain. */
static int take_chain(tp_claim_args *a, const char *cmd, int *argc, char **argv)
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
            fprintf(stderr, "trainprov %s: --chain needs the logs of the earlier segments, "
                            "in order: --chain A.h5 B.h5 ...\n", cmd);
            return -1;
        }
        char **p = realloc(a->chain, (a->n_chain + add) * sizeof *p);
        if (!p) {
            fprintf(stderr, "trainprov %s: out of memory\n", cmd);
            return -1;
        }
        a->chain = p;
        if (eq && *eq)
            p[a->n_chain++] = (char *)eq;
        for (int k = i + 1; k < j; k++)
            p[a->n_chain++] = argv[k];
        i = j - 1;
    }
    *argc = out;
    argv[out] = NULL;
    return 0;
}

int tp_claim_args_begin(tp_claim_args *a, const char *cmd, int *argc, char **argv,
                        const struct option *own, struct option *opts)
{
    memset(a, 0, sizeof *a);
    size_t n = 0;
    for (; n < N_CLAIM_OPTS; n++)
        opts[n] = claim_opts[n];
    for (size_t k = 0; own[k].name && k < TP_CLAIM_OWN_OPTIONS_MAX; k++)
        opts[n++] = own[k];
    memset(&opts[n], 0, sizeof opts[n]);
    optind = 1;
    return take_chain(a, cmd, argc, argv);
}

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

int tp_claim_args_take(tp_claim_args *a, const char *cmd, int c, const char *optarg)
{
    tp_claim_options *o = &a->claims;
    switch (c) {
    case 'k': a->pubkey = optarg; return 1;
    case 'm': o->model_path = optarg; return 1;
    case 'd': o->data_manifest_path = optarg; return 1;
    case 's': o->strict = 1; return 1;
    case 'E': o->evaluator_pubkey_path = optarg; return 1;
    case 'C': o->challenge_path = optarg; return 1;
    case 'P': o->checkpoint_path = optarg; return 1;
    case 'D': o->init_declare_path = optarg; return 1;
    case 'R': o->reference_path = optarg; return 1;
    case 'I':
        if (strlen(optarg) != 2 * TP_CHALLENGE_ID_LEN ||
            tp_hex_decode(optarg, a->challenge_id, TP_CHALLENGE_ID_LEN) != 0) {
            fprintf(stderr, "trainprov %s: --challenge-id %s is not %d hex digits (the id "
                            "`trainprov challenge` printed)\n",
                    cmd, optarg, 2 * TP_CHALLENGE_ID_LEN);
            return -1;
        }
        o->challenge_id = a->challenge_id;
        return 1;
    case 'W':
        if (parse_elements(optarg, &o->max_work) != 0) {
            fprintf(stderr, "trainprov %s: --max-work %s is not a positive number of "
                            "elements (e.g. 5000000000 or 5G)\n", cmd, optarg);
            return -1;
        }
        return 1;
    case 'r':
        if (o->n_require == TP_CLAIM_REQUIRE_MAX) {
            fprintf(stderr, "trainprov %s: too many --require\n", cmd);
            return -1;
        }
        a->require[o->n_require++] = (char *)optarg;
        return 1;
    default: return 0;
    }
}

const char *tp_claim_args_finish(tp_claim_args *a, const char *cmd, int argc, char **argv)
{
    a->claims.require = a->require;
    const char *log = optind == argc - 1 ? argv[optind] : NULL;
    if (optind == argc && a->n_chain >= 2) /* --chain A.h5 B.h5 LAST.h5 */
        log = a->chain[--a->n_chain];
    if (!log || !a->pubkey) {
        fprintf(stderr, "trainprov %s: %s\n", cmd,
                optind == argc && !log ? "which log? (RUN.h5 is missing)"
                : !log                 ? "one log at a time"
                                       : "--pubkey KEY.pub.pem is required");
        return NULL;
    }
    return log;
}

int tp_claim_args_refuse_special(const tp_claim_args *a, const char *cmd)
{
    const tp_claim_options *o = &a->claims;
    const char *inputs[] = {a->pubkey, o->model_path, o->data_manifest_path,
                            o->evaluator_pubkey_path, o->challenge_path,
                            o->checkpoint_path, o->init_declare_path, o->reference_path};
    const char *names[] = {"--pubkey", "--model", "--data-manifest", "--evaluator-pubkey",
                           "--challenge", "--checkpoint", "--init-declare", "--reference"};
    return tp_input_files_refuse_special(cmd, names, inputs, sizeof inputs / sizeof *inputs);
}

void tp_claim_args_free(tp_claim_args *a)
{
    free(a->chain);
    a->chain = NULL;
    a->n_chain = 0;
}
