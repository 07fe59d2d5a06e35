#!/bin/bash
# e2e_megatron_tree_checkpoints.sh: Megatron-style checkpoints
# (DIR/iter_0000010/mp_rank_00/model_optim_rng.pt, mp_rank_01/..., then
# iter_0000020, and latest_checkpointed_iteration.txt rewritten) are two
# checkpoints in the report, one per iteration, each of its two
# model-parallel files; `--model DIR/iter_0000020` passes lineage.final and
# the whole tree passes too (every file in it is the run's).
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
. "$E2E_DIR/frameworks_lib.sh"
e2e_init torch
keygen key
CK=$WORK/megatron

run_fw "$WORK/run.h5" -- megatron "$CK"
expect_verify 0 "$WORK/run.h5" "$WORK/v.json" --pubkey "$WORK/key.pub.pem" \
    --model "$CK/iter_0000020" --require lineage.final
expect_claim "$WORK/v.json" lineage.final pass
expect_checkpoint "$WORK/v.json" "$CK/iter_0000010/ files 2 deleted 0 authored 1"
expect_checkpoint "$WORK/v.json" "$CK/iter_0000020/ files 2 deleted 0 authored 1"
n=$(checkpoints "$WORK/v.json" | wc -l)
[ "$n" -eq 2 ] || fail "the report lists $n checkpoints, expected the 2 iterations"
expect_verify 0 "$WORK/run.h5" "$WORK/t.json" --pubkey "$WORK/key.pub.pem" --model "$CK" \
    --require lineage.final
jcheck detail-contains "$WORK/t.json" lineage.final "all 5 files of $CK" "4 of them checkpoints" ||
    fail "lineage.final on the whole tree does not count its 5 files and 4 checkpoints"
finish
