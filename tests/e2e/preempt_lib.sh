# preempt_lib.sh: helpers of the preemption tests (sourced after lib.sh).
# The job (preempt_job.py) runs under `trainprov run` in a process group of
# its own (setsid: pgid = the wrapper's pid), as a SLURM step or a terminal
# job does; the tests signal that group or the wrapper alone.

command -v setsid >/dev/null 2>&1 || skip "no setsid (util-linux)"

# start_job LOG OUT [preempt_job.py options...]: starts the wrapper in its
# own group; sets WRAPPER (= the group id). Data in $WORK/data.
start_job() {
    local log=$1 out=$2
    shift 2
    [ -d "$WORK/data" ] || make_shards "$WORK/data" 2
    setsid "$TRAINPROV" run --key "$WORK/key.pem" --log "$log" --data "$WORK/data/shard_*.bin" \
        --checkpoint "$out/*.pt" -- \
        "$PYTHON" "$E2E_DIR/preempt_job.py" --data "$WORK/data" --out "$out" "$@" \
        >"$log.out" 2>&1 &
    WRAPPER=$!
}

# wait_checkpoints OUT N: until N checkpoints are on disk (at most 120 s).
wait_checkpoints() {
    local out=$1 n=$2 deadline=$((SECONDS + 120))
    while [ "$(find "$out" -name 'ckpt_*.pt' 2>/dev/null | wc -l)" -lt "$n" ]; do
        if ! kill -0 "$WRAPPER" 2>/dev/null; then
            tail -n 30 "$LOG.out" >&2
            die "the job ended before its checkpoint $n"
        fi
        if [ "$SECONDS" -ge "$deadline" ]; then
            kill -KILL -- "-$WRAPPER" 2>/dev/null || true
            tail -n 30 "$LOG.out" >&2
            die "fewer than $n checkpoints after 120 s"
        fi
        sleep 0.1
    done
}

# wait_wrapper: waits for the wrapper (at most 120 s); sets RUN_STATUS.
wait_wrapper() {
    local deadline=$((SECONDS + 120))
    while kill -0 "$WRAPPER" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do
        sleep 0.1
    done
    if kill -0 "$WRAPPER" 2>/dev/null; then
        kill -KILL -- "-$WRAPPER" 2>/dev/null || true
        die "trainprov run did not end within 120 s of the signal"
    fi
    RUN_STATUS=0
    wait "$WRAPPER" || RUN_STATUS=$?
}

# ckpt_expects OUT [BEFORE]: "checkpoint:SHA:PATH" for every checkpoint in
# OUT (whose mtime is before BEFORE, in seconds since the epoch).
ckpt_expects() {
    local out=$1 before=${2:-}
    "$PYTHON" - "$out" "$before" <<'PY'
import glob, hashlib, os, sys
out, before = sys.argv[1], sys.argv[2]
for p in sorted(glob.glob(os.path.join(out, "*.pt"))):
    if before and os.stat(p).st_mtime >= float(before):
        continue
    with open(p, "rb") as f:
        print("checkpoint:%s:%s" % (hashlib.sha256(f.read()).hexdigest(), p))
PY
}
