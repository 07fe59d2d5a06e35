/* cmd_keygen.c: `trainprov keygen -o KEY.pem [--type ed25519|p256] [--force]`:
 * a new key pair, KEY.pem (PKCS#8, mode 0600) and KEY.pub.pem (SPKI): Ed25519
 * for trainprov's own signatures, ECDSA P-256 for the OpenSSF model-signing
 * manifest (`attest --oms-key`). Prints the key id and both paths, never key
 * material. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "core/sign.h"
#include "core/hex.h"

static const char usage[] =
    "usage: trainprov keygen -o KEY.pem [--type ed25519|p256] [--force]\n"
    "  Writes a new Ed25519 private key KEY.pem (mode 0600) and its public key\n"
    "  KEY.pub.pem, and prints the key id (SHA-256 of the public key's DER).\n"
    "  -o, --output KEY.pem  private key path (the public key path replaces a\n"
    "                        trailing .pem with .pub.pem)\n"
    "  --type p256           an ECDSA P-256 key instead, for the OpenSSF\n"
    "                        model-signing manifest (trainprov attest --oms-key)\n"
    "  --force               replace existing key files\n";

/* KEY.pem -> KEY.pub.pem, anything else -> NAME.pub.pem. */
static int public_path_for(const char *priv, char *out, size_t cap)
{
    size_t n = strlen(priv);
    if (n > 4 && strcmp(priv + n - 4, ".pem") == 0)
        n -= 4;
    int w = snprintf(out, cap, "%.*s.pub.pem", (int)n, priv);
    return w < 0 || (size_t)w >= cap ? -1 : 0;
}

/* Refuses an existing file unless force, in which case it is removed. */
static int make_room(const char *path, int force)
{
    if (access(path, F_OK) != 0)
        return 0;
    if (!force) {
        fprintf(stderr, "trainprov keygen: %s already exists (use --force to replace it)\n",
                path);
        return -1;
    }
    if (unlink(path) != 0) {
        fprintf(stderr, "trainprov keygen: cannot remove %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

int tp_cmd_keygen(int argc, char **argv)
{
    static const struct option opts[] = {{"output", required_argument, NULL, 'o'},
                                         {"force", no_argument, NULL, 'f'},
                                         {"type", required_argument, NULL, 't'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *priv = NULL;
    int force = 0, c;
    tp_key_type type = TP_KEY_ED25519;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:fh", opts, NULL)) != -1) {
        switch (c) {
        case 'o': priv = optarg; break;
        case 'f': force = 1; break;
        case 't':
            if (strcmp(optarg, "p256") == 0)
                type = TP_KEY_P256;
            else if (strcmp(optarg, "ed25519") != 0) {
                fprintf(stderr, "trainprov keygen: --type %s: expected ed25519 or p256\n", optarg);
                return 2;
            }
            break;
        case 'h': fputs(usage, stdout); return 0;
        default: fputs(usage, stderr); return 2;
        }
    }
    if (!priv || optind != argc) {
        fputs(usage, stderr);
        return 2;
    }
    char pub[4096], err[512];
    if (public_path_for(priv, pub, sizeof pub) != 0) {
        fprintf(stderr, "trainprov keygen: path too long: %s\n", priv);
        return 2;
    }
    if (make_room(priv, force) != 0 || make_room(pub, force) != 0)
        return 2;
    tp_key *key;
    if (tp_key_generate_type(type, priv, pub, err, sizeof err) != 0 ||
        tp_key_load_public_type(type, pub, &key, err, sizeof err) != 0) {
        fprintf(stderr, "trainprov keygen: %s\n", err);
        return 2;
    }
    uint8_t id[TP_KEY_ID_LEN];
    char hex[2 * TP_KEY_ID_LEN + 1];
    tp_key_id(key, id);
    tp_key_free(key);
    tp_hex_encode(id, sizeof id, hex);
    printf("key id:      %s\nprivate key: %s (keep it secret)\npublic key:  %s (give it to "
           "%s)\n",
           hex, priv, pub, type == TP_KEY_P256 ? "whoever checks the model's signature"
                                               : "the evaluator");
    return 0;
}
