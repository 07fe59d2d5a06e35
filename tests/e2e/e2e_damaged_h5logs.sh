#!/bin/bash
# e2e_damaged_h5logs.sh: HDF5 run logs damaged so that libhdf5 itself loops
# forever, crashes (a wild memcpy) or asks for gigabytes (inputs the
# fuzz_h5log target found, fuzz/corpus/fuzz_h5log/regress-hdf5-*.h5):
# `trainprov dump` and `trainprov verify` answer each within a minute with
# exit 2 and a message naming the file, the CLI neither hanging nor
# crashing (the reader's probing child has CPU-time and memory limits).
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
e2e_init
command -v timeout >/dev/null 2>&1 || skip "no timeout (coreutils)"

keygen key
CORPUS=$E2E_DIR/../../fuzz/corpus/fuzz_h5log
n=0
for f in "$CORPUS"/regress-hdf5-*.h5; do
    [ -f "$f" ] || die "no regression inputs in $CORPUS"
    n=$((n + 1))
    name=$(basename "$f")
    for cmd in dump verify; do
        args=("$f")
        [ "$cmd" = verify ] && args=(--pubkey "$WORK/key.pub.pem" "$f")
        st=0
        timeout 60 "$TRAINPROV" "$cmd" "${args[@]}" >"$WORK/$name.$cmd.out" 2>&1 || st=$?
        if [ "$st" -ne 2 ]; then
            tail -n 5 "$WORK/$name.$cmd.out" >&2
            [ "$st" -eq 124 ] && st="124, timed out"
            fail "[$name] trainprov $cmd exited $st, expected 2"
        elif ! grep -qF "$name" "$WORK/$name.$cmd.out"; then
            fail "[$name] trainprov $cmd's message does not name the file"
        else
            ok "[$name] $cmd: $(tail -n 1 "$WORK/$name.$cmd.out")"
        fi
    done
done
[ "$n" -ge 3 ] || fail "expected at least 3 regression inputs, found $n"
finish
