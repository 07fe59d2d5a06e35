#!/bin/bash
# e2e_torchrun_rank_removed_fails.sh: from a passing torchrun log (one node, 2
# ranks), removing rank 1's stream fails verification naming rank 1 (the
# rank checks work without MPI), and so does removing rank 0's.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
. "$E2E_DIR/launch_lib.sh"
launch_init

port=$(free_port)
RUN_STATUS=0
node_run "$WORK/run.h5" "$WORK/run.h5.out" "" -- "$PYTHON" "$SHIM" --nnodes 1 \
    --nproc_per_node 2 --master_addr 127.0.0.1 --master_port "$port" \
    "$E2E_DIR/ddp_job.py" --data "$WORK/data" --out "$WORK/out" || RUN_STATUS=$?
expect_run_ok "$WORK/run.h5" "trainprov run of torchrun"
expect_verify 0 "$WORK/run.h5" "$WORK/v.json" --pubkey "$WORK/key.pub.pem"
rank1=$(rank_stream "$WORK/v.json" 1)

cp "$WORK/run.h5" "$WORK/removed.h5"
"$PYTHON" -c 'import h5py, sys
del h5py.File(sys.argv[1], "r+")["streams"][sys.argv[2]]' "$WORK/removed.h5" "$rank1"
expect_verify 1 "$WORK/removed.h5" "$WORK/removed.json" --pubkey "$WORK/key.pub.pem"
expect_claim "$WORK/removed.json" run.binding fail
expect_claim "$WORK/removed.json" log.complete fail
detail_has "$WORK/removed.json" run.binding "rank 1 of 2 (torchrun)" "missing rank"
ok "rank 1's stream deleted from the log: run.binding and log.complete fail naming rank 1"

cp "$WORK/run.h5" "$WORK/removed0.h5"
"$PYTHON" -c 'import h5py, sys
del h5py.File(sys.argv[1], "r+")["streams"][sys.argv[2]]' "$WORK/removed0.h5" \
    "$(rank_stream "$WORK/v.json" 0)"
expect_verify 1 "$WORK/removed0.h5" "$WORK/removed0.json" --pubkey "$WORK/key.pub.pem"
detail_has "$WORK/removed0.json" run.binding "rank 0 of 2 (torchrun)" "missing rank"
ok "rank 0's stream deleted from the log: run.binding fails naming rank 0"

finish
