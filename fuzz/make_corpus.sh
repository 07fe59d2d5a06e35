#!/bin/bash
# fuzz/make_corpus.sh: regenerates the seed corpora in fuzz/corpus/ with the
# project's own tools (a normal build in ./_build, or BUILD=dir): a small job
# under `trainprov run` (log and, killed, its journals), `trainprov recover`,
# the records cut out of the journals, safetensors files written like the
# test jobs write them, PyTorch checkpoints written by torch.save, and
# `trainprov challenge` documents. Each seed is
# small (tens of KB at most). Regression inputs from findings are kept in
# the same folders under names starting with "regress-"; this script leaves
# them alone.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd -P)
BUILD=${BUILD:-$ROOT/_build}
TP=$BUILD/cli/trainprov
PY=/usr/bin/python3
C=$ROOT/fuzz/corpus
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
export TRAINPROV_LIB=$BUILD/logger/.libs/libtrainprov.so PYTHONPATH=$ROOT/python
mkdir -p "$C"/{fuzz_journal,fuzz_records,fuzz_safetensors,fuzz_challenge,fuzz_h5log,fuzz_ptzip,fuzz_inflate}
rm -f "$C"/*/seed-*

"$TP" keygen -o "$W/key.pem" >/dev/null
"$TP" keygen -o "$W/eval.pem" >/dev/null
for i in 1 2 3; do "$TP" challenge --key "$W/eval.pem" -o "$C/fuzz_challenge/seed-$i.json"; done

# A job that reads data, writes a checkpoint, records seeds and notes and
# (with a challenge) draws an initial tensor: every record type but MPI's.
cat >"$W/job.py" <<'PY'
import os, sys, time
import trainprov
out = sys.argv[1]
os.makedirs(out, exist_ok=True)
trainprov.seed("torch.manual_seed", 1234, source="config")
trainprov.note("step", 1)
for i in range(3):
    with open(os.path.join(out, "data%d.bin" % i), "wb") as f:
        f.write(bytes(range(256)) * 4)
    with open(os.path.join(out, "data%d.bin" % i), "rb") as f:
        f.read()
with open(os.path.join(out, "ckpt.pt"), "wb") as f:
    f.write(b"\1" * 512)
trainprov.note("loss", 0.5)
if len(sys.argv) > 2:
    time.sleep(float(sys.argv[2]))
PY
cd "$W"
"$TP" run --key key.pem --log run1.h5 --data "$W/out1/data*" --checkpoint "$W/out1/ckpt*" -- \
    "$PY" job.py out1 >/dev/null
"$TP" run --key key.pem --log run2.h5 --challenge "$C/fuzz_challenge/seed-1.json" -- \
    "$PY" job.py out2 >/dev/null
cp run1.h5 "$C/fuzz_h5log/seed-run.h5"
cp run2.h5 "$C/fuzz_h5log/seed-run-challenge.h5"

# Killed mid-run: the journals stay; recover assembles a log without manifest.
TRAINPROV_HEAD_EVERY=2 setsid "$TP" run --key key.pem --log run3.h5 -- "$PY" job.py out3 30 \
    >/dev/null 2>&1 &
pg=$!
for _ in $(seq 100); do [ -f out3/ckpt.pt ] && break; sleep 0.1; done
sleep 1.5
kill -KILL -- "-$pg"
wait "$pg" 2>/dev/null || true
n=0
for j in run3.h5.journal/*.tpj; do
    n=$((n + 1))
    cp "$j" "$C/fuzz_journal/seed-killed-$n.tpj"
    # the same journal torn mid-frame, as a crash during a write leaves it
    head -c $(($(stat -c %s "$j") - 5)) "$j" >"$C/fuzz_journal/seed-torn-$n.tpj"
done
"$TP" recover run3.h5 >/dev/null 2>&1 || true
[ -f run3.h5 ] && cp run3.h5 "$C/fuzz_h5log/seed-recovered.h5"

# Records, heads and the manifest cut out of the journals (frame = kind:u8,
# zero:u8[3], length:u32le, payload), one file per distinct record type.
"$PY" - "$C/fuzz_journal" "$C/fuzz_records" <<'PY'
import glob, os, struct, sys
src, dst = sys.argv[1], sys.argv[2]
seen = {}
for path in sorted(glob.glob(os.path.join(src, "seed-*.tpj"))):
    data = open(path, "rb").read()
    pos = 8
    while pos + 8 <= len(data):
        kind, n = data[pos], struct.unpack_from("<I", data, pos + 4)[0]
        payload = data[pos + 8:pos + 8 + n]
        pos += 8 + n
        if payload not in seen.values() and len(seen) < 24:
            seen[len(seen)] = payload
for i, p in enumerate(seen.values()):
    open(os.path.join(dst, "seed-%02d.pb" % i), "wb").write(p)
PY

# safetensors files as the test jobs write them (tests/e2e/safetensors_out.py).
"$PY" - "$C/fuzz_safetensors" "$ROOT/tests/e2e" <<'PY'
import sys, torch
sys.path.insert(0, sys.argv[2])
from safetensors_out import save_safetensors
d = sys.argv[1]
torch.manual_seed(0)
save_safetensors({"w": torch.randn(4, 4), "b": torch.zeros(4)}, d + "/seed-f32.safetensors")
save_safetensors({"w": torch.randn(3, 5).to(torch.bfloat16),
                  "h": torch.randn(2, 2).to(torch.float16),
                  "i": torch.arange(6, dtype=torch.int64)}, d + "/seed-mixed.safetensors")
save_safetensors({"empty": torch.zeros(0), "s": torch.tensor([1.0])}, d + "/seed-edge.safetensors")
PY
# PyTorch zip checkpoints as torch.save writes them: a state dict, a nested
# checkpoint with a parameter, a non-contiguous tensor (tests/verify/data).
"$PY" "$ROOT/tests/verify/make_ptzip_fixtures.py" "$W"
cp "$W/sd.pt" "$C/fuzz_ptzip/seed-state-dict.pt"
cp "$W/nested.pt" "$C/fuzz_ptzip/seed-nested.pt"
"$PY" - "$C/fuzz_ptzip" <<'PY'
import sys, torch
torch.manual_seed(0)
torch.save({"w": torch.randn(2, 3, dtype=torch.float16), "b": torch.zeros(0)},
           sys.argv[1] + "/seed-edge.pt")
PY
# Raw DEFLATE streams made by zlib (stored, fixed, dynamic; text, floats,
# tokens), each after the two bytes that set the output limit.
"$PY" - "$C/fuzz_inflate" <<'PY'
import sys, zlib
import numpy as np
d = sys.argv[1]
text = b"".join(b"line %d: the quick brown fox\n" % i for i in range(300))
floats = np.random.default_rng(0).normal(0, 0.02, 1024).astype(np.float32).tobytes()
tokens = np.random.default_rng(1).integers(0, 50257, 2048).astype(np.uint16).tobytes()
for name, data in [("text", text), ("floats", floats), ("tokens", tokens)]:
    for label, level, strategy in [("stored", 0, 0), ("fixed", 6, zlib.Z_FIXED), ("dynamic", 9, 0)]:
        c = zlib.compressobj(level, zlib.DEFLATED, -15, 9, strategy)
        cap = (len(data) // 2 if label == "dynamic" else 65535).to_bytes(2, "big")
        with open("%s/seed-%s-%s.bin" % (d, label, name), "wb") as f:
            f.write(cap + c.compress(data) + c.flush())
PY
ls -l "$C"/*/seed-* | awk '{print $5, $9}'
