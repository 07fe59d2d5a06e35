#!/bin/bash
# e2e_own_checkpoints_read_back_pass.sh: an honest job that torch.saves its
# checkpoints and loads them back, reopens one read-write after writing it
# (writing a byte back), and saves another under a temporary name renamed
# into place at once (the rename moves ctime before the held-back hasher
# sees the file), authored all of them: verify passes with
# --require init.no_foreign_weights, and lineage.final accepts the renamed
# final checkpoint.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
. "$E2E_DIR/authorship_lib.sh"
e2e_init torch
keygen key
mkdir -p "$WORK/out"

TRAINPROV_TEST_HASH_DELAY_MS=300 run_mode "$WORK/run.h5" --checkpoint "$WORK/out/ckpt_*.pt" -- \
    honest "$WORK/out"
expect_run_ok "$WORK/run.h5" "the honest job"
expect_verify 0 "$WORK/run.h5" "$WORK/v.json" --pubkey "$WORK/key.pub.pem" \
    --require init.no_foreign_weights --require lineage.final --model "$WORK/out/ckpt_final.pt"
expect_claim "$WORK/v.json" init.no_foreign_weights pass
expect_claim "$WORK/v.json" lineage.final pass
expect_claim "$WORK/v.json" log.integrity pass
finish
