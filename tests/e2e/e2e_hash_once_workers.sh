#!/bin/bash
# e2e_hash_once_workers.sh: without MPI, the per-node digest cache
# (logger/worker/nodecache.c) also spares exec'd worker processes re-hashing the
# files their parent reads: under one `trainprov run`, a parent and three
# workers it starts with subprocess (fork + exec: no inherited in-process
# cache) all read the same four shards at once. The bytes the four streams
# hashed themselves (StreamEnd.bytes_hashed) stay within 1.2x the shards'
# total, every stream's FileEvent of every shard carries its sha256
# (= sha256sum), and the log verifies.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
e2e_init

keygen key
mkdir -p "$WORK/data"
for i in 0 1 2 3; do # 2..5 MiB: above TP_NODECACHE_MIN_BYTES (1 MiB)
    head -c $(((2 + i) * 1024 * 1024)) /dev/urandom >"$WORK/data/shard_00$i.bin"
done
total=$(cat "$WORK"/data/shard_*.bin | wc -c)

LOG=$WORK/run.h5
st=0
tp run --key "$WORK/key.pem" --log "$LOG" --data "$WORK/data/shard_*.bin" -- "$PYTHON" -c '
import glob, subprocess, sys
READ = "import glob, sys\nfor p in sorted(glob.glob(sys.argv[1] + \"/shard_*.bin\")):\n    open(p, \"rb\").read()\n"
workers = [subprocess.Popen([sys.executable, "-c", READ, sys.argv[1]]) for _ in range(3)]
exec(READ)
sys.exit(max(w.wait() for w in workers))' "$WORK/data" >"$LOG.out" 2>&1 || st=$?
[ "$st" -eq 0 ] && [ -f "$LOG" ] || { cat "$LOG.out" >&2; die "trainprov run exited $st"; }

tp dump "$LOG" --json >"$LOG.json" || die "trainprov dump failed"
expects=()
for f in "$WORK"/data/shard_*.bin; do
    expects+=("$f=$(sha256 "$f")")
done
out=$("$PYTHON" - "$LOG.json" "$total" "${expects[@]}" 2>&1 <<'EOF'
import json, sys
log, total = json.load(open(sys.argv[1])), int(sys.argv[2])
want = dict(a.split("=") for a in sys.argv[3:])
hashed = readers = 0
for s in log["streams"]:
    recs = s["records"]
    seen = {r["file"]["path"]: r["file"].get("sha256", "") for r in recs if "file" in r}
    if not any(p in seen for p in want):
        continue  # the launcher's own stream, or a process that read no shard
    for path, digest in want.items():
        assert seen.get(path) == digest, "stream %s: %s has sha256 %r, want %s" % (
            s["stream_id"], path, seen.get(path), digest)
    readers += 1
    hashed += int(recs[-1]["stream_end"]["bytes_hashed"])
assert readers == 4, "%d streams read the shards, expected 4" % readers
assert total <= hashed <= 1.2 * total, "hashed %d bytes for %d bytes of shards (%.2fx)" % (
    hashed, total, hashed / total)
print("%d bytes of shards, %d hashed (%.2fx)" % (total, hashed, hashed / total))
EOF
) && ok "a parent and 3 exec'd workers: every shard's sha256 in every stream; $out" ||
    fail "hash once across exec'd workers: $out"
expect_verify 0 "$LOG" "$WORK/verify.json" --pubkey "$WORK/key.pub.pem"
[ ! -e "$LOG.journal" ] || fail "the journal directory (digest cache) was not removed"
finish
