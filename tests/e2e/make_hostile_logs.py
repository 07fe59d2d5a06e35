#!/usr/bin/python3
"""make_hostile_logs.py BASE.h5 OUTDIR: writes hostile variants of a sound,
signed run log BASE.h5 into OUTDIR, for e2e_hostile_logs_bounded.sh. Each
aims at a way a log could make the verifier spend without bound:

  gzip-bomb-records.h5   the root stream's records as a chunked, deflated
                         dataset of 4 GiB of zeros stored in ~4 MB
  gzip-bomb-records-960m.h5  the same, 960 MiB: small enough for a reader
                         that only bounds each allocation to try it (twice)
  gzip-bomb-chunk.h5     a records dataset of 1 KiB whose one chunk inflates
                         to 1 GiB (the chunk lies about its size)
  unsigned-init-tail.h5  50 InitTensors of 2^34 elements appended after the
                         root stream's last signed head
  unsigned-init-edited.h5  the same 50 inserted among the signed records (the
                         records were edited: no head verifies over them)
  huge-chunk.h5          records in one deflated chunk of 2^31 bytes
  huge-dims.h5           record_offsets declaring 2^40 elements it does not store
  huge-files-rows.h5     /files declaring 2^40 rows
  huge-varint.h5         a record whose protobuf field claims 2^62 bytes
  many-heads.h5          100000 copies of the root stream's first head
  many-exclusions.h5     a RunStart listing 50000 distinct exclusions (each file
                         is compared with each exclusion)
  many-files.h5          60000 checkpoints written and 60000 reads of content
                         that may be weights (a verifier comparing each read
                         with each write would take minutes)
and OUTDIR/journals/<name>.journal/ directories of hostile journals for
`trainprov recover`:
  huge-frame             a frame header declaring 4 GiB
  many-frames            100000 empty record frames and no head
Uses only h5py, numpy, zlib and the layout of docs/FORMAT.md section 6."""
import os
import shutil
import struct
import sys
import zlib

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tamper import fields, heads, records, write_heads, write_records  # noqa: E402


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def field(num, wire, payload):
    key = varint(num << 3 | wire)
    if wire == 0:
        return key + varint(payload)
    if wire == 1:
        return key + struct.pack("<Q", payload)
    return key + varint(len(payload)) + payload


def record(run_id, stream_id, seq, body_field, body):
    return (field(1, 2, run_id) + field(2, 1, stream_id) + field(3, 0, seq) +
            field(4, 0, 1) + field(body_field, 2, body))


def seed_record(run_id, stream_id, seq, value):
    return record(run_id, stream_id, seq, 17, field(1, 2, b"hostile") + field(2, 0, value))


def init_tensor_record(run_id, stream_id, seq, k, seed):
    params = struct.pack("<2d", 0.0, 1.0)
    body = (field(1, 2, b"hostile.%d" % k) + field(2, 0, 1 << 17) + field(2, 0, 1 << 17) +
            field(3, 2, b"float32") + field(4, 2, b"normal") + field(5, 2, params) +
            field(6, 2, os.urandom(32)) + field(7, 0, seed) + field(8, 2, b"trainprov/init/v1"))
    return record(run_id, stream_id, seq, 18, body)


def root_group(f):
    for name in f["streams"]:
        g = f["streams"][name]
        rs = fields(fields(records(g)[0]).get(16, [b""])[0])
        if rs.get(13, [0])[0] == 0:
            return g
    return f["streams"][next(iter(f["streams"]))]


def copy(base, out, name):
    path = os.path.join(out, name)
    shutil.copyfile(base, path)
    return path


def replace_records_bomb(g, logical, chunk):
    """records as `logical` zero bytes in chunks of `chunk`, each chunk
    written precompressed (fast: one zlib call for all)."""
    del g["records"]
    d = g.create_dataset("records", shape=(logical,), dtype=np.uint8, chunks=(chunk,),
                         compression="gzip")
    z = zlib.compress(bytes(chunk), 9)
    for at in range(0, logical, chunk):
        d.id.write_direct_chunk((at,), z)
    del g["record_offsets"]
    g.create_dataset("record_offsets", data=np.array([0, logical], dtype=np.uint64))


def lying_chunk(g, inflated):
    """records of 1 KiB in one chunk whose deflate stream inflates to `inflated` bytes."""
    del g["records"]
    d = g.create_dataset("records", shape=(1024,), dtype=np.uint8, chunks=(1024,),
                         compression="gzip")
    c = zlib.compressobj(9)
    block = bytes(1 << 20)
    parts = [c.compress(block) for _ in range(inflated >> 20)]
    parts.append(c.flush())
    d.id.write_direct_chunk((0,), b"".join(parts))
    del g["record_offsets"]
    g.create_dataset("record_offsets", data=np.array([0, 1024], dtype=np.uint64))


def hostile_tensors(g, start_seq):
    recs = records(g)
    r0 = fields(recs[0])
    run_id, stream_id = r0[1][0], r0[2][0]
    out = [seed_record(run_id, stream_id, start_seq, 7)]
    out += [init_tensor_record(run_id, stream_id, start_seq + 1 + k, k, 7) for k in range(50)]
    return recs, out


def file_record(run_id, stream_id, seq, path, role, access, authored):
    body = (field(1, 2, path) + field(2, 2, role) + field(5, 0, 1 << 20) +
            field(7, 2, os.urandom(32)) + field(9 if access == b"read" else 10, 0, 100) +
            field(13, 2, access) + field(14, 2, b"possible-float32") +
            (field(30, 0, 1) if authored else b""))
    return record(run_id, stream_id, seq, 19, body)


def many_files(g, n):
    recs = records(g)
    r0 = fields(recs[0])
    run_id, stream_id = r0[1][0], r0[2][0]
    seq = len(recs)
    extra = [file_record(run_id, stream_id, seq + k, b"/out/ck%d.bin" % k, b"checkpoint",
                         b"write", True) for k in range(n)]
    extra += [file_record(run_id, stream_id, seq + n + k, b"/in/x%d.bin" % k, b"other",
                          b"read", False) for k in range(n)]
    write_records(g, recs + extra)


def many_exclusions(g, n):
    recs = records(g)
    r0 = fields(recs[0])
    rs = r0[16][0] + b"".join(field(20, 2, field(1, 2, b"/x/%d/" % k) + field(2, 2, b"user"))
                              for k in range(n))
    head = (field(1, 2, r0[1][0]) + field(2, 1, r0[2][0]) + field(3, 0, r0.get(3, [0])[0]) +
            field(4, 0, r0.get(4, [0])[0]))
    write_records(g, [head + field(16, 2, rs)] + recs[1:])


def main():
    base, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)

    with h5py.File(copy(base, out, "gzip-bomb-records.h5"), "r+") as f:
        replace_records_bomb(root_group(f), 4 << 30, 1 << 20)
    with h5py.File(copy(base, out, "gzip-bomb-records-960m.h5"), "r+") as f:
        replace_records_bomb(root_group(f), 960 << 20, 1 << 20)
    with h5py.File(copy(base, out, "gzip-bomb-chunk.h5"), "r+") as f:
        lying_chunk(root_group(f), 1 << 30)
    with h5py.File(copy(base, out, "unsigned-init-tail.h5"), "r+") as f:
        g = root_group(f)
        recs, extra = hostile_tensors(g, len(records(g)))
        write_records(g, recs + extra)
    with h5py.File(copy(base, out, "unsigned-init-edited.h5"), "r+") as f:
        g = root_group(f)
        recs, extra = hostile_tensors(g, 1)
        write_records(g, recs[:1] + extra + recs[1:])
    with h5py.File(copy(base, out, "huge-chunk.h5"), "r+") as f:
        g = root_group(f)
        data = g["records"][:]
        del g["records"]
        d = g.create_dataset("records", shape=(len(data),), maxshape=(None,), dtype=np.uint8,
                             chunks=(1 << 31,), compression="gzip")
        d.id.write_direct_chunk((0,), zlib.compress(data.tobytes()))
    with h5py.File(copy(base, out, "huge-dims.h5"), "r+") as f:
        g = root_group(f)
        del g["record_offsets"]
        g.create_dataset("record_offsets", shape=(1 << 40,), dtype=np.uint64, chunks=(1 << 16,))
    with h5py.File(copy(base, out, "huge-files-rows.h5"), "r+") as f:
        dt = f["files"].dtype
        del f["files"]
        f.create_dataset("files", shape=(1 << 40,), dtype=dt, chunks=(4096,), compression="gzip")
    with h5py.File(copy(base, out, "huge-varint.h5"), "r+") as f:
        g = root_group(f)
        recs = records(g)
        recs.insert(1, b"\x0a" + varint(1 << 62) + b"x")  # run_id claiming 2^62 bytes
        write_records(g, recs)
    with h5py.File(copy(base, out, "many-heads.h5"), "r+") as f:
        g = root_group(f)
        hs = heads(g)
        write_heads(g, [hs[0]] * 100000 + hs)

    with h5py.File(copy(base, out, "many-exclusions.h5"), "r+") as f:
        many_exclusions(root_group(f), 50000)
    with h5py.File(copy(base, out, "many-files.h5"), "r+") as f:
        many_files(root_group(f), 60000)

    jdir = os.path.join(out, "journals")
    os.makedirs(jdir, exist_ok=True)
    frame = lambda kind, payload, n=None: struct.pack(  # noqa: E731
        "<B3xI", kind, len(payload) if n is None else n) + payload
    for name, body in (("huge-frame", frame(1, b"abc", 0xFFFFFFF0)),
                       ("many-frames", b"".join(frame(1, b"") for _ in range(100000)))):
        d = os.path.join(jdir, name + ".h5.journal")
        os.makedirs(d, mode=0o700, exist_ok=True)
        os.chmod(d, 0o700)
        with open(os.path.join(d, "00000000000000a1.tpj"), "wb") as j:
            j.write(b"TPJRNL01" + body)


if __name__ == "__main__":
    main()
