#!/bin/bash
# e2e_quick_exit_sealed.sh: quick_exit ends the process without the atexit
# and on_exit handlers, through glibc's internal _exit, which no wrapper
# sees: the stream used to stay unsealed, so a short job left no signed
# record at all ("the log was NOT written"). The library seals it from an
# at_quick_exit handler that runs after the job's own: the job keeps its
# status 5, the read made in the job's handler is recorded, and the log
# verifies with the stream ended.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
e2e_init
[ -x "${HOST_SAFETY_JOB:-}" ] || skip "host_safety_job was not built"

keygen key
head -c 1000 /dev/urandom >"$WORK/data.bin"
RC=0
tp run --key "$WORK/key.pem" --log "$WORK/run.h5" -- \
    "$HOST_SAFETY_JOB" quick-exit "$WORK/data.bin" >"$WORK/run.out" 2>&1 || RC=$?
[ "$RC" -eq 5 ] || fail "the job's status is $RC under trainprov, 5 without"
[ -f "$WORK/run.h5" ] || die "no log written: $(tail -n 5 "$WORK/run.out")"
expect_verify 0 "$WORK/run.h5" "$WORK/verify.json" --pubkey "$WORK/key.pub.pem"
tp dump "$WORK/run.h5" --json >"$WORK/dump.json" || die "trainprov dump failed"
"$PYTHON" - "$WORK/dump.json" "$WORK/data.bin" <<'PY' || fail "the quick_exit was not sealed"
import json, sys
dump, path = json.load(open(sys.argv[1])), sys.argv[2]
recs = dump["streams"][0]["records"]
ends = [r["stream_end"] for r in recs if "stream_end" in r]
assert ends and int(ends[0].get("status", 0)) == 5, ends
reads = [r for r in recs if "file" in r and r["file"]["path"] == path]
assert len(reads) == 2, len(reads)
print("sealed with status 5; both reads recorded")
PY
finish
