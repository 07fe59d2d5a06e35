#!/bin/bash
# e2e_high_fd_tracked.sh: a file opened at an fd above the table size the
# library saw at load is recorded. The job starts with a soft limit of 1024
# open files, raises it to 8192, takes fds up to 5000 and then opens and
# reads a data file: the log has the file with its SHA-256 and byte count.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
e2e_init
[ -x "${HOST_SAFETY_JOB:-}" ] || skip "host_safety_job was not built"
[ "$(ulimit -Hn)" = unlimited ] || [ "$(ulimit -Hn)" -ge 8192 ] || skip "hard open-file limit below 8192"

keygen key
head -c 100000 /dev/urandom >"$WORK/data.bin"
( ulimit -Sn 1024 && tp run --key "$WORK/key.pem" --log "$WORK/run.h5" --data "$WORK/data.bin" -- \
    "$HOST_SAFETY_JOB" high-fd "$WORK/data.bin" ) >"$WORK/run.out" 2>&1 ||
    die "the job failed: $(tail -n 20 "$WORK/run.out")"
grep '^high-fd:' "$WORK/run.out"
tp dump "$WORK/run.h5" --json >"$WORK/dump.json" || die "trainprov dump failed"
"$PYTHON" - "$WORK/dump.json" "$WORK/data.bin" "$(sha256 "$WORK/data.bin")" <<'PY' || fail "the file read at a high fd is not in the log"
import json, sys
dump, data, sha = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3]
reads = [r["file"] for s in dump["streams"] for r in s["records"]
         if "file" in r and r["file"]["path"] == data]
assert reads, "no record of %s" % data
f = reads[0]
assert f["sha256"] == sha and int(f["bytes_read"]) == 100000, f
print("recorded: %s sha256 %s, %s bytes read" % (data, f["sha256"][:16], f["bytes_read"]))
PY
finish
