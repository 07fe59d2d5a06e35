#!/bin/bash
# bench/run.sh: measures trainprov's costs side by side in one run and prints
# a markdown table (copied into docs/PERFORMANCE.md):
#   1. file hashing throughput vs `openssl speed -evp sha256`
#   2. added cost of an intercepted 4 KiB cached read()
#   3. slowdown of the tests' PyTorch job (DataLoader, 2 workers) under trainprov run
#   4. verify speed in records per second
# Needs: TRAINPROV, TRAINPROV_LIB, TRAINPROV_PYTHONDIR, PYTHON, BENCH_BIN, E2E_DIR
# (set by `make bench`). Knobs: BENCH_ROUNDS (default 5), BENCH_STEPS (60).
set -euo pipefail
ROUNDS=${BENCH_ROUNDS:-5}
STEPS=${BENCH_STEPS:-60}
NOTES=${BENCH_NOTES:-200000}
work=$(mktemp -d /tmp/trainprov-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"
export TRAINPROV_LIB TRAINPROV_PYTHONDIR

min() { sort -g | head -n 1; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }

echo "trainprov benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(uname -r)" >&2
"$TRAINPROV" keygen -o key.pem >/dev/null

# 1. hashing: 1 GiB page-cached file vs openssl's in-memory sha256
head -c 1G /dev/urandom > big.bin
ours=$("$BENCH_BIN/bench_hash" big.bin "$ROUNDS" | awk '{print $2}')
openssl_kb=$(openssl speed -evp sha256 -bytes 1048576 -seconds 3 2>/dev/null | awk '/^sha256/ {print $2}')
theirs=$(awk -v k="${openssl_kb%k}" 'BEGIN { printf "%.1f", k / 1000 }')
rm -f big.bin

# 2. read(): the same binary on a recorded file, plain and preloaded, alternated
head -c 4096 /dev/urandom > small.bin
plain=(); traced=()
for i in $(seq "$ROUNDS"); do
    plain+=("$("$BENCH_BIN/bench_read" small.bin 1000000 | awk '{print $2}')")
    rm -rf run.h5 run.h5.journal
    traced+=("$("$TRAINPROV" run --key key.pem --log run.h5 -- "$BENCH_BIN/bench_read" small.bin 1000000 2>/dev/null | awk '{print $2}')")
done
plain_ns=$(printf '%s\n' "${plain[@]}" | min)
traced_ns=$(printf '%s\n' "${traced[@]}" | min)
added_ns=$(awk -v a="$traced_ns" -v b="$plain_ns" 'BEGIN { printf "%.1f", a - b }')

# 3. the PyTorch job, with and without trainprov, alternated
"$PYTHON" "$E2E_DIR/make_shards.py" data 8 >/dev/null
job=("$PYTHON" "$E2E_DIR/train_tiny.py" --data data --steps "$STEPS" --ckpt-every 20)
without=(); with=()
for i in $(seq "$ROUNDS"); do
    rm -rf out run.h5 run.h5.journal
    t0=$(date +%s.%N); "${job[@]}" --out out >/dev/null; t1=$(date +%s.%N)
    without+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')")
    rm -rf out
    t0=$(date +%s.%N)
    "$TRAINPROV" run --key key.pem --log run.h5 --data 'data/shard_*' -- "${job[@]}" --out out >/dev/null 2>&1
    t1=$(date +%s.%N)
    with+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')")
done
job_without=$(printf '%s\n' "${without[@]}" | min)
job_with=$(printf '%s\n' "${with[@]}" | min)
records_job=$("$TRAINPROV" dump run.h5 --json | "$PYTHON" -c 'import json,sys; print(sum(len(s["records"]) for s in json.load(sys.stdin)["streams"]))')

# 4. verify speed on a log of many records
rm -rf notes.h5 notes.h5.journal
"$TRAINPROV" run --key key.pem --log notes.h5 -- "$PYTHON" "$(dirname "$0")/notes_job.py" "$NOTES" 2>/dev/null
best_verify=
for i in $(seq 3); do
    t0=$(date +%s.%N); "$TRAINPROV" verify notes.h5 --pubkey key.pub.pem --quiet >/dev/null; t1=$(date +%s.%N)
    best_verify=$(printf '%s\n' $best_verify "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" | min)
done
records=$("$TRAINPROV" dump notes.h5 --json | "$PYTHON" -c 'import json,sys; print(sum(len(s["records"]) for s in json.load(sys.stdin)["streams"]))')
rps=$(awk -v n="$records" -v t="$best_verify" 'BEGIN { printf "%.0f", n / t }')

cat <<TABLE
| measurement | without trainprov | with trainprov | ratio / added | target |
|---|---|---|---|---|
| SHA-256 of a 1 GiB cached file (MB/s): trainprov vs \`openssl speed -evp sha256\` | $theirs | $ours | $(ratio "$ours" "$theirs")× | ≥ 0.9× |
| 4 KiB cached \`read()\` on a recorded file (ns/call, best of $ROUNDS×1M) | $plain_ns | $traced_ns | +$added_ns ns | ≤ 100 ns |
| PyTorch job, $STEPS steps, 2 DataLoader workers, 3 checkpoints (s, best of $ROUNDS) | $job_without | $job_with | $(ratio "$job_with" "$job_without")× ($records_job records) | ≤ 1.02× |
| \`trainprov verify\` of a $records-record log (s, best of 3) | | $best_verify | $rps records/s | |
TABLE
