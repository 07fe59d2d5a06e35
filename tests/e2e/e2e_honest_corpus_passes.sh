#!/bin/bash
# e2e_honest_corpus_passes.sh: the content test does not flag honest data.
# A job that reads uint16 token shards (.bin, .npy, llm.c's header + uint16
# layout), a text corpus and gzip'd text, writes a PyTorch checkpoint and a
# raw float32 checkpoint in llm.c's layout and reads both back, passes
# verify with --require init.no_foreign_weights (data declared with --data
# and, second run, not declared).
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
. "$E2E_DIR/content_lib.sh"
e2e_init torch
keygen key
"$PYTHON" "$E2E_DIR/content_job.py" corpus "$WORK/data" || die "content_job.py corpus failed"

run_content "$WORK/declared.h5" --data "$WORK/data/*" -- train "$WORK/data" "$WORK/out"
grep -q "wrote and read back" "$WORK/declared.h5.out" || die "the job did not read back its checkpoints"
expect_verify 0 "$WORK/declared.h5" "$WORK/declared.json" --pubkey "$WORK/key.pub.pem" \
    --require init.no_foreign_weights --require data.accounted
expect_claim "$WORK/declared.json" init.no_foreign_weights pass
# its checkpoints were recognised as weights, written and read back
for ck in "$WORK/out/step_3.pt" "$WORK/out/model_step_3.bin"; do
    jcheck files "$WORK/declared.json" "checkpoint:$(sha256 "$ck"):$ck" "weights:$(sha256 "$ck"):$ck" ||
        fail "$ck is not listed as a checkpoint written and weights read back"
done
for f in "$WORK"/data/*; do
    jcheck files "$WORK/declared.json" "data:$(sha256 "$f"):$f" ||
        fail "$f is not listed as data"
done

run_content "$WORK/plain.h5" -- train "$WORK/data" "$WORK/out2"
expect_verify 0 "$WORK/plain.h5" "$WORK/plain.json" --pubkey "$WORK/key.pub.pem" \
    --require init.no_foreign_weights
expect_claim "$WORK/plain.json" init.no_foreign_weights pass
finish
