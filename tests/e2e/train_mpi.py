#!/usr/bin/python3
"""train_mpi.py: a small data-parallel PyTorch + mpi4py training job for the
MPI end-to-end tests, with the communication pattern of a pretraining job.

  - rank 0 initialises a small MLP language model (torch.manual_seed) and
    MPI_Bcasts every parameter to the other ranks (numpy views, comm.Bcast)
  - each rank reads its own token shards (shard i goes to rank i % size) with
    plain open()/read()
  - gradients are summed with comm.Allreduce and averaged, every step
  - rank 0 writes torch.save checkpoints OUT/ckpt_step{N}.pt every
    --ckpt-every steps and OUT/final.pt at the end

Options:
  --data DIR --out DIR --steps N --ckpt-every K --sleep-per-step S
  --rogue-rank R --rogue-mode skip|self
      rank R does not take part in rank 0's parameter broadcast: "skip"
      initialises its own parameters; "self" broadcasts its own parameters
      on MPI.COMM_SELF (so it records broadcasts with other contents). The
      other ranks broadcast among themselves.
  --pid-dir DIR       each rank writes DIR/rank<R>.pid once training started
"""
import argparse
import glob
import os
import time

import numpy as np
import torch
import torch.nn as nn
from mpi4py import MPI

VOCAB = 512
SEQ = 32
D = 64
BATCH = 8


class TinyLM(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(VOCAB, D)
        self.hidden = nn.Linear(D * SEQ, 2 * D)
        self.head = nn.Linear(2 * D, VOCAB)

    def forward(self, tokens):
        x = self.embed(tokens).flatten(1)
        return self.head(torch.relu(self.hidden(x)))


def read_tokens(paths):
    chunks = []
    for p in paths:
        with open(p, "rb") as f:
            chunks.append(np.frombuffer(f.read(), dtype="<u2").astype(np.int64))
    return np.concatenate(chunks)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--ckpt-every", type=int, default=10)
    ap.add_argument("--sleep-per-step", type=float, default=0.0)
    ap.add_argument("--rogue-rank", type=int, default=-1)
    ap.add_argument("--rogue-mode", choices=("skip", "self"), default="skip")
    ap.add_argument("--pid-dir")
    args = ap.parse_args()

    comm = MPI.COMM_WORLD
    rank, size = comm.Get_rank(), comm.Get_size()
    torch.manual_seed(1234 + rank)  # only rank 0's draw survives the broadcast
    model = TinyLM()
    params = [p.data.numpy() for p in model.parameters()]

    rogue = rank == args.rogue_rank
    bcast_comm = comm
    if args.rogue_rank >= 0:
        bcast_comm = comm.Split(1 if rogue else 0, rank)
    if not rogue:
        for p in params:
            bcast_comm.Bcast(p, root=0)
    elif args.rogue_mode == "self":
        for p in params:
            MPI.COMM_SELF.Bcast(p, root=0)

    shards = sorted(glob.glob(os.path.join(args.data, "shard_*.bin")))
    mine = [s for i, s in enumerate(shards) if i % size == rank]
    tokens = read_tokens(mine)
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    rng = np.random.default_rng(rank)
    if rank == 0:
        os.makedirs(args.out, exist_ok=True)
    if args.pid_dir:
        with open(os.path.join(args.pid_dir, "rank%d.pid" % rank), "w") as f:
            f.write("%d\n" % os.getpid())
    for step in range(1, args.steps + 1):
        starts = rng.integers(0, len(tokens) - SEQ - 1, size=BATCH)
        x = torch.from_numpy(np.stack([tokens[s:s + SEQ] for s in starts]))
        y = torch.from_numpy(np.array([tokens[s + SEQ] for s in starts]))
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        for p in model.parameters():
            g = p.grad.numpy()
            comm.Allreduce(MPI.IN_PLACE, g, op=MPI.SUM)
            g /= size
        opt.step()
        if rank == 0 and step % args.ckpt_every == 0:
            torch.save(model.state_dict(), os.path.join(args.out, "ckpt_step%d.pt" % step))
        if args.sleep_per_step:
            time.sleep(args.sleep_per_step)
    if rank == 0:
        torch.save(model.state_dict(), os.path.join(args.out, "final.pt"))
        print("rank 0: trained %d steps on %d ranks, loss %.3f" % (args.steps, size, loss.item()))


if __name__ == "__main__":
    main()
