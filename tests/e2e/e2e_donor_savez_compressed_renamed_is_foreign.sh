#!/bin/bash
# e2e_donor_savez_compressed_renamed_is_foreign.sh: numpy.load reads an
# .npz member of any name, so a donor array saved deflated under a name
# that does not end in .npy ("w.txt"), behind a readme, loads as before;
# the logger saw only names and compressed bytes and init.no_foreign_weights
# passed. Now the content test decodes the start of a zip's largest members
# (core/inflate.c): the donor fails, named with its digest, with or
# without --data over it; so does a donor as a stored .npz inside a deflated
# zip member (stored inside deflated). A zip inside a member whose own
# members are deflated is not decoded again: possible weights, unknown.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
e2e_init torch
keygen key

"$PYTHON" - "$WORK" <<'PY' || die "could not make the archives"
import io, sys, zipfile
import numpy as np
w = sys.argv[1]
donor = np.random.default_rng(7).normal(0, 0.02, 1 << 18).astype(np.float32)
buf = io.BytesIO()
np.save(buf, donor)
with zipfile.ZipFile(w + "/donor.npz", "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("readme.txt", b"hello")
    z.writestr("w.txt", buf.getvalue())
inner = io.BytesIO()
np.savez(inner, **{"w.txt": donor})                # stored members
with zipfile.ZipFile(w + "/nested.zip", "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("inner.bin", inner.getvalue())      # deflated around them
inner = io.BytesIO()
np.savez_compressed(inner, **{"w.txt": donor})     # deflated members inside
with zipfile.ZipFile(w + "/nested_deflated.zip", "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("inner.bin", inner.getvalue())
PY

# load_run NAME FILE [run options]: a job that loads the donor array from
# FILE (an .npz, or a zip holding one as inner.bin) and writes NAME.pt.
load_run() {
    local name=$1 file=$2
    shift 2
    tp run --key "$WORK/key.pem" --log "$WORK/$name.h5" "$@" -- "$PYTHON" -c '
import io, sys, zipfile, numpy as np, torch
f, out = sys.argv[1], sys.argv[2]
if f.endswith(".npz"):
    a = np.load(f)["w.txt"]
else:
    a = np.load(io.BytesIO(zipfile.ZipFile(f).read("inner.bin")))["w.txt"]
assert a.shape == (1 << 18,)
torch.save({"w": torch.from_numpy(a).clone()}, out)' "$file" "$WORK/$name.pt" >"$WORK/$name.out" 2>&1 ||
        die "trainprov run of the loader ($name) failed: $(tail -n 20 "$WORK/$name.out")"
}

load_run npz "$WORK/donor.npz"
expect_verify 1 "$WORK/npz.h5" "$WORK/npz.json" --pubkey "$WORK/key.pub.pem"
expect_claim "$WORK/npz.json" init.no_foreign_weights fail
jcheck detail-contains "$WORK/npz.json" init.no_foreign_weights "$WORK/donor.npz" \
    "$(sha256 "$WORK/donor.npz")" || fail "init.no_foreign_weights does not name the renamed .npz donor"

load_run npzdata "$WORK/donor.npz" --data "$WORK/donor.npz"
expect_verify 1 "$WORK/npzdata.h5" "$WORK/npzdata.json" --pubkey "$WORK/key.pub.pem"
expect_claim "$WORK/npzdata.json" init.no_foreign_weights fail

load_run nested "$WORK/nested.zip" --data "$WORK/nested.zip"
expect_verify 1 "$WORK/nested.h5" "$WORK/nested.json" --pubkey "$WORK/key.pub.pem"
expect_claim "$WORK/nested.json" init.no_foreign_weights fail

load_run nested2 "$WORK/nested_deflated.zip" --data "$WORK/nested_deflated.zip"
verify "$WORK/nested2.h5" "$WORK/nested2.json" --pubkey "$WORK/key.pub.pem"
st=$(claim_status "$WORK/nested2.json" init.no_foreign_weights)
[ "$st" = unknown ] || [ "$st" = fail ] ||
    fail "a deflated .npz inside a deflated member passes init.no_foreign_weights ($st)"
finish
