/* claim_options.h: the options that say what a log must prove and with which
 * evidence (--pubkey, --model, --data-manifest, --strict, --require, the
 * init.random options, --max-work, --chain), parsed once for every command
 * that judges a log: `verify`, `attest` and `report` take the same options
 * with the same meaning (cli/claim_options.c). */
#ifndef TP_CLAIM_OPTIONS_H
#define TP_CLAIM_OPTIONS_H
#include <getopt.h>
#include <stddef.h>
#include <stdint.h>

#include "verify/challenge.h"
#include "verify/claims.h"

#define TP_CLAIM_REQUIRE_MAX 32
/* long options a command may add to the claim options */
#define TP_CLAIM_OWN_OPTIONS_MAX 16

typedef struct {
    const char *pubkey;                 /* --pubkey */
    tp_claim_options claims;            /* everything else; claims.model_path is --model */
    uint8_t challenge_id[TP_CHALLENGE_ID_LEN];
    char *require[TP_CLAIM_REQUIRE_MAX];
    char **chain;                       /* --chain: the earlier segments, in order (malloc'ed) */
    size_t n_chain;
} tp_claim_args;

/* The usage lines of the claim options, for a command's --help. */
extern const char tp_claim_options_usage[];
/* The short options the claim options use (k: m: d: s r:), for getopt's
 * optstring. */
#define TP_CLAIM_SHORT_OPTIONS "k:m:d:sr:"

/* Starts parsing for command cmd ("verify"): zeroes a, takes every --chain
 * list out of argv (the logs up to the next option), and fills opts with
 * the claim options followed by own (terminated by a zero entry, at most
 * TP_CLAIM_OWN_OPTIONS_MAX) and a terminator. opts has room for
 * TP_CLAIM_OPTIONS_TABLE entries. 0, or -1 after printing a usage error. */
#define TP_CLAIM_OPTIONS_TABLE 32
int tp_claim_args_begin(tp_claim_args *a, const char *cmd, int *argc, char **argv,
                        const struct option *own, struct option *opts);

/* Takes option c (getopt_long's return) with its optarg when it is a claim
 * option: 1 taken, 0 not a claim option (the command's own), -1 a bad value
 * (message printed, naming cmd). */
int tp_claim_args_take(tp_claim_args *a, const char *cmd, int c, const char *optarg);

/* After getopt: with no log left on the command line and --chain A B LAST,
 * the last of the chain is the log. Sets claims.require. Returns the log's
 * path, or NULL after printing why (no log, several logs, no --pubkey; the
 * caller prints its usage). */
const char *tp_claim_args_finish(tp_claim_args *a, const char *cmd, int argc, char **argv);

/* The input files among the claim options (keys, model, manifests,
 * challenge, checkpoint, reference) are files or directories, not FIFOs or
 * devices (cli/input_files.h). 0, or -1 after printing why. */
int tp_claim_args_refuse_special(const tp_claim_args *a, const char *cmd);

void tp_claim_args_free(tp_claim_args *a);

#endif
