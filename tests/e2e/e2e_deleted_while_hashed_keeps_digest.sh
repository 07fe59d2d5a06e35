#!/bin/bash
# e2e_deleted_while_hashed_keeps_digest.sh: a job writes a checkpoint, closes
# it and deletes it while the logger is hashing it (the hasher, held back by
# the test-only TRAINPROV_TEST_HASH_DELAY_MS, has taken the identity the job
# left at close but not read the bytes yet). The unlink moves the file's ctime
# in the middle of the hash; it is the job's own doing, not another writer's:
# the write record keeps the digest of the bytes written and the delete record
# carries the same digest. (Before the fix both had none: the write said
# "changed by another writer", the delete "No such file or directory"; a
# parallel `make check` under load hit this now and then.)
# A run whose hasher took the identity only after the unlink did not make the
# race this test is about; it is run again (at most 3 times).
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
e2e_init
keygen key
CK=$WORK/ckpts
cat >"$WORK/job.py" <<'PY'
import os, sys, time
ck = sys.argv[1]
os.makedirs(ck, exist_ok=True)
time.sleep(6)                      # the hasher, 1.5 s a file, hashes what the start read
with open(os.path.join(ck, "ckpt.pt"), "wb") as f:
    f.write(os.urandom(1 << 20))
print("closed", os.stat(os.path.join(ck, "ckpt.pt")).st_ctime_ns, flush=True)
time.sleep(0.5)                    # the hasher took the identity, sleeps 1.5 s
os.remove(os.path.join(ck, "ckpt.pt"))
PY

# records LOG: "ACCESS CTIME_NS SHA256|- HASH_ERROR" for ckpt.pt, one a line
records() {
    tp dump "$1" --json >"$1.json" 2>"$1.json.err" || die "trainprov dump $1 failed"
    "$PYTHON" - "$1.json" "$CK/ckpt.pt" <<'PY'
import json, sys
seen = set()
def walk(o):
    if isinstance(o, dict):
        if o.get("path") == sys.argv[2] and "access" in o and "ctime_ns" in o:
            line = "%s %s %s %s" % (o["access"], o["ctime_ns"], o.get("sha256") or "-",
                                    (o.get("hash_error") or "").replace(" ", "_") or "-")
            if line not in seen:
                seen.add(line)
                print(line)
        for v in o.values():
            walk(v)
    elif isinstance(o, list):
        for v in o:
            walk(v)
walk(json.load(open(sys.argv[1])))
PY
}

raced=0
for attempt in 1 2 3; do
    log=$WORK/run$attempt.h5
    rm -rf "$CK"
    RUN_STATUS=0
    TRAINPROV_TEST_HASH_DELAY_MS=1500 tp run --key "$WORK/key.pem" --log "$log" -- \
        "$PYTHON" "$WORK/job.py" "$CK" >"$log.out" 2>&1 || RUN_STATUS=$?
    expect_run_ok "$log" "the write-then-delete job"
    [ ! -e "$CK/ckpt.pt" ] || die "the job did not delete its checkpoint"
    closed=$(sed -n 's/^closed //p' "$log.out")
    [ -n "$closed" ] || die "the job did not report its checkpoint's ctime at close"
    recs=$(records "$log")
    write=$(grep '^write ' <<<"$recs" || true)
    delete=$(grep '^delete ' <<<"$recs" || true)
    [ -n "$write" ] && [ -n "$delete" ] || die "no write and delete records for ckpt.pt: $recs"
    read -r _ wctime wsha werr <<<"$write"
    if [ "$wctime" != "$closed" ]; then
        note "attempt $attempt: the hasher took the identity after the unlink; again"
        continue
    fi
    raced=1
    read -r _ _ dsha derr <<<"$delete"
    [[ "$wsha" =~ ^[0-9a-f]{64}$ ]] ||
        fail "the write record has no digest though only the job's own unlink moved ctime ($werr)"
    [[ "$dsha" =~ ^[0-9a-f]{64}$ ]] && [ "$dsha" = "$wsha" ] ||
        fail "the delete record's digest ($dsha, $derr) is not the written one ($wsha)"
    break
done
[ "$raced" = 1 ] || die "the unlink never fell in the middle of the hash (3 attempts)"
finish
