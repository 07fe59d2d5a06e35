# lib.sh: helpers shared by the end-to-end tests (sourced, not run).
#
# The tests run the built CLI and library through the environment that
# tests/Makefile.am exports (TRAINPROV, TRAINPROV_LIB, TRAINPROV_PYTHONDIR,
# PYTHON, E2E_DIR, OPENSSL, H5DUMP). Each test works in its own temporary
# directory ($WORK, removed at exit; set E2E_KEEP=1 to keep it) and exits
# 0 (pass), 1 (fail, with a "FAIL:" line saying what) or 77 (skip: a tool the
# test needs is not installed).
#
# To run one test by hand from a build directory:
#   make -C tests check TESTS=e2e/e2e_tamper.sh

set -euo pipefail

E2E_NAME=$(basename "$0" .sh)
E2E_FAILS=0

note() { printf '%s: %s\n' "$E2E_NAME" "$*"; }

# fail MSG: records a failure and continues (the test ends with finish).
fail() {
    printf 'FAIL: %s: %s\n' "$E2E_NAME" "$*" >&2
    E2E_FAILS=$((E2E_FAILS + 1))
}

# die MSG: a failure after which the test cannot go on.
die() {
    printf 'FAIL: %s: %s\n' "$E2E_NAME" "$*" >&2
    exit 1
}

skip() {
    printf 'SKIP: %s: %s\n' "$E2E_NAME" "$*" >&2
    exit 77
}

ok() { printf 'ok: %s\n' "$*"; }

finish() {
    if [ "$E2E_FAILS" -ne 0 ]; then
        printf '%s: %d check(s) failed\n' "$E2E_NAME" "$E2E_FAILS" >&2
        exit 1
    fi
    note "all checks passed"
    exit 0
}

# e2e_init [needs...]: checks the environment and makes $WORK.
#   needs: torch (the Python has torch+numpy), h5py, openssl, h5dump
e2e_init() {
    local v
    for v in TRAINPROV TRAINPROV_LIB PYTHON E2E_DIR; do
        if [ -z "${!v:-}" ]; then
            die "\$$v is not set (run the e2e tests through 'make check')"
        fi
    done
    [ -x "$TRAINPROV" ] || die "the trainprov CLI was not built: $TRAINPROV"
    [ -f "$TRAINPROV_LIB" ] || die "libtrainprov.so was not built: $TRAINPROV_LIB"
    command -v "$PYTHON" >/dev/null 2>&1 || skip "no Python interpreter $PYTHON"
    export TRAINPROV_LIB
    [ -n "${TRAINPROV_PYTHONDIR:-}" ] && export TRAINPROV_PYTHONDIR
    export PYTHONDONTWRITEBYTECODE=1
    local need
    for need in "$@"; do
        case "$need" in
        torch)
            "$PYTHON" -c 'import torch, numpy' 2>/dev/null ||
                skip "$PYTHON has no torch/numpy (apt-get install python3-torch python3-numpy)" ;;
        h5py)
            "$PYTHON" -c 'import h5py, numpy' 2>/dev/null ||
                skip "$PYTHON has no h5py (apt-get install python3-h5py)" ;;
        openssl)
            OPENSSL=${OPENSSL:-$(command -v openssl || true)}
            [ -n "$OPENSSL" ] && [ -x "$OPENSSL" ] || skip "no openssl CLI (apt-get install openssl)" ;;
        h5dump)
            H5DUMP=${H5DUMP:-$(command -v h5dump || true)}
            [ -n "$H5DUMP" ] && [ -x "$H5DUMP" ] || skip "no h5dump (apt-get install hdf5-tools)" ;;
        *) die "e2e_init: unknown need $need" ;;
        esac
    done
    command -v sha256sum >/dev/null 2>&1 || skip "no sha256sum"
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/tp-$E2E_NAME.XXXXXX")
    WORK=$(cd "$WORK" && pwd -P) # the logger records paths with symlinks resolved
    trap e2e_cleanup EXIT
    note "work directory $WORK"
}

e2e_cleanup() {
    local rc=$?
    # Background jobs a test left (only ours: jobs -p lists this shell's children).
    local p
    for p in $(jobs -p 2>/dev/null); do kill -KILL "$p" 2>/dev/null || true; done
    if [ "${E2E_KEEP:-0}" = 1 ] || { [ "$rc" -ne 0 ] && [ "${E2E_KEEP:-0}" = fail ]; }; then
        note "kept $WORK"
    else
        rm -rf "$WORK"
    fi
    return "$rc"
}

sha256() { sha256sum "$1" | cut -d' ' -f1; }

# tp ARGS...: the trainprov CLI, bounded in time (a hang is a failure, not
# a stuck `make check`): E2E_TIMEOUT seconds (default 300), then SIGKILL.
tp() {
    if command -v timeout >/dev/null 2>&1; then
        timeout -k 10 "${E2E_TIMEOUT:-300}" "$TRAINPROV" "$@"
    else
        "$TRAINPROV" "$@"
    fi
}

# keygen NAME: makes $WORK/NAME.pem and $WORK/NAME.pub.pem.
keygen() {
    tp keygen -o "$WORK/$1.pem" >"$WORK/keygen-$1.out" 2>&1 ||
        { cat "$WORK/keygen-$1.out" >&2; die "trainprov keygen -o $WORK/$1.pem failed"; }
    [ -f "$WORK/$1.pem" ] || die "keygen did not write $WORK/$1.pem"
    [ -f "$WORK/$1.pub.pem" ] || die "keygen did not write $WORK/$1.pub.pem"
}

# make_shards DIR N [SEED]
make_shards() {
    "$PYTHON" "$E2E_DIR/make_shards.py" "$@" || die "make_shards.py $* failed"
}

# run_job KEY LOG DATADIR OUTDIR [train_tiny.py options...]
# Runs the tiny training job under trainprov run; sets RUN_STATUS and keeps
# the job's output in LOG.out. Does not fail by itself.
run_job() {
    local key=$1 log=$2 data=$3 out=$4
    shift 4
    RUN_STATUS=0
    tp run --key "$key" --log "$log" --data "$data/shard_*.bin" -- \
        "$PYTHON" "$E2E_DIR/train_tiny.py" --data "$data" --out "$out" "$@" \
        >"$log.out" 2>&1 || RUN_STATUS=$?
}

# run_script LOG SCRIPT [trainprov run options...] -- ARGS...: runs the
# Python SCRIPT of this folder with ARGS under trainprov run with
# $WORK/key.pem; sets RUN_STATUS and keeps the output in LOG.out. Does not
# fail by itself.
run_script() {
    local log=$1 script=$2
    shift 2
    local opts=()
    while [ "$1" != "--" ]; do
        opts+=("$1")
        shift
    done
    shift
    RUN_STATUS=0
    tp run --key "$WORK/key.pem" --log "$log" "${opts[@]}" -- \
        "$PYTHON" "$E2E_DIR/$script" "$@" >"$log.out" 2>&1 || RUN_STATUS=$?
}

# expect_run_ok LOG WHAT: the run just made (RUN_STATUS, output in LOG.out)
# must have exited 0 and written LOG; WHAT names it in the failure.
expect_run_ok() {
    local log=$1 what=$2
    if [ "$RUN_STATUS" -ne 0 ]; then
        tail -n 40 "$log.out" >&2
        [ "$RUN_STATUS" -eq 124 ] && die "$what timed out"
        die "$what exited $RUN_STATUS (expected 0)"
    fi
    [ -f "$log" ] || { tail -n 40 "$log.out" >&2; die "$what did not write $log"; }
}

# run_job_ok ...: run_job that must succeed and produce the log.
run_job_ok() {
    run_job "$@"
    expect_run_ok "$2" "trainprov run of the training job"
}

# verify LOG JSON [options...]: runs trainprov verify with --json; sets
# VERIFY_STATUS; output in JSON.out (stdout+stderr).
verify() {
    local log=$1 json=$2
    shift 2
    VERIFY_STATUS=0
    rm -f "$json"
    tp verify "$log" --json "$json" "$@" >"$json.out" 2>&1 || VERIFY_STATUS=$?
}

# expect_verify STATUS LOG JSON [options...]: verify must exit STATUS
# (records a failure otherwise; always returns 0).
expect_verify() {
    local want=$1
    shift
    verify "$@"
    if [ "$VERIFY_STATUS" -ne "$want" ]; then
        sed 's/^/    /' "$2.out" >&2
        fail "trainprov verify $1 ${*:3} exited $VERIFY_STATUS, expected $want"
    fi
    return 0
}

# jcheck SUBCOMMAND ARGS...: the JSON checks of check_json.py.
jcheck() { "$PYTHON" "$E2E_DIR/check_json.py" "$@"; }

# claim_status JSON ID: prints the claim's status ("missing" if absent).
claim_status() { jcheck claim-status "$1" "$2"; }

# expect_claim JSON ID STATUS (records a failure otherwise; returns 0)
expect_claim() {
    local got
    got=$(claim_status "$1" "$2" 2>&1) || got="(unreadable report: $got)"
    if [ "$got" != "$3" ]; then
        fail "claim $2 is '$got', expected '$3' (report $1)"
        jcheck summary "$1" >&2 2>&1 || true
    fi
    return 0
}

# detail_has JSON ID TEXT...: the claim's detail contains every TEXT.
detail_has() {
    jcheck detail-contains "$@" >/dev/null 2>&1 ||
        fail "claim $2's detail lacks '${*:3}': $(jcheck summary "$1" 2>&1 | grep "$2")"
    return 0
}

# poke FILE OFFSET BYTE: overwrites one byte of FILE in place (no dd: under
# ./test.sh --sanitize every program of a test runs with libasan preloaded,
# and ASan rejects dd's aligned_alloc).
poke() {
    "$PYTHON" -c 'import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(int(sys.argv[2]))
    f.write(sys.argv[3].encode("latin-1"))' "$1" "$2" "$3"
}
