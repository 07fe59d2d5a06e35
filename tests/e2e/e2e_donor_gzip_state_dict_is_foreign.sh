#!/bin/bash
# e2e_donor_gzip_state_dict_is_foreign.sh: a donor that the job decompresses
# itself (a torch.save file gzip'd, raw float32 weights gzip'd, read with
# Python's gzip module) was compressed bytes to the content test and
# init.no_foreign_weights passed. Now a gzip file's start is decoded
# (core/inflate.c) and judged like a file: both donors fail, named, even
# declared as data. A gzip whose weights are pushed beyond the bytes the
# logger decodes (256 KiB of empty deflate blocks first) is possible
# weights: unknown, never a pass.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
e2e_init torch
keygen key

"$PYTHON" - "$WORK" <<'PY' || die "could not make the gzip files"
import gzip, struct, sys, zlib
import numpy as np, torch
w = sys.argv[1]
donor = torch.randn(1 << 18, generator=torch.Generator().manual_seed(7)) * 0.02
torch.save({"w": donor}, w + "/donor.pt")
with open(w + "/donor.pt", "rb") as f, gzip.open(w + "/donor.pt.gz", "wb") as g:
    g.write(f.read())
raw = donor.numpy().tobytes()
with gzip.open(w + "/donor.bin.gz", "wb") as g:
    g.write(raw)
c = zlib.compressobj(6, zlib.DEFLATED, -15)
body = b"\x00\x00\x00\xff\xff" * 60000 + c.compress(raw) + c.flush()
with open(w + "/padded.bin.gz", "wb") as f:
    f.write(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff" + body +
            struct.pack("<II", zlib.crc32(raw), len(raw)))
assert gzip.open(w + "/padded.bin.gz").read() == raw
PY

# load_run NAME FILE [run options]: a job that loads the donor from the
# gzip FILE (torch.load of the decompressed bytes, or raw float32) and
# writes NAME.pt.
load_run() {
    local name=$1 file=$2
    shift 2
    tp run --key "$WORK/key.pem" --log "$WORK/$name.h5" "$@" -- "$PYTHON" -c '
import gzip, io, sys, numpy as np, torch
f, out = sys.argv[1], sys.argv[2]
data = gzip.open(f).read()
if f.endswith(".pt.gz"):
    w = torch.load(io.BytesIO(data))["w"]
else:
    w = torch.from_numpy(np.frombuffer(data, dtype=np.float32).copy())
assert w.shape == (1 << 18,)
torch.save({"w": w.clone()}, out)' "$file" "$WORK/$name.pt" >"$WORK/$name.out" 2>&1 ||
        die "trainprov run of the loader ($name) failed: $(tail -n 20 "$WORK/$name.out")"
}

load_run pt "$WORK/donor.pt.gz"
expect_verify 1 "$WORK/pt.h5" "$WORK/pt.json" --pubkey "$WORK/key.pub.pem"
expect_claim "$WORK/pt.json" init.no_foreign_weights fail
jcheck detail-contains "$WORK/pt.json" init.no_foreign_weights "$WORK/donor.pt.gz" \
    "$(sha256 "$WORK/donor.pt.gz")" || fail "init.no_foreign_weights does not name the gzip'd state_dict"

load_run bin "$WORK/donor.bin.gz" --data "$WORK/donor.bin.gz"
expect_verify 1 "$WORK/bin.h5" "$WORK/bin.json" --pubkey "$WORK/key.pub.pem"
expect_claim "$WORK/bin.json" init.no_foreign_weights fail
jcheck detail-contains "$WORK/bin.json" init.no_foreign_weights "$WORK/donor.bin.gz" ||
    fail "init.no_foreign_weights does not name the gzip'd raw float32 donor"

load_run padded "$WORK/padded.bin.gz" --data "$WORK/padded.bin.gz"
verify "$WORK/padded.h5" "$WORK/padded.json" --pubkey "$WORK/key.pub.pem"
st=$(claim_status "$WORK/padded.json" init.no_foreign_weights)
[ "$st" = unknown ] || [ "$st" = fail ] ||
    fail "a gzip'd donor behind 256 KiB of empty blocks passes init.no_foreign_weights ($st)"
finish
