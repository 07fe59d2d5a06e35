#!/bin/bash
# e2e_tamper.sh: the tamper suite. From a good run log, copies are tampered
# with h5py (tamper.py): a flipped byte in a record, a deleted, reordered or
# duplicated record, a truncated stream, swapped streams, a stream spliced
# from another run, an edited run id, and more; plus verifying with another
# key. Each must make `trainprov verify` exit 1 and name a failing claim. A
# file that is not a trainprov log (random bytes, an unrelated HDF5 file, an
# empty file, a missing path) must exit 2 with a message naming the file.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
e2e_init torch h5py

keygen key
keygen other
make_shards "$WORK/data" 4

# Small signing cadence: several signed heads per stream.
export TRAINPROV_HEAD_EVERY=4
run_job_ok "$WORK/key.pem" "$WORK/a.h5" "$WORK/data" "$WORK/out-a" --steps 20 --ckpt-every 10
run_job_ok "$WORK/key.pem" "$WORK/b.h5" "$WORK/data" "$WORK/out-b" --steps 20 --ckpt-every 10
unset TRAINPROV_HEAD_EVERY
"$PYTHON" "$E2E_DIR/tamper.py" "$WORK/a.h5" info || die "tamper.py cannot read $WORK/a.h5"

# Both good logs verify.
for r in a b; do
    expect_verify 0 "$WORK/$r.h5" "$WORK/good-$r.json" --pubkey "$WORK/key.pub.pem"
done
n_streams=$("$PYTHON" -c 'import h5py,sys; print(len(h5py.File(sys.argv[1],"r")["streams"]))' "$WORK/a.h5")
[ "$n_streams" -ge 3 ] || fail "the log has $n_streams streams, expected >= 3 (main + 2 DataLoader workers)"

# tampered NAME CLAIM OP [ARG]: tamper a copy of a.h5 with OP; verify must
# exit 1 with claim CLAIM failing ("any": some claim fails).
tampered() {
    local name=$1 claim=$2
    shift 2
    local log=$WORK/t-$name.h5 json=$WORK/t-$name.json
    cp "$WORK/a.h5" "$log"
    if ! "$PYTHON" "$E2E_DIR/tamper.py" "$log" "$@" >"$log.tamper" 2>&1; then
        cat "$log.tamper" >&2
        fail "[$name] tamper.py $* failed (the log does not have the documented layout?)"
        return 0
    fi
    verify "$log" "$json" --pubkey "$WORK/key.pub.pem"
    if [ "$VERIFY_STATUS" -ne 1 ]; then
        sed 's/^/    /' "$json.out" >&2
        fail "[$name] $(cat "$log.tamper"): verify exited $VERIFY_STATUS, expected 1"
        return 0
    fi
    local failed
    if ! failed=$(jcheck failed-claims "$json" 2>&1); then
        fail "[$name] verify exited 1 but the JSON report names no failing claim ($failed)"
        return 0
    fi
    if [ "$claim" != any ] && ! printf ' %s ' "$failed" | grep -qF " $claim "; then
        fail "[$name] failing claims are '$failed', expected $claim among them"
        jcheck summary "$json" >&2 || true
        return 0
    fi
    local verdict
    verdict=$(jcheck verdict "$json")
    [ "$verdict" = fail ] || fail "[$name] verdict is '$verdict', expected fail"
    ok "[$name] verify exit 1, failing: $failed"
}

tampered flip-first-record log.integrity flip-record first
tampered flip-middle-record log.integrity flip-record middle
tampered flip-last-record log.integrity flip-record last
tampered flip-worker-record log.integrity flip-record worker
tampered delete-record log.integrity delete-record
tampered reorder-records log.integrity reorder
tampered duplicate-record log.integrity duplicate
tampered truncate-stream log.complete truncate
tampered truncate-worker log.complete truncate-worker
tampered drop-tail any drop-tail
tampered delete-stream log.complete delete-stream
tampered swap-streams any swap-streams
tampered swap-workers any swap-workers
tampered splice-replace any splice "$WORK/b.h5"
tampered splice-add any splice-add "$WORK/b.h5"
tampered run-id any run-id
tampered flip-signature log.integrity flip-signature
tampered flip-manifest any flip-manifest
tampered delete-manifest log.complete delete-manifest
tampered files-table-sha any files-sha "$WORK/data/shard_001.bin"

# One flipped byte in any record of any stream breaks log.integrity.
if "$PYTHON" "$E2E_DIR/tamper.py" "$WORK/a.h5" flip-every "$WORK/flips" >"$WORK/flips.out" 2>&1; then
    n_flips=0
    n_caught=0
    for log in "$WORK"/flips/flip-*.h5; do
        n_flips=$((n_flips + 1))
        verify "$log" "$log.json" --pubkey "$WORK/key.pub.pem"
        if [ "$VERIFY_STATUS" -ne 1 ]; then
            fail "[flip-every] $(basename "$log"): verify exited $VERIFY_STATUS, expected 1"
        elif [ "$(claim_status "$log.json" log.integrity)" != fail ]; then
            fail "[flip-every] $(basename "$log"): log.integrity is not fail"
        else
            n_caught=$((n_caught + 1))
        fi
    done
    ok "[flip-every] $n_caught of $n_flips single-byte record flips caught by log.integrity"
else
    cat "$WORK/flips.out" >&2
    fail "[flip-every] tamper.py flip-every failed"
fi

# Another key.
verify "$WORK/a.h5" "$WORK/otherkey.json" --pubkey "$WORK/other.pub.pem"
if [ "$VERIFY_STATUS" -ne 1 ]; then
    sed 's/^/    /' "$WORK/otherkey.json.out" >&2
    fail "[other-key] verify with another public key exited $VERIFY_STATUS, expected 1"
else
    expect_claim "$WORK/otherkey.json" log.integrity fail
    ok "[other-key] verify exit 1"
fi

# Not a trainprov log: exit 2 and a message naming the file.
head -c 50000 /dev/urandom >"$WORK/random.h5"
: >"$WORK/empty.h5"
"$PYTHON" -c '
import h5py, numpy, sys
with h5py.File(sys.argv[1], "w") as f:
    f.attrs["title"] = "an unrelated HDF5 file"
    f.create_dataset("x", data=numpy.arange(100))
    f.create_group("streams")
' "$WORK/unrelated.h5"
for bad in "$WORK/random.h5" "$WORK/empty.h5" "$WORK/unrelated.h5" "$WORK/does-not-exist.h5"; do
    st=0
    tp verify "$bad" --pubkey "$WORK/key.pub.pem" --json "$WORK/bad.json" \
        >"$WORK/bad.out" 2>&1 || st=$?
    if [ "$st" -ne 2 ]; then
        sed 's/^/    /' "$WORK/bad.out" >&2
        fail "[not-a-log] verify $(basename "$bad") exited $st, expected 2"
    elif ! grep -qF "$bad" "$WORK/bad.out"; then
        sed 's/^/    /' "$WORK/bad.out" >&2
        fail "[not-a-log] verify $(basename "$bad"): the message does not name $bad"
    else
        ok "[not-a-log] $(basename "$bad"): exit 2: $(head -n 1 "$WORK/bad.out")"
    fi
done

finish
