#!/bin/bash
# e2e_memmap_first_read_survives_sigkill.sh: summing repeated reads keeps
# the journal's guarantee for what matters: a nanoGPT-style job (a memmap of
# train.bin per batch) killed with SIGKILL a few seconds in, heads every
# second, is recovered with train.bin recorded as data with its digest and
# the bytes its first session mapped (the first read of a file is a record
# of its own at once; only the sum of later sessions, written each minute,
# can be lost), and data.accounted passes on the recovered log.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
e2e_init torch
command -v setsid >/dev/null 2>&1 || skip "no setsid (util-linux)"
keygen key
mkdir -p "$WORK/data"
"$PYTHON" -c 'import sys, numpy as np
np.random.seed(1)
np.random.randint(0, 50257, size=1 << 18).astype(np.uint16).tofile(sys.argv[1])' \
    "$WORK/data/train.bin" || die "could not make train.bin"
SIZE=$(stat -c %s "$WORK/data/train.bin")
LOG=$WORK/run.h5

TRAINPROV_HEAD_SECONDS=1 setsid "$TRAINPROV" run --key "$WORK/key.pem" --log "$LOG" \
    --data "$WORK/data/*.bin" -- \
    "$PYTHON" "$E2E_DIR/frameworks_job.py" nanogpt "$WORK/data" "$WORK/out" 100000000 \
    >"$LOG.out" 2>&1 &
PGID=$!
# until train.bin's first record is in a journal (its path is plain in the
# record bytes), then a few more seconds of batches and heads (one a second)
deadline=$((SECONDS + 90))
until grep -qaF "$WORK/data/train.bin" "$LOG.journal"/*.tpj 2>/dev/null; do
    [ "$SECONDS" -lt "$deadline" ] ||
        { kill -KILL -- "-$PGID"; die "no record of train.bin in a journal after 90 s"; }
    sleep 0.2
done
sleep 3
kill -KILL -- "-$PGID" || die "could not kill process group $PGID"
wait "$PGID" 2>/dev/null || true
sleep 0.5

timeout 60 "$TRAINPROV" recover "$LOG" >"$WORK/recover.out" 2>&1 ||
    die "trainprov recover failed: $(cat "$WORK/recover.out")"
expect_verify 1 "$LOG" "$WORK/v.json" --pubkey "$WORK/key.pub.pem"
expect_claim "$WORK/v.json" log.integrity pass
expect_claim "$WORK/v.json" data.accounted pass
expect_claim "$WORK/v.json" log.complete fail
tp dump "$LOG" --json >"$WORK/dump.json" 2>"$WORK/dump.err" || die "trainprov dump failed"
got=$("$PYTHON" "$E2E_DIR/frameworks_check.py" file "$WORK/dump.json" "$WORK/data/train.bin")
note "train.bin after SIGKILL and recover: $got"
read -r _ records _ sessions _ mapped _ _ _ roles _ digests _ <<<"$got"
[ "$records" -ge 1 ] || fail "train.bin is not in the recovered log"
[ "$roles" = data ] || fail "train.bin has roles '$roles', expected data"
[ "$digests" = "$(sha256 "$WORK/data/train.bin")" ] || fail "train.bin's digest '$digests' is not sha256sum's"
[ "$mapped" -ge "$SIZE" ] || fail "train.bin: $mapped bytes mapped, expected at least one mapping ($SIZE)"
finish
