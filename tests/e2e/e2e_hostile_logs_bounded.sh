#!/bin/bash
# e2e_hostile_logs_bounded.sh: a corpus of hostile run logs cannot hurt the
# verifier. Each of them makes `trainprov verify`, `dump`, `report` and
# `recover` end
# with the expected exit status (1: a claim failed; 2: not a log, naming the
# file) within 30 s and under 1 GB peak RSS, the probing child included
# (measured by bounded_run.py with getrusage): damaged HDF5 files the
# fuzz_h5log target found that make libhdf5 loop, crash or allocate
# gigabytes (fuzz/corpus/fuzz_h5log/regress-hdf5-*.h5), deflate bombs in a
# records dataset, huge declared lengths and chunks, 50 unsigned InitTensors
# of 2^34 elements each (never regenerated), 100000 copies of one head,
# 60000 checkpoint writes and 60000 reads that may be weights, 50000
# exclusions in a RunStart, a
# FIFO, a directory and a device in place of the log, and hostile journal
# directories for recover (make_hostile_logs.py makes them from a sound log).
# Also: the probing child dies with a verify killed while it reads.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
e2e_init h5py

LIMIT_S=30
LIMIT_KB=$((1024 * 1024))
keygen key
echo "some input" >"$WORK/in.txt"
tp run --key "$WORK/key.pem" --log "$WORK/base.h5" -- /bin/cat "$WORK/in.txt" \
    >"$WORK/base.out" 2>&1 || { cat "$WORK/base.out" >&2; die "trainprov run of /bin/cat failed"; }
"$PYTHON" "$E2E_DIR/make_hostile_logs.py" "$WORK/base.h5" "$WORK/h" >"$WORK/make.out" 2>&1 ||
    { cat "$WORK/make.out" >&2; die "make_hostile_logs.py failed"; }
expect_verify 0 "$WORK/base.h5" "$WORK/base.json" --pubkey "$WORK/key.pub.pem"
# --max-work takes a positive count of elements, with k/M/G/T suffixes
expect_verify 0 "$WORK/base.h5" "$WORK/base.json" --pubkey "$WORK/key.pub.pem" --max-work 5G
for bad in 0 -5 5X 5GG ""; do
    expect_verify 2 "$WORK/base.h5" "$WORK/bad.json" --pubkey "$WORK/key.pub.pem" --max-work "$bad"
done

# bounded WANT NAME CMD...: CMD exits WANT within LIMIT_S and LIMIT_KB; when
# WANT is 2 its message names NAME (the file or directory it refused).
bounded() {
    local want=$1 name=$2 out="$WORK/out.$RANDOM"
    shift 2
    local st wall kb
    read -r st wall kb < <("$PYTHON" "$E2E_DIR/bounded_run.py" "$LIMIT_S" "$out" -- "$@")
    local what="[$(basename "$name")] trainprov $2"
    if [ "$st" -eq 124 ]; then
        fail "$what did not end within $LIMIT_S s"
    elif [ "$kb" -ge "$LIMIT_KB" ]; then
        fail "$what peaked at $kb KB of RSS (limit $LIMIT_KB KB)"
    elif [ "$st" -ne "$want" ]; then
        sed 's/^/    /' "$out" | tail -n 5 >&2
        fail "$what exited $st, expected $want"
    elif [ "$want" -eq 2 ] && ! grep -qF "$(basename "$name")" "$out"; then
        sed 's/^/    /' "$out" | tail -n 3 >&2
        fail "$what: its message does not name $(basename "$name")"
    else
        ok "$what: exit $st in $wall s, peak RSS $((kb / 1024)) MB: $(grep -m1 -E 'trainprov (verify|dump|recover|report):|init.random' "$out" | cut -c1-150)"
    fi
    LAST_OUT=$out
}

# Malformed files: verify and dump refuse them (exit 2, naming the file).
mkfifo "$WORK/fifo.h5"
mkdir "$WORK/dir.h5"
malformed=("$WORK/fifo.h5" "$WORK/dir.h5" /dev/null
    "$WORK/h/gzip-bomb-records.h5" "$WORK/h/gzip-bomb-records-960m.h5"
    "$WORK/h/gzip-bomb-chunk.h5" "$WORK/h/huge-chunk.h5"
    "$WORK/h/huge-dims.h5" "$WORK/h/huge-files-rows.h5")
n_fuzz=0
for f in "$E2E_DIR"/../../fuzz/corpus/fuzz_h5log/regress-*.h5; do
    [ -f "$f" ] && malformed+=("$f") && n_fuzz=$((n_fuzz + 1))
done
[ "$n_fuzz" -ge 5 ] || fail "expected at least 5 fuzz-found logs in fuzz/corpus/fuzz_h5log, found $n_fuzz"
for f in "${malformed[@]}"; do
    bounded 2 "$f" "$TRAINPROV" verify --pubkey "$WORK/key.pub.pem" "$f"
    bounded 2 "$f" "$TRAINPROV" dump "$f"
done
for f in "$WORK/h/gzip-bomb-records.h5" "$WORK/h/huge-files-rows.h5" "$WORK/fifo.h5"; do
    bounded 2 "$f" "$TRAINPROV" report --pubkey "$WORK/key.pub.pem" "$f" -o "$WORK/malformed.html"
    [ ! -e "$WORK/malformed.html" ] || fail "[$(basename "$f")] report wrote a page"
done

# A FIFO given as any input file of verify is refused, not waited on.
for opt in --pubkey --model --checkpoint --reference --data-manifest --challenge; do
    args=(--pubkey "$WORK/key.pub.pem" "$WORK/base.h5" "$opt" "$WORK/fifo.h5")
    bounded 2 "$WORK/fifo.h5" "$TRAINPROV" verify "${args[@]}"
done

# Well-formed HDF5 with forged content: verify fails a claim (exit 1); dump,
# which checks no signature, shows the records (exit 0); both bounded.
forged=(unsigned-init-tail unsigned-init-edited many-heads huge-varint many-files many-exclusions)
for name in "${forged[@]}"; do
    f="$WORK/h/$name.h5"
    bounded 1 "$f" "$TRAINPROV" verify --pubkey "$WORK/key.pub.pem" "$f"
    if [ "${name#unsigned-init}" != "$name" ]; then
        grep -q "init.random.*hostile.0: its InitTensor record .* not regenerated" "$LAST_OUT" ||
            fail "[$name] init.random does not say the unsigned InitTensors were not regenerated"
    fi
    bounded 1 "$f" "$TRAINPROV" report --pubkey "$WORK/key.pub.pem" "$f" -o "$WORK/$name.html"
    grep -q 'data-verdict="fail"' "$WORK/$name.html" || fail "[$name] the report page does not say FAIL"
    bounded 0 "$f" "$TRAINPROV" dump "$f"
    grep -q "no signature checked" "$LAST_OUT" || fail "[$name] dump does not say it checks no signature"
done

# recover: a FIFO, a regular file and a directory of hostile journals in
# place of RUN.h5.journal; each refused (exit 2, nothing written).
mkfifo "$WORK/fifo-j.h5.journal"
: >"$WORK/file-j.h5.journal"
for log in "$WORK/fifo-j.h5" "$WORK/file-j.h5" "$WORK/h/journals/huge-frame.h5" \
    "$WORK/h/journals/many-frames.h5"; do
    bounded 2 "$log.journal" "$TRAINPROV" recover "$log"
    [ ! -e "$log" ] || fail "[$(basename "$log")] recover wrote $log"
done

# The probing child dies with its parent: a verify killed while libhdf5
# loops on a damaged file (its child has 2 s of CPU time) leaves no reader.
loop=$E2E_DIR/../../fuzz/corpus/fuzz_h5log/regress-hdf5-endless-loop.h5
"$TRAINPROV" verify --pubkey "$WORK/key.pub.pem" "$loop" >/dev/null 2>&1 &
parent=$!
child=
for _ in $(seq 50); do
    child=$(cat "/proc/$parent/task/$parent/children" 2>/dev/null | awk '{print $1}')
    [ -n "$child" ] && break
    sleep 0.05
done
if [ -z "$child" ]; then
    fail "no probing child of verify appeared"
else
    kill -KILL "$parent"
    wait "$parent" 2>/dev/null || true
    sleep 0.5
    state=$(awk '{print $3}' "/proc/$child/stat" 2>/dev/null || echo gone)
    case $state in
    gone | Z | X) ok "the probing child $child ended with its parent ($state)" ;;
    *) fail "the probing child $child still runs (state $state) after its parent was killed"
       kill -KILL "$child" 2>/dev/null || true ;;
    esac
fi
finish
