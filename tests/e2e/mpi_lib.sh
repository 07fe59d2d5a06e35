# mpi_lib.sh: helpers for the MPI end-to-end tests (sourced after lib.sh).
#
# mpi_init: skips unless mpirun, mpi4py and libtrainprov-mpi.so are there;
# lets mpirun run as root (containers, CI) and oversubscribe this machine;
# gives each test its own Open MPI session directory under $WORK.
# mpi_run LOG NP [train_mpi.py options...]: `mpirun -np NP trainprov run` of
# the data-parallel job on $WORK/data (shards) writing $WORK/out, bounded in
# time; sets RUN_STATUS, output in LOG.out.

mpi_init() {
    command -v mpirun >/dev/null 2>&1 || skip "no mpirun (apt-get install openmpi-bin)"
    command -v timeout >/dev/null 2>&1 || skip "no timeout (coreutils)"
    "$PYTHON" -c 'import mpi4py' 2>/dev/null || skip "$PYTHON has no mpi4py (apt-get install python3-mpi4py)"
    [ -n "${TRAINPROV_MPI_LIB:-}" ] && [ -f "$TRAINPROV_MPI_LIB" ] ||
        skip "libtrainprov-mpi.so was not built (configure found no Open MPI)"
    export TRAINPROV_MPI_LIB
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
    export OMPI_MCA_rmaps_base_oversubscribe=1
    # a session directory per test: concurrent mpiruns (make check -j) racing
    # to create the shared /tmp/ompi.<host>.<uid> make orte_init fail
    mkdir -p "$WORK/ompi"
    export OMPI_MCA_orte_tmpdir_base=$WORK/ompi
    # a rank whose journals never become final must not keep rank 0's wrapper long
    export TRAINPROV_MPI_WAIT_SECONDS=${TRAINPROV_MPI_WAIT_SECONDS:-20}
}

mpi_run() {
    local log=$1 np=$2
    shift 2
    RUN_STATUS=0
    timeout -k 10 "${E2E_TIMEOUT:-300}" mpirun -np "$np" "$TRAINPROV" run --key "$WORK/key.pem" \
        --log "$log" --data "$WORK/data/shard_*.bin" --checkpoint "$WORK/out/*.pt" -- \
        "$PYTHON" "$E2E_DIR/train_mpi.py" --data "$WORK/data" --out "$WORK/out" "$@" \
        >"$log.out" 2>&1 || RUN_STATUS=$?
}

# mpi_run_ok LOG NP [options...]: mpi_run that must succeed and write LOG.
mpi_run_ok() {
    mpi_run "$@"
    expect_run_ok "$1" "mpirun of the training job"
}

# detail_has JSON ID TEXT...: the claim's detail contains every TEXT.
detail_has() {
    jcheck detail-contains "$@" >/dev/null 2>&1 ||
        fail "claim $2's detail lacks '${*:3}': $(jcheck summary "$1" 2>&1 | grep "$2")"
    return 0
}
