# frameworks_lib.sh: what the framework checkpoint tests share (sourced after
# lib.sh): running one mode of frameworks_job.py under `trainprov run`, and
# reading the report's grouped checkpoints.

# run_fw LOG [trainprov run options...] -- MODE ARGS...: runs the mode under
# trainprov run with $WORK/key.pem; must succeed and write LOG.
run_fw() {
    local log=$1
    shift
    run_script "$log" frameworks_job.py "$@"
    expect_run_ok "$log" "frameworks_job.py (log $log)"
}

# checkpoints REPORT: the report's checkpoints, one line each:
# "PATH files N deleted 0|1 authored 1"
checkpoints() { "$PYTHON" "$E2E_DIR/frameworks_check.py" checkpoints "$1"; }

# expect_checkpoint REPORT LINE: LINE is one of the report's checkpoints.
expect_checkpoint() {
    local all
    all=$(checkpoints "$1") || all="(unreadable report $1)"
    if ! grep -qxF -- "$2" <<<"$all"; then
        fail "the report's checkpoints do not include '$2'; they are:"
        sed 's/^/    /' <<<"$all" >&2
    fi
    return 0
}
