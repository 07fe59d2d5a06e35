#!/bin/bash
# e2e_donor_ninth_zip_member_not_a_pass.sh: the content test decodes a
# zip's 8 largest members by the uncompressed sizes its central directory
# declares, and those are not checked against the bytes. Eight 5-byte decoy
# members declaring 2 GB each pushed a donor (np.save output under the name
# "w", which numpy.load of the archive reads) to 9th place, unexamined, and
# init.no_foreign_weights passed. A member the reader must really read
# cannot declare less than it holds, so when a zip lists more members than
# were decoded and the largest undecoded one declares 32 KiB or more, the
# file is possible-compressed: the claim is unknown (and fails under
# --require), never a pass. A zip whose undecoded members are all small
# (many short text files) is still judged by the 8 decoded.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
e2e_init torch
keygen key

"$PYTHON" - "$WORK" <<'PY' || die "could not make the decoy zips"
import io, struct, sys, zipfile, zlib
import numpy as np
w = sys.argv[1]
donor = (np.random.default_rng(7).standard_normal(1 << 18) * 0.02).astype(np.float32)
raw = io.BytesIO()
np.save(raw, donor)
with zipfile.ZipFile(w + "/decoys.zip", "w", zipfile.ZIP_DEFLATED) as z:
    for i in range(8):
        z.writestr("decoy%d.txt" % i, b"hello")
    z.writestr("w", raw.getvalue())
# every decoy's central directory entry now declares 2 GB uncompressed
# (Python's zipfile reads a member's declared size only when it reads it)
data = bytearray(open(w + "/decoys.zip", "rb").read())
at = 0
while True:
    at = data.find(b"PK\x01\x02", at)
    if at < 0:
        break
    name_len = struct.unpack_from("<H", data, at + 28)[0]
    name = bytes(data[at + 46:at + 46 + name_len])
    if name.startswith(b"decoy"):
        struct.pack_into("<I", data, at + 24, 2000000000)
    at += 46
open(w + "/decoys.zip", "wb").write(data)
assert (np.load(io.BytesIO(zipfile.ZipFile(w + "/decoys.zip").read("w"))) == donor).all()
# honest: a zip of 20 short text files (undecoded ones all small)
with zipfile.ZipFile(w + "/texts.zip", "w", zipfile.ZIP_DEFLATED) as z:
    for i in range(20):
        z.writestr("doc%02d.txt" % i, ("document %d: " % i + "lorem ipsum dolor " * 200).encode())
PY

tp run --key "$WORK/key.pem" --log "$WORK/run.h5" -- "$PYTHON" -c '
import io, sys, zipfile, numpy as np, torch
a = np.load(io.BytesIO(zipfile.ZipFile(sys.argv[1]).read("w")))
torch.save({"w": torch.from_numpy(a.copy())}, sys.argv[2])' "$WORK/decoys.zip" "$WORK/out.pt" \
    >"$WORK/run.out" 2>&1 || die "trainprov run of the loader failed: $(tail -n 20 "$WORK/run.out")"
expect_verify 1 "$WORK/run.h5" "$WORK/run.json" --pubkey "$WORK/key.pub.pem" \
    --require init.no_foreign_weights
st=$(claim_status "$WORK/run.json" init.no_foreign_weights)
[ "$st" = unknown ] || [ "$st" = fail ] ||
    fail "init.no_foreign_weights is $st for a donor behind 8 decoy members"
jcheck detail-contains "$WORK/run.json" init.no_foreign_weights "$WORK/decoys.zip" ||
    fail "init.no_foreign_weights does not name the zip with decoys"
ok "a donor behind 8 decoy members is $st, named"

tp run --key "$WORK/key.pem" --log "$WORK/honest.h5" --data "$WORK/texts.zip" -- "$PYTHON" -c '
import sys, zipfile, torch
n = sum(len(zipfile.ZipFile(sys.argv[1]).read(i)) for i in zipfile.ZipFile(sys.argv[1]).namelist())
torch.save({"w": torch.zeros(4)}, sys.argv[2])' "$WORK/texts.zip" "$WORK/honest.pt" \
    >"$WORK/honest.out" 2>&1 || die "trainprov run of the honest job failed: $(tail -n 20 "$WORK/honest.out")"
expect_verify 0 "$WORK/honest.h5" "$WORK/honest.json" --pubkey "$WORK/key.pub.pem" \
    --require init.no_foreign_weights
ok "a zip of 20 small text files declared as data passes"
finish
