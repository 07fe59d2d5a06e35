#!/bin/bash
# e2e_donor_in_second_gzip_member_is_foreign.sh: a gzip file may hold
# several members, and Python's gzip module (like gunzip) reads them as one
# stream. A donor's float32 weights in the second member, behind a first
# member of one short text line, load with gzip.open(...).read(); the
# content test decoded only the first member (a line of text: no weights)
# and init.no_foreign_weights passed. The decoded start must run across
# members, as the job reads it: the donor fails, named.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
e2e_init torch
keygen key

"$PYTHON" - "$WORK" <<'PY' || die "could not make the two-member gzip"
import gzip, sys
import numpy as np
w = sys.argv[1]
donor = (np.random.default_rng(7).standard_normal(1 << 18) * 0.02).astype(np.float32)
with open(w + "/donor.bin.gz", "wb") as f:
    f.write(gzip.compress(b"# features v1\n"))
    f.write(gzip.compress(donor.tobytes()))
assert gzip.open(w + "/donor.bin.gz").read()[14:] == donor.tobytes()
PY

tp run --key "$WORK/key.pem" --log "$WORK/run.h5" -- "$PYTHON" -c '
import gzip, sys, numpy as np, torch
data = gzip.open(sys.argv[1]).read()
w = torch.from_numpy(np.frombuffer(data[data.index(b"\n") + 1:], dtype=np.float32).copy())
assert w.shape == (1 << 18,)
torch.save({"w": w.clone()}, sys.argv[2])' "$WORK/donor.bin.gz" "$WORK/out.pt" >"$WORK/run.out" 2>&1 ||
    die "trainprov run of the loader failed: $(tail -n 20 "$WORK/run.out")"
expect_verify 1 "$WORK/run.h5" "$WORK/run.json" --pubkey "$WORK/key.pub.pem"
expect_claim "$WORK/run.json" init.no_foreign_weights fail
jcheck detail-contains "$WORK/run.json" init.no_foreign_weights "$WORK/donor.bin.gz" ||
    fail "init.no_foreign_weights does not name the two-member gzip"
finish
