#!/bin/bash
# e2e_mpi_train_verify.sh: the data-parallel PyTorch + mpi4py job (rank 0
# initialises and broadcasts every parameter, each rank reads its own shards,
# gradients are Allreduce'd, rank 0 writes checkpoints) under
# `mpirun -np 4 trainprov run ...` gives one log, assembled by rank 0's
# wrapper, that verifies with exit 0: 4 ranks, every shard with its sha256,
# mpi.init_consistent pass. A program that does not use MPI, under the same
# command, still gives a log that verifies. A shard read through MPI-IO
# (MPI_File_read_at_all) is a data file with its sha256 like any other.
# Without libtrainprov-mpi.so, every rank's wrapper refuses to start the job.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
. "$E2E_DIR/mpi_lib.sh"
e2e_init torch h5py
mpi_init

keygen key
make_shards "$WORK/data" 8
LOG=$WORK/run.h5
mpi_run_ok "$LOG" 4 --steps 20 --ckpt-every 10
ok "mpirun -np 4 trainprov run exited 0"
[ ! -e "$LOG.journal" ] || fail "the journals were not removed after the log was written"
n_logs=$(find "$WORK" -name '*.h5' | wc -l)
[ "$n_logs" -eq 1 ] || fail "expected one run log, found $n_logs"

expect_verify 0 "$LOG" "$WORK/verify.json" --pubkey "$WORK/key.pub.pem" --model "$WORK/out/final.pt"
for c in log.integrity log.complete run.binding data.accounted lineage.final mpi.init_consistent; do
    expect_claim "$WORK/verify.json" "$c" pass
done
detail_has "$WORK/verify.json" mpi.init_consistent "all 4 ranks"

expects=()
for f in "$WORK"/data/shard_*.bin; do
    expects+=("data:$(sha256 "$f"):$f")
done
for f in "$WORK"/out/*.pt; do
    expects+=("checkpoint:$(sha256 "$f"):$f")
done
jcheck files "$WORK/verify.json" "${expects[@]}" || fail "shards or checkpoints missing or wrong"

"$PYTHON" - "$LOG" "$WORK/verify.json" <<'EOF2' || fail "the log is not one 4-rank MPI log"
import h5py, json, sys
f = h5py.File(sys.argv[1], "r")
a = f.attrs["assembled_by"]
a = a.decode() if isinstance(a, bytes) else str(a)
assert a == "mpi", "assembled_by = %r" % a
assert "manifest" in f, "no signed manifest"
report = json.load(open(sys.argv[2]))
ev = [c for c in report["claims"] if c["id"] == "mpi.init_consistent"][0]["evidence"]
assert ev["world_size"] == 4, ev
ranks = ev["ranks"]
assert [r["rank"] for r in ranks] == [0, 1, 2, 3], ranks
for r in ranks:
    assert r["broadcasts"] == ranks[0]["broadcasts"] > 0, r
    assert r["files"] >= 2 and r["bytes_read"] > 0 and r["records"] > 0, r
    assert r["allreduce_calls"] > 0, r
print("assembled_by mpi; per rank:", [(r["rank"], r["files"], r["bytes_read"]) for r in ranks])
EOF2

# A program that does not use MPI, under the same command.
PLAIN=$WORK/plain.h5
st=0
timeout -k 10 120 mpirun -np 2 "$TRAINPROV" run --key "$WORK/key.pem" --log "$PLAIN" -- \
    "$PYTHON" -c 'import sys; open(sys.argv[1], "rb").read()' "$WORK/data/shard_000.bin" \
    >"$PLAIN.out" 2>&1 || st=$?
[ "$st" -eq 0 ] || { cat "$PLAIN.out" >&2; fail "a non-MPI program under mpirun exited $st"; }
expect_verify 0 "$PLAIN" "$WORK/plain.json" --pubkey "$WORK/key.pub.pem"
expect_claim "$WORK/plain.json" mpi.init_consistent unknown

MPIIO=$WORK/mpiio.h5
SHARD=$WORK/data/shard_001.bin
st=0
timeout -k 10 120 mpirun -np 2 "$TRAINPROV" run --key "$WORK/key.pem" --log "$MPIIO" \
    --data "$WORK/data/shard_*.bin" -- "$PYTHON" -c 'import sys
import numpy as np
from mpi4py import MPI
c = MPI.COMM_WORLD
fh = MPI.File.Open(c, sys.argv[1], MPI.MODE_RDONLY)
buf = np.empty(4096, dtype=np.uint8)
fh.Read_at_all(c.Get_rank() * 4096, buf)
fh.Close()' "$SHARD" >"$MPIIO.out" 2>&1 || st=$?
[ "$st" -eq 0 ] || { cat "$MPIIO.out" >&2; fail "the MPI-IO job exited $st"; }
expect_verify 0 "$MPIIO" "$WORK/mpiio.json" --pubkey "$WORK/key.pub.pem"
jcheck files "$WORK/mpiio.json" "data:$(sha256 "$SHARD"):$SHARD" ||
    fail "the shard read through MPI-IO is not in the log as data with its sha256"

st=0
TRAINPROV_MPI_LIB=$WORK/nonexistent/libtrainprov-mpi.so timeout -k 10 60 mpirun -np 2 \
    "$TRAINPROV" run --key "$WORK/key.pem" --log "$WORK/nolib.h5" -- \
    "$PYTHON" -c 'print("must not run")' >"$WORK/nolib.out" 2>&1 || st=$?
[ "$st" -ne 0 ] || fail "the job started without libtrainprov-mpi.so"
grep -q "must not run" "$WORK/nolib.out" && fail "the job ran without libtrainprov-mpi.so"
grep -q "MPI logger library .* was not found" "$WORK/nolib.out" ||
    { cat "$WORK/nolib.out" >&2; fail "the refusal does not name the missing library"; }
[ ! -e "$WORK/nolib.h5.journal" ] || fail "a refused job left a journal directory"
finish
