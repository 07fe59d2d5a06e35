#!/bin/bash
# e2e_open_never_waits_for_fsync.sh: the worker holds no lock a job thread
# needs while it writes, signs or fsyncs, so an open() on the job's thread
# never waits for a journal fsync (issue 9).
# A shim preloaded after libtrainprov.so (fsync_shim.c) makes every
# fdatasync of the job's process take 1.5 s. With a signed head per record
# (TRAINPROV_HEAD_EVERY=1), the worker fdatasyncs the journal at every head
# while the job's main thread opens, reads and closes a recorded file for 4 s
# and another thread posts notes. The shim must have been called in the
# job, opens must have run while an fdatasync was in progress, no open() may
# take 500 ms (a third of the injected delay), and the log verifies.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
e2e_init
command -v cc >/dev/null 2>&1 || skip "no C compiler"
[ -x "${HOST_SAFETY_JOB:-}" ] || skip "host_safety_job was not built"

cc -shared -fPIC -o "$WORK/fsync_shim.so" "$E2E_DIR/fsync_shim.c" -ldl ||
    die "cannot build fsync_shim.so"
keygen key
head -c 65536 /dev/urandom >"$WORK/data.bin"

# trainprov run puts its library first in the job's LD_PRELOAD, then ours.
export FSYNC_SHIM_LOG="$WORK/fsync_calls.txt"
LD_PRELOAD="$WORK/fsync_shim.so" TRAINPROV_HEAD_EVERY=1 E2E_TIMEOUT=120 \
    tp run --key "$WORK/key.pem" --log "$WORK/run.h5" --data "$WORK/data.bin" -- \
    "$HOST_SAFETY_JOB" open-while-fsync "$WORK/data.bin" >"$WORK/run.out" 2>&1 ||
    fail "the job failed (an open took 500 ms or more?): $(tail -n 20 "$WORK/run.out")"
line=$(grep '^open-while-fsync:' "$WORK/run.out") || die "the job printed no result: $(tail -n 20 "$WORK/run.out")"
note "$line"

calls=$(grep -c ' fdatasync$' "$FSYNC_SHIM_LOG" 2>/dev/null || true)
[ "${calls:-0}" -ge 2 ] ||
    fail "the shim's fdatasync ran ${calls:-0} time(s) in the job: the worker's journal fsync was not slowed down"
during=$(sed -n 's/.* \([0-9]*\) during a journal fdatasync.*/\1/p' <<<"$line")
[ "${during:-0}" -ge 100 ] ||
    fail "only ${during:-0} opens ran while a journal fdatasync was in progress (want 100 or more)"
slowest=$(sed -n 's/.*slowest open \([0-9.]*\) ms.*/\1/p' <<<"$line")
awk -v s="${slowest:-inf}" 'BEGIN { exit !(s + 0 < 500) }' ||
    fail "the slowest open() took ${slowest:-?} ms, against an injected fdatasync of 1500 ms"
expect_verify 0 "$WORK/run.h5" "$WORK/run.json" --pubkey "$WORK/key.pub.pem"
[ "$E2E_FAILS" -eq 0 ] && ok "$calls slow journal fdatasyncs; $during opens during them; slowest open ${slowest} ms; the log verifies"
finish
