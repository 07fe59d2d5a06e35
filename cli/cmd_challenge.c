/* cmd_challenge.c: `trainprov challenge --key EVAL.pem -o challenge.json`
 * (the evaluator, before the run): a fresh random nonce, the time and the
 * evaluator's key id, signed (challenge.h; docs/INIT.md). The trainer runs
 * the job with `trainprov run --challenge challenge.json`; the verifier
 * checks it with `--evaluator-pubkey EVAL.pub.pem`. */
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

static const char usage[] =
    "usage: trainprov challenge --key EVAL.pem -o CHALLENGE.json [--force]\n"
    "  Writes a signed challenge: a fresh 32-byte random nonce, the time and the\n"
    "  key id of EVAL.pem. Give it to the trainer (`trainprov run --challenge`);\n"
    "  verify the run with `trainprov verify --evaluator-pubkey EVAL.pub.pem`.\n"
    "  --key EVAL.pem          the evaluator's Ed25519 private key\n"
    "  -o, --output FILE       where to write the challenge (refuses to replace a\n"
    "                          file unless --force)\n";

int tp_cmd_challenge(int argc, char **argv)
{
    static const struct option opts[] = {{"key", required_argument, NULL, 'k'},
                                         {"output", required_argument, NULL, 'o'},
                                         {"force", no_argument, NULL, 'f'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *key_path = NULL, *out = NULL;
    int force = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'k': key_path = optarg; break;
        case 'o': out = optarg; break;
        case 'f': force = 1; break;
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
    if (tp_challenge_make(key, &ch) != 0 || !(json = tp_challenge_json(&ch))) {
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
    char kid[2 * TP_KEY_ID_LEN + 1];
    tp_hex_encode(ch.key_id, sizeof ch.key_id, kid);
    printf("challenge %s\nevaluator key id %s\n", out, kid);
    rc = 0;
done:
    free(json);
    tp_key_free(key);
    return rc;
}
