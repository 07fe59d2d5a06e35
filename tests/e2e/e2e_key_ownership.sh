#!/bin/bash
# e2e_key_ownership.sh: OpenSSH-style key checks. `trainprov run` and
# `trainprov challenge` refuse (exit 2, naming the key, the command never
# runs) a private key owned by another user (as root: chown to nobody) and
# a private key in a directory others can write; the same key in a
# directory of one's own is accepted.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
e2e_init

keygen key
MARK=$WORK/marker
CMD=(sh -c ': >"$1"' sh "$MARK")

# refused NAME WHAT ARGS...: ARGS must exit 2 naming WHAT, without running CMD.
refused() {
    local name=$1 names=$2
    shift 2
    rm -f "$MARK"
    local st=0
    "$@" >"$WORK/$name.out" 2>&1 || st=$?
    [ "$st" -eq 2 ] || { sed 's/^/    /' "$WORK/$name.out" >&2; fail "[$name] exited $st, expected 2"; }
    [ ! -e "$MARK" ] || fail "[$name] the command ran although trainprov refused"
    grep -qF -- "$names" "$WORK/$name.out" ||
        { sed 's/^/    /' "$WORK/$name.out" >&2; fail "[$name] the message does not name $names"; }
    [ "$st" -eq 2 ] && ok "[$name] refused: $(head -n 1 "$WORK/$name.out")"
    return 0
}

# A key in a world-writable directory (no sticky bit: anyone can swap it).
mkdir "$WORK/shared"
cp -p "$WORK/key.pem" "$WORK/shared/key.pem"
chmod 0777 "$WORK/shared"
refused key-in-world-writable-dir "others can write" \
    tp run --key "$WORK/shared/key.pem" --log "$WORK/r1.h5" -- "${CMD[@]}"
[ ! -e "$WORK/r1.h5" ] || fail "[key-in-world-writable-dir] a log was written"
refused challenge-key-in-world-writable-dir "$WORK/shared" \
    tp challenge --key "$WORK/shared/key.pem" -o "$WORK/c1.json"
chmod 0700 "$WORK/shared"
rm -f "$MARK"
st=0
tp run --key "$WORK/shared/key.pem" --log "$WORK/r2.h5" -- "${CMD[@]}" >"$WORK/r2.out" 2>&1 || st=$?
[ "$st" -eq 0 ] && [ -e "$MARK" ] && [ -f "$WORK/r2.h5" ] ||
    { sed 's/^/    /' "$WORK/r2.out" >&2; fail "[own-dir] the same key in a 0700 directory was not accepted (exit $st)"; }

# A key owned by another user (only root can give a file away).
if [ "$(id -u)" -eq 0 ]; then
    cp -p "$WORK/key.pem" "$WORK/theirs.pem"
    chown 65534 "$WORK/theirs.pem"
    refused key-owned-by-another-user "belongs to another user" \
        tp run --key "$WORK/theirs.pem" --log "$WORK/r3.h5" -- "${CMD[@]}"
    refused challenge-key-owned-by-another-user "$WORK/theirs.pem" \
        tp challenge --key "$WORK/theirs.pem" -o "$WORK/c2.json"
else
    note "not root: cannot chown a key to another user, that case is not tested"
fi
finish
