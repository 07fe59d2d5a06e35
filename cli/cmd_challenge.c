/* cmd_challenge.c: `trainprov challenge --key EVAL.pem -o challenge.json
 * [--valid-days N]` (the evaluator, before the run): a fresh random nonce,
 * the time, the end of the validity and the evaluator's key id, signed
 * (challenge.h; docs/INIT.md). The trainer runs the job with `trainprov run
 * --challenge challenge.json`; the verifier checks it with
 * `--evaluator-pubkey EVAL.pub.pem --challenge challenge.json` (or
 * `--challenge-id`, printed here). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "verify/challenge.h"
#include "cli/commands.h"
#include "core/hex.h"
#include "runlog/records.h" /* tp_time_iso */

static const char usage[] =
    "usage: trainprov challenge --key EVAL.pem -o CHALLENGE.json [--valid-days N]\n"
    "                          [--force]\n"
    "  Writes a signed challenge: a fresh 32-byte random nonce, the time, the end\n"
    "  of its validity and the key id of EVAL.pem, and prints its id. Give it to\n"
    "  the trainer (`trainprov run --challenge`); verify the run with `trainprov\n"
    "  verify --evaluator-pubkey EVAL.pub.pem --challenge CHALLENGE.json` (or\n"
    "  --challenge-id ID). The run must start between the challenge's time and\n"
    "  the end of its validity.\n"
    "  --key EVAL.pem          the evaluator's Ed25519 private key\n"
    "  -o, --output FILE       where to write the challenge (refuses to replace a\n"
    "                          file unless --force)\n"
    "  --valid-days N          days the run may start in (1..3650, default 30)\n";

int tp_cmd_challenge(int argc, char **argv)
{
    static const struct option opts[] = {{"key", required_argument, NULL, 'k'},
                                         {"output", required_argument, NULL, 'o'},
                                         {"force", no_argument, NULL, 'f'},
                                         {"valid-days", required_argument, NULL, 'v'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *key_path = NULL, *out = NULL;
    int force = 0, c, valid_days = TP_CHALLENGE_DEFAULT_VALID_DAYS;
    char *end;
    long v;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'k': key_path = optarg; break;
        case 'o': out = optarg; break;
        case 'f': force = 1; break;
        case 'v':
            errno = 0;
            v = strtol(optarg, &end, 10);
            if (errno || end == optarg || *end || v < 1 || v > TP_CHALLENGE_MAX_VALID_DAYS) {
                fprintf(stderr, "trainprov challenge: --valid-days %s is not a whole number of "
                                "days in 1..%d\n",
                        optarg, TP_CHALLENGE_MAX_VALID_DAYS);
                return 2;
            }
            valid_days = (int)v;
            break;
        case 'h': fputs(usage, stdout); return 0;
        default: fputs(usage, stderr); return 2;
        }
    }
    if (!key_path || !out || optind != argc) {
        fprintf(stderr, "trainprov challenge: %s\n%s",
                optind != argc ? "unexpected arguments" : "--key and -o are required", usage);
        return 2;
    }
    char err[512];
    tp_key *key = NULL;
    if (tp_key_load_private(key_path, &key, err, sizeof err) != 0) {
        fprintf(stderr, "trainprov challenge: %s\n", err);
        return 2;
    }
    tp_challenge ch;
    char *json = NULL;
    int rc = 2;
    uint8_t id[TP_CHALLENGE_ID_LEN];
    if (tp_challenge_make(key, valid_days, &ch) != 0 || tp_challenge_id(&ch, id) != 0 ||
        !(json = tp_challenge_json(&ch))) {
        fprintf(stderr, "trainprov challenge: cannot make a challenge (no randomness or "
                        "signing failed)\n");
        goto done;
    }
    int fd = open(out, O_WRONLY | O_CREAT | O_CLOEXEC | (force ? O_TRUNC : O_EXCL), 0644);
    size_t len = strlen(json);
    if (fd < 0 || write(fd, json, len) != (ssize_t)len || fsync(fd) != 0) {
        fprintf(stderr, "trainprov challenge: cannot write %s: %s%s\n", out, strerror(errno),
                errno == EEXIST ? " (use --force to replace it)" : "");
        if (fd >= 0)
            close(fd);
        goto done;
    }
    if (close(fd) != 0) {
        fprintf(stderr, "trainprov challenge: cannot write %s: %s\n", out, strerror(errno));
        goto done;
    }
    char kid[2 * TP_KEY_ID_LEN + 1], idhex[2 * TP_CHALLENGE_ID_LEN + 1], until[40];
    tp_hex_encode(ch.key_id, sizeof ch.key_id, kid);
    tp_hex_encode(id, sizeof id, idhex);
    tp_time_iso(ch.valid_until_ns, until);
    printf("challenge %s\nchallenge id %s\nevaluator key id %s\nvalid until %s\n", out, idhex,
           kid, until);
    rc = 0;
done:
    free(json);
    tp_key_free(key);
    return rc;
}
