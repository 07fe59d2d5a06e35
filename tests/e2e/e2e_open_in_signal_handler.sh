#!/bin/bash
# e2e_open_in_signal_handler.sh: open, read and close are async-signal-safe,
# and a job may call them from a signal handler that interrupted malloc.
# The wrappers' bookkeeping must not allocate with malloc there (the
# interrupted malloc holds its arena lock: the job used to hang forever in
# calloc inside the open wrapper). 5000 handler runs within the bound, and
# the log verifies.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
e2e_init
[ -x "${HOST_SAFETY_JOB:-}" ] || skip "host_safety_job was not built"

keygen key
head -c 1000 /dev/urandom >"$WORK/small.bin"
E2E_TIMEOUT=120 tp run --key "$WORK/key.pem" --log "$WORK/run.h5" -- \
    "$HOST_SAFETY_JOB" open-in-handler "$WORK/small.bin" >"$WORK/run.out" 2>&1 ||
    die "the job failed: $(tail -n 20 "$WORK/run.out")"
grep '^open-in-handler:' "$WORK/run.out"
expect_verify 0 "$WORK/run.h5" "$WORK/verify.json" --pubkey "$WORK/key.pub.pem"
tp dump "$WORK/run.h5" --json >"$WORK/dump.json" || die "trainprov dump failed"
"$PYTHON" - "$WORK/dump.json" "$WORK/small.bin" <<'PY' || fail "the handler's opens were not recorded"
import json, sys
dump, path = json.load(open(sys.argv[1])), sys.argv[2]
# repeated sessions on one file are summed into one record (FileEvent.sessions)
n = sum(r["file"].get("sessions") or 1 for s in dump["streams"] for r in s["records"]
        if "file" in r and r["file"]["path"] == path)
assert n >= 5000, n
print("%d sessions of %s recorded from the handler" % (n, path))
PY
finish
