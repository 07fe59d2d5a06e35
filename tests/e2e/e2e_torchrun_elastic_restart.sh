#!/bin/bash
# e2e_torchrun_elastic_restart.sh: an elastic restart inside one torchrun
# launcher (--max_restarts 1; rank 1 crashes once after joining the group,
# rank 0's next collective fails, torchrun restarts both) is one run: the
# log passes verification, holds both attempts of each rank, and the report
# shows the restart. Removing the restarted rank 1's stream fails naming
# rank 1, though its first attempt's stream is still there.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
. "$E2E_DIR/launch_lib.sh"
launch_init

port=$(free_port)
RUN_STATUS=0
node_run "$WORK/run.h5" "$WORK/run.h5.out" "" -- "$PYTHON" "$SHIM" --nnodes 1 \
    --nproc_per_node 2 --max_restarts 1 --rdzv_backend c10d \
    --rdzv_endpoint "127.0.0.1:$port" --rdzv_id elastic \
    "$E2E_DIR/ddp_job.py" --data "$WORK/data" --out "$WORK/out" \
    --crash-once "$WORK/crashed" || RUN_STATUS=$?
expect_run_ok "$WORK/run.h5" "trainprov run of the restarted torchrun job"
[ -f "$WORK/crashed" ] || die "rank 1 never crashed: the test did not test a restart"
grep -q "rank 1: crashing once" "$WORK/run.h5.out" || die "rank 1's crash is not in the output"
grep -q "closing signal SIGTERM" "$WORK/run.h5.out" || die "torchrun did not stop rank 0 with SIGTERM"
expect_verify 0 "$WORK/run.h5" "$WORK/v.json" --pubkey "$WORK/key.pub.pem"
for c in log.integrity log.complete run.binding data.accounted; do
    expect_claim "$WORK/v.json" "$c" pass
done
launcher_is "$WORK/v.json" torchrun 2 0 1
"$PYTHON" -c 'import json, sys
r = json.load(open(sys.argv[1]))
att = sorted((s["rank"], s["restart"]) for s in r["streams"] if s["rank"] >= 0)
assert att == [(0, 0), (0, 1), (1, 0), (1, 1)], att' "$WORK/v.json" ||
    fail "the log does not hold both attempts of both ranks"
tp verify "$WORK/run.h5" --pubkey "$WORK/key.pub.pem" >"$WORK/v.txt" 2>&1 || true
grep -q "launcher torchrun job elastic: 2 ranks, 1 restart" "$WORK/v.txt" ||
    fail "the text report does not show the restart: $(grep launcher "$WORK/v.txt")"
grep -q "rank 1 .*restart 1 " "$WORK/v.txt" || fail "the text report does not mark rank 1's restarted stream"
ok "an elastic restart is one passing log that shows the restart"

cp "$WORK/run.h5" "$WORK/removed.h5"
"$PYTHON" -c 'import h5py, sys
del h5py.File(sys.argv[1], "r+")["streams"][sys.argv[2]]' "$WORK/removed.h5" \
    "$(rank_stream "$WORK/v.json" 1)"
expect_verify 1 "$WORK/removed.h5" "$WORK/removed.json" --pubkey "$WORK/key.pub.pem"
expect_claim "$WORK/removed.json" log.complete fail
expect_claim "$WORK/removed.json" run.binding fail
detail_has "$WORK/removed.json" run.binding "rank 1 of 2 (torchrun)" "restart 1" "missing rank"
ok "the restarted rank 1's stream removed (its first attempt kept): run.binding fails naming rank 1"
finish
