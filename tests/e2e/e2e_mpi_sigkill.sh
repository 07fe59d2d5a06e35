#!/bin/bash
# e2e_mpi_sigkill.sh: one rank of a 4-rank job is killed with SIGKILL
# mid-run. mpirun ends the job within seconds and no log is assembled (rank
# 2's journal never becomes final); `trainprov recover` builds a log in which
# every signed record verifies (log.integrity pass) and log.complete fails,
# naming rank 2. Nothing hangs: every step is bounded by a timeout.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
. "$E2E_DIR/mpi_lib.sh"
e2e_init torch h5py
mpi_init
export TRAINPROV_MPI_WAIT_SECONDS=3

keygen key
make_shards "$WORK/data" 4
mkdir -p "$WORK/pids"
LOG=$WORK/run.h5
TRAINPROV_HEAD_EVERY=4 TRAINPROV_HEAD_SECONDS=1 timeout -k 10 120 mpirun -np 4 \
    "$TRAINPROV" run --key "$WORK/key.pem" --log "$LOG" --data "$WORK/data/shard_*.bin" -- \
    "$PYTHON" "$E2E_DIR/train_mpi.py" --data "$WORK/data" --out "$WORK/out" --steps 100000 \
    --sleep-per-step 0.2 --pid-dir "$WORK/pids" >"$LOG.out" 2>&1 &
MPIRUN=$!

deadline=$((SECONDS + 60))
while [ ! -s "$WORK/pids/rank2.pid" ]; do
    kill -0 "$MPIRUN" 2>/dev/null || { tail -n 30 "$LOG.out" >&2; die "the job ended early"; }
    [ "$SECONDS" -lt "$deadline" ] || { kill -KILL "$MPIRUN"; die "rank 2 did not start in 60 s"; }
    sleep 0.2
done
sleep 2.5 # heads (every second) cover the first training steps
VICTIM=$(cat "$WORK/pids/rank2.pid")
kill -KILL "$VICTIM" || die "could not kill rank 2 (pid $VICTIM)"
ok "killed rank 2 (pid $VICTIM) with SIGKILL"

start=$SECONDS
st=0
wait "$MPIRUN" || st=$?
[ "$st" -ne 0 ] || fail "mpirun exited 0 although a rank was killed"
# (137 is also what the killed rank's wrapper passes on: 128 + SIGKILL)
[ "$st" -ne 124 ] && [ $((SECONDS - start)) -lt 60 ] ||
    fail "mpirun did not end by itself after the kill (status $st, $((SECONDS - start)) s)"
ok "mpirun ended $((SECONDS - start)) s after the kill (status $st)"
[ ! -e "$LOG" ] || fail "a log was assembled although rank 2 never finished"
[ -d "$LOG.journal" ] || die "no journals left in $LOG.journal"

# A new job with the same --log must not mix its streams with these journals.
n_before=$(ls "$LOG.journal" | wc -l)
st=0
timeout -k 10 60 mpirun -np 2 "$TRAINPROV" run --key "$WORK/key.pem" --log "$LOG" -- \
    "$PYTHON" -c 'print("must not run")' >"$WORK/again.out" 2>&1 || st=$?
[ "$st" -ne 0 ] || fail "a new mpirun job started on the journals of the killed one"
grep -q "must not run" "$WORK/again.out" && fail "the new job ran"
grep -q "journal .* of another run" "$WORK/again.out" ||
    { cat "$WORK/again.out" >&2; fail "the refusal does not say why"; }
[ "$(ls "$LOG.journal" | wc -l)" -eq "$n_before" ] || fail "the refused job touched the journals"

st=0
timeout 60 "$TRAINPROV" recover "$LOG" >"$WORK/recover.out" 2>&1 || st=$?
cat "$WORK/recover.out"
[ "$st" -eq 0 ] || die "trainprov recover exited $st"
expect_verify 1 "$LOG" "$WORK/verify.json" --pubkey "$WORK/key.pub.pem"
expect_claim "$WORK/verify.json" log.integrity pass
expect_claim "$WORK/verify.json" log.complete fail
detail_has "$WORK/verify.json" log.complete "rank 2"
jcheck summary "$WORK/verify.json" | grep log.complete
finish
