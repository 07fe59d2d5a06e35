#!/bin/bash
# bench/run.sh: measures trainprov's costs side by side in one run and prints
# a markdown table (copied into docs/PERFORMANCE.md):
#   1. file hashing throughput vs `openssl speed -evp sha256` (an in-cache
#      buffer) and vs `openssl dgst -sha256` on the same file
#   2. added cost of an intercepted 4 KiB cached read(): time (best of rounds)
#      and, when valgrind is installed, user-space instructions per call
#      (callgrind counts are exact, where timings on a shared VM are noisy)
#   3. slowdown of the tests' PyTorch job (DataLoader, 2 workers) under
#      trainprov run: wall time (median and best) and CPU time (user+sys)
#   4. verify speed in records per second
#   5. init.random: regeneration throughput and verify time (bench/init.sh)
#   6. log bytes per 10^5 memmap opens (bench/memmap.sh)
# Needs: TRAINPROV, TRAINPROV_LIB, TRAINPROV_PYTHONDIR, PYTHON, BENCH_BIN, E2E_DIR
# (set by `make bench`). Knobs: BENCH_ROUNDS (default 5), BENCH_STEPS (60).
set -euo pipefail
ROUNDS=${BENCH_ROUNDS:-7}
STEPS=${BENCH_STEPS:-60}
NOTES=${BENCH_NOTES:-200000}
work=$(mktemp -d /tmp/trainprov-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"
export TRAINPROV_LIB TRAINPROV_PYTHONDIR

min() { sort -g | head -n 1; }
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }

echo "trainprov benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(uname -r)" >&2
"$TRAINPROV" keygen -o key.pem >/dev/null

# 1. hashing: 1 GiB page-cached file vs openssl's in-memory sha256
head -c 1G /dev/urandom > big.bin
ours=$("$BENCH_BIN/bench_hash" big.bin "$ROUNDS" | awk '{print $2}')
openssl_kb=$(openssl speed -evp sha256 -bytes 1048576 -seconds 3 2>/dev/null | awk '/^sha256/ {print $2}')
theirs=$(awk -v k="${openssl_kb%k}" 'BEGIN { printf "%.1f", k / 1000 }')
dgst=()
for i in 1 2 3; do
    t0=$(date +%s.%N); openssl dgst -sha256 big.bin >/dev/null; t1=$(date +%s.%N)
    dgst+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", 1073.741824 / (b - a) }')")
done
dgst_mbps=$(printf '%s\n' "${dgst[@]}" | sort -g | tail -n 1)
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
# instructions per call: the difference between 2e5 and 1e5 calls (x5 rounds)
# cancels start-up, so (Ir(2e5) - Ir(1e5)) / 5e5 is the per-call count
ir() { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 | awk '/Collected/ {print $4}'; }
ir_plain=n/a; ir_traced=n/a; ir_added=n/a
if command -v valgrind >/dev/null; then
    ir_plain=$(( ($(ir "$BENCH_BIN/bench_read" small.bin 200000) - $(ir "$BENCH_BIN/bench_read" small.bin 100000)) / 500000 ))
    traced_ir() {
        rm -rf run.h5 run.h5.journal
        "$TRAINPROV" run --key key.pem --log run.h5 -- valgrind --tool=callgrind \
            --callgrind-out-file=/dev/null "$BENCH_BIN/bench_read" small.bin "$1" 2>&1 | awk '/Collected/ {print $4}'
    }
    ir_traced=$(( ($(traced_ir 200000) - $(traced_ir 100000)) / 500000 ))
    ir_added=$((ir_traced - ir_plain))
fi

# 3. the PyTorch job, with and without trainprov, alternated
"$PYTHON" "$E2E_DIR/make_shards.py" data 8 >/dev/null
job=("$PYTHON" "$E2E_DIR/train_tiny.py" --data data --steps "$STEPS" --ckpt-every 20)
without=(); with=(); cpu_without=(); cpu_with=()
timed() { local TIMEFORMAT='%R %U %S'; { time "$@" >/dev/null 2>&1; } 2>time.out; }
for i in $(seq "$ROUNDS"); do
    rm -rf out run.h5 run.h5.journal
    timed "${job[@]}" --out out
    without+=("$(awk '{print $1}' time.out)"); cpu_without+=("$(awk '{print $2 + $3}' time.out)")
    rm -rf out
    timed "$TRAINPROV" run --key key.pem --log run.h5 --data 'data/shard_*' -- "${job[@]}" --out out
    with+=("$(awk '{print $1}' time.out)"); cpu_with+=("$(awk '{print $2 + $3}' time.out)")
done
job_without=$(printf '%s\n' "${without[@]}" | median)
job_with=$(printf '%s\n' "${with[@]}" | median)
best_without=$(printf '%s\n' "${without[@]}" | min)
best_with=$(printf '%s\n' "${with[@]}" | min)
cpu_job_without=$(printf '%s\n' "${cpu_without[@]}" | median)
cpu_job_with=$(printf '%s\n' "${cpu_with[@]}" | median)
"$TRAINPROV" dump run.h5 --json > job.json
records_job=$("$PYTHON" -c 'import json,sys; print(sum(len(s["records"]) for s in json.load(sys.stdin)["streams"]))' < job.json)
# the logger's background threads report their own CPU time in StreamEnd
logger_cpu=$("$PYTHON" -c '
import json, sys
total = 0
for s in json.load(sys.stdin)["streams"]:
    for r in s["records"]:
        end = r.get("stream_end")
        if end:
            total += int(end.get("logger_cpu_ns", 0))
print("%.4f" % (total / 1e9))' < job.json)

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
| SHA-256 of a 1 GiB cached file (MB/s): trainprov vs \`openssl speed -evp sha256\` (1 MiB in-cache buffer) | $theirs | $ours | $(ratio "$ours" "$theirs")× | ≥ 0.9× |
| SHA-256 of the same file (MB/s): trainprov vs \`openssl dgst -sha256 FILE\` | $dgst_mbps | $ours | $(ratio "$ours" "$dgst_mbps")× | |
| 4 KiB cached \`read()\` on a recorded file (ns/call, best of $ROUNDS×5×1M) | $plain_ns | $traced_ns | +$added_ns ns | ≤ 100 ns |
| the same \`read()\`: user-space instructions per call (callgrind) | $ir_plain | $ir_traced | +$ir_added | |
| PyTorch job, $STEPS steps, 2 DataLoader workers, 3 checkpoints: wall s, median of $ROUNDS | $job_without | $job_with | $(ratio "$job_with" "$job_without")× | ≤ 1.02× |
| the same job: wall s, best of $ROUNDS | $best_without | $best_with | $(ratio "$best_with" "$best_without")× | |
| the same job: CPU s (user+sys of the whole process tree), median | $cpu_job_without | $cpu_job_with | $(ratio "$cpu_job_with" "$cpu_job_without")× ($records_job records) | |
| the same job: CPU s of trainprov's background threads (hashing, journal, signing; from the log's StreamEnd records) | | $logger_cpu | $(awk -v a="$logger_cpu" -v b="$cpu_job_without" 'BEGIN { printf "%.3f%%", 100 * a / b }') of the job's CPU | |
| \`trainprov verify\` of a $records-record log (s, best of 3) | | $best_verify | $rps records/s | |
TABLE

# 5. verifiable random initialisation: bench/init.sh prints its own table
echo
bash "$(dirname "$0")/init.sh"

# 6. log bytes per 10^5 memmap opens: bench/memmap.sh prints its own table
echo
bash "$(dirname "$0")/memmap.sh"
