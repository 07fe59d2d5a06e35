#!/bin/bash
# e2e_data_glob_unmatched_warns.sh: at the end of the run, a --data glob
# that matched no file the job read, and a --checkpoint glob that matched no
# file it read or wrote, are named in a warning (as the user wrote them and
# as resolved); globs that matched are not.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
e2e_init
keygen key
mkdir -p "$WORK/data" "$WORK/ckpt"
head -c 4096 /dev/urandom >"$WORK/data/a.bin"
rc=0
(cd "$WORK" && tp run --key "$WORK/key.pem" --log "$WORK/run.h5" --data 'data/*.bin' \
    --data 'shards/*.bin' --checkpoint 'ckpt/' --checkpoint 'nowhere/*.pt' -- \
    "$PYTHON" -c 'import sys; open(sys.argv[1], "rb").read(); open(sys.argv[2], "wb").write(b"x" * 100)' \
    "$WORK/data/a.bin" "$WORK/ckpt/step1.pt") >"$WORK/run.out" 2>&1 || rc=$?
[ "$rc" -eq 0 ] || { cat "$WORK/run.out" >&2; die "run exited $rc"; }
[ -f "$WORK/run.h5" ] || die "no log written"
grep -q "warning: --data 'shards/\*.bin' (resolved to $WORK/shards/\*.bin) matched no file the job read" \
    "$WORK/run.out" || fail "no warning for the unmatched --data glob: $(cat "$WORK/run.out")"
grep -q "warning: --checkpoint 'nowhere/\*.pt' (resolved to $WORK/nowhere/\*.pt) matched no file the job read or wrote" \
    "$WORK/run.out" || fail "no warning for the unmatched --checkpoint glob: $(cat "$WORK/run.out")"
if grep -q "warning: --data 'data/\*.bin'\|warning: --checkpoint 'ckpt/'" "$WORK/run.out"; then
    fail "a glob that matched was warned about: $(cat "$WORK/run.out")"
fi
ok "unmatched globs warned, matched ones not"
finish
