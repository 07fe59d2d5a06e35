#!/bin/bash
# e2e_sigkill_recover.sh: the training job (slowed down) runs under
# `trainprov run` in its own process group with heads signed every 4 records
# and every second; after a few checkpoints the whole group, wrapper
# included, is killed with SIGKILL, so no log is assembled. Then
# `trainprov recover` builds the log from the journals, and verify reports
# log.integrity pass (everything up to the last signed head) and
# log.complete fail, exit 1.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
e2e_init torch h5py
command -v setsid >/dev/null 2>&1 || skip "no setsid (util-linux)"
command -v timeout >/dev/null 2>&1 || skip "no timeout (coreutils)"

keygen key
make_shards "$WORK/data" 4
LOG=$WORK/run.h5
OUT=$WORK/out

# setsid: the job gets its own process group (pgid = its pid), which we kill.
TRAINPROV_HEAD_EVERY=4 TRAINPROV_HEAD_SECONDS=1 setsid "$TRAINPROV" run \
    --key "$WORK/key.pem" --log "$LOG" --data "$WORK/data/shard_*.bin" -- \
    "$PYTHON" "$E2E_DIR/train_tiny.py" --data "$WORK/data" --out "$OUT" \
    --steps 100000 --ckpt-every 5 --sleep-per-step 0.3 >"$LOG.out" 2>&1 &
PGID=$!

# Wait (at most 90 s) for the second checkpoint, then 2.5 s more so that
# heads (every second) cover the first checkpoint's record.
deadline=$((SECONDS + 90))
while [ ! -f "$OUT/ckpt_step10.pt" ]; do
    if [ ! -r "/proc/$PGID/stat" ] || grep -q ') Z ' "/proc/$PGID/stat"; then
        tail -n 30 "$LOG.out" >&2
        die "the job ended before its second checkpoint"
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
        kill -KILL -- "-$PGID" 2>/dev/null || true
        tail -n 30 "$LOG.out" >&2
        die "no second checkpoint after 90 s"
    fi
    sleep 0.2
done
sleep 2.5
kill -KILL -- "-$PGID" || die "could not kill process group $PGID"
wait "$PGID" 2>/dev/null || true
# Every process of the group is gone (DataLoader workers included); zombies
# waiting for a reaper do not count.
alive() {
    "$PYTHON" - "$PGID" <<'EOF'
import os, sys
pgid, n = int(sys.argv[1]), 0
for d in os.listdir("/proc"):
    if d.isdigit():
        try:
            with open("/proc/%s/stat" % d) as f:
                rest = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(rest[2]) == pgid and rest[0] != "Z":
            n += 1
print(n)
EOF
}
for _ in $(seq 50); do
    [ "$(alive)" -eq 0 ] && break
    sleep 0.1
done
[ "$(alive)" -eq 0 ] || fail "processes of group $PGID survived SIGKILL"
ok "killed the job with SIGKILL after $(ls "$OUT" | wc -l) checkpoint(s)"

[ ! -e "$LOG" ] || fail "a log $LOG exists although the wrapper was killed before assembling it"
[ -d "$LOG.journal" ] || die "no journal directory $LOG.journal after the kill"
ls -la "$LOG.journal"
n_journals=$(find "$LOG.journal" -name '*.tpj' | wc -l)
[ "$n_journals" -ge 3 ] || fail "expected >= 3 stream journals (main + 2 workers), found $n_journals"

st=0
timeout 60 "$TRAINPROV" recover "$LOG" >"$WORK/recover.out" 2>&1 || st=$?
cat "$WORK/recover.out"
[ "$st" -eq 0 ] || die "trainprov recover exited $st"
[ -f "$LOG" ] || die "trainprov recover did not write $LOG"

"$PYTHON" - "$LOG" <<'EOF' || fail "the recovered log does not say it was recovered"
import h5py, sys
f = h5py.File(sys.argv[1], "r")
a = f.attrs["assembled_by"]
a = a.decode() if isinstance(a, bytes) else str(a)
assert a == "recover", "assembled_by = %r" % a
assert "manifest" not in f, "a recovered log has no manifest"
print("assembled_by recover, %d streams" % len(f["streams"]))
EOF

st=0
timeout 60 "$TRAINPROV" verify "$LOG" --pubkey "$WORK/key.pub.pem" --json "$WORK/verify.json" \
    >"$WORK/verify.out" 2>&1 || st=$?
cat "$WORK/verify.out"
[ "$st" -eq 1 ] || fail "verify of the recovered log exited $st, expected 1"
expect_claim "$WORK/verify.json" log.integrity pass
expect_claim "$WORK/verify.json" log.complete fail

# What was signed before the kill is in the log: the first checkpoint and
# the shards, with their digests.
expects=("checkpoint:$(sha256 "$OUT/ckpt_step5.pt"):$OUT/ckpt_step5.pt")
for f in "$WORK"/data/shard_*.bin; do
    expects+=("data:$(sha256 "$f"):$f")
done
jcheck files "$WORK/verify.json" "${expects[@]}" ||
    fail "the recovered log lacks files that were signed before the kill"

finish
