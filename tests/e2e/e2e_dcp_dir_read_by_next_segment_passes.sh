#!/bin/bash
# e2e_dcp_dir_read_by_next_segment_passes.sh: a distributed-checkpoint
# directory written by one segment of a campaign and loaded by the next
# (`trainprov run --resume-from`) is the campaign's own: `verify --chain`
# passes init.no_foreign_weights and lineage.final on the directory. The same
# load verified without --chain cannot be checked (unknown, naming --chain),
# and by an unrelated run (no resume link) it is foreign (fails, naming the
# shards).
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
. "$E2E_DIR/frameworks_lib.sh"
e2e_init torch
keygen key
CK=$WORK/ckpt/step_100
PUB=$WORK/key.pub.pem

run_fw "$WORK/A.h5" -- dcp "$CK"
run_fw "$WORK/B.h5" --resume-from "$WORK/A.h5" -- dcp-read "$CK"
expect_verify 0 "$WORK/B.h5" "$WORK/chain.json" --pubkey "$PUB" --chain "$WORK/A.h5" \
    --require init.no_foreign_weights --require lineage.final --model "$CK"
expect_claim "$WORK/chain.json" init.no_foreign_weights pass
expect_claim "$WORK/chain.json" lineage.final pass

expect_verify 1 "$WORK/B.h5" "$WORK/alone.json" --pubkey "$PUB" --require init.no_foreign_weights
expect_claim "$WORK/alone.json" init.no_foreign_weights unknown
jcheck detail-contains "$WORK/alone.json" init.no_foreign_weights "$CK/__0_0.distcp" "--chain" ||
    fail "the resumed segment alone does not say its read of the shards needs --chain"

run_fw "$WORK/other.h5" -- dcp-read "$CK"
expect_verify 1 "$WORK/other.h5" "$WORK/other.json" --pubkey "$PUB"
expect_claim "$WORK/other.json" init.no_foreign_weights fail
jcheck detail-contains "$WORK/other.json" init.no_foreign_weights "$CK/__0_0.distcp" ||
    fail "the unrelated run's read of the shards is not named foreign"
finish
