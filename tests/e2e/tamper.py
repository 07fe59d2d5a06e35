#!/usr/bin/python3
"""tamper.py LOG OP [ARG]: tampers with a trainprov HDF5 run log in place,
the way an attacker with h5py would, for the tamper tests. Only the layout of
docs/FORMAT.md section 6 is used (and a few protobuf fields, decoded by hand).

  info                print the streams (name, origin, records, heads)
  flip-record WHERE   flip one byte in the middle of a record; WHERE is
                      first | middle | last (of the root stream) | worker
  flip-every OUTDIR   write OUTDIR/flip-<stream>-<i>.h5: a copy of LOG with one
                      byte of record i of that stream flipped, for every record
                      of every stream (byte position varies with i); LOG itself
                      is not modified
  delete-record       remove a middle record of the root stream
  reorder             swap two adjacent records of the root stream
  duplicate           repeat a record of the root stream right after itself
  truncate            drop the root stream's last signed head and every record
                      after the previous head (a clean-looking shorter stream)
  truncate-worker     the same for a DataLoader worker stream
  drop-tail           drop the root stream's last 2 records and its last head
  swap-streams        swap the root stream with a worker stream (group names)
  swap-workers        swap two worker streams (datasets exchanged)
  splice OTHER        replace a worker stream with a worker stream of run
                      log OTHER (stored under the replaced stream's name)
  splice-add OTHER    add a worker stream of OTHER as an extra stream
  delete-stream       remove a worker stream group entirely
  run-id              change the root run_id attribute (one hex digit)
  flip-signature      flip one byte of a head signature of the root stream
  flip-manifest       flip one byte of the manifest body
  delete-manifest     remove /manifest (a log claiming to be recovered)
  files-sha SHARD     change the /files sha256 of the row for path SHARD
"""
import os
import shutil
import sys

import h5py
import numpy as np


# ---- a minimal protobuf reader (wire format only) ----

def varint(b, i):
    v = shift = 0
    while True:
        c = b[i]
        i += 1
        v |= (c & 0x7F) << shift
        shift += 7
        if not c & 0x80:
            return v, i


def fields(b):
    """{field_number: [value, ...]}; length-delimited values are bytes."""
    out, i = {}, 0
    while i < len(b):
        key, i = varint(b, i)
        num, wt = key >> 3, key & 7
        if wt == 0:
            v, i = varint(b, i)
        elif wt == 1:
            v = int.from_bytes(b[i:i + 8], "little")
            i += 8
        elif wt == 2:
            n, i = varint(b, i)
            v = bytes(b[i:i + n])
            i += n
        elif wt == 5:
            v = int.from_bytes(b[i:i + 4], "little")
            i += 4
        else:
            raise ValueError("unsupported wire type %d" % wt)
        out.setdefault(num, []).append(v)
    return out


# ---- reading and writing a stream group ----

def records(g):
    data = g["records"][:].tobytes()
    off = g["record_offsets"][:]
    return [data[int(off[i]):int(off[i + 1])] for i in range(len(off) - 1)]


def heads(g):
    data = g["head_bodies"][:].tobytes()
    off = g["head_offsets"][:]
    sigs = g["head_signatures"][:]
    return [(data[int(off[j]):int(off[j + 1])], sigs[j].tobytes()) for j in range(len(off) - 1)]


def replace(g, name, array):
    dtype = g[name].dtype
    del g[name]
    g.create_dataset(name, data=np.asarray(array, dtype=dtype))


def write_records(g, recs):
    off = [0]
    for r in recs:
        off.append(off[-1] + len(r))
    replace(g, "records", np.frombuffer(b"".join(recs), dtype=np.uint8))
    replace(g, "record_offsets", off)


def write_heads(g, hs):
    off = [0]
    for body, _ in hs:
        off.append(off[-1] + len(body))
    replace(g, "head_bodies", np.frombuffer(b"".join(b for b, _ in hs), dtype=np.uint8))
    replace(g, "head_offsets", off)
    sigs = np.frombuffer(b"".join(s for _, s in hs), dtype=np.uint8).reshape(len(hs), 64)
    replace(g, "head_signatures", sigs)


def origin(g):
    rs = fields(fields(records(g)[0]).get(16, [b""])[0])
    parent = rs.get(13, [0])[0]
    how = rs.get(14, [b""])[0].decode(errors="replace")
    return "root" if parent == 0 else (how or "child")


def classify(f):
    root, workers = [], []
    for name in sorted(f["streams"]):
        (root if origin(f["streams"][name]) == "root" else workers).append(name)
    if len(root) != 1:
        sys.exit("expected exactly one root stream, found %s" % root)
    return root[0], workers


def worker_with_heads(f, workers, min_heads=1):
    for w in workers:
        if len(heads(f["streams"][w])) >= min_heads:
            return w
    sys.exit("no worker stream with %d signed heads" % min_heads)


def flip(b, i):
    b = bytearray(b)
    b[i] ^= 0x01
    return bytes(b)


def truncate_stream(g):
    hs = heads(g)
    if len(hs) < 2:
        sys.exit("stream %s has %d heads; cannot truncate to an earlier head" % (g.name, len(hs)))
    keep = fields(hs[-2][0]).get(3, [0])[0]  # TreeHead.tree_size
    recs = records(g)
    if not 0 < keep < len(recs):
        sys.exit("earlier head covers %d of %d records" % (keep, len(recs)))
    write_records(g, recs[:keep])
    write_heads(g, hs[:-1])
    return keep, len(recs)


def flip_every(path, outdir):
    with h5py.File(path, "r") as f:
        plan = [(name, len(records(f["streams"][name]))) for name in sorted(f["streams"])]
    os.makedirs(outdir, exist_ok=True)
    for name, n in plan:
        for i in range(n):
            out = os.path.join(outdir, "flip-%s-%d.h5" % (name, i))
            shutil.copyfile(path, out)
            with h5py.File(out, "r+") as f:
                g = f["streams"][name]
                recs = records(g)
                recs[i] = flip(recs[i], (i * 7) % len(recs[i]))
                write_records(g, recs)
    print("%d copies in %s" % (sum(n for _, n in plan), outdir))


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    path, op, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    if op == "flip-every":
        flip_every(path, args[0])
        return
    with h5py.File(path, "r+") as f:
        root, workers = classify(f)
        streams = f["streams"]
        g = streams[root]
        if op == "info":
            for name in sorted(streams):
                s = streams[name]
                print("%s %-6s records=%d heads=%d" % (name, origin(s), len(records(s)),
                                                      len(heads(s))))
        elif op == "flip-record":
            where = args[0]
            if where == "worker":
                g = streams[workers[0]]
            recs = records(g)
            i = {"first": 0, "middle": len(recs) // 2, "last": len(recs) - 1,
                 "worker": len(recs) // 2}[where]
            recs[i] = flip(recs[i], len(recs[i]) // 2)
            write_records(g, recs)
            print("flipped a byte of record %d of stream %s" % (i, g.name))
        elif op == "delete-record":
            recs = records(g)
            i = len(recs) // 2
            del recs[i]
            write_records(g, recs)
            print("deleted record %d of %s" % (i, g.name))
        elif op == "reorder":
            recs = records(g)
            i = len(recs) // 2
            recs[i], recs[i + 1] = recs[i + 1], recs[i]
            write_records(g, recs)
            print("swapped records %d and %d of %s" % (i, i + 1, g.name))
        elif op == "duplicate":
            recs = records(g)
            i = len(recs) // 2
            recs.insert(i + 1, recs[i])
            write_records(g, recs)
            print("duplicated record %d of %s" % (i, g.name))
        elif op == "truncate":
            keep, n = truncate_stream(g)
            print("truncated %s to %d of %d records" % (g.name, keep, n))
        elif op == "truncate-worker":
            w = worker_with_heads(f, workers, 2)
            keep, n = truncate_stream(streams[w])
            print("truncated %s to %d of %d records" % (w, keep, n))
        elif op == "drop-tail":
            recs = records(g)
            write_records(g, recs[:-2])
            write_heads(g, heads(g)[:-1])
            print("dropped the last 2 records and the last head of %s" % g.name)
        elif op == "swap-streams":
            w = workers[0]
            f.move("streams/" + root, "streams/tmp-swap")
            f.move("streams/" + w, "streams/" + root)
            f.move("streams/tmp-swap", "streams/" + w)
            print("swapped streams %s and %s" % (root, w))
        elif op == "swap-workers":
            if len(workers) < 2:
                sys.exit("need two worker streams, found %d" % len(workers))
            a, b = streams[workers[0]], streams[workers[1]]
            ra, rb = records(a), records(b)
            ha, hb = heads(a), heads(b)
            write_records(a, rb)
            write_records(b, ra)
            write_heads(a, hb)
            write_heads(b, ha)
            print("swapped the contents of %s and %s" % (workers[0], workers[1]))
        elif op in ("splice", "splice-add"):
            with h5py.File(args[0], "r") as other:
                _, other_workers = classify(other)
                src = other_workers[0]
                dst = workers[0] if op == "splice" else src
                if op == "splice":
                    del streams[dst]
                elif dst in streams:
                    sys.exit("stream %s already in %s" % (dst, path))
                other.copy(other["streams"][src], streams, name=dst)
            print("copied stream %s of %s into %s as %s" % (src, args[0], path, dst))
        elif op == "delete-stream":
            del streams[workers[0]]
            print("deleted stream %s" % workers[0])
        elif op == "run-id":
            aid = f.attrs.get_id("run_id")
            dtype, shape = aid.dtype, aid.shape
            old = f.attrs["run_id"]
            s = old.decode() if isinstance(old, bytes) else str(old)
            new = s[:-1] + ("0" if s[-1] != "0" else "1")
            del f.attrs["run_id"]
            f.attrs.create("run_id", new.encode() if dtype.kind == "S" else new,
                           shape=shape, dtype=dtype)
            print("run_id %s -> %s" % (s, new))
        elif op == "flip-signature":
            hs = heads(g)
            j = len(hs) // 2
            hs[j] = (hs[j][0], flip(hs[j][1], 10))
            write_heads(g, hs)
            print("flipped a byte of signature %d of %s" % (j, g.name))
        elif op == "flip-manifest":
            body = f["manifest/body"][:].tobytes()
            replace(f["manifest"], "body", np.frombuffer(flip(body, len(body) // 2), np.uint8))
            print("flipped a byte of the manifest body")
        elif op == "delete-manifest":
            del f["manifest"]
            print("deleted /manifest")
        elif op == "files-sha":
            rows = f["files"][:]
            hit = False
            for i in range(len(rows)):
                p = rows["path"][i]
                p = p.decode() if isinstance(p, bytes) else p
                if p == args[0]:
                    s = rows["sha256"][i]
                    is_bytes = isinstance(s, bytes)
                    s = s.decode() if is_bytes else s
                    t = ("0" if s[0] != "0" else "1") + s[1:]
                    rows["sha256"][i] = t.encode() if is_bytes else t
                    hit = True
            if not hit:
                sys.exit("no /files row for %s" % args[0])
            f["files"][...] = rows
            print("changed the /files sha256 of %s" % args[0])
        else:
            sys.exit("unknown operation %s" % op)


if __name__ == "__main__":
    main()
