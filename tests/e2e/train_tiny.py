#!/usr/bin/python3
"""train_tiny.py: a small, real PyTorch language-model training job for the
end-to-end tests, with the I/O pattern of a pretraining job.

  - token shards (make_shards.py) read by a torch DataLoader with 2 worker
    processes; an IterableDataset in which each worker reads its own shards
    with plain open()/read(), split by torch.utils.data.get_worker_info()
  - a causal transformer LM (nn.TransformerEncoder, d_model 64, 2 layers,
    vocabulary 512, sequence 64)
  - torch.save checkpoints OUT/ckpt_step{N}.pt every --ckpt-every steps
  - a final OUT/final.safetensors, written by hand in the safetensors format
    (8-byte little-endian header length, JSON header, raw tensor bytes)

Options:
  --data DIR --out DIR --steps N --ckpt-every K
  --load FILE            torch.load a weights file first (reusing foreign weights)
  --sleep-per-step S     slow each step down (for the SIGKILL test)
  --save-init FILE       only torch.save a freshly initialised state dict to
                         FILE (seeded by --seed) and exit: makes a donor model
  --seed N               torch.manual_seed (default 0)
  --workers N            DataLoader workers (default 2)
  --trainprov-init SEED  initialise with trainprov.torch under SEED (pos as
                         normal(0, 0.02) by init_tensor_, the rest by
                         init_module) and torch.save the state dict to
                         OUT/ckpt_step0.pt before any data is read: the
                         step-0 checkpoint that ties the init to training
"""
import argparse
import glob
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, IterableDataset, get_worker_info

from safetensors_out import save_safetensors

VOCAB = 512
SEQ = 64
D_MODEL = 64
LAYERS = 2
HEADS = 4
BATCH = 8


class TinyLM(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(VOCAB, D_MODEL)
        self.pos = nn.Parameter(torch.zeros(SEQ, D_MODEL))
        layer = nn.TransformerEncoderLayer(
            d_model=D_MODEL, nhead=HEADS, dim_feedforward=4 * D_MODEL, dropout=0.0,
            batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers=LAYERS)
        self.norm = nn.LayerNorm(D_MODEL)
        self.head = nn.Linear(D_MODEL, VOCAB)
        nn.init.normal_(self.pos, std=0.02)
        mask = torch.triu(torch.full((SEQ, SEQ), float("-inf")), diagonal=1)
        self.register_buffer("causal_mask", mask, persistent=False)

    def forward(self, tokens):
        t = tokens.shape[1]
        x = self.embed(tokens) + self.pos[:t]
        x = self.encoder(x, mask=self.causal_mask[:t, :t])
        return self.head(self.norm(x))


class ShardStream(IterableDataset):
    """Windows of SEQ+1 tokens from the shards; worker w of n reads shards
    w, w+n, w+2n, ... (all of them, up front, with plain open()/read())."""

    def __init__(self, shards):
        super().__init__()
        self.shards = shards

    def __iter__(self):
        info = get_worker_info()
        wid, nw = (info.id, info.num_workers) if info is not None else (0, 1)
        mine = self.shards[wid::nw]
        arrays = []
        for path in mine:
            with open(path, "rb") as f:
                raw = f.read()
            arrays.append(np.frombuffer(raw, dtype="<u2").astype(np.int64) % VOCAB)
        if not arrays:
            return
        rng = np.random.default_rng(1000 + wid)
        while True:
            for tokens in arrays:
                n_windows = (len(tokens) - 1) // SEQ
                for k in rng.permutation(n_windows)[:64]:
                    w = tokens[k * SEQ:k * SEQ + SEQ + 1]
                    yield torch.from_numpy(w.copy())



def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data")
    ap.add_argument("--out")
    ap.add_argument("--steps", type=int, default=40)
    ap.add_argument("--ckpt-every", type=int, default=10)
    ap.add_argument("--load")
    ap.add_argument("--sleep-per-step", type=float, default=0.0)
    ap.add_argument("--save-init")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--trainprov-init", type=int, metavar="SEED")
    ap.add_argument("--notes", action="store_true",
                    help="record each step's loss as trainprov notes (the report's training curve)")
    a = ap.parse_args()

    torch.manual_seed(a.seed)
    torch.set_num_threads(1)
    model = TinyLM()

    if a.save_init:
        torch.save(model.state_dict(), a.save_init)
        return 0
    if not a.data or not a.out:
        ap.error("--data and --out are required")

    if a.load:
        model.load_state_dict(torch.load(a.load))
        print("loaded weights from %s" % a.load, flush=True)

    shards = sorted(glob.glob(os.path.join(a.data, "shard_*.bin")))
    if not shards:
        sys.exit("no shards in %s" % a.data)
    os.makedirs(a.out, exist_ok=True)

    if a.trainprov_init is not None:
        import trainprov.torch as tpt
        tpt.init_tensor_(model.pos, "pos", "normal", mean=0.0, std=0.02, seed=a.trainprov_init)
        tpt.init_module(model, seed=a.trainprov_init)
        path = os.path.join(a.out, "ckpt_step0.pt")
        torch.save(model.state_dict(), path)
        print("saved %s (step 0, before any data is read)" % path, flush=True)

    loader = DataLoader(ShardStream(shards), batch_size=BATCH, num_workers=a.workers)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    loss_fn = nn.CrossEntropyLoss()
    t0 = time.time()
    step = 0
    for batch in loader:
        x, y = batch[:, :-1], batch[:, 1:]
        logits = model(x)
        loss = loss_fn(logits.reshape(-1, VOCAB), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        step += 1
        if a.notes:
            import trainprov
            trainprov.note("step", step)
            trainprov.note("loss", "%.6f" % loss.item())
        if step == 1 or step % 10 == 0:
            print("step %d loss %.4f" % (step, loss.item()), flush=True)
        if a.ckpt_every > 0 and step % a.ckpt_every == 0:
            path = os.path.join(a.out, "ckpt_step%d.pt" % step)
            torch.save(model.state_dict(), path)
            print("saved %s" % path, flush=True)
        if a.sleep_per_step > 0:
            time.sleep(a.sleep_per_step)
        if step >= a.steps:
            break
    del loader  # shut the workers down before writing the final weights

    if not math.isfinite(loss.item()):
        sys.exit("loss is not finite")
    save_safetensors(model.state_dict(), os.path.join(a.out, "final.safetensors"))
    print("done: %d steps in %.1f s, final loss %.4f" % (step, time.time() - t0, loss.item()),
          flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
