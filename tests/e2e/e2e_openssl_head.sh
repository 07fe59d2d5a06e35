#!/bin/bash
# e2e_openssl_head.sh: a signed tree head verifies with the openssl CLI alone.
# The head's body bytes and 64-byte signature are taken out of the log with
# h5py, the DSSE PAE bytes are built in the shell exactly as docs/FORMAT.md
# section 2 says, and `openssl pkeyutl -verify -rawin` must accept them; a
# flipped byte in the body or the signature must be rejected. The same for
# the run manifest, and the key id attribute is SHA-256 of the public DER.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
e2e_init torch h5py openssl

keygen key
make_shards "$WORK/data" 2
LOG=$WORK/run.h5
TRAINPROV_HEAD_EVERY=4 run_job_ok "$WORK/key.pem" "$LOG" "$WORK/data" "$WORK/out" \
    --steps 10 --ckpt-every 5
PUB=$WORK/key.pub.pem

# pae TYPE BODY OUT: DSSEv1 SP len(type) SP type SP len(body) SP body
pae() {
    printf 'DSSEv1 %d %s %d ' "${#1}" "$1" "$(stat -c %s "$2")" >"$3"
    cat "$2" >>"$3"
}

ossl_verify() { # PAE SIG
    "$OPENSSL" pkeyutl -verify -pubin -inkey "$PUB" -rawin -in "$1" -sigfile "$2" >"$WORK/ossl.out" 2>&1
}

flip_byte() { # FILE OFFSET: xor the byte at OFFSET with 0x01
    "$PYTHON" - "$1" "$2" <<'EOF'
import sys
p, i = sys.argv[1], int(sys.argv[2])
b = bytearray(open(p, "rb").read())
b[i] ^= 1
open(p, "wb").write(bytes(b))
EOF
}

check_signed() { # WHAT TYPE BODY SIG
    local what=$1 type=$2 body=$3 sig=$4
    [ "$(stat -c %s "$sig")" -eq 64 ] || { fail "$what: signature is not 64 bytes"; return 0; }
    pae "$type" "$body" "$WORK/pae.bin"
    if ossl_verify "$WORK/pae.bin" "$sig"; then
        ok "$what: openssl pkeyutl -verify -rawin: $(cat "$WORK/ossl.out")"
    else
        sed 's/^/    /' "$WORK/ossl.out" >&2
        fail "$what: openssl rejects the signature over the PAE bytes"
        return 0
    fi
    # A flipped byte of the body (inside the PAE) fails.
    cp "$WORK/pae.bin" "$WORK/pae-bad.bin"
    flip_byte "$WORK/pae-bad.bin" $(($(stat -c %s "$WORK/pae.bin") - 3))
    if ossl_verify "$WORK/pae-bad.bin" "$sig"; then
        fail "$what: openssl accepts a PAE with a flipped body byte"
    fi
    # A flipped byte of the signature fails.
    cp "$sig" "$WORK/sig-bad.bin"
    flip_byte "$WORK/sig-bad.bin" 17
    if ossl_verify "$WORK/pae.bin" "$WORK/sig-bad.bin"; then
        fail "$what: openssl accepts a flipped signature byte"
    fi
    # The bare body (no PAE) is not what was signed.
    if ossl_verify "$body" "$sig"; then
        fail "$what: the signature verifies over the bare body, not the PAE"
    fi
    return 0
}

HEAD_TYPE=application/vnd.trainprov.treehead.v1+protobuf
n_streams=$("$PYTHON" -c 'import h5py,sys; print(len(h5py.File(sys.argv[1],"r")["streams"]))' "$LOG")
[ "$n_streams" -ge 1 ] || die "no streams in $LOG"
for which in 0:0 0:-1 $((n_streams - 1)):-1; do
    "$PYTHON" "$E2E_DIR/extract_head.py" "$LOG" "$which" "$WORK/head.bin" "$WORK/head.sig" ||
        { fail "cannot extract head $which from $LOG"; continue; }
    check_signed "tree head $which" "$HEAD_TYPE" "$WORK/head.bin" "$WORK/head.sig"
done

# The documented command line, verbatim apart from the file names.
"$PYTHON" "$E2E_DIR/extract_head.py" "$LOG" 0:0 "$WORK/head.bin" "$WORK/head.sig"
(
    cd "$WORK"
    printf 'DSSEv1 %d %s %d ' ${#HEAD_TYPE} $HEAD_TYPE $(stat -c %s head.bin) > pae.bin
    cat head.bin >> pae.bin
    "$OPENSSL" pkeyutl -verify -pubin -inkey key.pub.pem -rawin -in pae.bin -sigfile head.sig
) || fail "the FORMAT.md recipe does not verify a head"

# The run manifest, signed like a head with its own payload type.
if "$PYTHON" "$E2E_DIR/extract_head.py" "$LOG" manifest "$WORK/manifest.bin" "$WORK/manifest.sig"; then
    check_signed "run manifest" application/vnd.trainprov.manifest.v1+protobuf \
        "$WORK/manifest.bin" "$WORK/manifest.sig"
    # A manifest signature is not valid as a head signature (domain separation).
    pae "$HEAD_TYPE" "$WORK/manifest.bin" "$WORK/pae-as-head.bin"
    if ossl_verify "$WORK/pae-as-head.bin" "$WORK/manifest.sig"; then
        fail "the manifest signature verifies under the tree-head payload type"
    fi
else
    fail "cannot extract /manifest from $LOG"
fi

# key_id = SHA-256 of the public key's DER.
want=$("$OPENSSL" pkey -pubin -in "$PUB" -outform DER | sha256sum | cut -d' ' -f1)
got=$("$PYTHON" -c '
import h5py, sys
v = h5py.File(sys.argv[1], "r").attrs["key_id"]
print(v.decode() if isinstance(v, bytes) else v)' "$LOG")
[ "$got" = "$want" ] || fail "key_id attribute is $got, SHA-256 of the public DER is $want"

finish
