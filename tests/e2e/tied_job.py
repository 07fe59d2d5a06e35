#!/usr/bin/python3
"""tied_job.py OUT DATA [--untie]: a GPT-style model whose lm_head shares
its weight with the token embedding (nanoGPT's weight tying), initialised
with trainprov.torch.init_module, its step-0 checkpoint written with
torch.save (both names, one storage), then trained a few steps on DATA's
token shards (tests/e2e/e2e_init_step0_weight_tying_passes.sh). --untie
gives lm_head a weight of its own, drawn outside trainprov, after the init:
other values under the second name, not the shared tensor."""
import argparse
import glob
import os

import numpy as np
import torch

import trainprov.torch as tpt


class Tied(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.wte = torch.nn.Embedding(100, 32)
        self.ln = torch.nn.LayerNorm(32)
        self.lm_head = torch.nn.Linear(32, 100, bias=False)
        self.wte.weight = self.lm_head.weight  # nanoGPT's weight tying

    def forward(self, x):
        return self.lm_head(self.ln(self.wte(x)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("data")
    ap.add_argument("--untie", action="store_true")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    torch.manual_seed(7)
    model = Tied()
    tpt.init_module(model, seed=1234)
    if a.untie:
        model.lm_head.weight = torch.nn.Parameter(torch.randn(100, 32) * 0.02)
    torch.save(model.state_dict(), os.path.join(a.out, "step_0.pt"))
    shards = []
    for path in sorted(glob.glob(os.path.join(a.data, "shard_*.bin"))):
        with open(path, "rb") as f:
            shards.append(np.frombuffer(f.read(), dtype="<u2"))
    tokens = torch.from_numpy((np.concatenate(shards) % 100).astype(np.int64))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for step in range(3):
        x = tokens[step * 48:(step + 1) * 48].reshape(4, 12)
        loss = torch.nn.functional.cross_entropy(model(x).reshape(-1, 100), x.reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
    torch.save(model.state_dict(), os.path.join(a.out, "final.pt"))
    print("done loss %.3f" % loss.item())


if __name__ == "__main__":
    main()
