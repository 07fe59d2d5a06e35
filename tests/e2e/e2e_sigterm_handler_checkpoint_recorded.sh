#!/bin/bash
# e2e_sigterm_handler_checkpoint_recorded.sh: a PyTorch job with its own
# Python SIGTERM handler (it saves preempt.pt and exits 0) is preempted,
# once with SIGTERM to its whole process group (the wrapper gets it too and
# must not forward it), once with SIGTERM to the wrapper alone (which must
# forward it). Each time the job's handler ran exactly once (it counts its
# calls), the job continued to a normal exit, and preempt.pt is in the log
# with its sha256, with every other checkpoint; log.complete passes.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
e2e_init torch
. "$E2E_DIR/preempt_lib.sh"

keygen key
for target in group wrapper; do
    LOG=$WORK/$target.h5
    OUT=$WORK/out-$target
    start_job "$LOG" "$OUT" --on-term handler
    wait_checkpoints "$OUT" 3
    if [ "$target" = group ]; then
        kill -TERM -- "-$WRAPPER" || die "could not signal process group $WRAPPER"
    else
        kill -TERM "$WRAPPER" || die "could not signal the wrapper $WRAPPER"
    fi
    wait_wrapper
    cat "$LOG.out"
    [ "$RUN_STATUS" -eq 0 ] || fail "$target: trainprov run exited $RUN_STATUS, expected 0 (the handler exits 0)"
    [ -f "$OUT/preempt.pt" ] || die "$target: the job's handler did not save preempt.pt"
    calls=$(wc -l <"$OUT/handler_calls")
    [ "$calls" -eq 1 ] || fail "$target: the job's SIGTERM handler ran $calls times, expected once"
    ok "$target: SIGTERM handled $calls time(s), preempt.pt saved"
    expect_verify 0 "$LOG" "$WORK/$target.json" --pubkey "$WORK/key.pub.pem"
    expect_claim "$WORK/$target.json" log.integrity pass
    expect_claim "$WORK/$target.json" log.complete pass
    mapfile -t expects < <(ckpt_expects "$OUT")
    jcheck files "$WORK/$target.json" "${expects[@]}" ||
        fail "$target: preempt.pt or a checkpoint is missing from the log (or its sha256 differs)"
    grep -q "checkpoint:$(sha256 "$OUT/preempt.pt"):$OUT/preempt.pt" <(printf '%s\n' "${expects[@]}") ||
        fail "$target: preempt.pt was not among the checked files"
done
finish
