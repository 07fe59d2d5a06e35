#!/bin/bash
# e2e_sigterm_handler_checkpoint_recorded.sh: a PyTorch job with its own
# Python SIGTERM handler (it saves preempt.pt and exits 0) is preempted,
# once with SIGTERM to its whole process group (the wrapper gets it too and
# must not forward it), once as SLURM does it (one kill per process of the
# step, from one sender, the wrapper first: the job's copy arrives after the
# wrapper's, which must not forward it either), once with SIGTERM to the
# wrapper alone (which must forward it). Each time the job's handler ran exactly once (it counts its
# calls), the job continued to a normal exit, and preempt.pt is in the log
# with its sha256, with every other checkpoint; log.complete passes.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
e2e_init torch
. "$E2E_DIR/preempt_lib.sh"

keygen key
for target in group slurm wrapper; do
    LOG=$WORK/$target.h5
    OUT=$WORK/out-$target
    start_job "$LOG" "$OUT" --on-term handler
    wait_checkpoints "$OUT" 3
    if [ "$target" = group ]; then
        kill -TERM -- "-$WRAPPER" || die "could not signal process group $WRAPPER"
    elif [ "$target" = slurm ]; then
        "$PYTHON" - "$WRAPPER" <<'PY' || die "could not signal the step's processes"
import os, signal, sys, time
pgid = int(sys.argv[1])
pids = []
for d in os.listdir("/proc"):
    if d.isdigit():
        try:
            with open("/proc/%s/stat" % d) as f:
                rest = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(rest[2]) == pgid and rest[0] != "Z":
            pids.append(int(d))
pids.sort(key=lambda p: (p != pgid, p))  # the wrapper first, then the job's processes
print("SIGTERM to", pids)
for p in pids:
    os.kill(p, signal.SIGTERM)
    time.sleep(0.005)
PY
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
