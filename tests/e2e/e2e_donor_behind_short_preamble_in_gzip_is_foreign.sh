#!/bin/bash
# e2e_donor_behind_short_preamble_in_gzip_is_foreign.sh: docs/CLAIMS.md says
# only weights placed after the first 64 KiB of a compressed stream whose
# start is something else go unseen. But the decoded 64 KiB were judged as
# one file (3/4 of its 4 KiB windows weights-like), so a donor's float32
# weights gzip'd behind 40 KiB of licence text, which the job skips, passed
# init.no_foreign_weights. Weights that fill the end of the decoded start
# (at least two windows) must be seen: the donor fails, named, even
# declared as data.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
e2e_init torch
keygen key

"$PYTHON" - "$WORK" <<'PY' || die "could not make the gzip"
import gzip, sys
import numpy as np
w = sys.argv[1]
donor = (np.random.default_rng(7).standard_normal(1 << 18) * 0.02).astype(np.float32)
line = b"This program is free software: you can redistribute it and/or modify it.\n"
preamble = (line * 1000)[:40 << 10]
with gzip.open(w + "/donor.bin.gz", "wb") as g:
    g.write(preamble + b"\0" + donor.tobytes())
PY

tp run --key "$WORK/key.pem" --log "$WORK/run.h5" --data "$WORK/donor.bin.gz" -- "$PYTHON" -c '
import gzip, sys, numpy as np, torch
data = gzip.open(sys.argv[1]).read()
w = torch.from_numpy(np.frombuffer(data[data.index(b"\0") + 1:], dtype=np.float32).copy())
assert w.shape == (1 << 18,)
torch.save({"w": w.clone()}, sys.argv[2])' "$WORK/donor.bin.gz" "$WORK/out.pt" >"$WORK/run.out" 2>&1 ||
    die "trainprov run of the loader failed: $(tail -n 20 "$WORK/run.out")"
expect_verify 1 "$WORK/run.h5" "$WORK/run.json" --pubkey "$WORK/key.pub.pem"
expect_claim "$WORK/run.json" init.no_foreign_weights fail
jcheck detail-contains "$WORK/run.json" init.no_foreign_weights "$WORK/donor.bin.gz" ||
    fail "init.no_foreign_weights does not name the gzip with a preamble"
finish
