#!/bin/bash
# e2e_srun_simulated_nodes.sh: the DDP job started the way srun starts it,
# with the SLURM_* variables set per process (srun_sim.py: 2 nodes, 2 tasks
# each), under one `trainprov run` per node that itself has the environment
# of `srun --ntasks-per-node=1` (no --nodes option: the wrappers find their
# node and the job in SLURM's variables), with the same --log: one log with
# every rank (SLURM_PROCID) and both nodes, passing; the report shows the
# SLURM job; removing a rank's stream fails naming it.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
. "$E2E_DIR/launch_lib.sh"
launch_init

port=$(free_port)
pids=()
for node in 0 1; do
    SLURM_JOB_ID=4242 SLURM_STEP_ID=0 SLURM_STEP_NUM_TASKS=2 SLURM_NTASKS=2 SLURM_PROCID=$node \
        SLURM_LOCALID=0 SLURM_NODEID=$node SLURM_NNODES=2 SLURM_RESTART_COUNT=0 \
        node_run "$WORK/run.h5" "$WORK/node$node.out" "" -- \
        "$PYTHON" "$E2E_DIR/srun_sim.py" --node "$node" --nodes 2 --tasks-per-node 2 --job-id 4242 -- \
        "$PYTHON" "$E2E_DIR/ddp_job.py" --data "$WORK/data" --out "$WORK/out" --master-port "$port" &
    pids+=($!)
done
for node in 0 1; do
    st=0
    wait "${pids[$node]}" || st=$?
    [ "$st" -eq 0 ] || { tail -n 30 "$WORK/node$node.out" >&2; die "node $node's trainprov run exited $st"; }
done
[ -f "$WORK/run.h5" ] || { cat "$WORK/node0.out" >&2; die "no log written"; }
grep -q "node 1 of 2: its streams are sealed" "$WORK/node1.out" ||
    fail "the wrapper on node 1 did not take its node from SLURM's variables: $(tail -n 3 "$WORK/node1.out")"
expect_verify 0 "$WORK/run.h5" "$WORK/v.json" --pubkey "$WORK/key.pub.pem"
for c in log.integrity log.complete run.binding data.accounted; do
    expect_claim "$WORK/v.json" "$c" pass
done
ranks_are "$WORK/v.json" 0 1 2 3
launcher_is "$WORK/v.json" slurm 4 2 0
"$PYTHON" -c 'import json, sys
r = json.load(open(sys.argv[1]))
assert r["launcher"]["job"] == "4242", r["launcher"]
by_rank = {s["rank"]: s["node"] for s in r["streams"] if s["rank"] >= 0 and s["origin"] != "root"}
assert by_rank == {0: 0, 1: 0, 2: 1, 3: 1}, by_rank' "$WORK/v.json" ||
    fail "the report does not place ranks 0,1 on node 0 and 2,3 on node 1"
jcheck files "$WORK/v.json" \
    "data:$(sha256 "$WORK/data/shard_003.bin"):$WORK/data/shard_003.bin" ||
    fail "rank 3's shard is not in the log"
launcher_fields "$WORK/run.h5" kind=slurm rank=3 local_rank=1 world_size=4 slurm_procid=3 \
    slurm_nodeid=1 slurm_job_id=4242 slurm_step_id=0 slurm_restart_count=0 node=1 nodes=2
ok "srun-style job on two nodes: one log with ranks 0-3 and both nodes, passing"

cp "$WORK/run.h5" "$WORK/removed.h5"
"$PYTHON" -c 'import h5py, sys
del h5py.File(sys.argv[1], "r+")["streams"][sys.argv[2]]' "$WORK/removed.h5" \
    "$(rank_stream "$WORK/v.json" 2)"
expect_verify 1 "$WORK/removed.h5" "$WORK/removed.json" --pubkey "$WORK/key.pub.pem"
detail_has "$WORK/removed.json" run.binding "rank 2 of 4 (slurm)" "missing rank"
ok "rank 2's stream removed: run.binding fails naming rank 2"
finish
