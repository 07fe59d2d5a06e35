#!/bin/bash
# e2e_sigterm_group_seals_every_checkpoint.sh: a PyTorch job (one DataLoader
# worker, a checkpoint every 0.5 s, SIGTERM left at its default action) is
# preempted as SLURM or a terminal does it: SIGTERM to its whole process
# group, wrapper included. The job dies of SIGTERM (the wrapper exits 143),
# but every stream was sealed on the signal first: every checkpoint on disk
# is in the log with its sha256, log.integrity and log.complete pass, and the
# report says the job ended by SIGTERM.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
e2e_init torch
. "$E2E_DIR/preempt_lib.sh"

keygen key
LOG=$WORK/run.h5
OUT=$WORK/out
start_job "$LOG" "$OUT"
wait_checkpoints "$OUT" 6
kill -TERM -- "-$WRAPPER" || die "could not signal process group $WRAPPER"
wait_wrapper
cat "$LOG.out"
[ "$RUN_STATUS" -eq 143 ] || fail "trainprov run exited $RUN_STATUS, expected 143 (the job's death by SIGTERM)"
[ -f "$LOG" ] || die "no log written after SIGTERM"
ok "SIGTERM to the group after $(find "$OUT" -name 'ckpt_*.pt' | wc -l) checkpoints; log written"

expect_verify 0 "$LOG" "$WORK/v.json" --pubkey "$WORK/key.pub.pem"
cat "$WORK/v.json.out"
expect_claim "$WORK/v.json" log.integrity pass
expect_claim "$WORK/v.json" log.complete pass
mapfile -t expects < <(ckpt_expects "$OUT")
[ "${#expects[@]}" -ge 6 ] || fail "only ${#expects[@]} checkpoints on disk"
jcheck files "$WORK/v.json" "${expects[@]}" ||
    fail "a checkpoint on disk before the signal is missing from the log (or its sha256 differs)"
grep -q '^  stream .* root .*(ended by SIGTERM)$' "$WORK/v.json.out" ||
    fail "the report does not say the job's main process ended by SIGTERM"
grep -q '^PASS *log.complete .*ended by SIGTERM (sealed on the signal)' "$WORK/v.json.out" ||
    fail "log.complete does not say how the job ended"
"$PYTHON" - "$WORK/v.json" <<'PY' || fail "not every stream was sealed on SIGTERM"
import json, sys
streams = json.load(open(sys.argv[1]))["streams"]
ends = [s["end"] for s in streams]
print("stream ends:", ends)
assert len(streams) >= 2, "expected the main process and its DataLoader worker"
assert all(s["ended"] for s in streams), ends
assert any(s["origin"] == "root" and s["end"] == "signal SIGTERM" for s in streams), ends
PY
finish
