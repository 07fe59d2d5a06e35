#!/bin/bash
# e2e_processes.sh: every way a job starts a process is followed: fork
# (leaving with _exit), fork + exec with an emptied environment (subprocess
# env={}), and posix_spawn. Each child gets its own stream, announced by the
# parent with how it was made, and records its own reads; removing any one
# child's stream from the log makes log.complete fail naming it.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
e2e_init h5py

keygen key
head -c 300000 /dev/urandom >"$WORK/data.bin"
DATA_SHA=$(sha256 "$WORK/data.bin")
LOG=$WORK/run.h5
tp run --key "$WORK/key.pem" --log "$LOG" -- "$PYTHON" "$E2E_DIR/processes_job.py" "$WORK/data.bin" \
    >"$WORK/run.out" 2>&1 || die "the job failed under trainprov run: $(tail -n 20 "$WORK/run.out")"
expect_verify 0 "$LOG" "$WORK/verify.json" --pubkey "$WORK/key.pub.pem"
tp dump "$LOG" --json >"$WORK/dump.json" || die "trainprov dump failed"

"$PYTHON" - "$WORK/dump.json" "$WORK/data.bin" "$DATA_SHA" >"$WORK/children.txt" <<'PY' || fail "the children are not followed as expected"
import json, sys
dump, data, sha = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3]
streams = {s["stream_id"]: s for s in dump["streams"]}
root = [s for s in dump["streams"] if s["records"][0]["run_start"]["origin"] == "root"]
assert len(root) == 1, "expected one root stream, got %d" % len(root)
root = root[0]
announced = [r["child"] for r in root["records"] if "child" in r]
hows = sorted(c["how"] for c in announced)
assert hows == ["fork", "fork", "spawn"], hows    # subprocess = fork, then exec in the child
def image(stream_id):
    """The stream, and where it exec'd, the stream of the image that replaced it."""
    s = streams.get(stream_id)
    assert s is not None, "announced stream %s missing" % stream_id
    yield s
    execs = [r["child"] for r in s["records"] if "child" in r and r["child"]["how"] == "exec"]
    for e in execs:
        yield from image(e["child_stream"])

for c in announced:
    chain = list(image(c["child_stream"]))
    start = chain[0]["records"][0]["run_start"]
    assert start["parent_stream"] == root["stream_id"], start
    for prev, nxt in zip(chain, chain[1:]):
        assert nxt["records"][0]["run_start"]["parent_stream"] == prev["stream_id"]
        assert nxt["records"][0]["run_start"]["origin"] == "exec"
    reads = [r["file"] for s in chain for r in s["records"]
             if "file" in r and r["file"]["path"] == data and r["file"]["access"] == "read"]
    assert reads and all(f["sha256"] == sha for f in reads), (c, reads)
    print(chain[-1]["stream_id"], c["how"], chain[-1]["records"][0]["run_start"]["exe"])
PY
sed 's/^/    /' "$WORK/children.txt"
[ "$(wc -l <"$WORK/children.txt")" -eq 3 ] || fail "expected 3 followed children"

# Dropping the stream of any child's final image must be noticed.
while read -r sid how exe; do
    "$PYTHON" - "$LOG" "$WORK/drop-$sid.h5" "$sid" <<'PY' || die "could not edit the log"
import h5py, shutil, sys
shutil.copy(sys.argv[1], sys.argv[2])
with h5py.File(sys.argv[2], "r+") as f:
    del f["streams"][sys.argv[3]]
PY
    expect_verify 1 "$WORK/drop-$sid.h5" "$WORK/drop-$sid.json" --pubkey "$WORK/key.pub.pem"
    expect_claim "$WORK/drop-$sid.json" log.complete fail
    jcheck detail-contains "$WORK/drop-$sid.json" log.complete "$sid" ||
        fail "log.complete does not name the missing $how child $sid"
done <"$WORK/children.txt"
finish
