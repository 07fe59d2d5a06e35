#!/bin/bash
# e2e_compressed_token_data_declared_pass.sh: what an honest trainer
# compresses stays data now that the content test decodes zip members and
# gzip files: gzip'd uint16 token shards, a zip of JSONL text, an .npz of
# integer arrays made by np.savez_compressed (token ids and labels), read
# by a job that trains from scratch with its data declared: verify exits 0
# with init.no_foreign_weights and data.accounted passing.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
e2e_init torch
keygen key
mkdir -p "$WORK/data"

"$PYTHON" - "$WORK/data" <<'PY' || die "could not make the data"
import gzip, json, sys, zipfile
import numpy as np
d = sys.argv[1]
rng = np.random.default_rng(11)
for i in range(3):
    with gzip.open("%s/shard%d.bin.gz" % (d, i), "wb") as g:
        g.write(rng.integers(0, 50257, 1 << 19).astype(np.uint16).tobytes())
with zipfile.ZipFile(d + "/corpus.zip", "w", zipfile.ZIP_DEFLATED) as z:
    for i in range(12):
        z.writestr("part%d.jsonl" % i, "".join(
            json.dumps({"text": "document %d line %d: the quick brown fox" % (i, k)}) + "\n"
            for k in range(3000)))
np.savez_compressed(d + "/tokens.npz", ids=rng.integers(0, 50257, 1 << 19).astype(np.int64),
                    labels=rng.integers(0, 10, 1 << 16).astype(np.int32))
PY

tp run --key "$WORK/key.pem" --log "$WORK/run.h5" --data "$WORK/data/*" -- "$PYTHON" -c '
import glob, gzip, json, sys, zipfile, numpy as np, torch
d, out = sys.argv[1], sys.argv[2]
torch.manual_seed(0)
ids = [np.frombuffer(gzip.open(f).read(), dtype=np.uint16) for f in sorted(glob.glob(d + "/*.bin.gz"))]
z = zipfile.ZipFile(d + "/corpus.zip")
docs = [json.loads(l)["text"] for n in z.namelist() for l in z.read(n).decode().splitlines()]
npz = np.load(d + "/tokens.npz")
emb = torch.nn.Embedding(50257, 16)
opt = torch.optim.SGD(emb.parameters(), lr=0.1)
for step in range(3):
    x = torch.from_numpy(ids[step % len(ids)][:4096].astype(np.int64))
    loss = emb(x).pow(2).mean() + 0 * len(docs) + 0 * int(npz["labels"][0])
    opt.zero_grad(); loss.backward(); opt.step()
torch.save(emb.state_dict(), out)' "$WORK/data" "$WORK/model.pt" >"$WORK/run.out" 2>&1 ||
    die "trainprov run failed: $(tail -n 20 "$WORK/run.out")"

expect_verify 0 "$WORK/run.h5" "$WORK/run.json" --pubkey "$WORK/key.pub.pem"
expect_claim "$WORK/run.json" init.no_foreign_weights pass
expect_claim "$WORK/run.json" data.accounted pass
finish
