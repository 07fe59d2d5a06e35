#!/bin/bash
# e2e_nanogpt_memmap_data_small_log.sh: a nanoGPT-style job (a new np.memmap
# of a uint16 train.bin for every batch, 2,000 iterations) records train.bin
# as data with its digest (equal to sha256sum) and the bytes it mapped (every
# batch maps the whole file: 2,000 x its size), in at most three records for
# 2,000 opens, and the whole run log stays under 1 MB; verify passes with
# data.accounted naming the mapped bytes.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
e2e_init torch
keygen key
ITERS=2000
mkdir -p "$WORK/data"
"$PYTHON" -c 'import sys, numpy as np
np.random.seed(0)
np.random.randint(0, 50257, size=1 << 20).astype(np.uint16).tofile(sys.argv[1])' \
    "$WORK/data/train.bin" || die "could not make train.bin"
SIZE=$(stat -c %s "$WORK/data/train.bin")
SHA=$(sha256 "$WORK/data/train.bin")

RUN_STATUS=0
tp run --key "$WORK/key.pem" --log "$WORK/run.h5" --data "$WORK/data/*.bin" -- \
    "$PYTHON" "$E2E_DIR/frameworks_job.py" nanogpt "$WORK/data" "$WORK/out" "$ITERS" \
    >"$WORK/run.h5.out" 2>&1 || RUN_STATUS=$?
expect_run_ok "$WORK/run.h5" "the nanoGPT-style job"

LOG_BYTES=$(stat -c %s "$WORK/run.h5")
note "run log: $LOG_BYTES bytes for $ITERS memmap opens"
[ "$LOG_BYTES" -lt 1000000 ] || fail "the run log is $LOG_BYTES bytes (limit 1 MB)"

tp dump "$WORK/run.h5" --json >"$WORK/dump.json" 2>"$WORK/dump.err" || die "trainprov dump failed"
got=$("$PYTHON" "$E2E_DIR/frameworks_check.py" file "$WORK/dump.json" "$WORK/data/train.bin")
note "train.bin: $got"
read -r _ records _ sessions _ mapped _ _ _ roles _ digests _ _ _ _ <<<"$got"
[ "$roles" = data ] || fail "train.bin has roles '$roles', expected data"
[ "$digests" = "$SHA" ] || fail "train.bin's recorded sha256 '$digests' is not sha256sum's $SHA"
[ "$sessions" -eq "$ITERS" ] || fail "train.bin: $sessions sessions recorded, expected $ITERS"
[ "$mapped" -eq $((ITERS * SIZE)) ] ||
    fail "train.bin: $mapped bytes mapped, expected $ITERS x $SIZE = $((ITERS * SIZE))"
[ "$records" -le 3 ] || fail "train.bin: $records records for $ITERS opens (expected at most 3)"

expect_verify 0 "$WORK/run.h5" "$WORK/v.json" --pubkey "$WORK/key.pub.pem" --require data.accounted
expect_claim "$WORK/v.json" data.accounted pass
jcheck detail-contains "$WORK/v.json" data.accounted "1 data files" "$((ITERS * SIZE)) bytes mapped" ||
    fail "data.accounted does not report the $((ITERS * SIZE)) mapped bytes"
finish
