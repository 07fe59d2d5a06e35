#!/bin/bash
# e2e_donor_npz_behind_shifted_zip_directory_is_foreign.sh: Python's zipfile
# (so numpy.load) finds a zip's central directory right before its end
# record, not at the offset the end record states, and shifts every member's
# header offset by the difference (data before the first member: a
# self-extracting stub). A donor saved with np.savez_compressed behind a
# small stored decoy entry that the directory does not list, its stated
# offsets left as they were, loads with a plain np.load; the content test
# looked for the directory at the stated offset, found no member, and
# init.no_foreign_weights passed. It must fail, naming the file.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
e2e_init torch
keygen key

"$PYTHON" - "$WORK" <<'PY' || die "could not make the shifted npz"
import io, struct, sys, zlib
import numpy as np
w = sys.argv[1]
donor = (np.random.default_rng(7).standard_normal(1 << 18) * 0.02).astype(np.float32)
buf = io.BytesIO()
np.savez_compressed(buf, w=donor)
name, data = b"readme.txt", b"hello\n"
decoy = struct.pack("<IHHHHHIIIHH", 0x04034b50, 20, 0, 0, 0, 0, zlib.crc32(data),
                    len(data), len(data), len(name), 0) + name + data
with open(w + "/donor.npz", "wb") as f:
    f.write(decoy + buf.getvalue())
assert (np.load(w + "/donor.npz")["w"] == donor).all()
PY

tp run --key "$WORK/key.pem" --log "$WORK/run.h5" -- "$PYTHON" -c '
import sys, numpy as np, torch
w = torch.from_numpy(np.load(sys.argv[1])["w"].copy())
torch.save({"w": w.clone()}, sys.argv[2])' "$WORK/donor.npz" "$WORK/out.pt" >"$WORK/run.out" 2>&1 ||
    die "trainprov run of the loader failed: $(tail -n 20 "$WORK/run.out")"
expect_verify 1 "$WORK/run.h5" "$WORK/run.json" --pubkey "$WORK/key.pub.pem"
expect_claim "$WORK/run.json" init.no_foreign_weights fail
jcheck detail-contains "$WORK/run.json" init.no_foreign_weights "$WORK/donor.npz" ||
    fail "init.no_foreign_weights does not name the npz behind a shifted directory"
finish
