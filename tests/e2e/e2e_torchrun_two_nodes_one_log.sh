#!/bin/bash
# e2e_torchrun_two_nodes_one_log.sh: two torchrun launchers on localhost
# (--nnodes 2, --node_rank 0 and 1, static rendezvous), each under its own
# `trainprov run` with the same --log, give one log: one run id, both nodes'
# streams, every rank, one manifest signed by node 0's wrapper after node 1
# sealed; it passes verification and the report shows ranks and nodes.
# Removing node 1's whole process tree from the log fails naming node 1 and
# its rank.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
. "$E2E_DIR/launch_lib.sh"
launch_init

port=$(free_port)
pids=()
for node in 0 1; do
    node_run "$WORK/run.h5" "$WORK/node$node.out" "--nodes 2 --node-rank $node --job-id twonodes" -- \
        "$PYTHON" "$SHIM" --nnodes 2 --node_rank "$node" --nproc_per_node 1 \
        --master_addr 127.0.0.1 --master_port "$port" \
        "$E2E_DIR/ddp_job.py" --data "$WORK/data" --out "$WORK/out" &
    pids+=($!)
done
for node in 0 1; do
    st=0
    wait "${pids[$node]}" || st=$?
    [ "$st" -eq 0 ] || { tail -n 30 "$WORK/node$node.out" >&2; die "node $node's trainprov run exited $st"; }
done
[ -f "$WORK/run.h5" ] || { cat "$WORK/node0.out" >&2; die "no log written"; }
[ ! -e "$WORK/run.h5.journal" ] || fail "the journal directory was left: $(ls -A "$WORK/run.h5.journal")"
grep -q "log written to $WORK/run.h5" "$WORK/node0.out" || fail "node 0 did not write the log"
grep -q "node 1 of 2: its streams are sealed; node 0's" "$WORK/node1.out" ||
    fail "node 1 does not say that node 0 writes the log: $(tail -n 3 "$WORK/node1.out")"
grep -q "log written" "$WORK/node1.out" && fail "node 1 wrote a log too"
ok "node 0 wrote one log, node 1 only sealed its streams"

expect_verify 0 "$WORK/run.h5" "$WORK/v.json" --pubkey "$WORK/key.pub.pem"
for c in log.integrity log.complete run.binding data.accounted; do
    expect_claim "$WORK/v.json" "$c" pass
done
ranks_are "$WORK/v.json" 0 1
launcher_is "$WORK/v.json" torchrun 2 2 0
"$PYTHON" -c 'import json, sys
r = json.load(open(sys.argv[1]))
assert r["assembled_by"] == "nodes", r["assembled_by"]
nodes = sorted({s["node"] for s in r["streams"]})
assert nodes == [0, 1], nodes
# each rank ran on its own node
by_rank = {s["rank"]: s["node"] for s in r["streams"] if s["rank"] >= 0}
assert by_rank == {0: 0, 1: 1}, by_rank' "$WORK/v.json" || fail "the report's nodes are wrong"
jcheck files "$WORK/v.json" \
    "data:$(sha256 "$WORK/data/shard_000.bin"):$WORK/data/shard_000.bin" \
    "data:$(sha256 "$WORK/data/shard_001.bin"):$WORK/data/shard_001.bin" ||
    fail "the shards of both nodes' ranks are not in the log"
ok "one log with both nodes and both ranks, passing"

# node 1's streams (its torchrun agent and its rank) removed from the log
cp "$WORK/run.h5" "$WORK/removed.h5"
"$PYTHON" -c 'import h5py, json, sys
r = json.load(open(sys.argv[2]))
f = h5py.File(sys.argv[1], "r+")
for s in r["streams"]:
    if s["node"] == 1:
        del f["streams"][s["stream_id"]]' "$WORK/removed.h5" "$WORK/v.json"
expect_verify 1 "$WORK/removed.h5" "$WORK/removed.json" --pubkey "$WORK/key.pub.pem"
expect_claim "$WORK/removed.json" run.binding fail
expect_claim "$WORK/removed.json" log.complete fail
detail_has "$WORK/removed.json" run.binding "rank 1 of 2" "missing rank"
detail_has "$WORK/removed.json" run.binding "node 1 of 2" "missing node"
ok "removing node 1's streams fails run.binding naming node 1 and rank 1"
finish
