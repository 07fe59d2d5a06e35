#!/bin/bash
# e2e_train_verify.sh: a real PyTorch job (tiny transformer, token shards read
# by a DataLoader with 2 workers, torch.save checkpoints, a final safetensors
# file) under `trainprov run` verifies with exit 0; the log lists every shard
# as data and every checkpoint as checkpoint with sha256 = sha256sum;
# `--model final.safetensors` passes lineage.final and any other file fails it;
# `trainprov dump --json` carries the same "files".
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
e2e_init torch

keygen key
make_shards "$WORK/data" 5
LOG=$WORK/run.h5
OUT=$WORK/out
run_job_ok "$WORK/key.pem" "$LOG" "$WORK/data" "$OUT" --steps 40 --ckpt-every 10
ok "trainprov run exited 0 and wrote $LOG"

# What the job produced, with digests from sha256sum.
expects=()
for f in "$WORK"/data/shard_*.bin; do
    expects+=("data:$(sha256 "$f"):$f")
done
n_ckpt=0
for f in "$OUT"/ckpt_step*.pt; do
    [ -f "$f" ] || die "the job wrote no checkpoints in $OUT"
    expects+=("checkpoint:$(sha256 "$f"):$f")
    n_ckpt=$((n_ckpt + 1))
done
[ "$n_ckpt" -eq 4 ] || fail "expected 4 torch.save checkpoints, found $n_ckpt"
[ -f "$OUT/final.safetensors" ] || die "the job wrote no $OUT/final.safetensors"
expects+=("checkpoint:$(sha256 "$OUT/final.safetensors"):$OUT/final.safetensors")

# verify: exit 0, verdict pass, the five claims of this issue.
expect_verify 0 "$LOG" "$WORK/verify.json" --pubkey "$WORK/key.pub.pem"
if [ -f "$WORK/verify.json" ]; then
    verdict=$(jcheck verdict "$WORK/verify.json")
    [ "$verdict" = pass ] || fail "verdict is '$verdict', expected pass"
    for c in log.integrity log.complete init.no_foreign_weights data.accounted; do
        expect_claim "$WORK/verify.json" "$c" pass
    done
    jcheck files "$WORK/verify.json" "${expects[@]}" ||
        fail "verify --json: \"files\" does not list the shards/checkpoints as expected"
    jcheck summary "$WORK/verify.json"
else
    fail "verify did not write $WORK/verify.json"
fi

# The text report (no --json) also exits 0 and says pass.
st=0
tp verify "$LOG" --pubkey "$WORK/key.pub.pem" >"$WORK/verify.txt" 2>&1 || st=$?
[ "$st" -eq 0 ] || fail "trainprov verify (text report) exited $st"
grep -qi pass "$WORK/verify.txt" || fail "the text report does not say pass"

# dump --json carries the same "files".
st=0
tp dump "$LOG" --json >"$WORK/dump.json" 2>"$WORK/dump.err" || st=$?
if [ "$st" -ne 0 ]; then
    cat "$WORK/dump.err" >&2
    fail "trainprov dump --json exited $st"
else
    jcheck files "$WORK/dump.json" "${expects[@]}" ||
        fail "dump --json: \"files\" does not list the shards/checkpoints as expected"
    if [ -f "$WORK/verify.json" ]; then
        jcheck same-files "$WORK/verify.json" "$WORK/dump.json" ||
            fail "dump --json and verify --json list different files"
    fi
fi
st=0
tp dump "$LOG" >"$WORK/dump.txt" 2>&1 || st=$?
[ "$st" -eq 0 ] || fail "trainprov dump (text) exited $st"
grep -q "shard_000.bin" "$WORK/dump.txt" || fail "trainprov dump (text) does not mention shard_000.bin"

# lineage.final: the released weights pass, anything else fails.
expect_verify 0 "$LOG" "$WORK/model.json" --pubkey "$WORK/key.pub.pem" --model "$OUT/final.safetensors"
expect_claim "$WORK/model.json" lineage.final pass

# A checkpoint this run wrote is also a checkpoint of this run.
expect_verify 0 "$LOG" "$WORK/model20.json" --pubkey "$WORK/key.pub.pem" --model "$OUT/ckpt_step20.pt"
expect_claim "$WORK/model20.json" lineage.final pass

head -c 100000 /dev/urandom >"$WORK/random.safetensors"
cp "$OUT/final.safetensors" "$WORK/altered.safetensors"
# one byte changed at offset 5000 (not dd bs=1: its aligned_alloc(4096, 1)
# is refused by ASan under ./test.sh --sanitize)
"$PYTHON" -c 'import sys; f = open(sys.argv[1], "r+b"); f.seek(5000); f.write(b"\x01")' \
    "$WORK/altered.safetensors"
for other in "$WORK/data/shard_001.bin" "$WORK/random.safetensors" "$WORK/altered.safetensors"; do
    name=$(basename "$other")
    expect_verify 1 "$LOG" "$WORK/other-$name.json" --pubkey "$WORK/key.pub.pem" --model "$other"
    expect_claim "$WORK/other-$name.json" lineage.final fail
done

finish
