#!/bin/bash
# e2e_sbatch_example.sh: the README's batch script, docs/examples/train.sbatch,
# run as SLURM would run it on two nodes, with SLURM simulated (SLURM cannot
# run here): a fake srun starts the step's two tasks with the SLURM_*
# environment srun gives them, a fake scontrol names the head node, torchrun
# is the test shim. The script's `trainprov run` per node finds its node and
# the job in that environment; the one log it leaves passes, with both nodes
# and every rank of the SLURM job.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
. "$E2E_DIR/launch_lib.sh"
launch_init
SBATCH=$E2E_DIR/../../docs/examples/train.sbatch
[ -f "$SBATCH" ] || die "no $SBATCH"

mkdir -p "$WORK/bin" "$WORK/submit"
ln -s "$TRAINPROV" "$WORK/bin/trainprov"
cat >"$WORK/bin/torchrun" <<SH
#!/bin/bash
exec "$PYTHON" "$SHIM" "\$@"
SH
cat >"$WORK/bin/scontrol" <<'SH'
#!/bin/bash
# scontrol show hostnames LIST: every node of this simulated job is this
# machine. It pauses after the first name, as a real scontrol listing many
# nodes is still writing when the first line is out: a script that stops
# reading early (`| head -n 1`) gets it killed by SIGPIPE, every time here
# (under `set -o pipefail` that ended the batch script silently, now and then)
[ "$1 $2" = "show hostnames" ] || { echo "fake scontrol: $*" >&2; exit 1; }
echo localhost
sleep 0.3
for _ in $(seq 2 "$SLURM_NNODES"); do echo localhost; done
SH
cat >"$WORK/bin/srun" <<'SH'
#!/bin/bash
# srun [--ntasks-per-node=1] CMD...: one task per node, with srun's variables
while [ "${1#--}" != "$1" ]; do
    [ "$1" = --ntasks-per-node=1 ] || { echo "fake srun: unsupported $1" >&2; exit 1; }
    shift
done
pids=()
for node in $(seq 0 $((SLURM_NNODES - 1))); do
    SLURM_STEP_ID=0 SLURM_STEP_NUM_TASKS=$SLURM_NNODES SLURM_NTASKS=$SLURM_NNODES \
        SLURM_PROCID=$node SLURM_LOCALID=0 SLURM_NODEID=$node "$@" >"node$node.out" 2>&1 &
    pids+=($!)
done
st=0
for p in "${pids[@]}"; do wait "$p" || { s=$?; [ "$st" -ne 0 ] || st=$s; }; done
exit "$st"
SH
chmod +x "$WORK/bin/"*

st=0
(cd "$WORK/submit" && PATH="$WORK/bin:$PATH" SLURM_JOB_ID=777 SLURM_NNODES=2 \
    SLURM_JOB_NODELIST="node[01-02]" KEY="$WORK/key.pem" DATA="$WORK/data" GPUS_PER_NODE=1 \
    RDZV_PORT=$(free_port) TRAIN="$E2E_DIR/ddp_job.py" \
    timeout -k 10 "${E2E_TIMEOUT:-300}" bash -x "$SBATCH") >"$WORK/sbatch.out" \
    2>"$WORK/sbatch.err" || st=$?
log=$WORK/submit/runs/777.h5
if [ "$st" -ne 0 ] || [ ! -f "$log" ]; then
    # its output, then its stderr with the trace of every command it ran
    # (the last one is where it stopped), then what the nodes said
    echo "--- the batch script's stdout:" >&2
    cat "$WORK/sbatch.out" >&2
    echo "--- its stderr (bash -x trace):" >&2
    tail -n 40 "$WORK/sbatch.err" >&2
    for n in 0 1; do
        echo "--- node $n:" >&2
        tail -n 20 "$WORK/submit/node$n.out" >&2 || echo "(srun never started node $n)" >&2
    done
    why=""
    [ "$st" -eq 124 ] && why=" (timed out after ${E2E_TIMEOUT:-300} s)"
    [ "$st" -gt 128 ] && why=" (killed by signal $((st - 128)): $(kill -l $((st - 128)) 2>/dev/null))"
    die "the batch script exited $st$why$([ -f "$log" ] || echo ", no log $log")"
fi
grep -q "log written to $log" "$WORK/submit/node0.out" || fail "node 0 did not write the log"
grep -q "node 1 of 2: its streams are sealed" "$WORK/submit/node1.out" ||
    fail "node 1's wrapper did not take its node from srun's variables"
expect_verify 0 "$log" "$WORK/v.json" --pubkey "$WORK/key.pub.pem"
for c in log.integrity log.complete run.binding data.accounted; do
    expect_claim "$WORK/v.json" "$c" pass
done
ranks_are "$WORK/v.json" 0 1
launcher_is "$WORK/v.json" torchrun 2 2 0
launcher_fields "$log" kind=torchrun torchelastic_run_id=777 slurm_job_id=777 slurm_step_id=0 nodes=2
ok "the example batch script gives one passing log of the two-node torchrun job"
finish
