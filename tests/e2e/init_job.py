#!/usr/bin/python3
"""init_job.py OUT [--donor FILE] [--make-donor] [--vector]: a small PyTorch
job initialised with trainprov.torch (tests/e2e/e2e_init_random.sh).

  default        init_tensor_ for custom tensors (float32 normal(0, 0.02),
                 bfloat16 trunc_normal, float16 uniform), init_module for the
                 rest (Embedding, MultiheadAttention, LayerNorm, Linear,
                 Conv1d); writes OUT/step0.safetensors, trains 20 steps on
                 random tokens, writes OUT/final.safetensors
  --donor FILE   after init, load fc.weight from FILE (torch.save'd state
                 dict), as a job that starts from another model would
  --make-donor   write OUT/donor.pt (a state dict) and stop
  --vector       print the sha256 of the docs/INIT.md vector 1 tensor
                 (uniform(-1, 1), seed 0, name "w", empty nonce, 1000 float32)
"""
import argparse
import hashlib
import os

import torch

import trainprov.torch as tpt

from safetensors_out import save_safetensors


class Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = torch.nn.Embedding(100, 32)
        self.attn = torch.nn.MultiheadAttention(32, 4, batch_first=True)
        self.ln = torch.nn.LayerNorm(32)
        self.conv = torch.nn.Conv1d(32, 32, 3, padding=1)
        self.fc = torch.nn.Linear(32, 100)
        self.head = torch.nn.Parameter(torch.empty(16, 32))
        self.bf = torch.nn.Parameter(torch.empty(8, 32, dtype=torch.bfloat16))
        self.hf = torch.nn.Parameter(torch.empty(8, 32, dtype=torch.float16))

    def forward(self, x):
        h = self.emb(x)
        h = h + self.attn(h, h, h, need_weights=False)[0]
        h = self.ln(h)
        h = h + self.conv(h.transpose(1, 2)).transpose(1, 2)
        extra = (self.head.sum() + self.bf.float().sum() + self.hf.float().sum()) * 0.0
        return self.fc(h) + extra


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--donor")
    ap.add_argument("--make-donor", action="store_true")
    ap.add_argument("--vector", action="store_true")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    if a.vector:
        t = tpt.init_tensor_(torch.empty(1000), "w", "uniform", a=-1.0, b=1.0, seed=0)
        print("vector1", hashlib.sha256(t.numpy().tobytes()).hexdigest())
        return
    torch.manual_seed(7)
    model = Model()
    if a.make_donor:
        torch.save(model.state_dict(), os.path.join(a.out, "donor.pt"))
        return
    tpt.init_tensor_(model.head, "head", "normal", mean=0.0, std=0.02, seed=1234)
    tpt.init_tensor_(model.bf, "bf", "trunc_normal", mean=0.0, std=0.02, a=-0.04, b=0.04)
    tpt.init_tensor_(model.hf, "hf", "uniform", a=-0.1, b=0.1)
    tpt.init_module(model, seed=1234)
    print("nonce", tpt.run_nonce().hex())
    if a.donor:
        donor = torch.load(a.donor)
        model.load_state_dict({"fc.weight": donor["fc.weight"]}, strict=False)
    save_safetensors(model.state_dict(), os.path.join(a.out, "step0.safetensors"))
    opt = torch.optim.SGD([p for p in model.parameters() if p.dtype == torch.float32], lr=0.1)
    gen = torch.Generator().manual_seed(3)
    for _ in range(20):
        x = torch.randint(0, 100, (4, 12), generator=gen)
        loss = torch.nn.functional.cross_entropy(model(x).reshape(-1, 100), x.reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
    save_safetensors(model.state_dict(), os.path.join(a.out, "final.safetensors"))
    print("done loss %.3f" % loss.item())


if __name__ == "__main__":
    main()
