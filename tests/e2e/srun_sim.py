#!/usr/bin/python3
"""srun_sim.py: what srun's step daemon does on one node, for the tests
(SLURM cannot run here): starts --tasks-per-node copies of CMD, each with
the SLURM_* environment srun gives a task (SLURM_JOB_ID, SLURM_STEP_ID,
SLURM_PROCID, SLURM_LOCALID, SLURM_NTASKS, SLURM_NODEID, SLURM_NNODES,
SLURM_RESTART_COUNT), waits for them and exits with the first non-zero
status (0 when all succeeded).

Usage: srun_sim.py --node N --nodes M --tasks-per-node K --job-id J
                   [--restart-count R] -- CMD [ARGS]"""
import argparse
import os
import subprocess
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--node", type=int, required=True)
    ap.add_argument("--nodes", type=int, required=True)
    ap.add_argument("--tasks-per-node", type=int, required=True)
    ap.add_argument("--job-id", required=True)
    ap.add_argument("--restart-count", default="0")
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd[:1] == ["--"] else a.cmd
    procs = []
    for local in range(a.tasks_per_node):
        env = dict(os.environ)
        for v in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "GROUP_RANK"):
            env.pop(v, None)
        env.update(
            SLURM_JOB_ID=a.job_id,
            SLURM_STEP_ID="0",
            SLURM_PROCID=str(a.node * a.tasks_per_node + local),
            SLURM_LOCALID=str(local),
            SLURM_NTASKS=str(a.nodes * a.tasks_per_node),
            SLURM_STEP_NUM_TASKS=str(a.nodes * a.tasks_per_node),
            SLURM_NODEID=str(a.node),
            SLURM_NNODES=str(a.nodes),
            SLURM_RESTART_COUNT=a.restart_count,
        )
        procs.append(subprocess.Popen(cmd, env=env))
    status = [p.wait() for p in procs]
    sys.exit(next((s for s in status if s != 0), 0))


if __name__ == "__main__":
    main()
