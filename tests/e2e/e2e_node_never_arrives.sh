#!/bin/bash
# e2e_node_never_arrives.sh: the edges of several `trainprov run` wrappers on
# one --log. Node 0 of a 2-node job whose node 1 never starts waits a bounded
# time (TRAINPROV_NODE_WAIT_SECONDS), says that node 1 never joined, exits
# non-zero and keeps the journals; `recover` then builds a log whose
# verification fails naming node 1. While it waits, a wrapper of another job
# on the same --log is refused before its job runs, and so is a second
# wrapper claiming node 0.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
. "$E2E_DIR/launch_lib.sh"
launch_init
export TRAINPROV_NODE_WAIT_SECONDS=4

job=("$PYTHON" -c "open('$WORK/data/shard_000.bin', 'rb').read()")
start=$(date +%s)
node_run "$WORK/run.h5" "$WORK/node0.out" "--nodes 2 --node-rank 0 --job-id jobA" -- "${job[@]}" &
pid0=$!
for _ in $(seq 100); do [ -e "$WORK/run.h5.journal/node-0.joined" ] && break; sleep 0.1; done
[ -e "$WORK/run.h5.journal/node-0.joined" ] || die "node 0 never registered in the journal directory"

st=0
node_run "$WORK/run.h5" "$WORK/other.out" "--nodes 2 --node-rank 1 --job-id jobB" -- \
    "$PYTHON" -c "open('$WORK/other-ran', 'w')" || st=$?
[ "$st" -eq 2 ] || fail "a wrapper of another job on the same --log exited $st, expected 2"
[ ! -e "$WORK/other-ran" ] || fail "the other job's command ran"
grep -q "in use by another run (job 'option:jobA'" "$WORK/other.out" ||
    fail "the refusal does not name the run using the log: $(cat "$WORK/other.out")"
ok "another job on a --log in use is refused before it runs"

st=0
node_run "$WORK/run.h5" "$WORK/dup.out" "--nodes 2 --node-rank 0 --job-id jobA" -- \
    "$PYTHON" -c "open('$WORK/dup-ran', 'w')" || st=$?
[ "$st" -eq 2 ] || fail "a second wrapper with node rank 0 exited $st, expected 2"
[ ! -e "$WORK/dup-ran" ] || fail "the second node 0's command ran"
grep -q "node 0 already joined run" "$WORK/dup.out" || fail "the refusal does not say node 0 joined: $(cat "$WORK/dup.out")"
ok "a second wrapper with node rank 0 is refused"

st=0
wait "$pid0" || st=$?
elapsed=$(($(date +%s) - start))
[ "$st" -ne 0 ] || fail "node 0 exited 0 without writing the log"
[ "$st" -ne 124 ] && [ "$st" -ne 137 ] || fail "node 0 hung until the test's timeout"
[ "$elapsed" -le 60 ] || fail "node 0 took $elapsed s (the wait is 4 s)"
[ ! -e "$WORK/run.h5" ] || fail "a log was written without node 1"
grep -q "node 1 of 2 never joined" "$WORK/node0.out" ||
    fail "node 0 does not say which node is missing: $(tail -n 3 "$WORK/node0.out")"
grep -q "trainprov recover $WORK/run.h5" "$WORK/node0.out" || fail "node 0 does not name recover"
ls "$WORK/run.h5.journal/"*.tpj >/dev/null 2>&1 || fail "node 0's journals were not kept"
ok "node 0 waited ${elapsed} s, named the missing node 1 and exited $st"

tp recover "$WORK/run.h5" >"$WORK/recover.out" 2>&1 || { cat "$WORK/recover.out" >&2; die "recover failed"; }
[ ! -e "$WORK/run.h5.journal" ] || fail "recover left the journal directory: $(ls -A "$WORK/run.h5.journal")"
expect_verify 1 "$WORK/run.h5" "$WORK/v.json" --pubkey "$WORK/key.pub.pem"
expect_claim "$WORK/v.json" run.binding fail
detail_has "$WORK/v.json" run.binding "node 1 of 2" "missing node"
ok "the recovered log fails run.binding naming node 1"
finish
