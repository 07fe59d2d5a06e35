#!/bin/bash
# e2e_sigkill_recover_loses_at_most_a_second.sh: with the default head
# interval (1 s), a PyTorch job saving a checkpoint every 0.5 s is killed
# with SIGKILL, wrapper included (nothing can seal), and `trainprov recover`
# builds the log. Every checkpoint closed more than 1.5 s before the kill (the
# head interval plus hashing and scheduling on a loaded machine) is in the
# log with its sha256: a SIGKILL loses at most about the last second.
# log.integrity passes; log.complete fails and says the streams were killed,
# never anything that reads like tampering.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
e2e_init torch
. "$E2E_DIR/preempt_lib.sh"

keygen key
LOG=$WORK/run.h5
OUT=$WORK/out
start_job "$LOG" "$OUT"
wait_checkpoints "$OUT" 8
kill_at=$(date +%s.%N)
kill -KILL -- "-$WRAPPER" || die "could not kill process group $WRAPPER"
wait "$WRAPPER" 2>/dev/null || true
sleep 0.5 # the DataLoader worker, re-parented, dies with its group

st=0
tp recover "$LOG" >"$WORK/recover.out" 2>&1 || st=$?
cat "$WORK/recover.out"
[ "$st" -eq 0 ] || die "trainprov recover exited $st"
expect_verify 1 "$LOG" "$WORK/v.json" --pubkey "$WORK/key.pub.pem"
cat "$WORK/v.json.out"
expect_claim "$WORK/v.json" log.integrity pass
expect_claim "$WORK/v.json" log.complete fail
expect_claim "$WORK/v.json" run.binding pass
grep -q '^FAIL *log.complete .* was killed' "$WORK/v.json.out" ||
    fail "log.complete does not say the streams were killed"
if grep -E -i 'tamper|truncated|not a RunStart|forged' "$WORK/v.json.out"; then
    fail "the report of a killed run reads like tampering"
fi

before=$("$PYTHON" -c "print($kill_at - 1.5)")
mapfile -t expects < <(ckpt_expects "$OUT" "$before")
total=$(find "$OUT" -name 'ckpt_*.pt' | wc -l)
[ "${#expects[@]}" -ge 4 ] || fail "only ${#expects[@]} checkpoints were older than 1.5 s at the kill"
jcheck files "$WORK/v.json" "${expects[@]}" ||
    fail "a checkpoint closed more than 1.5 s before the SIGKILL is missing from the recovered log"
in_log=$("$PYTHON" - "$WORK/v.json" <<'PY'
import json, sys
print(sum(1 for f in json.load(open(sys.argv[1]))["files"]
          if f.get("path", "").rsplit("/", 1)[-1].startswith("ckpt_")))
PY
)
ok "$total checkpoints on disk, $in_log in the recovered log, all ${#expects[@]} older than 1.5 s among them"
finish
