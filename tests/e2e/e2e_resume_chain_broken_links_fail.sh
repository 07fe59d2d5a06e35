#!/bin/bash
# e2e_resume_chain_broken_links_fail.sh: a campaign A.h5 -> B.h5 -> C.h5
# (each resumed with --resume-from) verifies with --chain; every way of
# presenting another chain fails (exit 1) naming the broken link and the
# digests: another run's log in the middle (a fresh run X.h5, or Y.h5 that
# resumes from X.h5), a dropped segment (the middle one, or the first),
# reordered segments, and a segment listed twice. A chain naming a file that
# is not a log is bad input (exit 2, naming it).
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
. "$E2E_DIR/resume_lib.sh"
e2e_init torch

keygen key
make_shards "$WORK/data" 2
A=$WORK/A.h5 B=$WORK/B.h5 C=$WORK/C.h5 X=$WORK/X.h5 Y=$WORK/Y.h5
segment_ok "$A" "$WORK/out" -- --steps 5
segment_ok "$B" "$WORK/out" --resume-from "$A" -- --steps 10
segment_ok "$C" "$WORK/out" --resume-from "$B" -- --steps 15
segment_ok "$X" "$WORK/other" -- --steps 5 --seed 1
segment_ok "$Y" "$WORK/other" --resume-from "$X" -- --steps 10 --seed 1

J=$WORK/good.json
expect_verify 0 "$C" "$J" --pubkey "$WORK/key.pub.pem" --chain "$A" "$B" \
    --require init.no_foreign_weights
digest() { chain_get "$J" "c['segments'][$1 - 1]['digest']"; }
DA=$(digest 1) DB=$(digest 2)
[ ${#DA} -eq 64 ] && [ ${#DB} -eq 64 ] || die "no segment digests in $J"

check() { # WHAT JSON LINK TEXT: verify (already run) exited 1, link LINK names TEXT
    [ "$VERIFY_STATUS" -eq 1 ] || { sed 's/^/    /' "$2.out" >&2; fail "$1: verify exited $VERIFY_STATUS, expected 1"; }
    [ "$(chain_get "$2" "c['verdict']")" = fail ] || fail "$1: the chain's verdict is not fail"
    expect_link "$2" "$3" "$4"
}

verify "$C" "$WORK/x.json" --pubkey "$WORK/key.pub.pem" --chain "$A" "$X"
check "another run's fresh log in the middle" "$WORK/x.json" 2 "link 2: $X starts a new run (no --resume-from), it does not resume from $A ($DA)"
expect_link "$WORK/x.json" 3 "link 3: $C resumes from $DB, not from $X"

verify "$C" "$WORK/y.json" --pubkey "$WORK/key.pub.pem" --chain "$A" "$Y"
check "another campaign's segment in the middle" "$WORK/y.json" 2 "link 2: $Y resumes from"
expect_link "$WORK/y.json" 2 "not from $A ($DA): no segment of the chain has that digest"
expect_link "$WORK/y.json" 1 ok

verify "$C" "$WORK/drop.json" --pubkey "$WORK/key.pub.pem" --chain "$A"
check "the middle segment dropped" "$WORK/drop.json" 2 "link 2: $C resumes from $DB, not from $A ($DA)"

verify "$C" "$WORK/drop1.json" --pubkey "$WORK/key.pub.pem" --chain "$B"
check "the first segment dropped" "$WORK/drop1.json" 1 "link 1: $B resumes from $DA, which is not in the chain"

verify "$C" "$WORK/order.json" --pubkey "$WORK/key.pub.pem" --chain "$B" "$A"
check "segments reordered" "$WORK/order.json" 1 "link 1: $B resumes from $DA, which is $A, listed after it: segments out of order?"
expect_link "$WORK/order.json" 2 "link 2: $A starts a new run"

verify "$C" "$WORK/twice.json" --pubkey "$WORK/key.pub.pem" --chain "$A" "$B" "$B"
check "a segment listed twice" "$WORK/twice.json" 3 "is the same run as $B"
verify "$C" "$WORK/missing.json" --pubkey "$WORK/key.pub.pem" --chain "$A" "$WORK/none.h5"
[ "$VERIFY_STATUS" -eq 2 ] || fail "a chain with a missing log exited $VERIFY_STATUS, expected 2"
grep -q "none.h5" "$WORK/missing.json.out" || fail "the missing segment is not named"
verify "$C" "$WORK/empty.json" --pubkey "$WORK/key.pub.pem" --chain
[ "$VERIFY_STATUS" -eq 2 ] || fail "--chain without logs exited $VERIFY_STATUS, expected 2"
finish
