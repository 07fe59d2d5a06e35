#!/usr/bin/python3
"""edit_init_tensor.py LOG NAME: flips one byte of the recorded sha256 of the
InitTensor named NAME in a trainprov HDF5 run log, in place, the way an
attacker with h5py would (for e2e_init_random.sh). Uses tamper.py's reader."""
import os
import sys

import h5py

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tamper import fields, records, write_records  # noqa: E402


def main():
    path, name = sys.argv[1], sys.argv[2].encode()
    with h5py.File(path, "r+") as f:
        for sname in f["streams"]:
            g = f["streams"][sname]
            recs = records(g)
            for i, r in enumerate(recs):
                body = fields(r).get(18)  # Record.init_tensor
                if not body or fields(body[0]).get(1, [b""])[0] != name:
                    continue
                digest = fields(body[0])[6][0]
                at = r.find(digest)
                edited = bytearray(r)
                edited[at] ^= 0x01
                recs[i] = bytes(edited)
                write_records(g, recs)
                print("edited the sha256 of InitTensor %s (record %d)" % (name.decode(), i))
                return
    sys.exit("no InitTensor named %s" % name.decode())


if __name__ == "__main__":
    main()
