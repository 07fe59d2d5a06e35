#!/usr/bin/python3
"""authorship_job.py: small jobs for the authorship and identity tests
(issue 7 items 1 and 4), each one way a job can get weights it did not
produce, or an honest way of handling its own checkpoints. Run under
`trainprov run`; every mode prints what it did.

  rw-donor DONOR            read DONOR through a read-write descriptor and write
                            one byte back unchanged, then load those bytes
  mmap-donor DONOR          map DONOR MAP_SHARED with PROT_WRITE, load from the map
  rename-donor DONOR DEST   rename DONOR to DEST (a --checkpoint path), load DEST
  forge-cache DONOR OUT     write OUT/own.pt, plant a node-cache entry saying DONOR
                            has own.pt's digest, then load DONOR
  overwrite-after-read DONOR OUT
                            write OUT/own.pt, read DONOR, then overwrite DONOR with
                            own.pt's bytes at once (while the hasher is delayed)
  handoff CKPT FIFO_OUT FIFO_IN
                            write CKPT, close it, say "closed" on FIFO_OUT and wait
                            for a line on FIFO_IN (another process acts meanwhile)
  open-key | open-journal   open the run's key file / journal directory
  honest OUT                torch.save then torch.load its own checkpoints: plain,
                            reopened read-write (a byte written back), written to a
                            temporary name and renamed into place
"""
import hashlib
import io
import mmap
import os
import sys

import torch


def model_state(seed, n=1 << 19):
    g = torch.Generator().manual_seed(seed)
    return {"w": torch.randn(n, generator=g)}  # 2 MiB: above the node-cache size


def load_bytes(b, what):
    sd = torch.load(io.BytesIO(b), weights_only=True)
    print("loaded %d tensors from %s" % (len(sd), what), flush=True)


def forge_cache(donor, out):
    own = os.path.join(out, "own.pt")
    torch.save(model_state(1), own)
    with open(own, "rb") as f:
        b = f.read()
    st = os.stat(donor)
    jdir = os.environ["TRAINPROV_LOG"] + ".journal"
    cdir = os.path.join(jdir, "digests-" + os.uname().nodename)
    os.makedirs(cdir, exist_ok=True)
    name = "%x-%x-%x-%x-%x" % (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
    head = b[:128]
    with open(os.path.join(cdir, name), "wb") as f:
        f.write(b"TPNC2\n" + hashlib.sha256(b).digest() + bytes([len(head)]) + head + bytes(64))
    print("planted", os.path.join(cdir, name), flush=True)
    torch.load(donor, weights_only=True)
    print("loaded", donor, flush=True)


def main(argv):
    mode = argv[1]
    if mode == "rw-donor":
        with open(argv[2], "r+b") as f:
            b = f.read()
            f.seek(0)
            f.write(b[:1])
        load_bytes(b, argv[2])
    elif mode == "mmap-donor":
        fd = os.open(argv[2], os.O_RDWR)
        m = mmap.mmap(fd, 0, flags=mmap.MAP_SHARED, prot=mmap.PROT_READ | mmap.PROT_WRITE)
        os.close(fd)
        b = bytes(m[:])
        m.close()
        load_bytes(b, argv[2])
    elif mode == "rename-donor":
        os.rename(argv[2], argv[3])
        torch.load(argv[3], weights_only=True)
        print("loaded", argv[3], flush=True)
    elif mode == "forge-cache":
        forge_cache(argv[2], argv[3])
    elif mode == "overwrite-after-read":
        donor, out = argv[2], argv[3]
        own = os.path.join(out, "own.pt")
        torch.save(model_state(1), own)
        with open(donor, "rb") as f:
            b = f.read()
        with open(own, "rb") as f:
            mine = f.read()
        with open(donor, "wb") as f:  # right after the read, before the hash
            f.write(mine)
        load_bytes(b, donor)
    elif mode == "handoff":
        ckpt, fifo_out, fifo_in = argv[2], argv[3], argv[4]
        torch.save(model_state(3), ckpt)
        with open(fifo_out, "w") as f:
            f.write("closed\n")
        with open(fifo_in) as f:
            f.readline()
        print("handed off", ckpt, flush=True)
    elif mode == "open-key":
        with open(os.environ["TRAINPROV_KEY"], "rb") as f:
            f.read()
        print("read the key", flush=True)
    elif mode == "open-journal":
        fd = os.open(os.environ["TRAINPROV_LOG"] + ".journal", os.O_RDONLY | os.O_DIRECTORY)
        os.close(fd)
        print("opened the journal directory", flush=True)
    elif mode == "honest":
        out = argv[2]
        a = os.path.join(out, "ckpt_a.pt")
        torch.save(model_state(4), a)
        torch.load(a, weights_only=True)
        with open(a, "r+b") as f:  # reopen its own checkpoint read-write
            b = f.read(1)
            f.seek(0)
            f.write(b)
        torch.load(a, weights_only=True)
        final = os.path.join(out, "ckpt_final.pt")
        tmp = final + ".tmp"
        torch.save(model_state(5), tmp)
        os.replace(tmp, final)  # at once: the hasher sees the ctime the rename moved
        torch.load(final, weights_only=True)
        print("saved and loaded", a, final, flush=True)
    else:
        sys.exit("unknown mode " + mode)


if __name__ == "__main__":
    main(sys.argv)
