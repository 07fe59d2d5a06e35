#!/bin/bash
# e2e_attest_refused_unverified.sh: a log that does not verify gets no
# attestation: `trainprov attest` exits 1, names the failed claim and creates
# no output file (nor a model-signing manifest) when the model is not a
# checkpoint the run wrote (lineage.final), a data file is not in
# --data-manifest (data.accounted), a record was tampered with
# (log.integrity), or --strict meets an unknown claim. Bad input exits 2 with
# nothing written: a missing option, a --key that is not --pubkey's, an
# output that would replace the log, an output inside the model directory, a symbolic link in the model, a P-256
# key given as the trainer's key.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
e2e_init torch h5py

keygen key
"$TRAINPROV" keygen --type p256 -o "$WORK/oms.pem" >/dev/null || die "keygen --type p256 failed"
make_shards "$WORK/data" 3
LOG=$WORK/run.h5
OUT=$WORK/out
run_job_ok "$WORK/key.pem" "$LOG" "$WORK/data" "$OUT" --steps 20 --ckpt-every 10
MODEL=$OUT/final.safetensors
PUB=$WORK/key.pub.pem

# refused STATUS CLAIM WHAT ARGS...: attest must exit STATUS, say CLAIM (a
# regex) on stderr, and leave neither output file behind.
refused() {
    local want=$1 claim=$2 what=$3 st=0
    shift 3
    rm -f "$WORK/a.json" "$WORK/a.sig"
    tp attest "$@" -o "$WORK/a.json" >"$WORK/attest.out" 2>&1 || st=$?
    if [ "$st" -ne "$want" ]; then
        sed 's/^/    /' "$WORK/attest.out" >&2
        fail "$what: attest exited $st, expected $want"
    elif ! grep -Eq -e "$claim" "$WORK/attest.out"; then
        sed 's/^/    /' "$WORK/attest.out" >&2
        fail "$what: the message does not say '$claim'"
    else
        ok "$what: exit $want, names '$claim'"
    fi
    [ ! -e "$WORK/a.json" ] || fail "$what: an attestation was written"
    [ ! -e "$WORK/a.sig" ] || fail "$what: a model-signing manifest was written"
    ls "$WORK"/a.json.tmp.* >/dev/null 2>&1 && fail "$what: a temporary file was left"
    return 0
}
COMMON=(--pubkey "$PUB" --key "$WORK/key.pem" --oms-key "$WORK/oms.pem" --oms-out "$WORK/a.sig")

# A model the run did not write.
head -c 4096 /dev/urandom >"$WORK/foreign.bin"
refused 1 "lineage.final" "a model the run did not write" "$LOG" "${COMMON[@]}" \
    --model "$WORK/foreign.bin"

# A data file missing from the data manifest.
sha256sum "$WORK"/data/shard_000.bin >"$WORK/partial.sha256"
refused 1 "data.accounted" "a data file outside --data-manifest" "$LOG" "${COMMON[@]}" \
    --model "$MODEL" --data-manifest "$WORK/partial.sha256"

# A tampered record.
cp "$LOG" "$WORK/tampered.h5"
"$PYTHON" "$E2E_DIR/tamper.py" "$WORK/tampered.h5" flip-record middle >/dev/null ||
    die "tamper.py flip-record failed"
refused 1 "log.integrity" "a tampered log" "$WORK/tampered.h5" "${COMMON[@]}" --model "$MODEL"

# --strict with an unknown claim (init.random: no InitTensor, no challenge).
refused 1 "is unknown" "--strict with an unknown claim" "$LOG" "${COMMON[@]}" --model "$MODEL" \
    --strict

# The same log and model attest when nothing fails (the refusals above are the log's).
st=0
tp attest "$LOG" "${COMMON[@]}" --model "$MODEL" -o "$WORK/a.json" >"$WORK/attest.out" 2>&1 || st=$?
[ "$st" -eq 0 ] || { cat "$WORK/attest.out" >&2; fail "attest of the verified log exited $st"; }
[ -s "$WORK/a.json" ] && [ -s "$WORK/a.sig" ] || fail "attest of the verified log wrote nothing"

# Bad input: exit 2, nothing written.
refused 2 "--key" "no --key" "$LOG" --pubkey "$PUB" --model "$MODEL"
keygen other
refused 2 "not the private key" "a --key that is not --pubkey's" "$LOG" --pubkey "$PUB" \
    --key "$WORK/other.pem" --model "$MODEL"
refused 2 "not an Ed25519 key" "a P-256 key as the trainer's key" "$LOG" --pubkey "$PUB" \
    --key "$WORK/oms.pem" --model "$MODEL"
refused 2 "not an ECDSA P-256 key" "an Ed25519 key as --oms-key" "$LOG" --pubkey "$PUB" \
    --key "$WORK/key.pem" --oms-key "$WORK/other.pem" --oms-out "$WORK/a.sig" --model "$MODEL"
# An output that would replace the log: exit 2, the log untouched.
before=$(sha256 "$LOG")
st=0
tp attest "$LOG" --pubkey "$PUB" --key "$WORK/key.pem" --model "$MODEL" -o "$WORK/./run.h5" \
    >"$WORK/attest.out" 2>&1 || st=$?
[ "$st" -eq 2 ] && grep -q "would replace" "$WORK/attest.out" ||
    fail "-o the log itself: exit $st, expected 2 with the reason"
[ "$(sha256 "$LOG")" = "$before" ] || fail "-o the log itself changed the log"
mkdir -p "$WORK/release"
cp "$MODEL" "$WORK/release/"
st=0
tp attest "$LOG" --pubkey "$PUB" --key "$WORK/key.pem" --model "$WORK/release" \
    -o "$WORK/release/model.intoto.json" >"$WORK/attest.out" 2>&1 || st=$?
[ "$st" -eq 2 ] && grep -q "inside the model directory" "$WORK/attest.out" ||
    fail "an output inside the model directory: exit $st, expected 2 with the reason"
[ ! -e "$WORK/release/model.intoto.json" ] || fail "an attestation was written inside the model"
ln -s "$MODEL" "$WORK/release/link.safetensors"
refused 2 "symbolic link" "a symbolic link in the model directory" "$LOG" --pubkey "$PUB" \
    --key "$WORK/key.pem" --model "$WORK/release"
rm "$WORK/release/link.safetensors"
refused 2 "not a trainprov|cannot read|HDF5" "a log that is not HDF5" "$WORK/foreign.bin" \
    --pubkey "$PUB" --key "$WORK/key.pem" --model "$MODEL"

finish
