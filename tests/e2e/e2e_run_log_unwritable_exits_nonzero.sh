#!/bin/bash
# e2e_run_log_unwritable_exits_nonzero.sh: a job that succeeds but whose log
# cannot be written makes `trainprov run` exit 3, not 0. When the journals
# can still make a log (here RUN.h5.tmp is a directory the writer cannot
# replace), the message names `trainprov recover`, and recover then builds
# the log; when they cannot (a FIFO in the journal directory, which the
# loader refuses), the message does not send the user to recover.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
e2e_init
keygen key
JOB='import sys; open(sys.argv[1], "w").write("trained\n")'

# the job itself blocks the log's temporary name
rc=0
tp run --key "$WORK/key.pem" --log "$WORK/run.h5" -- bash -c \
    'mkdir "$1.tmp" && touch "$1.tmp/keep" && "$2" -c "$3" "$4"' _ "$WORK/run.h5" "$PYTHON" "$JOB" \
    "$WORK/model.txt" >"$WORK/run.out" 2>&1 || rc=$?
[ -f "$WORK/model.txt" ] || die "the job did not run: $(cat "$WORK/run.out")"
[ "$rc" -eq 3 ] || fail "run exited $rc with its log unwritten, expected 3: $(cat "$WORK/run.out")"
[ ! -e "$WORK/run.h5" ] || fail "a log was written"
grep -q "the log was NOT written" "$WORK/run.out" && grep -qF "trainprov recover $WORK/run.h5" "$WORK/run.out" ||
    fail "the message does not name recover: $(cat "$WORK/run.out")"
rm -rf "$WORK/run.h5.tmp"
tp recover "$WORK/run.h5" >"$WORK/recover.out" 2>&1 || fail "recover after the fix failed: $(cat "$WORK/recover.out")"
[ -f "$WORK/run.h5" ] && ok "exit 3, recover named and it worked" || fail "recover wrote no log"

# journals that cannot be assembled: no recover in the message
rc=0
tp run --key "$WORK/key.pem" --log "$WORK/fifo.h5" -- bash -c \
    'mkfifo "$1.journal/stray" && "$2" -c "$3" "$4"' _ "$WORK/fifo.h5" "$PYTHON" "$JOB" \
    "$WORK/model2.txt" >"$WORK/fifo.out" 2>&1 || rc=$?
[ -f "$WORK/model2.txt" ] || die "the second job did not run: $(cat "$WORK/fifo.out")"
[ "$rc" -eq 3 ] || fail "run exited $rc with unloadable journals, expected 3: $(cat "$WORK/fifo.out")"
grep -q "the log was NOT written" "$WORK/fifo.out" || fail "no message: $(cat "$WORK/fifo.out")"
if grep -qF "run \`trainprov recover" "$WORK/fifo.out"; then
    fail "the message sends the user to recover, which cannot build this log: $(cat "$WORK/fifo.out")"
fi
ok "exit 3, recover not named: $(grep 'NOT written' "$WORK/fifo.out")"

# a failing job keeps its own status
rc=0
tp run --key "$WORK/key.pem" --log "$WORK/failed.h5" -- bash -c 'mkdir "$1.tmp"; exit 5' _ \
    "$WORK/failed.h5" >"$WORK/failed.out" 2>&1 || rc=$?
[ "$rc" -eq 5 ] || fail "a job that exited 5 made run exit $rc"
finish
