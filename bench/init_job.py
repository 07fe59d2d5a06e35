#!/usr/bin/python3
"""init_job.py LAYERS ROWS COLS: fills LAYERS float32 ROWS x COLS weights and
their biases with trainprov.torch.init_tensor_ (PyTorch's Linear laws from the
v1 stream) under `trainprov run`, so that bench/init.sh can time init.random
at strength exact (regeneration of every InitTensor) on a large model."""
import sys

import torch

import trainprov.torch as tpt


def main():
    layers, rows, cols = (int(v) for v in sys.argv[1:4])
    b = 1 / cols ** 0.5
    for l in range(layers):
        tpt.init_tensor_(torch.empty(rows, cols), "l%03d.weight" % l, "uniform", a=-b, b=b,
                         seed=1)
        tpt.init_tensor_(torch.empty(rows), "l%03d.bias" % l, "uniform", a=-b, b=b)


if __name__ == "__main__":
    main()
