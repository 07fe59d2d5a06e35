# resume_lib.sh: helpers of the resume-chain tests (sourced after lib.sh):
# segments of a campaign of tests/e2e/resume_job.py, a nanoGPT-style job that
# resumes from and overwrites OUT/ckpt.pt, and the "chain" object of
# `trainprov verify --chain --json`.

# segment LOG OUT [--resume-from PREV.h5] [-- resume_job.py options...]:
# one segment under `trainprov run`, on the shards in $WORK/data; sets
# RUN_STATUS, the job's output in LOG.out.
segment() {
    local log=$1 out=$2
    shift 2
    local run_opts=()
    while [ $# -gt 0 ] && [ "$1" != -- ]; do
        run_opts+=("$1")
        shift
    done
    [ $# -gt 0 ] && shift
    RUN_STATUS=0
    tp run --key "$WORK/key.pem" --log "$log" --data "$WORK/data/shard_*.bin" "${run_opts[@]}" \
        -- "$PYTHON" "$E2E_DIR/resume_job.py" --data "$WORK/data" --out "$out" "$@" \
        >"$log.out" 2>&1 || RUN_STATUS=$?
}

segment_ok() {
    segment "$@"
    expect_run_ok "$1" "segment $1"
}

# stalled_segment LOG OUT [run options...] -- [job options...]: starts a
# segment in its own process group whose job stalls after its last step
# (--stall), and returns once it stalled; STALLED_PGID is the group (the
# wrapper's pid). The caller ends it.
stalled_segment() {
    local log=$1 out=$2
    shift 2
    local run_opts=()
    while [ $# -gt 0 ] && [ "$1" != -- ]; do
        run_opts+=("$1")
        shift
    done
    [ $# -gt 0 ] && shift
    setsid "$TRAINPROV" run --key "$WORK/key.pem" --log "$log" \
        --data "$WORK/data/shard_*.bin" "${run_opts[@]}" -- \
        "$PYTHON" "$E2E_DIR/resume_job.py" --data "$WORK/data" --out "$out" --stall "$@" \
        >"$log.out" 2>&1 &
    STALLED_PGID=$!
    local deadline=$((SECONDS + 120))
    until grep -q '^stalled' "$log.out" 2>/dev/null; do
        if ! kill -0 "$STALLED_PGID" 2>/dev/null; then
            tail -n 30 "$log.out" >&2
            die "segment $log ended before it stalled"
        fi
        if [ "$SECONDS" -ge "$deadline" ]; then
            kill -KILL -- "-$STALLED_PGID" 2>/dev/null || true
            tail -n 30 "$log.out" >&2
            die "segment $log did not stall within 120 s"
        fi
        sleep 0.2
    done
}

# killed_segment LOG OUT [run options...] -- [job options...]: a stalled
# segment killed with SIGKILL, wrapper and all, 2.5 s after its last
# checkpoint (heads every second: the checkpoint's record is signed); then
# `trainprov recover` builds LOG.
killed_segment() {
    TRAINPROV_HEAD_EVERY=4 TRAINPROV_HEAD_SECONDS=1 stalled_segment "$@"
    local log=$1
    sleep 2.5
    kill -KILL -- "-$STALLED_PGID" || die "could not kill process group $STALLED_PGID"
    wait "$STALLED_PGID" 2>/dev/null || true
    [ ! -e "$log" ] || die "$log exists although its wrapper was killed"
    tp recover "$log" >"$log.recover" 2>&1 || { cat "$log.recover" >&2; die "recover $log failed"; }
}

# preempted_segment LOG OUT [run options...] -- [job options...]: a stalled
# segment preempted as SLURM does it at its time limit: SIGTERM to the
# process group (wrapper and job); the job dies of it (no handler), its
# streams are sealed on the signal and the wrapper writes LOG and exits 143.
preempted_segment() {
    stalled_segment "$@"
    local log=$1 st=0
    kill -TERM -- "-$STALLED_PGID" || die "could not signal process group $STALLED_PGID"
    wait "$STALLED_PGID" || st=$?
    [ "$st" -eq 143 ] || { tail -n 30 "$log.out" >&2; die "preempted segment $log exited $st, expected 143"; }
    [ -f "$log" ] || die "preempted segment $log left no log"
}

# chain_get JSON EXPR: evaluates the Python expression EXPR over the
# report's "chain" object (c) and prints it.
chain_get() {
    "$PYTHON" - "$1" "$2" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))["chain"]
print(eval(sys.argv[2]))
PY
}

# expect_link JSON N ok|TEXT: link N holds (ok), or is broken with a problem
# containing TEXT.
expect_link() {
    local holds problem
    holds=$(chain_get "$1" "c['links'][$2 - 1]['ok']" 2>&1) || holds="(no chain: $holds)"
    problem=$(chain_get "$1" "c['links'][$2 - 1]['problem']" 2>&1) || true
    if [ "$3" = ok ]; then
        [ "$holds" = True ] || fail "link $2 is broken, expected it to hold: $problem"
    elif [ "$holds" != False ]; then
        fail "link $2 holds ($holds), expected it broken with '$3'"
    else
        case "$problem" in
        *"$3"*) ok "link $2 broken: $problem" ;;
        *) fail "link $2's problem lacks '$3': $problem" ;;
        esac
    fi
    return 0
}
