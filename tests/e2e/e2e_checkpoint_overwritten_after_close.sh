#!/bin/bash
# e2e_checkpoint_overwritten_after_close.sh: a job writes a checkpoint and
# closes it; another process (this script, not traced) overwrites it with a
# donor's bytes before the logger hashed it (hasher held back by
# TRAINPROV_TEST_HASH_DELAY_MS; the job waits on a FIFO, so the order is
# fixed). The identity the job left at close no longer matches: the record
# says changed, with no digest, and lineage.final refuses the file; verify
# exits 1. A second run restores size and mtime after the overwrite
# (os.utime): ctime still moved, and the result is the same.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
. "$E2E_DIR/authorship_lib.sh"
e2e_init torch
keygen key
mkdir -p "$WORK/out"
DONOR=$WORK/models/donor.pt
make_donor "$DONOR"

# overwrite_during RUN MODE: runs the handoff job; when it says "closed",
# overwrites its checkpoint (MODE plain: with the donor; mtime: with bytes of
# the same size, then puts size and mtime back), then lets it finish.
overwrite_during() {
    local log=$WORK/$1.h5 mode=$2 ckpt=$WORK/out/$1.pt
    mkfifo "$WORK/$1.out.fifo" "$WORK/$1.in.fifo"
    (
        TRAINPROV_TEST_HASH_DELAY_MS=2000 run_mode "$log" -- handoff "$ckpt" \
            "$WORK/$1.out.fifo" "$WORK/$1.in.fifo"
        echo "$RUN_STATUS" >"$log.status"
    ) &
    local pid=$!
    read -r line <"$WORK/$1.out.fifo" || die "the job did not say closed"
    if [ "$mode" = plain ]; then
        cp "$DONOR" "$ckpt.new" && cat "$ckpt.new" >"$ckpt"
    else
        "$PYTHON" - "$ckpt" <<'PY' || die "could not overwrite with the mtime restored"
import os, sys
p = sys.argv[1]
st = os.stat(p)
b = bytearray(open(p, "rb").read())
b[len(b) // 2] ^= 0xff           # other content, same size
with open(p, "r+b") as f:
    f.write(b)
os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns))
st2 = os.stat(p)
assert (st2.st_size, st2.st_mtime_ns) == (st.st_size, st.st_mtime_ns)
PY
    fi
    echo done >"$WORK/$1.in.fifo"
    wait "$pid" || true
    RUN_STATUS=$(cat "$log.status" 2>/dev/null || echo 125)
    expect_run_ok "$log" "the handoff job ($1)"
}

overwrite_during plain plain
expect_fails_naming "$WORK/p.json" "$WORK/plain.h5" lineage.final --model "$WORK/out/plain.pt" -- \
    "matches no checkpoint"
jcheck summary "$WORK/p.json" >"$WORK/p.summary" 2>&1 || true

overwrite_during mtime mtime
expect_fails_naming "$WORK/t.json" "$WORK/mtime.h5" lineage.final --model "$WORK/out/mtime.pt" -- \
    "matches no checkpoint"
finish
