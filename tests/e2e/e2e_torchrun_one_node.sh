#!/bin/bash
# e2e_torchrun_one_node.sh: torchrun on one node (2 workers, gloo DDP) under
# one `trainprov run` gives one log with both ranks that passes verification;
# the report shows the ranks and the launcher (torchrun, its job id).
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
. "$E2E_DIR/launch_lib.sh"
launch_init

port=$(free_port)
RUN_STATUS=0
node_run "$WORK/run.h5" "$WORK/run.out" "" -- "$PYTHON" "$SHIM" --nnodes 1 --nproc_per_node 2 \
    --rdzv_backend c10d --rdzv_endpoint "127.0.0.1:$port" --rdzv_id onenode \
    "$E2E_DIR/ddp_job.py" --data "$WORK/data" --out "$WORK/out" || RUN_STATUS=$?
cp "$WORK/run.out" "$WORK/run.h5.out" 2>/dev/null || true
expect_run_ok "$WORK/run.h5" "trainprov run of torchrun"
expect_verify 0 "$WORK/run.h5" "$WORK/v.json" --pubkey "$WORK/key.pub.pem"
for c in log.integrity log.complete run.binding data.accounted; do
    expect_claim "$WORK/v.json" "$c" pass
done
ranks_are "$WORK/v.json" 0 1
launcher_is "$WORK/v.json" torchrun 2 0 0
jcheck files "$WORK/v.json" \
    "data:$(sha256 "$WORK/data/shard_000.bin"):$WORK/data/shard_000.bin" \
    "data:$(sha256 "$WORK/data/shard_001.bin"):$WORK/data/shard_001.bin" ||
    fail "the shards the two ranks read are not in the log"
tp verify "$WORK/run.h5" --pubkey "$WORK/key.pub.pem" >"$WORK/v.txt" 2>&1 || true
grep -q "launcher torchrun job onenode: 2 ranks" "$WORK/v.txt" ||
    fail "the text report does not show the torchrun job and its ranks: $(grep launcher "$WORK/v.txt")"
launcher_fields "$WORK/run.h5" kind=torchrun rank=1 local_rank=1 world_size=2 group_rank=0 \
    torchelastic_run_id=onenode torchelastic_restart_count=0 node=-1 nodes=0
ok "torchrun on one node: one log with ranks 0 and 1, passing"
finish
