#!/bin/bash
# e2e_std_fds_stay_the_jobs.sh: a job started with stdin and stdout closed
# (daemons, `>&-`, some schedulers) owns fds 0 and 1: its next open must
# get fd 0, and a write to fd 1 must fail with EBADF. The library's own
# descriptors (journal, the duplicates it hashes from) stay at fd 3 or
# above: the journal used to take fd 0 or 1, so the job's opens got other
# numbers and its stdout was written into the journal, which then failed
# verification. 100 rounds of read and write opens; the log must verify.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
e2e_init
[ -x "${HOST_SAFETY_JOB:-}" ] || skip "host_safety_job was not built"

keygen key
head -c 100000 /dev/urandom >"$WORK/data.bin"
sh -c 'exec "$0" std-fds-closed "$1" 0<&- 1>&-' "$HOST_SAFETY_JOB" "$WORK/data.bin" \
    2>"$WORK/plain.out" || die "the job fails without trainprov: $(cat "$WORK/plain.out")"
RC=0
tp run --key "$WORK/key.pem" --log "$WORK/run.h5" -- \
    sh -c 'exec "$0" std-fds-closed "$1" 0<&- 1>&-' "$HOST_SAFETY_JOB" "$WORK/data.bin" \
    >"$WORK/run.out" 2>&1 || RC=$?
[ "$RC" -eq 0 ] || fail "the job exited $RC under trainprov (0 without): $(tail -n 3 "$WORK/run.out")"
grep '^std-fds-closed:' "$WORK/run.out" || true
expect_verify 0 "$WORK/run.h5" "$WORK/verify.json" --pubkey "$WORK/key.pub.pem"
finish
