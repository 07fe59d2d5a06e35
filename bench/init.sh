#!/bin/bash
# bench/init.sh: the costs of verifiable random initialisation (issue 4),
# printed as a markdown table for docs/PERFORMANCE.md:
#   1. regeneration throughput of trainprov/init/v1 in GB/s of float32,
#      uniform and normal, 1 and 2 threads (best of rounds, in memory)
#   2. `trainprov verify` time for init.random on a ~100M-parameter model
#      (24 Linear layers 2048 x 2048 with biases): strength exact
#      (regenerate and hash every InitTensor of a trainprov.torch job) and
#      strength statistical (KS, moments and power iteration over a step-0
#      safetensors checkpoint), each extrapolated linearly to 1B parameters
# Needs: TRAINPROV, TRAINPROV_LIB, TRAINPROV_PYTHONDIR, PYTHON, BENCH_BIN (set
# by `make bench`). Knobs: BENCH_ROUNDS, BENCH_INIT_ELEMS (regeneration size,
# default 2^25 elements = 128 MiB), BENCH_INIT_LAYERS (24).
set -euo pipefail
ROUNDS=${BENCH_ROUNDS:-5}
ELEMS=${BENCH_INIT_ELEMS:-33554432}
LAYERS=${BENCH_INIT_LAYERS:-24}
ROWS=2048
COLS=2048
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/trainprov-bench-init.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"
export TRAINPROV_LIB PYTHONPATH=$TRAINPROV_PYTHONDIR

echo "trainprov init benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores" >&2
"$TRAINPROV" keygen -o key.pem >/dev/null
params=$((LAYERS * (ROWS * COLS + ROWS)))

# timed CMD...: wall seconds of CMD (its exit status 0 or 1 is fine: a
# verdict; 2 or more is an error).
timed() {
    local t0 t1 rc=0
    t0=$(date +%s.%N)
    "$@" >/dev/null 2>&1 || rc=$?
    t1=$(date +%s.%N)
    [ "$rc" -le 1 ] || { echo "bench/init.sh: $* exited $rc" >&2; exit 1; }
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }'
}

"$BENCH_BIN/bench_init" regen "$ELEMS" "$ROUNDS" >regen.txt

# Strength exact: a job that fills the model with trainprov.torch.
"$TRAINPROV" run --key key.pem --log exact.h5 -- \
    "$PYTHON" "$here/init_job.py" "$LAYERS" "$ROWS" "$COLS" >/dev/null 2>&1
exact_s=$(timed "$TRAINPROV" verify exact.h5 --pubkey key.pub.pem --quiet)
"$TRAINPROV" verify exact.h5 --pubkey key.pub.pem --json exact.json >/dev/null 2>&1 || true
grep -q '"strength": *"exact"' exact.json && grep -q "\"elements\": *$params" exact.json ||
    { echo "bench/init.sh: the exact-strength result does not cover $params elements" >&2; exit 1; }

# Strength statistical: a run with no InitTensor and a step-0 checkpoint.
"$BENCH_BIN/bench_init" model step0.safetensors "$LAYERS" "$ROWS" "$COLS"
"$TRAINPROV" run --key key.pem --log stat.h5 -- true >/dev/null 2>&1
stat_s=$(timed "$TRAINPROV" verify stat.h5 --pubkey key.pub.pem --checkpoint step0.safetensors --quiet)
"$TRAINPROV" verify stat.h5 --pubkey key.pub.pem --checkpoint step0.safetensors --json stat.json >/dev/null 2>&1 || true
grep -q '"strength": *"statistical"' stat.json && grep -q '"tensors_failed": *0' stat.json ||
    { echo "bench/init.sh: the statistical result is not a pass over the model" >&2; exit 1; }

echo "| measure | value |"
echo "|---|---|"
while read -r _ dist threads gbps; do
    echo "| regeneration, $dist float32, $threads thread(s) | $gbps GB/s |"
done <regen.txt
x1b() { awk -v s="$1" -v p="$params" 'BEGIN { printf "%.0f", s * 1e9 / p }'; }
echo "| verify init.random exact, $params parameters | $exact_s s |"
echo "| ... extrapolated to 1B parameters | $(x1b "$exact_s") s |"
echo "| verify init.random statistical, $params parameters | $stat_s s |"
echo "| ... extrapolated to 1B parameters | $(x1b "$stat_s") s |"
