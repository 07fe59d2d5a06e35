# launch_lib.sh: helpers for the torchrun / srun end-to-end tests (sourced
# after lib.sh). The jobs are tiny (ddp_job.py: a linear model, gloo DDP, a
# few steps): the machine has 2 cores.
#
# launch_init: skips without torch.distributed; makes the key and 4 shards.
# free_port: prints a TCP port nobody listens on (tests of several helpers
#   share this machine: never a fixed port).
# $SHIM: tests/e2e/torchrun_shim.py, run as "$PYTHON" "$SHIM" ARGS...: torch's
#   torchrun (torch 1.13's own fails on Python 3.11).
# node_run LOG OUT NODE_ARGS -- CMD...: `trainprov run` of CMD with NODE_ARGS
#   (a quoted string of --nodes/--node-rank/--job-id, possibly empty),
#   bounded in time, output in OUT; returns its exit status.
# rank_stream JSON R: the stream id of rank R's (latest) stream in a report.

launch_init() {
    e2e_init torch h5py
    "$PYTHON" -c 'import torch.distributed.run' 2>/dev/null ||
        skip "$PYTHON has no torch.distributed.run"
    command -v timeout >/dev/null 2>&1 || skip "no timeout (coreutils)"
    keygen key
    make_shards "$WORK/data" 4
    # a node that never arrives must not keep node 0's wrapper long
    export TRAINPROV_NODE_WAIT_SECONDS=${TRAINPROV_NODE_WAIT_SECONDS:-60}
    export OMP_NUM_THREADS=1
}

free_port() {
    "$PYTHON" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

SHIM=$E2E_DIR/torchrun_shim.py

node_run() {
    local log=$1 out=$2 node_args=$3
    shift 4 # LOG OUT NODE_ARGS --
    # shellcheck disable=SC2086 # NODE_ARGS is a list of options
    timeout -k 10 "${E2E_TIMEOUT:-300}" "$TRAINPROV" run --key "$WORK/key.pem" --log "$log" \
        --data "$WORK/data/shard_*.bin" --checkpoint "$WORK/out/*.pt" $node_args -- "$@" \
        >"$out" 2>&1
}

rank_stream() {
    "$PYTHON" -c 'import json, sys
r = json.load(open(sys.argv[1]))
s = [x for x in r["streams"] if x["rank"] == int(sys.argv[2])]
s.sort(key=lambda x: x["restart"])
print(s[-1]["stream_id"])' "$1" "$2"
}

# launcher_is JSON KIND WORLD NODES RESTARTS: the report's launcher summary.
launcher_is() {
    local got
    got=$("$PYTHON" -c 'import json, sys
l = json.load(open(sys.argv[1])).get("launcher", {})
print(l.get("kind"), l.get("world_size"), l.get("nodes"), l.get("restarts"))' "$1")
    [ "$got" = "$2 $3 $4 $5" ] ||
        fail "the report's launcher is '$got', expected '$2 $3 $4 $5' ($1)"
    return 0
}

# ranks_are JSON R...: the ranks the report's streams name, sorted and unique.
ranks_are() {
    local json=$1 got
    shift
    got=$("$PYTHON" -c 'import json, sys
r = json.load(open(sys.argv[1]))
print(" ".join(str(x) for x in sorted({s["rank"] for s in r["streams"] if s["rank"] >= 0})))' "$json")
    [ "$got" = "$*" ] || fail "the report's ranks are '$got', expected '$*' ($json)"
    return 0
}

# launcher_fields LOG FIELD=VALUE...: some stream's RunStart.launcher (from
# `trainprov dump --json`) has every FIELD=VALUE (an absent number is 0).
launcher_fields() {
    local log=$1
    shift
    tp dump --json "$log" >"$log.dump.json" 2>&1 || { fail "trainprov dump --json $log failed"; return 0; }
    "$PYTHON" - "$log.dump.json" "$@" <<'PY' || fail "no stream of $log records launcher $*"
import json, sys
want = dict(a.split("=", 1) for a in sys.argv[2:])
for s in json.load(open(sys.argv[1]))["streams"]:
    rs = s["records"][0].get("run_start", {})
    l = rs.get("launcher")
    if l is not None and all(str(l.get(k, 0 if k not in ("kind",) and not k.endswith("_id") else "")) == v
                             for k, v in want.items()):
        sys.exit(0)
sys.exit(1)
PY
    return 0
}
