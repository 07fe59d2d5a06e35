#!/usr/bin/python3
"""preempt_job.py: a PyTorch training job that is preempted (the tests of
issue 8 item 1). It trains train_tiny.py's TinyLM on the shards through a
DataLoader with one worker process and saves OUT/ckpt_NNNN.pt every
--ckpt-seconds (default 0.5) until it is stopped.

  --on-term default   SIGTERM keeps its default action: the job dies of it
  --on-term handler   a Python SIGTERM handler (signal.signal, as trainers
                      write them) appends a line to OUT/handler_calls, saves
                      OUT/preempt.pt and exits 0; the DataLoader worker
                      ignores SIGTERM (as such trainers make it: otherwise
                      its death by the group's SIGTERM makes PyTorch raise
                      in the main process, inside the handler)

OUT/ready appears once the first checkpoint is on disk.
"""
import argparse
import glob
import os
import signal
import sys
import time

import torch
import torch.nn as nn
from torch.utils.data import DataLoader

from train_tiny import BATCH, VOCAB, ShardStream, TinyLM


def ignore_sigterm(worker_id):
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--ckpt-seconds", type=float, default=0.5)
    ap.add_argument("--on-term", choices=("default", "handler"), default="default")
    a = ap.parse_args()

    torch.manual_seed(0)
    torch.set_num_threads(1)
    model = TinyLM()
    os.makedirs(a.out, exist_ok=True)

    if a.on_term == "handler":
        def on_term(sig, frame):
            with open(os.path.join(a.out, "handler_calls"), "a") as f:
                f.write("SIGTERM\n")
            torch.save(model.state_dict(), os.path.join(a.out, "preempt.pt"))
            print("preempted: saved preempt.pt", flush=True)
            sys.exit(0)
        signal.signal(signal.SIGTERM, on_term)

    shards = sorted(glob.glob(os.path.join(a.data, "shard_*.bin")))
    loader = DataLoader(ShardStream(shards), batch_size=BATCH, num_workers=1,
                        worker_init_fn=ignore_sigterm if a.on_term == "handler" else None)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    loss_fn = nn.CrossEntropyLoss()
    n, last = 0, 0.0
    for batch in loader:
        x, y = batch[:, :-1], batch[:, 1:]
        loss = loss_fn(model(x).reshape(-1, VOCAB), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        if time.time() - last >= a.ckpt_seconds:
            last = time.time()
            torch.save(model.state_dict(), os.path.join(a.out, "ckpt_%04d.pt" % n))
            n += 1
            if n == 1:
                open(os.path.join(a.out, "ready"), "w").close()
        time.sleep(0.02)
    return 0


if __name__ == "__main__":
    sys.exit(main())
