#!/usr/bin/python3
"""make_ptzip_fixtures.py DIR: the PyTorch checkpoints tests/verify/test_ptzip.c
reads, written by torch.save (committed as made by PyTorch 1.13), and for
each NAME.pt a NAME.sha256 listing every tensor's key path and the SHA-256
of its contiguous bytes (what the reader must compute).

  sd.pt          an OrderedDict state dict: float32, bfloat16, float16,
                 int64, a scalar, a transposed (non-contiguous) tensor, a
                 slice at a storage offset, two keys sharing one storage
  nested.pt      {'model': state_dict, 'step': 0, 'opt': {...}} with an
                 nn.Parameter (torch._utils._rebuild_parameter)
  compressed.pt  sd.pt rewritten with deflate (the reader must refuse it)
"""
import collections
import hashlib
import os
import sys
import zipfile

import torch

out = sys.argv[1]
torch.manual_seed(0)


def save(obj, name, tensors):
    path = os.path.join(out, name + ".pt")
    torch.save(obj, path)
    with open(os.path.join(out, name + ".sha256"), "w") as f:
        for key, t in tensors:
            f.write("%s %s\n" % (hashlib.sha256(t.contiguous().numpy().tobytes()
                                                if t.dtype != torch.bfloat16 else
                                                t.contiguous().view(torch.int16).numpy().tobytes())
                                 .hexdigest(), key))


w = torch.randn(3, 4)
sd = collections.OrderedDict()
sd["a.weight"] = w
sd["tied.weight"] = w
sd["b"] = torch.randn(2, 3).to(torch.bfloat16)
sd["c"] = torch.randn(4, 5).t()
sd["d"] = torch.randn(6)[2:5]
sd["h"] = torch.randn(5).half()
sd["i"] = torch.arange(4, dtype=torch.int64)
sd["s"] = torch.tensor(1.5)
save(sd, "sd", sorted(sd.items()))

small = collections.OrderedDict([("fc.weight", torch.randn(2, 2)), ("fc.bias", torch.randn(2))])
nested = {"model": small, "step": 0,
          "opt": {"state": {}, "param_groups": [{"lr": 0.1, "params": [0, 1]}]},
          "p": {"w": torch.nn.Parameter(torch.randn(3))}}
save(nested, "nested", [("model.fc.bias", small["fc.bias"]), ("model.fc.weight", small["fc.weight"]),
                        ("p.w", nested["p"]["w"].detach())])

src = zipfile.ZipFile(os.path.join(out, "sd.pt"))
with zipfile.ZipFile(os.path.join(out, "compressed.pt"), "w", zipfile.ZIP_DEFLATED) as z:
    for name in src.namelist():
        z.writestr(name, src.read(name))
