#!/bin/bash
# e2e_second_run_on_live_log_in_progress.sh: a second `trainprov run` on the
# --log of a run still in progress refuses (exit 2) saying a run is in
# progress, never "run recover", runs nothing, and leaves the live run
# alone: it still writes its log. Journals left by a dead run still get the
# recover advice.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
e2e_init
keygen key
tp run --key "$WORK/key.pem" --log "$WORK/run.h5" -- bash -c \
    'while [ ! -e "$1/go" ]; do sleep 0.1; done' _ "$WORK" >"$WORK/first.out" 2>&1 &
first=$!
for _ in $(seq 100); do [ -e "$WORK/run.h5.journal/run.lock" ] && break; sleep 0.1; done
[ -e "$WORK/run.h5.journal/run.lock" ] || die "the first run did not start: $(cat "$WORK/first.out")"
rc=0
tp run --key "$WORK/key.pem" --log "$WORK/run.h5" --force -- touch "$WORK/ran" >"$WORK/second.out" 2>&1 || rc=$?
[ "$rc" -eq 2 ] || fail "the second run exited $rc, expected 2: $(cat "$WORK/second.out")"
grep -q "a run is in progress on $WORK/run.h5" "$WORK/second.out" ||
    fail "the second run does not say a run is in progress: $(cat "$WORK/second.out")"
if grep -q "recover" "$WORK/second.out"; then fail "the second run suggests recover: $(cat "$WORK/second.out")"; fi
[ ! -e "$WORK/ran" ] || fail "the second run ran its job"
ok "$(cat "$WORK/second.out")"
touch "$WORK/go"
rc=0
wait "$first" || rc=$?
[ "$rc" -eq 0 ] && [ -f "$WORK/run.h5" ] || fail "the first run exited $rc without its log: $(cat "$WORK/first.out")"

# journals of a run that is gone (no live lock holder): recover is the advice
mkdir -m 700 "$WORK/dead.h5.journal"
rc=0
tp run --key "$WORK/key.pem" --log "$WORK/dead.h5" -- true >"$WORK/dead.out" 2>&1 || rc=$?
[ "$rc" -eq 2 ] && grep -q "trainprov recover" "$WORK/dead.out" ||
    fail "leftover journals: exit $rc, $(cat "$WORK/dead.out")"
finish
