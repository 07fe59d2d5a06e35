#!/bin/bash
# e2e_donor_zip_behind_a_stub_is_foreign.sh: Python's zipfile finds a zip by
# its end record, at the end of the file, whatever comes first (a
# self-extracting archive's stub, a shell script). A donor saved with
# np.savez_compressed behind a two-line shell stub, read with
# zipfile.ZipFile and np.load of the member, was no zip to the content test
# (it looked for one only at the file's start: its bytes, deflated, are no
# raw floats either) and init.no_foreign_weights passed. The members of a
# zip found by its end record must be decoded wherever the file starts:
# the donor fails, named.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
e2e_init torch
keygen key

"$PYTHON" - "$WORK" <<'PY' || die "could not make the stubbed zip"
import io, sys, zipfile
import numpy as np
w = sys.argv[1]
donor = (np.random.default_rng(7).standard_normal(1 << 18) * 0.02).astype(np.float32)
buf = io.BytesIO()
np.savez_compressed(buf, w=donor)
with open(w + "/donor.run", "wb") as f:
    f.write(b"#!/bin/sh\nexec unzip -o \"$0\"\n" + buf.getvalue())
assert (np.load(io.BytesIO(zipfile.ZipFile(w + "/donor.run").read("w.npy"))) == donor).all()
PY

tp run --key "$WORK/key.pem" --log "$WORK/run.h5" -- "$PYTHON" -c '
import io, sys, zipfile, numpy as np, torch
a = np.load(io.BytesIO(zipfile.ZipFile(sys.argv[1]).read("w.npy")))
torch.save({"w": torch.from_numpy(a.copy())}, sys.argv[2])' "$WORK/donor.run" "$WORK/out.pt" \
    >"$WORK/run.out" 2>&1 || die "trainprov run of the loader failed: $(tail -n 20 "$WORK/run.out")"
expect_verify 1 "$WORK/run.h5" "$WORK/run.json" --pubkey "$WORK/key.pub.pem"
expect_claim "$WORK/run.json" init.no_foreign_weights fail
jcheck detail-contains "$WORK/run.json" init.no_foreign_weights "$WORK/donor.run" ||
    fail "init.no_foreign_weights does not name the zip behind a stub"
finish
