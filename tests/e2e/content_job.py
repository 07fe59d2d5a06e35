#!/usr/bin/env python3
"""content_job.py: the files and jobs of the content-beats-declarations and
blind-spot tests (e2e_donor_*.sh, e2e_honest_corpus_*.sh).

  content_job.py donors DIR      writes DIR/donor.safetensors (a small
                                 transformer's weights) and DIR/gpt2_tiny.bin
                                 (the same weights in llm.c's layout: an int32
                                 header of 256 ints, then raw float32); not
                                 under trainprov
  content_job.py corpus DIR      writes honest training data: uint16 token
                                 shards (DIR/tok_*.bin, DIR/tok_*.npy, the
                                 llm.c layout DIR/llmc_*.bin), a text corpus
                                 DIR/corpus.txt and DIR/corpus.txt.gz
  content_job.py read [--role ROLE] PATH...
                                 the job: declares each PATH's role with
                                 trainprov.file_role when --role is given,
                                 then reads each PATH whole
  content_job.py train DATA OUT  the honest job: reads every file of the
                                 corpus (np.fromfile, np.load, text, gzip),
                                 writes a PyTorch checkpoint and a raw float32
                                 checkpoint in llm.c's layout, and reads both
                                 back
"""
import glob
import gzip
import json
import os
import struct
import sys

import numpy as np


def tiny_model_tensors(seed=7):
    import torch
    torch.manual_seed(seed)
    model = torch.nn.TransformerEncoder(
        torch.nn.TransformerEncoderLayer(d_model=128, nhead=4, dim_feedforward=256), 2)
    emb = torch.nn.Embedding(512, 128)
    torch.nn.init.normal_(emb.weight, std=0.02)
    tensors = {"wte": emb.weight.detach()}
    for k, v in model.state_dict().items():
        tensors[k] = v.detach()
    return {k: v.float().contiguous().numpy() for k, v in tensors.items()}


def write_safetensors(path, tensors):
    header, offset, blobs = {}, 0, []
    for name, a in tensors.items():
        b = a.astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(a.shape),
                        "data_offsets": [offset, offset + len(b)]}
        offset += len(b)
        blobs.append(b)
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h)
        for b in blobs:
            f.write(b)


def write_llmc_model(path, tensors):
    """llm.c's gpt2_124M.bin layout: 256 int32 (magic 20240326, version 3,
    config), then every parameter as raw float32."""
    header = np.zeros(256, dtype="<i4")
    header[:8] = [20240326, 3, 1024, 512, 2, 4, 128, 512]
    with open(path, "wb") as f:
        f.write(header.tobytes())
        for a in tensors.values():
            f.write(a.astype("<f4").tobytes())


def donors(d):
    os.makedirs(d, exist_ok=True)
    t = tiny_model_tensors()
    write_safetensors(os.path.join(d, "donor.safetensors"), t)
    write_llmc_model(os.path.join(d, "gpt2_tiny.bin"), t)


def corpus(d):
    os.makedirs(d, exist_ok=True)
    rng = np.random.default_rng(3)
    for i in range(2):
        ids = np.minimum(rng.zipf(1.2, size=200_000), 50256).astype("<u2")
        ids.tofile(os.path.join(d, "tok_%d.bin" % i))
        np.save(os.path.join(d, "tok_%d.npy" % i), ids)
        header = np.zeros(256, dtype="<i4")
        header[:3] = [20240520, 1, ids.size]
        with open(os.path.join(d, "llmc_%d.bin" % i), "wb") as f:
            f.write(header.tobytes() + ids.tobytes())
    words = ["the", "model", "learns", "from", "data", "and", "a", "token", "of", "text",
             "training", "weights", "loss", "step", "gradient", "Ж", "語"]
    text = " ".join(words[int(i)] for i in rng.integers(0, len(words), size=150_000))
    with open(os.path.join(d, "corpus.txt"), "w", encoding="utf-8") as f:
        f.write(text)
    with gzip.open(os.path.join(d, "corpus.txt.gz"), "wt", encoding="utf-8") as f:
        f.write(text)


def read(args):
    role = None
    if args[:1] == ["--role"]:
        role, args = args[1], args[2:]
    import trainprov
    for p in args:
        if role:
            if not trainprov.file_role(p, role):
                sys.exit("content_job.py: trainprov.file_role(%s, %s) failed" % (p, role))
        with open(p, "rb") as f:
            n = len(f.read())
        print("read %d bytes of %s" % (n, p))


def train(data, out):
    import torch
    total = 0
    for p in sorted(glob.glob(os.path.join(data, "*"))):
        if p.endswith(".npy"):
            total += int(np.load(p).size)
        elif p.endswith(".gz"):
            with gzip.open(p, "rt", encoding="utf-8") as f:
                total += len(f.read())
        elif p.endswith(".txt"):
            with open(p, encoding="utf-8") as f:
                total += len(f.read())
        else:
            total += int(np.fromfile(p, dtype="<u2").size)
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Embedding(512, 64), torch.nn.Linear(64, 512))
    for step in range(3):
        x = torch.randint(0, 512, (8, 16))
        loss = torch.nn.functional.cross_entropy(model(x).reshape(-1, 512), x.reshape(-1))
        loss.backward()
        with torch.no_grad():
            for prm in model.parameters():
                prm -= 0.1 * prm.grad
                prm.grad = None
    ckpt = os.path.join(out, "step_3.pt")
    torch.save(model.state_dict(), ckpt)
    raw = os.path.join(out, "model_step_3.bin")
    write_llmc_model(raw, {k: v.detach().numpy() for k, v in model.state_dict().items()})
    model.load_state_dict(torch.load(ckpt))
    with open(raw, "rb") as f:
        back = np.frombuffer(f.read()[1024:], dtype="<f4")
    print("read %d data items; wrote and read back %s and %s (%d floats)" %
          (total, ckpt, raw, back.size))


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "donors":
        donors(args[0])
    elif cmd == "corpus":
        corpus(args[0])
    elif cmd == "read":
        read(args)
    elif cmd == "train" and len(args) == 2:
        train(args[0], args[1])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
