#!/bin/bash
# e2e_small_stack_thread.sh: the wrappers run on the job's own threads,
# whose stacks may be as small as PTHREAD_STACK_MIN (16 KiB). A thread that
# writes, reads, dup2s, closes and renames a recorded file on such a stack
# must work as without the library (it used to die with SIGSEGV in rename:
# two PATH_MAX buffers, realpath's scratch space and the dynamic linker's
# lazy binding on top of the job's frames), and the log must hold the
# renames with absolute paths, also for renameat relative to a directory fd.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
e2e_init
[ -x "${HOST_SAFETY_JOB:-}" ] || skip "host_safety_job was not built"

keygen key
mkdir "$WORK/d"
"$HOST_SAFETY_JOB" small-stack "$WORK/d" >"$WORK/plain.out" 2>&1 ||
    die "the job fails even without trainprov: $(cat "$WORK/plain.out")"
RC=0
tp run --key "$WORK/key.pem" --log "$WORK/run.h5" -- \
    "$HOST_SAFETY_JOB" small-stack "$WORK/d" >"$WORK/run.out" 2>&1 || RC=$?
[ "$RC" -eq 0 ] || die "the job exited $RC under trainprov (0 without): $(tail -n 5 "$WORK/run.out")"
grep '^small-stack:' "$WORK/run.out"
expect_verify 0 "$WORK/run.h5" "$WORK/verify.json" --pubkey "$WORK/key.pub.pem"
tp dump "$WORK/run.h5" --json >"$WORK/dump.json" || die "trainprov dump failed"
"$PYTHON" - "$WORK/dump.json" "$WORK/d" <<'PY' || fail "the renames were not recorded"
import json, sys
dump, d = json.load(open(sys.argv[1])), sys.argv[2]
files = [r["file"] for s in dump["streams"] for r in s["records"] if "file" in r]
renames = [f for f in files if f.get("renamed_from")]
to2 = [f for f in renames if f["path"] == d + "/small2.bin" and f["renamed_from"] == d + "/small.bin"]
back = [f for f in renames if f["path"] == d + "/small.bin" and f["renamed_from"] == d + "/small2.bin"]
assert len(to2) == 100 and len(back) == 100, (len(to2), len(back), renames[:2])
print("200 renames recorded with absolute paths")
PY
finish
