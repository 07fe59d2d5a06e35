#!/bin/bash
# e2e_exit_signal_safe.sh: _exit is async-signal-safe inside a recorded job.
# 100 forked children each leave through _exit(7) called from a signal
# handler that interrupts a thread busy in the logger (opens, closes, role
# declarations) and in malloc; every child must end with status 7 within
# seconds (host_safety_job exit-in-handler), and the run must finish.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
e2e_init
[ -x "${HOST_SAFETY_JOB:-}" ] || skip "host_safety_job was not built"

keygen key
head -c 65536 /dev/urandom >"$WORK/data.bin"
start=$(date +%s)
E2E_TIMEOUT=240 tp run --key "$WORK/key.pem" --log "$WORK/run.h5" --data "$WORK/data.bin" -- \
    "$HOST_SAFETY_JOB" exit-in-handler "$WORK/data.bin" >"$WORK/run.out" 2>&1 ||
    die "the job failed or hung: $(tail -n 20 "$WORK/run.out")"
took=$(($(date +%s) - start))
grep '^exit-in-handler:' "$WORK/run.out"
ok "100 children left through _exit in a signal handler; the run took ${took}s"
[ -f "$WORK/run.h5" ] || fail "no log written"
finish
