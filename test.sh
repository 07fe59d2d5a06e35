#!/bin/bash
# test.sh: builds trainprov from this checkout and runs the whole test suite
# (cmocka unit tests and end-to-end tests with real PyTorch jobs).
#
#   ./test.sh             the suite, built as usual, in ./_build
#   ./test.sh --sanitize  the whole suite built with ASan + UBSan (gcc) in
#                         ./_build-sanitize; the end-to-end tests run with
#                         libasan preloaded first (see sanitize_env below)
#   ./test.sh --tsan      the logger's unit tests (tests/logger/) built with
#                         ThreadSanitizer in ./_build-tsan
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
 python3-h5py clang libclang-rt-14-dev"

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

# --tsan needs only what the logger's unit tests link.
LOGGER_TESTS=$(cd "$ROOT/tests" && ls logger/test_*.c | sed 's/\.c$//' | tr '\n' ' ')
build_all() {
    if [ "$MODE" = --tsan ]; then
        make -C proto -j"$JOBS" && make -C core -j"$JOBS" &&
            make -C tests -j"$JOBS" $LOGGER_TESTS
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
# --sanitize: the end-to-end tests run jobs in uninstrumented programs
# (python, bash, mpirun's ranks) that load the ASan-built libtrainprov.so
# through `trainprov run`, so libasan must be loaded before anything else
# in them. The tests get the CLI from $TRAINPROV: here a wrapper that runs
# the CLI with libasan preloaded, which `trainprov run` (and the library,
# for exec'd children) keep when they prepend themselves to LD_PRELOAD
# (hence verify_asan_link_order=0). Leak checking is off below the CLI
# (python and torch keep memory at exit by design) and on for the unit
# tests. The test scripts' own tools (dd, cp, python checks) run as usual.
# A job's program exec'd with an emptied environment gets the library
# without libasan first: tests/sanitize/asan_defaults.c covers that.
sanitize_wrapper() {
    local wrapper=$BUILD/tests/trainprov-asan
    cat >"$wrapper" <<WRAPPER
#!/bin/sh
# The ASan-built CLI with libasan preloaded first (test.sh --sanitize).
LD_PRELOAD=$(gcc -print-file-name=libasan.so)\${LD_PRELOAD:+:\$LD_PRELOAD}
ASAN_OPTIONS=detect_leaks=0:verify_asan_link_order=0
export LD_PRELOAD ASAN_OPTIONS
exec "$BUILD/cli/trainprov" "\$@"
WRAPPER
    chmod +x "$wrapper"
    echo "$wrapper"
}
case "$MODE" in
--sanitize)
    wrapper=$(sanitize_wrapper)
    ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 make -j"$JOBS" check \
        TESTS_ENVIRONMENT="TRAINPROV='$wrapper'; export TRAINPROV;" >check.out 2>&1 ;;
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
