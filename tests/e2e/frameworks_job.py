#!/usr/bin/python3
"""frameworks_job.py: small jobs that write checkpoints and read data the way
training frameworks do (issue 8 items 4 and 5). Run under `trainprov run`;
every mode prints what it did.

  nanogpt DATA OUT ITERS    nanoGPT's loop: a new np.memmap of DATA/train.bin
                            (uint16 tokens) per batch, a tiny model trained for
                            ITERS steps, OUT/ckpt.pt saved at the end
  dcp DIR                   a PyTorch distributed-checkpoint directory as
                            FileSystemWriter leaves it: __0_0.distcp and
                            __1_0.distcp, then .metadata written as .metadata.tmp
                            and renamed (torch 1.13 has no torch.distributed.checkpoint:
                            the same files by hand)
  dcp-read DIR              load every tensor of a DCP-style DIR back
  dcp-write-read DIR        dcp DIR, then dcp-read DIR in the same process
  megatron DIR              Megatron's tree: DIR/iter_0000010/mp_rank_0{0,1}/
                            model_optim_rng.pt, then iter_0000020, and
                            DIR/latest_checkpointed_iteration.txt
  dir-rename DIR            write DIR.tmp/ (model.pt, config.json), rename it to DIR
  rename-foreign SRC DIR    rename a directory the run did not write (SRC) to DIR,
                            then load DIR/model.pt
  async DIR                 checkpoints written by other processes of the job: a
                            forked child writes DIR/fork.pt, a spawned one (a new
                            interpreter) DIR/spawn.pt; the main process waits for
                            both and loads them back
  megatron-data DATA ITERS  Megatron's indexed dataset, rebuilt ITERS times: np.memmap
                            of DATA/corpus_text_document.idx and .bin, the cached
                            orders DATA/cache/*_idx.npy loaded with mmap_mode="r",
                            a few samples read through them
  make-megatron-data DATA   write that dataset (before the run)
  delete DIR                save DIR/ckpt_1.pt .. ckpt_3.pt and a DCP-style
                            DIR/step_1/, then delete ckpt_1.pt, ckpt_2.pt (os.remove)
                            and step_1/ (shutil.rmtree), keeping the newest
"""
import io
import multiprocessing
import os
import pickle
import shutil
import sys

import numpy as np
import torch


def state(seed, n=1 << 16):
    g = torch.Generator().manual_seed(seed)
    return {"w": torch.randn(n, generator=g), "b": torch.randn(64, generator=g)}


def nanogpt(data, out, iters):
    torch.manual_seed(1337)
    block, batch, vocab = 32, 4, 512
    emb = torch.nn.Embedding(vocab, 32)
    head = torch.nn.Linear(32, vocab)
    params = list(emb.parameters()) + list(head.parameters())
    opt = torch.optim.AdamW(params, lr=1e-3)
    path = os.path.join(data, "train.bin")
    for it in range(iters):
        # nanoGPT's get_batch: "recreate np.memmap every batch to avoid a memory leak"
        tokens = np.memmap(path, dtype=np.uint16, mode="r")
        ix = torch.randint(len(tokens) - block - 1, (batch,))
        x = torch.stack([torch.from_numpy(tokens[i:i + block].astype(np.int64)) for i in ix])
        y = torch.stack([torch.from_numpy(tokens[i + 1:i + 1 + block].astype(np.int64))
                         for i in ix])
        del tokens
        logits = head(emb(x % vocab))
        loss = torch.nn.functional.cross_entropy(logits.view(-1, vocab), (y % vocab).view(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    os.makedirs(out, exist_ok=True)
    torch.save({"emb": emb.state_dict(), "head": head.state_dict(), "iter": iters},
               os.path.join(out, "ckpt.pt"))
    print("trained %d iterations, loss %.3f" % (iters, loss.item()), flush=True)


def dcp(d, seed=1):
    os.makedirs(d, exist_ok=True)
    index = {}
    for rank in range(2):
        name = "__%d_0.distcp" % rank
        with open(os.path.join(d, name), "wb") as f:
            for key, t in state(seed + rank).items():
                offset = f.tell()
                torch.save(t, f)  # FileSystemWriter: one torch.save per tensor, back to back
                index["rank%d.%s" % (rank, key)] = (name, offset, f.tell() - offset)
    tmp = os.path.join(d, ".metadata.tmp")
    with open(tmp, "wb") as f:
        pickle.dump({"storage_data": index, "planner_data": {}}, f)
    os.rename(tmp, os.path.join(d, ".metadata"))
    print("wrote DCP checkpoint", d, flush=True)


def dcp_read(d):
    with open(os.path.join(d, ".metadata"), "rb") as f:
        index = pickle.load(f)["storage_data"]
    n = 0
    for key, (name, offset, length) in sorted(index.items()):
        with open(os.path.join(d, name), "rb") as f:
            f.seek(offset)  # FileSystemReader: the item's slice, loaded from memory
            torch.load(io.BytesIO(f.read(length)), weights_only=True)
            n += 1
    print("loaded %d tensors from %s" % (n, d), flush=True)


def megatron(d):
    for it in (10, 20):
        for mp in range(2):
            sub = os.path.join(d, "iter_%07d" % it, "mp_rank_%02d" % mp)
            os.makedirs(sub, exist_ok=True)
            torch.save({"model": state(it + mp), "iteration": it, "rng_state": [it, mp]},
                       os.path.join(sub, "model_optim_rng.pt"))
        with open(os.path.join(d, "latest_checkpointed_iteration.txt"), "w") as f:
            f.write(str(it))
    print("wrote Megatron checkpoints in", d, flush=True)


def dir_rename(d):
    tmp = d + ".tmp"
    os.makedirs(tmp, exist_ok=True)
    torch.save(state(5), os.path.join(tmp, "model.pt"))
    with open(os.path.join(tmp, "config.json"), "w") as f:
        f.write('{"layers": 2}\n')
    os.rename(tmp, d)
    print("renamed", tmp, "to", d, flush=True)


def rename_foreign(src, d):
    os.rename(src, d)
    torch.load(os.path.join(d, "model.pt"), weights_only=True)
    print("renamed", src, "to", d, "and loaded it", flush=True)


def write_ckpt(path, seed):
    torch.save(state(seed), path)


def async_writers(d):
    os.makedirs(d, exist_ok=True)
    procs = [multiprocessing.get_context("fork").Process(
                 target=write_ckpt, args=(os.path.join(d, "fork.pt"), 11)),
             multiprocessing.get_context("spawn").Process(
                 target=write_ckpt, args=(os.path.join(d, "spawn.pt"), 12))]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
        if p.exitcode != 0:
            sys.exit("a checkpoint writer exited %d" % p.exitcode)
    for name in ("fork.pt", "spawn.pt"):
        torch.load(os.path.join(d, name), weights_only=True)
    print("async writers saved and the main process loaded", d, flush=True)


def delete_old(d):
    os.makedirs(d, exist_ok=True)
    for step in (1, 2, 3):
        write_ckpt(os.path.join(d, "ckpt_%d.pt" % step), step)
    dcp(os.path.join(d, "step_1"), seed=21)
    os.remove(os.path.join(d, "ckpt_1.pt"))
    os.unlink(os.path.join(d, "ckpt_2.pt"))
    shutil.rmtree(os.path.join(d, "step_1"))
    print("kept", sorted(os.listdir(d)), flush=True)


def make_megatron_data(data, docs=400, doc_len=300):
    os.makedirs(os.path.join(data, "cache"), exist_ok=True)
    rng = np.random.default_rng(0)
    sizes = rng.integers(doc_len // 2, doc_len, size=docs).astype(np.int32)
    prefix = os.path.join(data, "corpus_text_document")
    rng.integers(0, 50257, size=int(sizes.sum())).astype(np.uint16).tofile(prefix + ".bin")
    pointers = np.concatenate([[0], np.cumsum(sizes[:-1].astype(np.int64) * 2)]).astype(np.int64)
    doc_idx = np.arange(docs + 1, dtype=np.int64)
    with open(prefix + ".idx", "wb") as f:  # MMapIndexedDataset's index
        f.write(b"MMIDIDX\x00\x00" + np.array([1], "<u8").tobytes() + bytes([8]))
        f.write(np.array([docs, docs], "<u8").tobytes())
        f.write(sizes.tobytes() + pointers.tobytes() + doc_idx.tobytes())
    stem = os.path.join(data, "cache", "corpus_train_indexmap_20000ns_128sl_1234s")
    np.save(stem + "_doc_idx.npy", rng.permutation(docs).astype(np.int32))
    np.save(stem + "_sample_idx.npy", np.stack([np.arange(20001) % docs,
                                                np.zeros(20001)], 1).astype(np.int32))
    np.save(stem + "_shuffle_idx.npy", rng.permutation(20000).astype(np.int64))


def megatron_data(data, iters):
    prefix = os.path.join(data, "corpus_text_document")
    stem = os.path.join(data, "cache", "corpus_train_indexmap_20000ns_128sl_1234s")
    total = 0
    for _ in range(iters):
        idx = np.memmap(prefix + ".idx", mode="r", order="C")
        docs = int(np.frombuffer(idx[18:26], "<u8")[0])  # after magic, version, dtype
        sizes = np.frombuffer(idx, np.int32, docs, 34)
        pointers = np.frombuffer(idx, np.int64, docs, 34 + 4 * docs)
        tokens = np.memmap(prefix + ".bin", mode="r", order="C")
        doc_order = np.load(stem + "_doc_idx.npy", mmap_mode="r")
        samples = np.load(stem + "_sample_idx.npy", mmap_mode="r")
        shuffle = np.load(stem + "_shuffle_idx.npy", mmap_mode="r")
        for k in range(8):
            s = int(shuffle[k])
            d = int(doc_order[int(samples[s][0]) % docs])
            sample = np.frombuffer(tokens, np.uint16, int(sizes[d]), int(pointers[d]))
            total += int(sample.sum())
        del idx, tokens, doc_order, samples, shuffle
    print("read %d iterations of the indexed dataset (checksum %d)" % (iters, total), flush=True)


def main(argv):
    mode = argv[1]
    if mode == "nanogpt":
        nanogpt(argv[2], argv[3], int(argv[4]))
    elif mode == "dcp":
        dcp(argv[2])
    elif mode == "dcp-read":
        dcp_read(argv[2])
    elif mode == "dcp-write-read":
        dcp(argv[2])
        dcp_read(argv[2])
    elif mode == "megatron":
        megatron(argv[2])
    elif mode == "dir-rename":
        dir_rename(argv[2])
    elif mode == "rename-foreign":
        rename_foreign(argv[2], argv[3])
    elif mode == "async":
        async_writers(argv[2])
    elif mode == "megatron-data":
        megatron_data(argv[2], int(argv[3]))
    elif mode == "make-megatron-data":
        make_megatron_data(argv[2])
    elif mode == "delete":
        delete_old(argv[2])
    else:
        sys.exit("unknown mode " + mode)


if __name__ == "__main__":
    main(sys.argv)
