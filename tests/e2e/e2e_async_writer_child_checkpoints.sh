#!/bin/bash
# e2e_async_writer_child_checkpoints.sh: checkpoints saved by other
# processes of the job (a forked writer and a spawned interpreter, as async
# checkpointing does) are the run's: each is a checkpoint in the report,
# `--model` of either passes lineage.final, and the main process loading them
# back passes init.no_foreign_weights.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
. "$E2E_DIR/frameworks_lib.sh"
e2e_init torch
keygen key
CK=$WORK/async

run_fw "$WORK/run.h5" -- async "$CK"
for f in fork spawn; do
    expect_verify 0 "$WORK/run.h5" "$WORK/$f.json" --pubkey "$WORK/key.pub.pem" \
        --model "$CK/$f.pt" --require lineage.final --require init.no_foreign_weights
    expect_claim "$WORK/$f.json" lineage.final pass
    expect_claim "$WORK/$f.json" init.no_foreign_weights pass
    expect_checkpoint "$WORK/$f.json" "$CK/$f.pt files 1 deleted 0 authored 1"
done
jcheck detail-contains "$WORK/fork.json" init.no_foreign_weights "2 weights reads" ||
    fail "init.no_foreign_weights did not see the main process load both checkpoints"
finish
