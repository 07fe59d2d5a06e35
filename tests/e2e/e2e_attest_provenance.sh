#!/bin/bash
# e2e_attest_provenance.sh: `trainprov attest` of a verified PyTorch run
# writes a DSSE envelope (payloadType application/vnd.in-toto+json) holding
# an in-toto Statement v1 with SLSA provenance v1 whose subject digest equals
# sha256sum of the released model and whose resolvedDependencies equal the
# log's data files (as `trainprov verify --json` lists them); its signature
# verifies with `openssl pkeyutl -verify -rawin` over PAE bytes built here in
# the shell; `verify-attestation` passes it, and fails it (exit 1) when a
# model file changed by one byte, is missing or is extra, or the signature was
# altered; a directory model of 2 files is attested file by file; a changed
# payload type or a non-JSON file is not an attestation (exit 2).
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
e2e_init torch openssl

keygen key
make_shards "$WORK/data" 3
LOG=$WORK/run.h5
OUT=$WORK/out
run_job_ok "$WORK/key.pem" "$LOG" "$WORK/data" "$OUT" --steps 20 --ckpt-every 10
MODEL=$OUT/final.safetensors
PUB=$WORK/key.pub.pem
ATT=$WORK/model.intoto.json
check() { "$PYTHON" "$E2E_DIR/attest_check.py" "$@"; }

# attest_ok MODEL OUT: attest must exit 0 and write OUT.
attest_ok() {
    local st=0
    tp attest "$LOG" --pubkey "$PUB" --key "$WORK/key.pem" --model "$1" -o "$2" \
        >"$2.out" 2>&1 || st=$?
    [ "$st" -eq 0 ] || { cat "$2.out" >&2; die "trainprov attest --model $1 exited $st"; }
    [ -s "$2" ] || die "trainprov attest --model $1 wrote no $2"
    ok "trainprov attest --model $1 exited 0"
}

# va STATUS MODEL [ATT] [options]: verify-attestation must exit STATUS.
va() {
    local want=$1 model=$2 att=${3:-$ATT} st=0
    shift 3 || shift $#
    tp verify-attestation "$att" --pubkey "$PUB" --model "$model" "$@" >"$WORK/va.out" 2>&1 ||
        st=$?
    if [ "$st" -ne "$want" ]; then
        sed 's/^/    /' "$WORK/va.out" >&2
        fail "verify-attestation $att --model $model exited $st, expected $want"
    else
        ok "verify-attestation $(basename "$att") --model $(basename "$model") exited $want"
    fi
}

# What the verifier says of the log (with the model: lineage.final as attest has it).
expect_verify 0 "$LOG" "$WORK/verify.json" --pubkey "$PUB"
expect_verify 0 "$LOG" "$WORK/verify-model.json" --pubkey "$PUB" --model "$MODEL"
attest_ok "$MODEL" "$ATT"

# The statement: types, subject = sha256sum, dependencies = the log's data files.
check intoto "$ATT" "$WORK/verify-model.json" "$(sha256 "$LOG")" \
    "final.safetensors:$(sha256 "$MODEL")" || fail "the attestation's statement is not as expected"

# The signature, with openssl alone: PAE(payloadType, payload) built here.
check extract "$ATT" "$WORK/payload.bin" "$WORK/sig.bin" >"$WORK/ptype" ||
    die "cannot extract the payload of $ATT"
ptype=$(cat "$WORK/ptype")
[ "$(stat -c %s "$WORK/sig.bin")" -eq 64 ] || fail "the signature is not a 64-byte Ed25519 signature"
printf 'DSSEv1 %d %s %d ' ${#ptype} "$ptype" "$(stat -c %s "$WORK/payload.bin")" >"$WORK/pae.bin"
cat "$WORK/payload.bin" >>"$WORK/pae.bin"
if "$OPENSSL" pkeyutl -verify -pubin -inkey "$PUB" -rawin -in "$WORK/pae.bin" \
    -sigfile "$WORK/sig.bin" >"$WORK/ossl.out" 2>&1; then
    ok "openssl pkeyutl -verify -rawin accepts the signature over the PAE bytes"
else
    cat "$WORK/ossl.out" >&2
    fail "openssl rejects the attestation's signature over PAE(payloadType, payload)"
fi
if "$OPENSSL" pkeyutl -verify -pubin -inkey "$PUB" -rawin -in "$WORK/payload.bin" \
    -sigfile "$WORK/sig.bin" >/dev/null 2>&1; then
    fail "the signature verifies over the bare payload: it must cover the PAE"
fi

# docs/ATTEST.md's recipe, verbatim apart from the file names.
(
    cd "$WORK"
    python3() { "$PYTHON" "$@"; }
    python3 -c 'import json,base64,sys; e=json.load(open(sys.argv[1]));
open("payload.bin","wb").write(base64.b64decode(e["payload"]));
open("sig.bin","wb").write(base64.b64decode(e["signatures"][0]["sig"]))' model.intoto.json
    T=application/vnd.in-toto+json
    printf 'DSSEv1 %d %s %d ' ${#T} $T $(stat -c %s payload.bin) > pae.bin
    cat payload.bin >> pae.bin
    "$OPENSSL" pkeyutl -verify -pubin -inkey key.pub.pem -rawin -in pae.bin -sigfile sig.bin
) >"$WORK/recipe.out" 2>&1 || { cat "$WORK/recipe.out" >&2; fail "the ATTEST.md recipe does not verify"; }

# verify-attestation: the model passes; text and --json say so.
va 0 "$MODEL" "$ATT" --json "$WORK/va.json"
grep -q '"result":"pass"' "$WORK/va.json" || fail "verify-attestation --json does not say pass"
grep -q '"status":"match"' "$WORK/va.json" || fail "verify-attestation --json has no matching subject"

# One byte changed: exit 1, the subject marked changed.
cp "$MODEL" "$WORK/changed.safetensors"
poke "$WORK/changed.safetensors" 100 $'\x01'
[ "$(sha256 "$WORK/changed.safetensors")" != "$(sha256 "$MODEL")" ] || die "the byte did not change"
va 1 "$WORK/changed.safetensors" "$ATT" --json "$WORK/va-changed.json"
grep -q '"status":"changed"' "$WORK/va-changed.json" ||
    fail "verify-attestation --json does not mark the changed file"

# A signature altered: exit 1. Another key: exit 1.
check flip-sig "$ATT" "$WORK/flipped.json"
va 1 "$MODEL" "$WORK/flipped.json"
grep -q "signature does not verify" "$WORK/va.out" || fail "the altered signature is not named"
keygen other
st=0
tp verify-attestation "$ATT" --pubkey "$WORK/other.pub.pem" --model "$MODEL" >/dev/null 2>&1 ||
    st=$?
[ "$st" -eq 1 ] || fail "verify-attestation with another key exited $st, expected 1"

# Not an attestation: exit 2 with the file named.
check set "$ATT" "$WORK/ptype.json" payloadType application/json
va 2 "$MODEL" "$WORK/ptype.json"
grep -q "ptype.json" "$WORK/va.out" || fail "the error does not name the file"
echo 'not json' >"$WORK/notjson.json"
va 2 "$MODEL" "$WORK/notjson.json"

# A directory model of 2 files: subjects by relative name, in model_signing's order.
mkdir -p "$WORK/release/sub"
cp "$MODEL" "$WORK/release/model.safetensors"
cp "$OUT/ckpt_step20.pt" "$WORK/release/sub/ckpt.pt"
attest_ok "$WORK/release" "$WORK/dir.intoto.json"
check intoto "$WORK/dir.intoto.json" "$WORK/verify.json" "$(sha256 "$LOG")" \
    "model.safetensors:$(sha256 "$WORK/release/model.safetensors")" \
    "sub/ckpt.pt:$(sha256 "$WORK/release/sub/ckpt.pt")" ||
    fail "the directory model's statement is not as expected"
va 0 "$WORK/release" "$WORK/dir.intoto.json"
poke "$WORK/release/sub/ckpt.pt" 10 $'\x01'
va 1 "$WORK/release" "$WORK/dir.intoto.json"
grep -q "sub/ckpt.pt" "$WORK/va.out" || fail "the changed file of the directory is not named"
cp "$OUT/ckpt_step20.pt" "$WORK/release/sub/ckpt.pt"
touch "$WORK/release/extra.txt"
va 1 "$WORK/release" "$WORK/dir.intoto.json"
grep -q "extra.txt" "$WORK/va.out" || fail "the extra file is not named"
rm "$WORK/release/extra.txt" "$WORK/release/sub/ckpt.pt"
va 1 "$WORK/release" "$WORK/dir.intoto.json"
grep -q "missing" "$WORK/va.out" || fail "the missing file is not named"

finish
