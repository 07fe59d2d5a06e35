#!/bin/bash
# fuzz/run.sh: builds the libFuzzer targets (clang, ASan + UBSan, out of tree
# in ./_build-fuzz) and runs each for a bounded time on its committed seed
# corpus (fuzz/corpus/<target>). New inputs go to _build-fuzz/corpus/<target>,
# findings to _build-fuzz/findings/. See fuzz/README.md.
#
#   fuzz/run.sh [-t SECONDS] [-b] [TARGET...]
#     -t SECONDS  how long each target runs (default 60)
#     -b          build only
#     TARGET      fuzz_journal fuzz_records fuzz_safetensors fuzz_challenge
#                 fuzz_h5log fuzz_ptzip fuzz_inflate (default: all)
#
# Targets run JOBS at a time (default 2: a target is one process on one
# core), so -t 60 over seven targets takes about four minutes on two cores.
#
# One line per target, "PASS fuzz_x ..." or "FAIL fuzz_x ..."; the exit
# status is non-zero when a target failed to build or found something.
set -uo pipefail

cd "$(dirname "$0")/.." || exit 1
ROOT=$(pwd -P)
BUILD=${FUZZ_BUILD:-$ROOT/_build-fuzz}
SECONDS_EACH=60
BUILD_ONLY=0
ALL_TARGETS="fuzz_journal fuzz_records fuzz_safetensors fuzz_challenge fuzz_h5log fuzz_ptzip fuzz_inflate"
JOBS=${JOBS:-2}

while getopts t:b opt; do
    case $opt in
    t) SECONDS_EACH=$OPTARG ;;
    b) BUILD_ONLY=1 ;;
    *) sed -n '7,12p' "$0" >&2; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
TARGETS=${*:-$ALL_TARGETS}

build() {
    [ -x "$ROOT/configure" ] || ./autogen.sh || return 1
    mkdir -p "$BUILD" && cd "$BUILD" || return 1
    if [ ! -f Makefile ]; then
        "$ROOT/configure" --enable-fuzzing --without-mpi CC=clang PYTHON=/usr/bin/python3 \
            CFLAGS="-g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined" \
            >configure.out 2>&1 || { tail -n 20 configure.out; return 1; }
    fi
    # Only what the targets link: the readers' libraries, not the preloaded ones.
    local d
    for d in proto core runlog verify fuzz; do
        make -C "$d" -j"$JOBS" >>make.out 2>&1 || { grep -E -A5 'error' make.out | tail -n 40; return 1; }
    done
    cd "$ROOT"
}

if ! build; then
    echo "FAIL fuzz build (see $BUILD/make.out)"
    exit 1
fi
[ "$BUILD_ONLY" -eq 1 ] && exit 0

# run_target T: runs T for SECONDS_EACH and writes its one-line result to
# $BUILD/T.result (exit status 0 when it passed).
run_target() {
    local t=$1 exe=$BUILD/fuzz/$1 work=$BUILD/corpus/$1 findings=$BUILD/findings
    mkdir -p "$work" "$findings"
    local opts="-max_total_time=$SECONDS_EACH -rss_limit_mb=2048 -timeout=10 -print_final_stats=1"
    local asan="detect_leaks=1:abort_on_error=0"
    # A damaged file can make libhdf5 loop; the reader's probing child then
    # runs into its CPU-time limit (2 s + 1 s per MiB, runlog/h5log_read.c),
    # which on a loaded machine can take longer than 10 s of wall time.
    # It also makes libhdf5 ask for gigabytes: the child's memory limit makes
    # that allocation fail, as in production, if ASan returns NULL for it and
    # libFuzzer's own malloc limit does not stop the child first.
    if [ "$t" = fuzz_h5log ]; then
        opts="${opts/-timeout=10/-timeout=30} -malloc_limit_mb=65536"
        asan="$asan:allocator_may_return_null=1"
    fi
    local log=$BUILD/$t.log start rc runs took
    start=$(date +%s)
    # shellcheck disable=SC2086
    ASAN_OPTIONS=$asan UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        "$exe" $opts -artifact_prefix="$findings/$t-" "$work" "$ROOT/fuzz/corpus/$t" >"$log" 2>&1
    rc=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    took=$(($(date +%s) - start))
    if [ "$rc" -eq 0 ]; then
        echo "PASS $t (${took} s, ${runs:-?} runs)" >"$BUILD/$t.result"
    else
        {
            echo "FAIL $t (exit $rc after ${took} s; log $log, inputs in $findings)"
            grep -E 'ERROR|SUMMARY|runtime error' "$log" | head -n 5
        } >"$BUILD/$t.result"
    fi
    return "$rc"
}

pids=()
for t in $TARGETS; do
    rm -f "$BUILD/$t.result"
    while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do
        wait -n
    done
    run_target "$t" &
    pids+=($!)
done
status=0
for pid in "${pids[@]}"; do
    wait "$pid" || status=1
done
for t in $TARGETS; do
    if [ -f "$BUILD/$t.result" ]; then
        cat "$BUILD/$t.result"
    else
        echo "FAIL $t (no result)"
        status=1
    fi
done
exit $status
