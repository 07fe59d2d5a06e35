/* main.c: the `trainprov` command: dispatches to a subcommand (commands.h),
 * which receives "trainprov <name>" as argv[0] and its arguments after it. */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} subcommands[] = {
    {"keygen", tp_cmd_keygen, "make a signing key pair (Ed25519; P-256 for model signing)"},
    {"run", tp_cmd_run, "run a training command with provenance logging"},
    {"verify", tp_cmd_verify, "check a run log and print the claims report"},
    {"dump", tp_cmd_dump, "print every record of a run log"},
    {"recover", tp_cmd_recover, "build the run log from the journals a killed job left"},
    {"challenge", tp_cmd_challenge, "issue a signed challenge nonce (the evaluator)"},
    {"attest", tp_cmd_attest, "sign an in-toto/SLSA attestation for a model of a verified run"},
    {"verify-attestation", tp_cmd_verify_attestation, "check an attestation against the model files"},
    {"report", tp_cmd_report, "verify a run log and write the report as one self-contained HTML page"},
};
#define N_SUBCOMMANDS (sizeof subcommands / sizeof subcommands[0])

static void usage(FILE *out)
{
    fputs("usage: trainprov <command> [options] [args]\n\ncommands:\n", out);
    for (size_t i = 0; i < N_SUBCOMMANDS; i++)
        fprintf(out, "  %-18s %s\n", subcommands[i].name, subcommands[i].summary);
    fputs("\n'trainprov help <command>' or 'trainprov <command> --help' describes a command.\n"
          "Exit status: 0 success (verify: verdict pass), 1 a claim failed, 2 usage error\n"
          "or a file that is not what it should be; run exits with the command's status.\n",
          out);
}

static int find(const char *name)
{
    for (size_t i = 0; i < N_SUBCOMMANDS; i++)
        if (strcmp(subcommands[i].name, name) == 0)
            return (int)i;
    return -1;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 ||
        (strcmp(cmd, "help") == 0 && argc == 2)) {
        usage(stdout);
        return 0;
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
        printf("trainprov %s (log format version 1)\n", TP_VERSION);
        return 0;
    }
    if (strcmp(cmd, "help") == 0) {
        int i = argc == 3 ? find(argv[2]) : -1;
        if (i < 0) {
            fprintf(stderr, "trainprov: 'help' takes one command name\n");
            usage(stderr);
            return 2;
        }
        char *help_argv[] = {argv[2], "--help", NULL};
        return subcommands[i].run(2, help_argv);
    }
    int i = find(cmd);
    if (i < 0) {
        fprintf(stderr, "trainprov: unknown command '%s'\n", cmd);
        usage(stderr);
        return 2;
    }
    char prog[32]; /* getopt's messages then start with "trainprov <command>:" */
    snprintf(prog, sizeof prog, "trainprov %s", subcommands[i].name);
    argv[1] = prog;
    return subcommands[i].run(argc - 1, argv + 1);
}
