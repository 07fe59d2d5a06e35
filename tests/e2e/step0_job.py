#!/usr/bin/python3
"""step0_job.py OUT DATA [--format pt|nested|safetensors|none] [--donor FILE]
[--buffers] [--donor-buffer FILE]:
a trainprov.torch job that writes its step-0 checkpoint and then trains on
token shards (tests/e2e/e2e_init_step0_*.sh).

It initialises init_job.py's model with trainprov.torch (custom tensors,
then init_module), optionally loads fc.weight from the state dict in FILE
after the init (a job starting from another model), writes its step-0
checkpoint to OUT/step_0.pt (--format pt: torch.save of the state dict;
nested: torch.save({'model': state_dict, 'step': 0}); safetensors:
OUT/step_0.safetensors; none: no step-0 checkpoint), then reads every
DATA/shard_*.bin and trains a few steps on their tokens, and writes
OUT/final.pt. --buffers adds buffers the initialiser does not fill, as
BatchNorm and GPT-style models have (running mean 0, running variance 1, a
step counter, a causal mask of 0 and 1); --donor-buffer FILE adds a buffer
holding FILE's fc.weight (learned values where no initialiser wrote).
"""
import argparse
import glob
import os

import numpy as np
import torch

import trainprov.torch as tpt
from init_job import Model
from safetensors_out import save_safetensors


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("data")
    ap.add_argument("--format", default="pt", choices=["pt", "nested", "safetensors", "none"])
    ap.add_argument("--donor")
    ap.add_argument("--buffers", action="store_true")
    ap.add_argument("--donor-buffer")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    torch.manual_seed(7)
    model = Model()
    tpt.init_tensor_(model.head, "head", "normal", mean=0.0, std=0.02, seed=1234)
    tpt.init_tensor_(model.bf, "bf", "trunc_normal", mean=0.0, std=0.02, a=-0.04, b=0.04)
    tpt.init_tensor_(model.hf, "hf", "uniform", a=-0.1, b=0.1)
    tpt.init_module(model, seed=1234)
    if a.donor:
        donor = torch.load(a.donor)
        model.load_state_dict({"fc.weight": donor["fc.weight"]}, strict=False)
    if a.buffers:
        model.register_buffer("running_mean", torch.zeros(32))
        model.register_buffer("running_var", torch.ones(32))
        model.register_buffer("num_batches_tracked", torch.tensor(0, dtype=torch.long))
        model.register_buffer("mask", torch.tril(torch.ones(12, 12)))
    if a.donor_buffer:
        model.register_buffer("extra", torch.load(a.donor_buffer)["fc.weight"].clone())
    sd = model.state_dict()
    if a.format == "pt":
        torch.save(sd, os.path.join(a.out, "step_0.pt"))
    elif a.format == "nested":
        torch.save({"model": sd, "step": 0}, os.path.join(a.out, "step_0.pt"))
    elif a.format == "safetensors":
        save_safetensors(sd, os.path.join(a.out, "step_0.safetensors"))
    shards = []
    for path in sorted(glob.glob(os.path.join(a.data, "shard_*.bin"))):
        with open(path, "rb") as f:  # read(): numpy.fromfile's reads go untimed
            shards.append(np.frombuffer(f.read(), dtype="<u2"))
    tokens = np.concatenate(shards)
    tokens = torch.from_numpy((tokens % 100).astype(np.int64))
    opt = torch.optim.SGD([p for p in model.parameters() if p.dtype == torch.float32], lr=0.1)
    for step in range(5):
        x = tokens[step * 48:(step + 1) * 48].reshape(4, 12)
        loss = torch.nn.functional.cross_entropy(model(x).reshape(-1, 100), x.reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
    torch.save(model.state_dict(), os.path.join(a.out, "final.pt"))
    print("done loss %.3f" % loss.item())


if __name__ == "__main__":
    main()
