#!/bin/bash
# e2e_vfork_child_close_is_its_own.sh: a vfork child that closes one of its
# parent's recorded fds before exec (or a failed exec, or no exec at all)
# closes only its own copy. The library must neither close a descriptor of
# the parent (it used to hand the parent's worker a duplicate made in the
# child's fd table, whose number the worker then closed in the parent) nor
# end the parent's session on that file: each out<N>.bin must be recorded
# once, with all 8192 bytes the parent wrote and the file's real digest.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
e2e_init
[ -x "${HOST_SAFETY_JOB:-}" ] || skip "host_safety_job was not built"

keygen key
mkdir "$WORK/out"
tp run --key "$WORK/key.pem" --log "$WORK/run.h5" -- \
    "$HOST_SAFETY_JOB" vfork-child-closes "$WORK/out" >"$WORK/run.out" 2>&1 ||
    die "the job failed: $(tail -n 20 "$WORK/run.out")"
grep '^vfork-child-closes:' "$WORK/run.out"
expect_verify 0 "$WORK/run.h5" "$WORK/verify.json" --pubkey "$WORK/key.pub.pem"
tp dump "$WORK/run.h5" --json >"$WORK/dump.json" || die "trainprov dump failed"
"$PYTHON" - "$WORK/dump.json" "$WORK/out" <<'PY' || fail "the parent's file sessions were cut by its vfork children"
import hashlib, json, os, sys
dump, out = json.load(open(sys.argv[1])), sys.argv[2]
root = [s for s in dump["streams"] if s["records"][0]["run_start"]["origin"] == "root"][0]
files = {}
for r in root["records"]:
    if "file" in r and r["file"]["path"].startswith(out + "/"):
        files.setdefault(r["file"]["path"], []).append(r["file"])
bad = []
for n in range(100):
    path = "%s/out%d.bin" % (out, n)
    sha = hashlib.sha256(open(path, "rb").read()).hexdigest()
    recs = files.get(path, [])
    if len(recs) != 1 or int(recs[0].get("bytes_written", 0)) != 8192 or recs[0].get("sha256") != sha:
        bad.append((path, recs))
for b in bad[:3]:
    print("wrong record:", b)
assert not bad, "%d of 100 files recorded wrongly" % len(bad)
print("100 files, each recorded once with 8192 bytes written and its digest")
PY
finish
