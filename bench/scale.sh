#!/bin/bash
# bench/scale.sh: how log assembly grows with the number of streams, for
# docs/SCALING.md. Not part of `make bench` (it takes minutes and GBs).
#
#   1. Real journals: the tests' data-parallel PyTorch + mpi4py job
#      (tests/e2e/train_mpi.py, 4 ranks, each reading SCALE_SHARDS_PER_RANK
#      shards) runs with the loggers preloaded by hand and no wrapper, so its
#      journals stay in SRC.h5.journal/.
#   2. For N in SCALE_STREAMS, a journal directory of N streams: rank 0's
#      journal and N-1 hard links to rank 1's under fresh stream ids (the
#      loader takes a stream's id from its file name; the copies' records keep
#      rank 1's ids, which verify would reject, and which assembly does not
#      look at).
#   3. Wall time and peak RSS (/usr/bin/time) of: loading every journal, as
#      each poll of rank 0's `trainprov run` wrapper does (recover, made to
#      stop before writing); `trainprov recover` (loading plus writing the
#      HDF5 log); `trainprov verify` of the result.
# Needs: TRAINPROV, TRAINPROV_LIB, TRAINPROV_MPI_LIB, PYTHON (torch, mpi4py),
# E2E_DIR, mpirun, /usr/bin/time. Knobs: SCALE_STREAMS ("100 1000 3000 10000"),
# SCALE_SHARDS_PER_RANK (64).
set -euo pipefail
STREAMS=${SCALE_STREAMS:-100 1000 3000 10000}
PER_RANK=${SCALE_SHARDS_PER_RANK:-64}
work=$(mktemp -d /tmp/trainprov-scale.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1

"$TRAINPROV" keygen -o key.pem >/dev/null
"$PYTHON" "$E2E_DIR/make_shards.py" data $((4 * PER_RANK)) >/dev/null
mkdir src.h5.journal
chmod 700 src.h5.journal
TRAINPROV_LOG=$work/src.h5 TRAINPROV_KEY=$work/key.pem \
TRAINPROV_RUN_ID=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n') \
TRAINPROV_DATA="$work/data/shard_*" \
    mpirun -np 4 env LD_PRELOAD="$TRAINPROV_LIB:$TRAINPROV_MPI_LIB" \
    "$PYTHON" "$E2E_DIR/train_mpi.py" --data data --out out --steps 20 --ckpt-every 10 >/dev/null
# the journals, largest first: rank 0's (it also records the checkpoints and
# the finalize list) is the largest; any other is a typical rank
mapfile -t js < <(ls -S src.h5.journal/*.tpj)
[ "${#js[@]}" -eq 4 ] || { echo "bench/scale.sh: expected 4 journals, got ${#js[@]}" >&2; exit 1; }
j0=${js[0]}
j1=${js[1]}
s0=$(stat -c %s "$j0")
s1=$(stat -c %s "$j1")
echo "rank journals: $(stat -c %s "${js[@]}" | tr '\n' ' ')bytes" >&2

echo "| streams | journals, MB | loading every journal (one poll of rank 0's wrapper): wall s | peak RSS, MB | \`trainprov recover\`: wall s | peak RSS, MB | log, MB | \`trainprov verify\`: wall s | peak RSS, MB |"
echo "|---|---|---|---|---|---|---|---|---|"
for n in $STREAMS; do
    rm -rf sim.h5 sim.h5.journal
    mkdir sim.h5.journal
    ln "$j0" sim.h5.journal/0000000000000000.tpj
    for i in $(seq 1 $((n - 1))); do
        ln "$j1" "sim.h5.journal/$(printf '%016x' "$i").tpj"
    done
    mb=$(awk -v a="$s0" -v b="$s1" -v n="$n" 'BEGIN { printf "%.1f", (a + (n - 1) * b) / 1e6 }')
    # loading alone: with the log's temporary name taken by a directory,
    # recover loads every journal, then cannot create the log and stops
    mkdir sim.h5.tmp
    /usr/bin/time -f "%e %M" -o load.time "$TRAINPROV" recover sim.h5 >/dev/null 2>&1 || true
    rmdir sim.h5.tmp
    /usr/bin/time -f "%e %M" -o rec.time "$TRAINPROV" recover sim.h5 >/dev/null
    /usr/bin/time -f "%e %M" -o ver.time "$TRAINPROV" verify sim.h5 --pubkey key.pub.pem \
        --quiet >/dev/null 2>&1 || true # claims fail (cloned streams); time is what counts
    read -r lt lm < <(tail -n 1 load.time)
    read -r rt rm < <(tail -n 1 rec.time)
    read -r vt vm < <(tail -n 1 ver.time) # after "Command exited with ..."
    echo "| $n | $mb | $lt | $(awk -v k="$lm" 'BEGIN { printf "%.0f", k / 1024 }') | $rt | $(awk -v k="$rm" 'BEGIN { printf "%.0f", k / 1024 }') | $(awk -v b="$(stat -c %s sim.h5)" 'BEGIN { printf "%.1f", b / 1e6 }') | $vt | $(awk -v k="$vm" 'BEGIN { printf "%.0f", k / 1024 }') |"
done
