/* run_resume.c: `trainprov run --resume-from PREV.h5`: the job is the next
 * segment of a campaign whose previous segment's log is PREV.h5. Before the
 * job starts, PREV.h5 must be a trainprov log signed with the run's own key
 * (--key: a campaign has one trainer key) whose records are intact and bound
 * to one run; a segment ended by a signal or killed and rebuilt by `trainprov
 * recover` is a valid one. Its digest (verify/chain.h) goes into every
 * stream's signed RunStart.resume_from, which `trainprov verify --chain`
 * checks link by link. */
#include "cli/run_resume.h"

#include <stdio.h>

#include "core/hex.h"
#include "verify/chain.h"

int tp_run_resume_check(const char *prev, const tp_key *key, char hex[2 * TP_HASH_LEN + 1])
{
    uint8_t digest[TP_HASH_LEN];
    char err[2048];
    hex[0] = '\0';
    if (!prev)
        return 0;
    if (tp_chain_check_previous(prev, key, digest, err, sizeof err) != 0) {
        fprintf(stderr, "trainprov run: %s\n", err);
        return 2;
    }
    tp_hex_encode(digest, TP_HASH_LEN, hex);
    fprintf(stderr, "trainprov: resuming from %s (segment digest %s)\n", prev, hex);
    return 0;
}
