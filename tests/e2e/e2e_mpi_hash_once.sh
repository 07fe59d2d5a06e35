#!/bin/bash
# e2e_mpi_hash_once.sh: a shard read by many ranks on one node is hashed once
# per node (logger/worker/nodecache.c). Four ranks under `mpirun -np 4 trainprov run`
# all read the same four shards: the bytes the ranks hashed themselves
# (StreamEnd.bytes_hashed, summed over every stream) stay within 1.2x the
# shards' total size, while every rank's FileEvent of every shard still carries
# its sha256 (= sha256sum) and the log verifies. Locks left by a killed
# process hold nobody up; a lock held by a live process makes the ranks wait
# for its digest rather than hash the shard. The digest directory goes away
# with the journals.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
. "$E2E_DIR/mpi_lib.sh"
e2e_init h5py
mpi_init
"$PYTHON" -c 'import numpy' 2>/dev/null || skip "$PYTHON has no numpy"

keygen key
mkdir -p "$WORK/data"
for i in 0 1 2 3; do # 2..5 MiB: above TP_NODECACHE_MIN_BYTES (1 MiB)
    head -c $(((2 + i) * 1024 * 1024)) /dev/urandom >"$WORK/data/shard_00$i.bin"
done
total=$(cat "$WORK"/data/shard_*.bin | wc -c)

JOB='import glob, sys
from mpi4py import MPI
c = MPI.COMM_WORLD
for p in sorted(glob.glob(sys.argv[1] + "/shard_*.bin")):
    with open(p, "rb") as f:
        f.read()
c.Barrier()'

# run_all LOG: the four ranks read every shard; sets RUN_STATUS, LOG.out
run_all() {
    RUN_STATUS=0
    timeout -k 10 120 mpirun -np 4 "$TRAINPROV" run --key "$WORK/key.pem" --log "$1" \
        --data "$WORK/data/shard_*.bin" -- "$PYTHON" -c "$JOB" "$WORK/data" \
        >"$1.out" 2>&1 || RUN_STATUS=$?
    [ "$RUN_STATUS" -eq 0 ] && [ -f "$1" ] ||
        { cat "$1.out" >&2; die "mpirun -np 4 trainprov run exited $RUN_STATUS"; }
}

# check_log LOG MAX_FACTOR: every rank has every shard with its sha256; prints
# the bytes hashed; fails when they exceed MAX_FACTOR x the shards' total.
check_log() {
    tp dump "$1" --json >"$1.json" || die "trainprov dump $1 failed"
    local expects=() f
    for f in "$WORK"/data/shard_*.bin; do
        expects+=("$f=$(sha256 "$f")")
    done
    "$PYTHON" - "$1.json" "$total" "$2" "${expects[@]}" <<'EOF'
import json, sys
log, total, factor = json.load(open(sys.argv[1])), int(sys.argv[2]), float(sys.argv[3])
want = dict(a.split("=") for a in sys.argv[4:])
hashed, ranks = 0, {}
for s in log["streams"]:
    recs = s["records"]
    rank = recs[0]["run_start"]["rank"]
    seen = {r["file"]["path"]: r["file"].get("sha256", "") for r in recs if "file" in r}
    for path, digest in want.items():
        assert seen.get(path) == digest, "rank %d: %s has sha256 %r, want %s" % (
            rank, path, seen.get(path), digest)
    ranks[rank] = True
    hashed += int(recs[-1]["stream_end"]["bytes_hashed"])
assert sorted(ranks) == [0, 1, 2, 3], "ranks in the log: %s" % sorted(ranks)
assert total <= hashed <= factor * total, "hashed %d bytes for %d bytes of shards (%.2fx)" % (
    hashed, total, hashed / total)
print("%d bytes of shards, %d hashed (%.2fx)" % (total, hashed, hashed / total))
EOF
}

LOG=$WORK/run.h5
t0=$(date +%s.%N)
run_all "$LOG"
t0=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
out=$(check_log "$LOG" 1.2 2>&1) && ok "4 ranks, every shard's sha256 in every rank's stream; $out" ||
    fail "hash once per node: $out"
expect_verify 0 "$LOG" "$WORK/verify.json" --pubkey "$WORK/key.pub.pem"
[ ! -e "$LOG.journal" ] || fail "the journal directory (digest cache) was not removed: $(ls -R "$LOG.journal")"

# Claims found in the cache when the run starts. Shards 0, 2, 3: lock files
# left by a process killed while it held their locks (SIGKILL): they must not
# hold anyone up, or each rank would wait 2 s per shard. Shard 1: locked by a
# live process that publishes its digest after 1 s: the ranks must wait for
# it instead of hashing the shard (the bytes hashed then stay below the total).
STALE=$WORK/claims.h5
host=$("$PYTHON" -c 'import re, socket; print(re.sub(r"[^A-Za-z0-9._-]", "_", socket.gethostname()[:64]))')
cache=$STALE.journal/digests-$host
mkdir -p "$cache"
chmod 700 "$STALE.journal"
entry() { "$PYTHON" -c 'import os, sys; s = os.stat(sys.argv[1]); print("%x-%x-%x-%x-%x" % (s.st_dev, s.st_ino, s.st_size, s.st_mtime_ns, s.st_ctime_ns))' "$1"; }
HOLD='import fcntl, sys, time
held = []
for p in sys.argv[2:]:
    f = open(p, "w")
    fcntl.flock(f, fcntl.LOCK_EX)
    held.append(f)
open(sys.argv[1], "w").close()
time.sleep(300)'
"$PYTHON" -c "$HOLD" "$WORK/killed-ready" "$cache/$(entry "$WORK/data/shard_000.bin").lock" \
    "$cache/$(entry "$WORK/data/shard_002.bin").lock" "$cache/$(entry "$WORK/data/shard_003.bin").lock" &
killed=$!
E1=$cache/$(entry "$WORK/data/shard_001.bin")
"$PYTHON" - "$WORK/held-ready" "$E1.lock" "$E1" "$(sha256 "$WORK/data/shard_001.bin")" \
    "$WORK/data/shard_001.bin" "$WORK/key.pem" "${OPENSSL:-openssl}" <<'EOF2' &
import fcntl, os, struct, subprocess, sys, time
f = open(sys.argv[2], "w")
fcntl.flock(f, fcntl.LOCK_EX)
open(sys.argv[1], "w").close()
time.sleep(1)
# an entry as logger/worker/nodecache.c writes it: magic, sha256, no leading
# bytes, and the run key's signature (DSSE PAE) over identity, sha256 and them
s = os.stat(sys.argv[5])
digest = bytes.fromhex(sys.argv[4])
body = struct.pack("<5Q", s.st_dev, s.st_ino, s.st_size, s.st_mtime_ns, s.st_ctime_ns) + digest + b"\0"
kind = b"application/vnd.trainprov.nodecache.v1"
pae = b"DSSEv1 %d %s %d " % (len(kind), kind, len(body)) + body
with open(sys.argv[1] + ".pae", "wb") as p:
    p.write(pae)
sig = subprocess.run([sys.argv[7], "pkeyutl", "-sign", "-inkey", sys.argv[6], "-rawin", "-in",
                      sys.argv[1] + ".pae"], check=True, capture_output=True).stdout
os.unlink(sys.argv[1] + ".pae")
assert len(sig) == 64
with open(sys.argv[3] + ".tmp", "wb") as e:
    e.write(b"TPNC2\n" + digest + b"\0" + sig)
os.rename(sys.argv[3] + ".tmp", sys.argv[3])
EOF2
holder=$!
for _ in $(seq 100); do [ -e "$WORK/killed-ready" ] && [ -e "$WORK/held-ready" ] && break; sleep 0.1; done
[ -e "$WORK/killed-ready" ] && [ -e "$WORK/held-ready" ] || die "the claim holders did not start"
kill -KILL "$killed"
wait "$killed" 2>/dev/null || true
[ -e "$E1" ] && die "the held claim's entry appeared too early"
t1=$(date +%s.%N)
run_all "$STALE"
t2=$(date +%s.%N)
wait "$holder" || fail "the holder of shard 1's claim failed"
shard1=$(wc -c <"$WORK/data/shard_001.bin")
total=$((total - shard1)) # nobody may hash shard 1: its holder published it
out=$(check_log "$STALE" 1.2 2>&1) && ok "killed and live claim holders: right digests; $out" ||
    fail "killed or live claim holders: $out"
slower=$(awk -v a="$t0" -v b="$t1" -v c="$t2" 'BEGIN { printf "%.1f", (c - b) - a }')
awk -v s="$slower" 'BEGIN { exit !(s < 4.5) }' ||
    fail "the locks of a killed process held the job up: $slower s slower than without claims"
note "with the claims: $slower s slower than without"
expect_verify 0 "$STALE" "$WORK/claims.json" --pubkey "$WORK/key.pub.pem"
[ ! -e "$STALE.journal" ] || fail "the journal directory was not removed: $(ls -R "$STALE.journal")"
finish
