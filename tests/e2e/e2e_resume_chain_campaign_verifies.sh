#!/bin/bash
# e2e_resume_chain_campaign_verifies.sh: a three-segment campaign of a
# nanoGPT-style job (one OUT/ckpt.pt, loaded at start and overwritten in
# place): segment 1 trains from scratch and is preempted (SIGTERM to its
# process group, sealed on the signal); segment 2 runs with
# --resume-from A.h5, is killed with SIGKILL and rebuilt by `trainprov
# recover`; segment 3 runs with --resume-from B.h5 and releases the final
# model (segment 1 released seg1.pt too). `verify C.h5 --chain A.h5 B.h5` passes with --require
# init.no_foreign_weights and --require lineage.final on the released model
# (and on seg1.pt, naming segment 1; alone, C.h5 fails lineage.final on it):
# every link holds, the recovered segment is a valid link (its log.complete
# is unknown for the campaign, naming it), each segment's read of ckpt.pt is
# of a checkpoint an earlier segment wrote. Without --chain, segment 3 alone
# does not pass init.no_foreign_weights: it read a file it did not write and
# says that only --chain can check it.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
. "$E2E_DIR/resume_lib.sh"
e2e_init torch
command -v setsid >/dev/null 2>&1 || skip "no setsid (util-linux)"

keygen key
make_shards "$WORK/data" 2
OUT=$WORK/out
A=$WORK/A.h5 B=$WORK/B.h5 C=$WORK/C.h5

preempted_segment "$A" "$OUT" -- --steps 10 --release "$WORK/seg1.pt"
killed_segment "$B" "$OUT" --resume-from "$A" -- --steps 20
grep -q 'resumed from .*ckpt.pt at step 10' "$B.out" || fail "segment 2 did not resume at step 10"
segment_ok "$C" "$OUT" --resume-from "$B" -- --steps 30 --release "$WORK/final.pt"
grep -q 'resumed from .*ckpt.pt at step 20' "$C.out" || fail "segment 3 did not resume at step 20"
ok "campaign: A.h5 (SIGTERM), B.h5 (SIGKILL + recover), C.h5 (released final.pt)"

J=$WORK/chain.json
expect_verify 0 "$C" "$J" --pubkey "$WORK/key.pub.pem" --chain "$A" "$B" \
    --require init.no_foreign_weights --require lineage.final --model "$WORK/final.pt"
for n in 1 2 3; do expect_link "$J" $n ok; done
[ "$(chain_get "$J" "c['verdict']")" = pass ] || fail "the chain's verdict is not pass"
expect_verify 0 "$A" "$WORK/A.json" --pubkey "$WORK/key.pub.pem" --require log.complete
jcheck detail-contains "$WORK/A.json" log.complete "SIGTERM" ||
    fail "segment 1's log.complete does not say it ended by SIGTERM"
[ "$(chain_get "$J" "c['segments'][1]['assembled_by']")" = recover ] ||
    fail "segment 2 was not the recovered log"
[ "$(chain_get "$J" "c['segments'][1]['verdict']")" = recovered ] ||
    fail "segment 2's verdict is not 'recovered'"
[ "$(chain_get "$J" "[s['verdict'] for s in c['segments']][::2]")" = "['pass', 'pass']" ] ||
    fail "segments 1 and 3 do not pass on their own claims"
[ "$(chain_get "$J" "c['segments'][2]['resume_from'] == c['segments'][1]['digest']")" = True ] ||
    fail "segment 3's resume_from is not segment 2's digest"
expect_claim "$J" init.no_foreign_weights pass
expect_claim "$J" lineage.final pass
expect_claim "$J" log.integrity pass
expect_claim "$J" log.complete unknown
jcheck detail-contains "$J" log.complete "segment 2 ($B)" "recover" ||
    fail "log.complete does not name the recovered segment"
jcheck detail-contains "$J" init.no_foreign_weights "earlier segment" ||
    fail "init.no_foreign_weights does not say the reads were of earlier segments' checkpoints"

# lineage.final accepts a checkpoint of any segment: seg1.pt, from segment 1.
expect_verify 0 "$C" "$WORK/seg1.json" --pubkey "$WORK/key.pub.pem" --chain "$A" "$B" \
    --require lineage.final --model "$WORK/seg1.pt"
jcheck detail-contains "$WORK/seg1.json" lineage.final "segment 1 of the chain ($A)" ||
    fail "lineage.final does not name segment 1 as the author of seg1.pt"
expect_verify 1 "$C" "$WORK/seg1-alone.json" --pubkey "$WORK/key.pub.pem" --model "$WORK/seg1.pt"
expect_claim "$WORK/seg1-alone.json" lineage.final fail

# Segment 3 alone: its read of ckpt.pt cannot be checked.
J3=$WORK/alone.json
expect_verify 0 "$C" "$J3" --pubkey "$WORK/key.pub.pem"
expect_claim "$J3" init.no_foreign_weights unknown
jcheck detail-contains "$J3" init.no_foreign_weights "$OUT/ckpt.pt" "--resume-from" "--chain" ||
    fail "segment 3 alone does not say its read needs --chain"
expect_verify 1 "$C" "$J3" --pubkey "$WORK/key.pub.pem" --require init.no_foreign_weights

# --chain also takes the last segment at the end of its list.
expect_verify 0 "$C" "$WORK/again.json" --pubkey "$WORK/key.pub.pem" --chain "$A" "$B" "$C" \
    --require init.no_foreign_weights
[ "$(chain_get "$WORK/again.json" "len(c['segments'])")" = 3 ] ||
    fail "the last segment named twice is counted twice"
finish
