#!/bin/bash
# bench/memmap.sh: log bytes per 10^5 memmap opens (docs/PERFORMANCE.md).
# bench_memmap opens, maps, unmaps and closes a 4 MiB token file N times (a
# data loader that makes a new np.memmap per batch) under `trainprov run`;
# prints a markdown row: opens, run log bytes, records, bytes per open, wall s
# of the job alone and under trainprov. BENCH_MEMMAP_LIB_BEFORE=PATH also runs
# the same with another libtrainprov.so (an older build), side by side.
# Needs: TRAINPROV, TRAINPROV_LIB, BENCH_BIN (set by `make bench`).
set -euo pipefail
N=${BENCH_MEMMAP_OPENS:-100000}
work=$(mktemp -d /tmp/trainprov-bench-memmap.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"
"$TRAINPROV" keygen -o key.pem >/dev/null
head -c 4M /dev/urandom > train.bin
plain=$("$BENCH_BIN/bench_memmap" train.bin "$N" | awk '{print $4}')

measure() { # LABEL LIB
    rm -rf run.h5 run.h5.journal
    local t
    t=$(TRAINPROV_LIB=$2 "$TRAINPROV" run --key key.pem --log run.h5 -- \
        "$BENCH_BIN/bench_memmap" train.bin "$N" 2>/dev/null | awk '{print $4}')
    local bytes records
    bytes=$(stat -c %s run.h5)
    records=$("$TRAINPROV" dump run.h5 | grep -c ' file ' || true)
    printf '| %s | %d | %d | %d | %.1f | %s | %s |\n' "$1" "$N" "$bytes" "$records" \
        "$(awk -v b="$bytes" -v n="$N" 'BEGIN { print b / n }')" "$plain" "$t"
}
echo "| logger | memmap opens | run log bytes | FileEvent records | log bytes per open | job s without trainprov | job s with |"
echo "|---|---|---|---|---|---|---|"
if [ -n "${BENCH_MEMMAP_LIB_BEFORE:-}" ]; then
    measure "before (one record per session)" "$BENCH_MEMMAP_LIB_BEFORE"
fi
measure "this build" "$TRAINPROV_LIB"
