#!/bin/bash
# e2e_dcp_dir_read_by_unrelated_run_is_foreign.sh: a distributed-checkpoint
# directory written by one run and loaded by another, unrelated run (no
# resume link) is foreign weights there: init.no_foreign_weights fails naming
# its shards, and the second run cannot claim the directory (--model fails).
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
. "$E2E_DIR/frameworks_lib.sh"
e2e_init torch
keygen key
CK=$WORK/ckpt/step_100

run_fw "$WORK/first.h5" -- dcp "$CK"
expect_verify 0 "$WORK/first.h5" "$WORK/first.json" --pubkey "$WORK/key.pub.pem" --model "$CK" \
    --require lineage.final
run_fw "$WORK/second.h5" -- dcp-read "$CK"
expect_verify 1 "$WORK/second.h5" "$WORK/v.json" --pubkey "$WORK/key.pub.pem" --model "$CK"
expect_claim "$WORK/v.json" init.no_foreign_weights fail
jcheck detail-contains "$WORK/v.json" init.no_foreign_weights "$CK/__0_0.distcp" "$CK/__1_0.distcp" \
    "which this run did not write" || fail "init.no_foreign_weights does not name the DCP shards"
expect_claim "$WORK/v.json" lineage.final fail
finish
