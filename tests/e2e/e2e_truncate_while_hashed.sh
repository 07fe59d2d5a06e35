#!/bin/bash
# e2e_truncate_while_hashed.sh: the worker hashes a written file after its
# close, in the job's process. A job that truncates the file right away
# (rewriting its last checkpoint, a log, a cache) must not be killed: the
# hasher used to read through a mapping of the file, and a mapped page cut
# off by the truncation raises SIGBUS in the worker, which ends the job.
# 50 rounds; the job must exit 0 and the log verify.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
e2e_init
[ -x "${HOST_SAFETY_JOB:-}" ] || skip "host_safety_job was not built"

keygen key
RC=0
tp run --key "$WORK/key.pem" --log "$WORK/run.h5" -- \
    "$HOST_SAFETY_JOB" truncate-while-hashed "$WORK/last.ckpt" >"$WORK/run.out" 2>&1 || RC=$?
[ "$RC" -eq 0 ] || die "the job exited $RC under trainprov: $(tail -n 5 "$WORK/run.out")"
grep '^truncate-while-hashed:' "$WORK/run.out"
expect_verify 0 "$WORK/run.h5" "$WORK/verify.json" --pubkey "$WORK/key.pub.pem"
finish
