#!/usr/bin/env python3
"""make_shards.py DIR N [SEED]: writes N token shards DIR/shard_000.bin ...

Each shard is a flat array of little-endian uint16 token ids (random, below
the tiny model's vocabulary of 512), between 64 KiB and 256 KiB long, so the
shards differ in size and content. Used by the end-to-end tests as the
training data that the DataLoader workers read.
"""
import os
import sys

import numpy as np


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit("usage: make_shards.py DIR N [SEED]")
    out, n = sys.argv[1], int(sys.argv[2])
    seed = int(sys.argv[3]) if len(sys.argv) == 4 else 1234
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(seed)
    for i in range(n):
        n_tokens = int(rng.integers(32 * 1024, 128 * 1024 + 1))  # 64..256 KiB
        tokens = rng.integers(0, 512, size=n_tokens, dtype=np.uint16)
        with open(os.path.join(out, "shard_%03d.bin" % i), "wb") as f:
            f.write(tokens.astype("<u2").tobytes())


if __name__ == "__main__":
    main()
