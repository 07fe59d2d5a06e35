#!/bin/bash
# e2e_donor_rezipped_is_foreign.sh: a donor torch.save checkpoint re-zipped
# with an innocuous first member and deflated members still loads with
# torch.load, which finds data.pkl through the zip's central directory; the
# logger judged a zip by its first member only and the deflated bytes fail
# the raw-float test, so init.no_foreign_weights passed ("no weights file
# was read", with or without --data over it). Now a zip is judged by its
# central directory too: the donor fails, named; an .npz whose float member
# is not first is possible weights (unknown, never a clean pass); a zip of
# text files read as data stays data.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
e2e_init torch
keygen key

"$PYTHON" - "$WORK" <<'PY' || die "could not make the zips"
import io, sys, zipfile
import numpy as np, torch
w = sys.argv[1]
torch.save({"w": torch.randn(1 << 18, generator=torch.Generator().manual_seed(7))}, w + "/donor.pt")
src = zipfile.ZipFile(w + "/donor.pt")
names = src.namelist()
arch = names[0].split("/")[0]
with zipfile.ZipFile(w + "/donor_z.pt", "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr(arch + "/aaa", b"hello")
    for n in names:
        z.writestr(n, src.read(n))
buf = io.BytesIO()
np.save(buf, np.random.default_rng(7).normal(0, 0.02, 1 << 18).astype(np.float32))
with zipfile.ZipFile(w + "/donor.npz", "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("readme.txt", b"hello")
    z.writestr("w.npy", buf.getvalue())
with zipfile.ZipFile(w + "/text.zip", "w", zipfile.ZIP_DEFLATED) as z:
    for i in range(50):
        z.writestr("corpus/doc%d.txt" % i, ("the quick brown fox %d " % i) * 2000)
PY
"$PYTHON" -c 'import sys, torch; assert torch.load(sys.argv[1])["w"].shape == (1 << 18,)' \
    "$WORK/donor_z.pt" || die "torch.load does not load the re-zipped donor"

# load_run NAME FILE [run options]: a job that loads FILE (torch.load,
# numpy.load or zipfile) and writes NAME.pt.
load_run() {
    local name=$1 file=$2
    shift 2
    tp run --key "$WORK/key.pem" --log "$WORK/$name.h5" "$@" -- "$PYTHON" -c '
import sys, zipfile, numpy as np, torch
f, out = sys.argv[1], sys.argv[2]
if f.endswith(".pt"):
    w = torch.load(f)["w"]
elif f.endswith(".npz"):
    w = torch.from_numpy(np.load(f)["w"])
else:
    z = zipfile.ZipFile(f)
    w = torch.tensor([float(len(z.read(n))) for n in z.namelist()])
torch.save({"w": w.clone()}, out)' "$file" "$WORK/$name.pt" >"$WORK/$name.out" 2>&1 ||
        die "trainprov run of the loader ($name) failed: $(tail -n 20 "$WORK/$name.out")"
}

load_run zip "$WORK/donor_z.pt"
expect_verify 1 "$WORK/zip.h5" "$WORK/zip.json" --pubkey "$WORK/key.pub.pem"
expect_claim "$WORK/zip.json" init.no_foreign_weights fail
jcheck detail-contains "$WORK/zip.json" init.no_foreign_weights "$WORK/donor_z.pt" \
    "$(sha256 "$WORK/donor_z.pt")" || fail "init.no_foreign_weights does not name the re-zipped donor"

load_run zipdata "$WORK/donor_z.pt" --data "$WORK/donor_z.pt"
expect_verify 1 "$WORK/zipdata.h5" "$WORK/zipdata.json" --pubkey "$WORK/key.pub.pem"
expect_claim "$WORK/zipdata.json" init.no_foreign_weights fail

load_run npz "$WORK/donor.npz"
verify "$WORK/npz.h5" "$WORK/npz.json" --pubkey "$WORK/key.pub.pem"
st=$(claim_status "$WORK/npz.json" init.no_foreign_weights)
[ "$st" = unknown ] || [ "$st" = fail ] ||
    fail "an .npz whose float member is not first passes init.no_foreign_weights ($st)"

load_run text "$WORK/text.zip" --data "$WORK/text.zip"
expect_verify 0 "$WORK/text.h5" "$WORK/text.json" --pubkey "$WORK/key.pub.pem"
expect_claim "$WORK/text.json" init.no_foreign_weights pass
expect_claim "$WORK/text.json" data.accounted pass
finish
