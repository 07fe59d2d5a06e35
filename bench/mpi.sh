#!/bin/bash
# bench/mpi.sh: the MPI costs of trainprov, side by side in one run, printed
# as the markdown table of docs/PERFORMANCE.md's MPI section:
#   1. latency of an 8-byte MPI_Allreduce, 2 ranks and 1, plain vs under
#      `trainprov run` (libtrainprov.so + libtrainprov-mpi.so): best of rounds,
#      and, when valgrind is installed, user-space instructions per call on
#      1 rank (callgrind counts are exact, where timings on a shared VM are not)
#   2. rank 0's MPI_Finalize time and the whole mpirun's wall time against the
#      rank count (1-16, oversubscribed), plain vs under `trainprov run` (which
#      adds sealing, the gather of final heads, and rank 0's wrapper waiting
#      for the journals and assembling the log)
#   3. the hashing work when 4 ranks read the same shards, vs 1 rank reading
#      them (hashing them once): bytes the streams hashed themselves
#      (StreamEnd.bytes_hashed) and the loggers' CPU time (StreamEnd.logger_cpu_ns)
# Needs: TRAINPROV, TRAINPROV_LIB, TRAINPROV_MPI_LIB, TRAINPROV_PYTHONDIR,
# PYTHON (with mpi4py), BENCH_BIN, mpirun (set by `make bench`).
# Knobs: BENCH_MPI_AR_ROUNDS (default 15), BENCH_MPI_ITERS (200000), BENCH_MPI_RANKS
# ("1 2 4 8 16"), BENCH_SHARD_MIB (64, four shards).
set -euo pipefail
AR_ROUNDS=${BENCH_MPI_AR_ROUNDS:-15}
ITERS=${BENCH_MPI_ITERS:-200000}
RANKS=${BENCH_MPI_RANKS:-1 2 4 8 16}
SHARD_MIB=${BENCH_SHARD_MIB:-64}
work=$(mktemp -d /tmp/trainprov-bench-mpi.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"
export TRAINPROV_LIB TRAINPROV_MPI_LIB TRAINPROV_PYTHONDIR
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1

min() { sort -g | head -n 1; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }

echo "trainprov MPI benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(mpirun --version | head -n 1)" >&2
"$TRAINPROV" keygen -o key.pem >/dev/null
bench=$BENCH_BIN/bench_mpi

# plain NP CMD... / traced NP CMD...: the same mpirun, without and with trainprov
plain() { local np=$1; shift; mpirun -np "$np" "$@" 2>/dev/null; }
traced() {
    local np=$1; shift
    rm -rf run.h5 run.h5.journal
    mpirun -np "$np" "$TRAINPROV" run --key key.pem --log run.h5 --data 'data/shard_*' -- "$@" \
        2>/dev/null
    [ -f run.h5 ] || { echo "bench/mpi.sh: trainprov run wrote no log" >&2; exit 1; }
}

# 1. 8-byte MPI_Allreduce, alternated rounds, on 2 ranks and on 1 (no
# partner to wait for: the steadier figure on a 2-core VM)
allreduce() { # NP: sets ar_plain and ar_traced, ns per call, best of AR_ROUNDS
    local p=() t=() i
    for i in $(seq "$AR_ROUNDS"); do
        p+=("$(plain "$1" "$bench" allreduce "$ITERS" | awk '/^allreduce/ {print $2}')")
        t+=("$(traced "$1" "$bench" allreduce "$ITERS" | awk '/^allreduce/ {print $2}')")
    done
    ar_plain=$(printf '%s\n' "${p[@]}" | min)
    ar_traced=$(printf '%s\n' "${t[@]}" | min)
}
allreduce 2
ar2_plain=$ar_plain ar2_traced=$ar_traced
allreduce 1
ar1_plain=$ar_plain ar1_traced=$ar_traced
# instructions per call: (Ir(2N) - Ir(N)) / N cancels start-up and MPI_Init
ir() { "$@" 2>&1 | awk '/Collected/ {print $4}'; }
cg=(valgrind --tool=callgrind --callgrind-out-file=/dev/null)
ir_plain=n/a; ir_traced=n/a; ir_added=n/a
if command -v valgrind >/dev/null; then
    n=20000
    ir_plain=$(( ($(ir mpirun -np 1 "${cg[@]}" "$bench" allreduce $((2 * n))) -
                  $(ir mpirun -np 1 "${cg[@]}" "$bench" allreduce "$n")) / n ))
    tir() {
        rm -rf run.h5 run.h5.journal
        ir mpirun -np 1 "$TRAINPROV" run --key key.pem --log run.h5 -- "${cg[@]}" "$bench" allreduce "$1"
    }
    ir_traced=$(( ($(tir $((2 * n))) - $(tir "$n")) / n ))
    ir_added=$((ir_traced - ir_plain))
fi

# 2. finalize and whole-job time against rank count (best of 3 each)
fin_rows=
for np in $RANKS; do
    fp=(); ft=(); wp=(); wt=()
    for i in 1 2 3; do
        t0=$(now); fp+=("$(plain "$np" "$bench" finalize | awk '/^finalize/ {print $2}')"); wp+=("$(since "$t0")")
        t0=$(now); ft+=("$(traced "$np" "$bench" finalize | awk '/^finalize/ {print $2}')"); wt+=("$(since "$t0")")
    done
    a=$(printf '%s\n' "${fp[@]}" | min); b=$(printf '%s\n' "${ft[@]}" | min)
    c=$(printf '%s\n' "${wp[@]}" | min); d=$(printf '%s\n' "${wt[@]}" | min)
    fin_rows+="| $np | $a | $b | $c | $d | +$(awk -v x="$c" -v y="$d" 'BEGIN { printf "%.2f", y - x }') s |"$'\n'
done

# 3. four ranks reading the same shards vs one rank reading them
mkdir -p data
for i in 0 1 2 3; do head -c "$((SHARD_MIB << 20))" /dev/urandom >"data/shard_$i.bin"; done
total=$(cat data/shard_*.bin | wc -c)
job=("$PYTHON" -c 'import glob
from mpi4py import MPI
for p in sorted(glob.glob("data/shard_*.bin")):
    with open(p, "rb") as f:
        while f.read(1 << 20):
            pass
MPI.COMM_WORLD.Barrier()')
hashing() { # NP: prints "<bytes hashed> <logger cpu s>", best of 3 by cpu
    local np=$1 best= line
    for i in 1 2 3; do
        traced "$np" "${job[@]}" >/dev/null
        line=$("$TRAINPROV" dump run.h5 --json | "$PYTHON" -c '
import json, sys
b = c = 0
for s in json.load(sys.stdin)["streams"]:
    end = s["records"][-1].get("stream_end", {})
    b += int(end.get("bytes_hashed", 0)); c += int(end.get("logger_cpu_ns", 0))
print(b, "%.3f" % (c / 1e9))')
        best=$(printf '%s\n%s\n' "$best" "$line" | awk 'NF' | sort -k2 -g | head -n 1)
    done
    echo "$best"
}
read -r h1 c1 <<<"$(hashing 1)"
read -r h4 c4 <<<"$(hashing 4)"

cat <<TABLE
| measurement | without trainprov | with trainprov | ratio / added | target |
|---|---|---|---|---|
| 8-byte \`MPI_Allreduce\`, 2 ranks (ns/call, best of $AR_ROUNDS×$ITERS) | $ar2_plain | $ar2_traced | $(ratio "$ar2_traced" "$ar2_plain")× | ≤ 1.02× |
| the same, 1 rank (ns/call, best of $AR_ROUNDS×$ITERS) | $ar1_plain | $ar1_traced | $(ratio "$ar1_traced" "$ar1_plain")× | |
| the same call, 1 rank: user-space instructions per call (callgrind) | $ir_plain | $ir_traced | +$ir_added | |
| hashing, 4 ranks reading the same 4 × $SHARD_MIB MiB shards vs 1 rank reading them (bytes hashed, all streams) | $h1 (1 rank) | $h4 (4 ranks) | $(ratio "$h4" "$h1")× ($(ratio "$h4" "$total")× the shards' size) | ≤ 1.2× |
| the same: CPU s of the loggers' background threads, all streams (best of 3) | $c1 (1 rank) | $c4 (4 ranks) | $(ratio "$c4" "$c1")× | |

| ranks | rank 0's \`MPI_Finalize\`, ms, plain | with trainprov | whole \`mpirun\`, s, plain | with trainprov (incl. log assembly) | added |
|---|---|---|---|---|---|
${fin_rows}
TABLE
