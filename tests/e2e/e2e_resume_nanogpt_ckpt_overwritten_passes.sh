#!/bin/bash
# e2e_resume_nanogpt_ckpt_overwritten_passes.sh: nanoGPT's resume: segment 1
# writes out/ckpt.pt (declared with --checkpoint); segment 2, run with
# --resume-from, torch.loads out/ckpt.pt and overwrites it in place. `verify
# --chain` passes with --require init.no_foreign_weights and lineage.final
# on the final out/ckpt.pt; so does a checkpoint directory (out/ckpt/ with
# model.pt, optimizer.pt and meta.json) rewritten in place. The chain does not launder foreign weights: a
# resumed segment that also loads a donor fails init.no_foreign_weights
# naming the donor, and a run without --resume-from that loads segment 1's
# checkpoint fails it verified alone, as any run reading weights it did not
# write.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
. "$E2E_DIR/resume_lib.sh"
e2e_init torch

keygen key
make_shards "$WORK/data" 2
OUT=$WORK/out
CK=(--checkpoint "$OUT/ckpt.pt")
segment_ok "$WORK/A.h5" "$OUT" "${CK[@]}" -- --steps 10
cp "$OUT/ckpt.pt" "$WORK/seg1-ckpt.pt"
segment_ok "$WORK/B.h5" "$OUT" "${CK[@]}" --resume-from "$WORK/A.h5" -- --steps 20
grep -q 'resumed from .*ckpt.pt at step 10' "$WORK/B.h5.out" || fail "segment 2 did not resume"
cmp -s "$OUT/ckpt.pt" "$WORK/seg1-ckpt.pt" && fail "segment 2 did not overwrite ckpt.pt"

J=$WORK/chain.json
expect_verify 0 "$WORK/B.h5" "$J" --pubkey "$WORK/key.pub.pem" --chain "$WORK/A.h5" \
    --require init.no_foreign_weights --require lineage.final --model "$OUT/ckpt.pt"
expect_claim "$J" init.no_foreign_weights pass
expect_claim "$J" lineage.final pass
expect_link "$J" 2 ok

# The same with a checkpoint directory.
segment_ok "$WORK/DA.h5" "$WORK/dir" -- --steps 10 --dir-ckpt
segment_ok "$WORK/DB.h5" "$WORK/dir" --resume-from "$WORK/DA.h5" -- --steps 20 --dir-ckpt
grep -q 'resumed from .*ckpt at step 10' "$WORK/DB.h5.out" || fail "the directory segment did not resume"
expect_verify 0 "$WORK/DB.h5" "$WORK/dir.json" --pubkey "$WORK/key.pub.pem" --chain "$WORK/DA.h5" \
    --require init.no_foreign_weights --require lineage.final --model "$WORK/dir/ckpt/model.pt"
jcheck detail-contains "$WORK/dir.json" init.no_foreign_weights "2 weights reads" ||
    fail "segment 2 did not read model.pt and optimizer.pt as weights of the campaign"
expect_verify 0 "$WORK/DB.h5" "$WORK/dir-alone.json" --pubkey "$WORK/key.pub.pem"
expect_claim "$WORK/dir-alone.json" init.no_foreign_weights unknown

# A donor loaded in a resumed segment is still foreign.
"$PYTHON" -c '
import sys, torch
sys.path.insert(0, sys.argv[2])
import resume_job
torch.manual_seed(5)
torch.save(resume_job.TinyLM().state_dict(), sys.argv[1])' "$WORK/donor.pt" "$E2E_DIR" ||
    die "cannot make the donor"
segment_ok "$WORK/D.h5" "$WORK/out3" --resume-from "$WORK/A.h5" -- --steps 5 --load "$WORK/donor.pt"
expect_verify 1 "$WORK/D.h5" "$WORK/donor.json" --pubkey "$WORK/key.pub.pem" --chain "$WORK/A.h5"
expect_claim "$WORK/donor.json" init.no_foreign_weights fail
jcheck detail-contains "$WORK/donor.json" init.no_foreign_weights "$WORK/donor.pt" \
    "$(sha256 "$WORK/donor.pt")" || fail "the donor is not named"
expect_link "$WORK/donor.json" 2 ok

# Segment 1's checkpoint loaded by a run that does not resume the campaign.
mkdir -p "$WORK/out4"
cp "$WORK/seg1-ckpt.pt" "$WORK/out4/ckpt.pt"
segment_ok "$WORK/E.h5" "$WORK/out4" -- --steps 15
expect_verify 1 "$WORK/E.h5" "$WORK/e.json" --pubkey "$WORK/key.pub.pem"
expect_claim "$WORK/e.json" init.no_foreign_weights fail
finish
