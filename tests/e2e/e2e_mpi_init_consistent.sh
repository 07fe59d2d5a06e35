#!/bin/bash
# e2e_mpi_init_consistent.sh: a rank that does not receive rank 0's initial
# parameters fails mpi.init_consistent, and the report names it: rank 2
# skips the broadcast (initialises on its own), or broadcasts its own
# parameters on MPI_COMM_SELF (receives different ones).
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
. "$E2E_DIR/mpi_lib.sh"
e2e_init torch h5py
mpi_init

keygen key
make_shards "$WORK/data" 4
for mode in skip self; do
    LOG=$WORK/$mode.h5
    rm -rf "$WORK/out"
    mpi_run_ok "$LOG" 4 --steps 5 --ckpt-every 5 --rogue-rank 2 --rogue-mode "$mode"
    expect_verify 1 "$LOG" "$WORK/$mode.json" --pubkey "$WORK/key.pub.pem"
    expect_claim "$WORK/$mode.json" mpi.init_consistent fail
    expect_claim "$WORK/$mode.json" log.integrity pass
    detail_has "$WORK/$mode.json" mpi.init_consistent "rank 2"
    if jcheck detail-contains "$WORK/$mode.json" mpi.init_consistent "rank 1" >/dev/null 2>&1 ||
        jcheck detail-contains "$WORK/$mode.json" mpi.init_consistent "rank 3" >/dev/null 2>&1; then
        fail "$mode: mpi.init_consistent blames a rank that did receive the parameters"
    fi
    ok "$mode: mpi.init_consistent fails naming rank 2"
done
finish
