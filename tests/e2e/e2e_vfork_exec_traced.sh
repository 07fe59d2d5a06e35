#!/bin/bash
# e2e_vfork_exec_traced.sh: vfork keeps vfork semantics under the library
# (the child's store before exec is seen by the parent: memory is shared)
# and a child made with vfork that execs (with an empty environment) is
# still traced: the parent announces its stream, which the new image takes
# over, and that stream records the file it read.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
e2e_init
[ -x "${HOST_SAFETY_JOB:-}" ] || skip "host_safety_job was not built"

keygen key
head -c 100000 /dev/urandom >"$WORK/data.bin"
tp run --key "$WORK/key.pem" --log "$WORK/run.h5" --data "$WORK/data.bin" -- \
    "$HOST_SAFETY_JOB" vfork-exec "$WORK/data.bin" >"$WORK/run.out" 2>&1 ||
    die "the job failed: $(tail -n 20 "$WORK/run.out")"
grep '^vfork-exec:' "$WORK/run.out"
expect_verify 0 "$WORK/run.h5" "$WORK/verify.json" --pubkey "$WORK/key.pub.pem"
tp dump "$WORK/run.h5" --json >"$WORK/dump.json" || die "trainprov dump failed"
"$PYTHON" - "$WORK/dump.json" "$WORK/data.bin" "$(sha256 "$WORK/data.bin")" <<'PY' || fail "the vfork'd child is not followed"
import json, sys
dump, data, sha = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3]
streams = {s["stream_id"]: s for s in dump["streams"]}
root = [s for s in dump["streams"] if s["records"][0]["run_start"]["origin"] == "root"][0]
kids = [r["child"] for r in root["records"] if "child" in r]
assert len(kids) == 1, kids
child = streams.get(kids[0]["child_stream"])
assert child is not None, "the announced stream is missing"
start = child["records"][0]["run_start"]
# the exec'd image itself: the vfork child recorded nothing of its own
assert start["parent_stream"] == root["stream_id"] and start["exe"].endswith("cat"), start
reads = [r["file"] for r in child["records"] if "file" in r and r["file"]["path"] == data]
assert reads and reads[0]["sha256"] == sha, reads
print("vfork child %s: %s read %s" % (kids[0]["how"], start["exe"], data))
PY
finish
