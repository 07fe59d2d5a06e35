#!/usr/bin/python3
"""ddp_job.py: a tiny distributed data-parallel training job for the launcher
tests (torchrun, simulated srun). Every rank reads its own data shard, trains
a small linear model with gloo DDP for a few steps, and rank 0 saves
OUT/final.pt.

Identity: torchrun's RANK / WORLD_SIZE / MASTER_ADDR / MASTER_PORT; under a
simulated srun (no RANK), SLURM_PROCID / SLURM_NTASKS and --master-port.
Options:
  --data DIR --out DIR --steps N
  --crash-once FILE   rank 1 exits 3 after joining the group when FILE does
                      not exist yet (and creates it), while the other ranks
                      of the first attempt wait for torchrun to stop them:
                      an elastic restart (torchrun --max_restarts 1) then
                      succeeds
  --master-port P     rendezvous port when not started by torchrun"""
import argparse
import os
import signal
import sys
import time

import torch
import torch.distributed as dist
import torch.nn as nn


def main():
    # torchrun stops the surviving workers of a failed attempt with SIGTERM. A
    # process killed by it seals no stream until the logger itself seals on
    # SIGTERM (issue 8 item 1); like a job that checkpoints on SIGTERM, this
    # one exits normally on it, so its stream ends.
    signal.signal(signal.SIGTERM, lambda sig, frame: sys.exit(128 + sig))
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--crash-once")
    ap.add_argument("--master-port", default="29500")
    a = ap.parse_args()

    if "RANK" in os.environ:
        rank, world = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
    else:
        rank, world = int(os.environ["SLURM_PROCID"]), int(os.environ["SLURM_NTASKS"])
        os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
        os.environ.setdefault("MASTER_PORT", a.master_port)
    dist.init_process_group("gloo", rank=rank, world_size=world)
    first_attempt = os.environ.get("TORCHELASTIC_RESTART_COUNT", "0") == "0"
    if a.crash_once and rank == 1 and not os.path.exists(a.crash_once):
        open(a.crash_once, "w").close()
        print(f"rank {rank}: crashing once", file=sys.stderr)
        sys.exit(3)  # torchrun then stops rank 0 (SIGTERM) and restarts both
    if a.crash_once and rank != 1 and first_attempt:
        time.sleep(60)  # until torchrun's SIGTERM: the stop is the same every time
    torch.manual_seed(0)
    model = nn.parallel.DistributedDataParallel(nn.Linear(16, 4))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    with open(os.path.join(a.data, f"shard_{rank:03d}.bin"), "rb") as f:
        raw = f.read()
    x = torch.frombuffer(bytearray(raw[: 8 * 16 * 4]), dtype=torch.uint8).float()[: 8 * 16]
    x = x.reshape(8, 16) / 255.0
    for _ in range(a.steps):
        opt.zero_grad()
        loss = model(x).pow(2).mean()
        loss.backward()
        opt.step()
    if rank == 0:
        os.makedirs(a.out, exist_ok=True)
        torch.save(model.module.state_dict(), os.path.join(a.out, "final.pt"))
    dist.barrier()
    dist.destroy_process_group()
    print(f"rank {rank} of {world}: done, loss {loss.item():.4f}")


if __name__ == "__main__":
    main()
