#!/usr/bin/python3
"""resume_job.py: a nanoGPT-style training job for the resume-chain tests.

It keeps one checkpoint file, OUT/ckpt.pt (model, optimizer and step), and
overwrites it in place every --ckpt-every steps (with --dir-ckpt, a
checkpoint directory OUT/ckpt/ of model.pt, optimizer.pt and meta.json). When OUT/ckpt.pt exists at
start it resumes from it (torch.load, then training goes on from its step),
as nanoGPT's `init_from = 'resume'` does; --fresh ignores it. Token shards
(make_shards.py) are read with plain open()/read() by the main process.

Options:
  --data DIR --out DIR   shards, and where ckpt.pt lives
  --steps N              train until global step N (default 20)
  --ckpt-every K         overwrite ckpt.pt every K steps (default 5)
  --sleep-per-step S     slow each step down (for the kill tests)
  --release FILE         at the end, torch.save the model's state dict to FILE
  --load FILE            torch.load a weights file first (a donor)
  --dir-ckpt             the checkpoint is the directory OUT/ckpt/
  --stall                after the last step, print "stalled" and sleep until
                         killed (a job killed at its time limit)
  --seed N               torch.manual_seed (default 0)
"""
import argparse
import glob
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn

VOCAB = 512
SEQ = 32
D = 32
BATCH = 8


class TinyLM(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(VOCAB, D)
        self.mlp = nn.Sequential(nn.Linear(D, 4 * D), nn.GELU(), nn.Linear(4 * D, D))
        self.norm = nn.LayerNorm(D)
        self.head = nn.Linear(D, VOCAB)

    def forward(self, tokens):
        x = self.embed(tokens)
        return self.head(self.norm(x + self.mlp(x)))


def save_checkpoint(path, as_dir, state):
    if not as_dir:
        torch.save(state, path)
        return
    os.makedirs(path, exist_ok=True)
    torch.save(state["model"], os.path.join(path, "model.pt"))
    torch.save(state["optimizer"], os.path.join(path, "optimizer.pt"))
    with open(os.path.join(path, "meta.json"), "w") as f:
        json.dump({"step": state["step"]}, f)


def load_checkpoint(path, as_dir):
    if not as_dir:
        return torch.load(path)
    with open(os.path.join(path, "meta.json")) as f:
        step = json.load(f)["step"]
    return {"model": torch.load(os.path.join(path, "model.pt")),
            "optimizer": torch.load(os.path.join(path, "optimizer.pt")), "step": step}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--ckpt-every", type=int, default=5)
    ap.add_argument("--sleep-per-step", type=float, default=0.0)
    ap.add_argument("--release")
    ap.add_argument("--load")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--stall", action="store_true")
    ap.add_argument("--dir-ckpt", action="store_true")
    a = ap.parse_args()

    torch.manual_seed(a.seed)
    torch.set_num_threads(1)
    model = TinyLM()
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    ckpt = os.path.join(a.out, "ckpt" if a.dir_ckpt else "ckpt.pt")
    step = 0
    if os.path.exists(ckpt):
        state = load_checkpoint(ckpt, a.dir_ckpt)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        step = state["step"]
        print("resumed from %s at step %d" % (ckpt, step), flush=True)
    if a.load:
        model.load_state_dict(torch.load(a.load))
        print("loaded weights from %s" % a.load, flush=True)

    tokens = []
    for path in sorted(glob.glob(os.path.join(a.data, "shard_*.bin"))):
        with open(path, "rb") as f:
            tokens.append(np.frombuffer(f.read(), dtype="<u2").astype(np.int64) % VOCAB)
    if not tokens:
        sys.exit("no shards in %s" % a.data)
    tokens = np.concatenate(tokens)
    os.makedirs(a.out, exist_ok=True)
    rng = np.random.default_rng(step)
    loss_fn = nn.CrossEntropyLoss()
    while step < a.steps:
        starts = rng.integers(0, len(tokens) - SEQ - 1, BATCH)
        batch = torch.from_numpy(np.stack([tokens[s:s + SEQ + 1] for s in starts]))
        logits = model(batch[:, :-1])
        loss = loss_fn(logits.reshape(-1, VOCAB), batch[:, 1:].reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        step += 1
        if a.ckpt_every > 0 and step % a.ckpt_every == 0:
            save_checkpoint(ckpt, a.dir_ckpt, {"model": model.state_dict(),
                                               "optimizer": opt.state_dict(), "step": step})
            print("step %d loss %.4f, saved %s" % (step, loss.item(), ckpt), flush=True)
        if a.sleep_per_step > 0:
            time.sleep(a.sleep_per_step)
    if a.release:
        torch.save(model.state_dict(), a.release)
        print("released %s" % a.release, flush=True)
    if a.stall:
        print("stalled at step %d" % step, flush=True)
        while True:
            time.sleep(60)
    return 0


if __name__ == "__main__":
    sys.exit(main())
