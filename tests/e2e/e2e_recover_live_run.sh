#!/bin/bash
# e2e_recover_live_run.sh: `trainprov recover` refuses the journals of a run
# that is still running (its wrapper holds the run's lock): exit 2 saying the
# run is still running, nothing written, no journal removed. The run then
# finishes normally: exit 0, its own log written and verifiable. Under
# mpirun, a rank whose job still runs keeps recover out the same way.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
e2e_init

keygen key
GO=$WORK/go
# The job waits (bounded) for $GO, so the test decides when it ends.
JOB=(sh -c 'i=0; while [ ! -e "$1" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done; echo done' sh "$GO")

# wait_for_journal LOG: until LOG.journal holds a journal (at most 30 s).
wait_for_journal() {
    local i=0
    until ls "$1.journal/"*.tpj >/dev/null 2>&1; do
        i=$((i + 1))
        [ "$i" -lt 300 ] || die "no journal appeared in $1.journal"
        sleep 0.1
    done
}

# recover_refused LOG WHAT: recover on a live run exits 2 saying so and
# leaves the journals and no log.
recover_refused() {
    local log=$1 what=$2 before st=0
    before=$(ls "$log.journal" | sort | tr '\n' ' ')
    tp recover "$log" >"$log.recover.out" 2>&1 || st=$?
    if [ "$st" -eq 2 ] && grep -q "still running" "$log.recover.out"; then
        ok "[$what] recover refused: $(head -n 1 "$log.recover.out")"
    else
        sed 's/^/    /' "$log.recover.out" >&2
        fail "[$what] recover on a live run exited $st (expected 2, 'still running')"
    fi
    [ ! -e "$log" ] || fail "[$what] recover wrote $log while the run was running"
    # the live job adds journals (each `sleep` is a stream); none may go
    local j
    for j in $before; do
        [ -e "$log.journal/$j" ] || fail "[$what] recover removed $j of the live run"
    done
}

tp run --key "$WORK/key.pem" --log "$WORK/run.h5" -- "${JOB[@]}" >"$WORK/run.out" 2>&1 &
RUN_PID=$!
wait_for_journal "$WORK/run.h5"
recover_refused "$WORK/run.h5" run
: >"$GO"
st=0
wait "$RUN_PID" || st=$?
[ "$st" -eq 0 ] || { sed 's/^/    /' "$WORK/run.out" >&2; fail "[run] the run exited $st after the refused recover, expected 0"; }
[ -f "$WORK/run.h5" ] || fail "[run] the run did not write its log"
[ ! -e "$WORK/run.h5.journal" ] || fail "[run] the journal directory is left behind"
expect_verify 0 "$WORK/run.h5" "$WORK/run.json" --pubkey "$WORK/key.pub.pem"
expect_claim "$WORK/run.json" log.complete pass

# Under mpirun: rank 1's job runs on after rank 0's ended.
if command -v mpirun >/dev/null 2>&1 && [ -n "${TRAINPROV_MPI_LIB:-}" ] && [ -f "$TRAINPROV_MPI_LIB" ]; then
    . "$E2E_DIR/mpi_lib.sh"
    mpi_init
    rm -f "$GO"
    MJOB=(sh -c '[ "$OMPI_COMM_WORLD_RANK" = 0 ] && exit 0; i=0; while [ ! -e "$1" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done' sh "$GO")
    timeout -k 10 120 mpirun -np 2 "$TRAINPROV" run --key "$WORK/key.pem" --log "$WORK/mpi.h5" -- \
        "${MJOB[@]}" >"$WORK/mpi.out" 2>&1 &
    MPI_PID=$!
    wait_for_journal "$WORK/mpi.h5"
    sleep 1 # rank 0's job has ended by now; rank 1's still runs
    recover_refused "$WORK/mpi.h5" mpirun
    : >"$GO"
    st=0
    wait "$MPI_PID" || st=$?
    [ "$st" -eq 0 ] || { sed 's/^/    /' "$WORK/mpi.out" >&2; fail "[mpirun] exited $st, expected 0"; }
    [ -f "$WORK/mpi.h5" ] || { sed 's/^/    /' "$WORK/mpi.out" >&2; fail "[mpirun] no log written"; }
else
    note "no mpirun or libtrainprov-mpi.so: the mpirun case is not tested"
fi
finish
