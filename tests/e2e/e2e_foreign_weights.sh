#!/bin/bash
# e2e_foreign_weights.sh: the training job that first torch.loads a weights
# file it did not write (made beforehand by a separate, unlogged Python run)
# fails init.no_foreign_weights, and the report names that file and its
# SHA-256; verify exits 1.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
e2e_init torch

keygen key
make_shards "$WORK/data" 3

# The donor weights: a plain Python run, not under trainprov.
mkdir -p "$WORK/donor"
DONOR=$WORK/donor/donor.pt
"$PYTHON" "$E2E_DIR/train_tiny.py" --save-init "$DONOR" --seed 7 ||
    die "could not make the donor weights $DONOR"
[ -s "$DONOR" ] || die "no donor weights at $DONOR"
DONOR_SHA=$(sha256 "$DONOR")

LOG=$WORK/run.h5
run_job_ok "$WORK/key.pem" "$LOG" "$WORK/data" "$WORK/out" --steps 20 --ckpt-every 10 --load "$DONOR"
grep -q "loaded weights from $DONOR" "$LOG.out" || die "the job did not load $DONOR"

expect_verify 1 "$LOG" "$WORK/verify.json" --pubkey "$WORK/key.pub.pem"
expect_claim "$WORK/verify.json" init.no_foreign_weights fail
jcheck detail-contains "$WORK/verify.json" init.no_foreign_weights "$DONOR" "$DONOR_SHA" ||
    fail "the init.no_foreign_weights detail does not name $DONOR and its sha256 $DONOR_SHA"
verdict=$(jcheck verdict "$WORK/verify.json" 2>&1 || true)
[ "$verdict" = fail ] || fail "verdict is '$verdict', expected fail"
# The log itself is sound: only the foreign weights fail.
expect_claim "$WORK/verify.json" log.integrity pass
expect_claim "$WORK/verify.json" log.complete pass
# The donor is listed as read weights with its digest.
jcheck files "$WORK/verify.json" "weights:$DONOR_SHA:$DONOR" ||
    fail "\"files\" does not list $DONOR as weights with its sha256"

# The text report names the file too.
st=0
tp verify "$LOG" --pubkey "$WORK/key.pub.pem" >"$WORK/verify.txt" 2>&1 || st=$?
[ "$st" -eq 1 ] || fail "trainprov verify (text report) exited $st, expected 1"
grep -qF "$DONOR" "$WORK/verify.txt" || fail "the text report does not name $DONOR"

jcheck summary "$WORK/verify.json" || true
finish
