#!/bin/bash
# e2e_donor_overwritten_while_hasher_busy.sh: a job reads a donor and, right
# after, overwrites it with the bytes of a checkpoint it wrote, before the
# logger hashed the donor (the hasher is held back 1.5 s by the test-only
# TRAINPROV_TEST_HASH_DELAY_MS, so the race is deterministic). The identity
# the job left at open (device, inode, size, mtime, ctime) no longer matches
# when the logger hashes: the read is recorded as changed, of unknown bytes:
# data.accounted fails naming the donor (verify exits 1), and
# init.no_foreign_weights cannot pass (unknown; fail under --strict).
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
. "$E2E_DIR/authorship_lib.sh"
donor_init
mkdir -p "$WORK/out"

TRAINPROV_TEST_HASH_DELAY_MS=1500 run_mode "$WORK/run.h5" -- overwrite-after-read "$DONOR" "$WORK/out"
expect_run_ok "$WORK/run.h5" "the overwriting job"
[ "$(sha256 "$DONOR")" = "$(sha256 "$WORK/out/own.pt")" ] || die "the job did not overwrite the donor"
expect_fails_naming "$WORK/v.json" "$WORK/run.h5" data.accounted -- "$DONOR" \
    "changed by another writer"
# the bytes read are unknown: they could have been weights, so no pass here
expect_claim "$WORK/v.json" init.no_foreign_weights unknown
jcheck detail-contains "$WORK/v.json" init.no_foreign_weights "unknown content" "$DONOR" ||
    fail "init.no_foreign_weights does not name the read of unknown content"
expect_verify 1 "$WORK/run.h5" "$WORK/s.json" --pubkey "$WORK/key.pub.pem" --strict
expect_claim "$WORK/s.json" init.no_foreign_weights fail
finish
