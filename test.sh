#!/bin/bash
# test.sh: builds trainprov from this checkout and runs the whole test suite
# (cmocka unit tests and end-to-end tests with real PyTorch jobs).
#
#   ./test.sh             the suite, built as usual, in ./_build
#   ./test.sh --sanitize  the whole suite built with ASan + UBSan (gcc) in
#                         ./_build-sanitize; the end-to-end tests run with
#                         libasan preloaded first (see sanitize_env below)
#   ./test.sh --tsan      the logger's unit tests (tests/logger/) built with
#                         ThreadSanitizer in ./_build-tsan, and a job with
#                         six threads doing file I/O under the TSan-built
#                         libtrainprov.so (tests/sanitize/tsan_job.c)
#
# On a fresh Debian 12 machine, as root, it first installs what is missing.
# The build is out of tree. Every test's result is printed, the logs of
# failing tests follow, and the last line is always
#   N passed, N failed
# The exit status is non-zero when any test failed.
set -uo pipefail

cd "$(dirname "$0")"
ROOT=$(pwd -P)
MODE=${1:-}
case "$MODE" in
"") BUILD=$ROOT/_build ;;
--sanitize) BUILD=$ROOT/_build-sanitize ;;
--tsan) BUILD=$ROOT/_build-tsan ;;
*) echo "usage: ./test.sh [--sanitize | --tsan]" >&2; exit 2 ;;
esac
PYTHON=/usr/bin/python3
JOBS=${JOBS:-2}

# clang and its runtime are for the libFuzzer targets that .ci/run builds.
PACKAGES="build-essential autoconf automake libtool pkg-config libssl-dev openssl
 libhdf5-dev hdf5-tools libprotobuf-c-dev protobuf-c-compiler libcmocka-dev
 libopenmpi-dev openmpi-bin libjson-c-dev python3-torch python3-numpy python3-mpi4py
 python3-h5py clang libclang-rt-14-dev groff-base"

count_line() { echo "$1 passed, $2 failed"; }

install_packages() {
    local missing=() p
    for p in $PACKAGES; do
        if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
            missing+=("$p")
        fi
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "== installing: ${missing[*]}"
    if [ "$(id -u)" -ne 0 ]; then
        echo "test.sh: missing packages (${missing[*]}); run as root or install them" >&2
        return 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update && apt-get install -y --no-install-recommends "${missing[@]}"
}

if command -v dpkg-query >/dev/null 2>&1; then
    if ! install_packages; then
        echo "test.sh: could not install the build dependencies" >&2
        count_line 0 1
        exit 1
    fi
fi

echo "== autogen"
if ! ./autogen.sh; then
    echo "test.sh: ./autogen.sh failed" >&2
    count_line 0 1
    exit 1
fi

mkdir -p "$BUILD"
cd "$BUILD" || exit 1
SAN_FLAGS="-g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined"
TSAN_FLAGS="-g -O1 -fno-omit-frame-pointer -fsanitize=thread"
case "$MODE" in
--sanitize)
    # ASan's defaults for programs that lose LD_PRELOAD's libasan (see the file).
    DEFAULTS=$BUILD/asan_defaults.o
    gcc -O1 -fPIC -c -o "$DEFAULTS" "$ROOT/tests/sanitize/asan_defaults.c" || exit 1
    CONFIG_ENV=(CFLAGS="$SAN_FLAGS" LDFLAGS="-fsanitize=address,undefined $DEFAULTS") ;;
--tsan) CONFIG_ENV=(CFLAGS="$TSAN_FLAGS" LDFLAGS="-fsanitize=thread") ;;
*) CONFIG_ENV=() ;;
esac

echo "== configure"
if ! "$ROOT/configure" PYTHON="$PYTHON" "${CONFIG_ENV[@]}" >configure.out 2>&1; then
    tail -n 30 configure.out
    echo "test.sh: configure failed (see $BUILD/config.log)" >&2
    count_line 0 1
    exit 1
fi

# --tsan needs only the library and what the logger's unit tests link.
LOGGER_TESTS=$(cd "$ROOT/tests" && ls logger/test_*.c | sed 's/\.c$//' | tr '\n' ' ')
build_all() {
    if [ "$MODE" = --tsan ]; then
        make -C proto -j"$JOBS" && make -C core -j"$JOBS" && make -C logger -j"$JOBS" &&
            make -C tests -j"$JOBS" $LOGGER_TESTS &&
            gcc $TSAN_FLAGS -pthread -o tests/tsan_job "$ROOT/tests/sanitize/tsan_job.c"
    else
        make -j"$JOBS"
    fi
}

echo "== make"
if ! build_all >make.out 2>&1; then
    grep -E -B2 -A8 'error|Error' make.out | tail -n 60
    echo "test.sh: the build failed (see $BUILD/make.out)" >&2
    count_line 0 1
    exit 1
fi

echo "== make check"
# Old results must not be counted.
find tests -name '*.trs' -delete 2>/dev/null
find tests -name '*.log' -delete 2>/dev/null
# --sanitize: the end-to-end tests load the ASan-built libtrainprov.so into
# uninstrumented programs: python (jobs under `trainprov run`, and the
# Python package's ctypes outside it), bash and mpirun's ranks. libasan
# must be loaded before anything else in them, so each e2e script runs with
# libasan preloaded (SH_LOG_COMPILER is their interpreter, tests/Makefile.am)
# and everything it starts inherits it; `trainprov run` and the library
# keep it when they prepend themselves to LD_PRELOAD (hence
# verify_asan_link_order=0). Leak checking is off there (python and torch
# keep memory at exit by design) and on for the unit tests. A job's program
# exec'd with an emptied environment gets the library without libasan:
# tests/sanitize/asan_defaults.c covers that.
sanitize_e2e_interpreter() {
    echo "env LD_PRELOAD=$(gcc -print-file-name=libasan.so)" \
        "ASAN_OPTIONS=detect_leaks=0:verify_asan_link_order=0 bash"
}
case "$MODE" in
--sanitize)
    ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 make -j"$JOBS" check \
        SH_LOG_COMPILER="$(sanitize_e2e_interpreter)" \
        >check.out 2>&1 ;;
--tsan)
    TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" make -C tests -j"$JOBS" check \
        TESTS="$LOGGER_TESTS" check_PROGRAMS="$LOGGER_TESTS" >check.out 2>&1 ;;
*) make -j"$JOBS" check >check.out 2>&1 ;;
esac
check_status=$?

# The results, from the harness's .trs files (one per test).
passed=0
failed=0
skipped=0
failing=()
mapfile -t trs_files < <(find tests -name '*.trs' | sort)
echo "== results"
for trs in "${trs_files[@]}"; do
    name=${trs%.trs}
    result=$(sed -n 's/^:test-result: *//p' "$trs" | head -n 1)
    printf '%-6s %s\n' "$result" "$name"
    case "$result" in
    PASS | XPASS) passed=$((passed + 1)) ;;
    SKIP) skipped=$((skipped + 1)) ;;
    XFAIL) passed=$((passed + 1)) ;;
    *) failed=$((failed + 1)); failing+=("$name") ;;
    esac
done

# --tsan: the threaded job under the TSan-built library, preloaded after
# libtsan, logging to a journal; it passes when it exits 0 with no report
# and left its journal.
if [ "$MODE" = --tsan ]; then
    job_dir=$(mktemp -d)
    # the journal directory is made by `trainprov run`, never by the library
    mkdir -p "$job_dir/files" "$job_dir/run.h5.journal"
    openssl genpkey -algorithm ed25519 -out "$job_dir/key.pem" 2>/dev/null &&
        chmod 600 "$job_dir/key.pem" &&
        env LD_PRELOAD="$(gcc -print-file-name=libtsan.so):$BUILD/logger/.libs/libtrainprov.so" \
            TRAINPROV_KEY="$job_dir/key.pem" TRAINPROV_LOG="$job_dir/run.h5" \
            TRAINPROV_RUN_ID=00112233445566778899aabbccddeeff \
            TSAN_OPTIONS="halt_on_error=1 exitcode=66" \
            tests/tsan_job "$job_dir/files" >tests/tsan_job.log 2>&1
    job_status=$?
    if [ "$job_status" -eq 0 ] && ls "$job_dir"/run.h5.journal/*.tpj >/dev/null 2>&1; then
        printf '%-6s %s\n' PASS tests/tsan_job
        passed=$((passed + 1))
    else
        printf '%-6s %s\n' FAIL tests/tsan_job
        echo "tests/tsan_job: exit $job_status (66: ThreadSanitizer report)" >>tests/tsan_job.log
        failed=$((failed + 1))
        failing+=(tests/tsan_job)
    fi
    rm -rf "$job_dir"
fi

if [ ${#trs_files[@]} -eq 0 ]; then
    # The harness did not run (a test program failed to build, ...).
    tail -n 60 check.out
    echo "test.sh: make check ran no tests (see $BUILD/check.out)" >&2
    failed=$((failed + 1))
elif [ "$check_status" -ne 0 ] && [ "$failed" -eq 0 ]; then
    tail -n 40 check.out
    echo "test.sh: make check failed outside the tests (see $BUILD/check.out)" >&2
    failed=$((failed + 1))
fi

for name in "${failing[@]}"; do
    echo
    echo "==================== $name.log ===================="
    tail -n 150 "$name.log"
done

echo
[ "$skipped" -gt 0 ] && echo "$skipped skipped"
count_line "$passed" "$failed"
[ "$failed" -eq 0 ]
