#!/bin/bash
# e2e_attest_model_signing.sh: `trainprov attest --oms-key P256.pem --oms-out
# model.sig` writes the OpenSSF model-signing manifest as `model_signing sign
# key` (sigstore/model-transparency v1.x) lays it out: a sigstore bundle v0.3
# whose publicKey hint is SHA-256 of the public PEM, a DSSE envelope with an
# in-toto Statement v1, predicateType https://model_signing/signature/v1.0,
# resources whose digests equal sha256sum of the model files (a file model:
# one resource "."; a directory of 2 files: their relative paths) and one
# subject whose digest is SHA-256 over them; its ECDSA P-256 signature over
# the PAE bytes (built here) verifies with `openssl dgst -sha256 -verify`, and
# not over a payload with one byte changed. `keygen --type p256` makes the key.
# `trainprov verify-attestation` checks the manifest too (with the P-256
# public key): it passes the model, and fails (exit 1) a changed file, another
# key, and a manifest signed properly whose subject digest is not SHA-256
# over its resources.
# (The model_signing tool itself is not installed here: its own check is
# re-done step by step by attest_check.py oms and openssl.)
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
e2e_init torch openssl

keygen key
tp keygen --type p256 -o "$WORK/oms.pem" >"$WORK/keygen.out" 2>&1 ||
    { cat "$WORK/keygen.out" >&2; die "trainprov keygen --type p256 failed"; }
"$OPENSSL" pkey -pubin -in "$WORK/oms.pub.pem" -noout -text 2>/dev/null | grep -q "P-256" ||
    fail "keygen --type p256 did not write a P-256 public key"
[ "$(stat -c %a "$WORK/oms.pem")" = 600 ] || fail "the P-256 private key is not mode 0600"
make_shards "$WORK/data" 2
LOG=$WORK/run.h5
OUT=$WORK/out
run_job_ok "$WORK/key.pem" "$LOG" "$WORK/data" "$OUT" --steps 20 --ckpt-every 10
MODEL=$OUT/final.safetensors
check() { "$PYTHON" "$E2E_DIR/attest_check.py" "$@"; }

# oms_ok MODEL SIG: attest with --oms-key must exit 0 and write SIG.
oms_ok() {
    local st=0
    tp attest "$LOG" --pubkey "$WORK/key.pub.pem" --key "$WORK/key.pem" --model "$1" \
        -o "$2.intoto.json" --oms-key "$WORK/oms.pem" --oms-out "$2" >"$2.out" 2>&1 || st=$?
    [ "$st" -eq 0 ] || { cat "$2.out" >&2; die "trainprov attest --oms-key ($1) exited $st"; }
    [ -s "$2" ] || die "trainprov attest wrote no $2"
}

# ecdsa_ok SIG: the bundle's signature verifies with openssl over PAE bytes
# built here, and not over a PAE with one payload byte changed.
ecdsa_ok() {
    local sig=$1 ptype
    ptype=$(check extract "$sig" "$WORK/oms-payload.bin" "$WORK/oms-sig.der") ||
        { fail "cannot extract the envelope of $sig"; return 0; }
    printf 'DSSEv1 %d %s %d ' ${#ptype} "$ptype" "$(stat -c %s "$WORK/oms-payload.bin")" \
        >"$WORK/oms-pae.bin"
    cat "$WORK/oms-payload.bin" >>"$WORK/oms-pae.bin"
    if "$OPENSSL" dgst -sha256 -verify "$WORK/oms.pub.pem" -signature "$WORK/oms-sig.der" \
        "$WORK/oms-pae.bin" >"$WORK/ossl.out" 2>&1; then
        ok "$(basename "$sig"): openssl dgst -sha256 -verify: $(cat "$WORK/ossl.out")"
    else
        cat "$WORK/ossl.out" >&2
        fail "$(basename "$sig"): openssl rejects the ECDSA signature over the PAE bytes"
    fi
    poke "$WORK/oms-pae.bin" $(($(stat -c %s "$WORK/oms-pae.bin") - 5)) X
    if "$OPENSSL" dgst -sha256 -verify "$WORK/oms.pub.pem" -signature "$WORK/oms-sig.der" \
        "$WORK/oms-pae.bin" >/dev/null 2>&1; then
        fail "$(basename "$sig"): the signature verifies over a changed payload"
    fi
    return 0
}

# A single-file model: one resource named ".", the subject is the file's name.
oms_ok "$MODEL" "$WORK/file.sig"
check oms "$WORK/file.sig" "$WORK/oms.pub.pem" final.safetensors ".:$(sha256 "$MODEL")" ||
    fail "the single-file manifest is not as model_signing writes it"
ecdsa_ok "$WORK/file.sig"

# A directory of 2 files: resources by relative path, in model_signing's order
# (path components compared one by one: "a/x" sorts before "a-b").
mkdir -p "$WORK/release/a"
cp "$MODEL" "$WORK/release/a-b"
cp "$OUT/ckpt_step10.pt" "$WORK/release/a/ckpt.pt"
oms_ok "$WORK/release" "$WORK/dir.sig"
check oms "$WORK/dir.sig" "$WORK/oms.pub.pem" release \
    "a/ckpt.pt:$(sha256 "$WORK/release/a/ckpt.pt")" \
    "a-b:$(sha256 "$WORK/release/a-b")" ||
    fail "the directory manifest is not as model_signing writes it"
ecdsa_ok "$WORK/dir.sig"

# verify-attestation reads the manifest (with the P-256 public key).
va() { # STATUS SIG MODEL [KEY]
    local st=0
    tp verify-attestation "$2" --pubkey "${4:-$WORK/oms.pub.pem}" --model "$3" \
        >"$WORK/va.out" 2>&1 || st=$?
    if [ "$st" -ne "$1" ]; then
        sed 's/^/    /' "$WORK/va.out" >&2
        fail "verify-attestation $(basename "$2") --model $(basename "$3") exited $st, expected $1"
    else
        ok "verify-attestation $(basename "$2") --model $(basename "$3") exited $1"
    fi
}
va 0 "$WORK/file.sig" "$MODEL"
va 0 "$WORK/dir.sig" "$WORK/release"
cp "$MODEL" "$WORK/changed.safetensors"
poke "$WORK/changed.safetensors" 64 $'\x01'
va 1 "$WORK/file.sig" "$WORK/changed.safetensors"
tp keygen --type p256 -o "$WORK/other.pem" >/dev/null || die "keygen --type p256 failed"
va 1 "$WORK/file.sig" "$MODEL" "$WORK/other.pub.pem"
grep -q "another public key" "$WORK/va.out" || fail "the key hint mismatch is not named"
va 2 "$WORK/file.sig" "$MODEL" "$WORK/key.pub.pem" # an Ed25519 key for a P-256 manifest
# Signed properly, but the subject digest is not SHA-256 over the resources.
check oms-bad-root "$WORK/file.sig" "$WORK/bad-payload.json"
T=application/vnd.in-toto+json
printf 'DSSEv1 %d %s %d ' ${#T} $T "$(stat -c %s "$WORK/bad-payload.json")" >"$WORK/bad-pae.bin"
cat "$WORK/bad-payload.json" >>"$WORK/bad-pae.bin"
"$OPENSSL" dgst -sha256 -sign "$WORK/oms.pem" -out "$WORK/bad.sig.der" "$WORK/bad-pae.bin" ||
    die "openssl dgst -sign failed"
check oms-replace "$WORK/file.sig" "$WORK/bad-payload.json" "$WORK/bad.sig.der" "$WORK/bad-root.sig"
va 1 "$WORK/bad-root.sig" "$MODEL"
grep -q "not the SHA-256 of its resources" "$WORK/va.out" ||
    fail "an inconsistent root digest is not named"
grep -q "signature  valid" "$WORK/va.out" || fail "the re-signed manifest's signature is not valid"

# Git files at the top of the model are left out, as model_signing leaves them out.
echo '*.pt' >"$WORK/release/.gitignore"
oms_ok "$WORK/release" "$WORK/git.sig"
check oms "$WORK/git.sig" "$WORK/oms.pub.pem" release \
    "a/ckpt.pt:$(sha256 "$WORK/release/a/ckpt.pt")" \
    "a-b:$(sha256 "$WORK/release/a-b")" >/dev/null || fail ".gitignore became part of the model"

finish
