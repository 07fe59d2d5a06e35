#!/usr/bin/python3
"""extract_head.py LOG WHICH BODY SIG: writes one signed object of a
trainprov run log as two files, the exact signed body bytes and the 64-byte
Ed25519 signature, using only h5py and the layout of docs/FORMAT.md:

  WHICH = S:J      head J (0-based, negative counts from the end) of the
                   S-th stream in name order
  WHICH = manifest the run manifest (/manifest/body, /manifest/signature)
"""
import sys

import h5py
import numpy as np


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    log, which, body_path, sig_path = sys.argv[1:]
    with h5py.File(log, "r") as f:
        if which == "manifest":
            body = f["manifest/body"][:].tobytes()
            sig = np.asarray(f["manifest/signature"][:]).tobytes()
        else:
            s, j = (int(x) for x in which.split(":"))
            g = f["streams"][sorted(f["streams"])[s]]
            off = g["head_offsets"][:]
            m = len(off) - 1
            if j < 0:
                j += m
            body = g["head_bodies"][int(off[j]):int(off[j + 1])].tobytes()
            sig = g["head_signatures"][j].tobytes()
    if len(sig) != 64:
        sys.exit("signature is %d bytes, expected 64" % len(sig))
    with open(body_path, "wb") as f:
        f.write(body)
    with open(sig_path, "wb") as f:
        f.write(sig)


if __name__ == "__main__":
    main()
