#!/bin/bash
# e2e_donor_float64_raw_is_foreign.sh: a donor dumped as raw float64
# (numpy's default float: `weights.astype(np.float64).tofile(...)`), read
# back and cast to float32, fails init.no_foreign_weights naming it, with or
# without --data over it. The raw-float test knew bfloat16, float32 and
# float16 only: "no weights file was read", verdict PASS. Token shards read
# the same way stay data.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
e2e_init torch
keygen key
make_shards "$WORK/data" 2
"$PYTHON" -c 'import sys, numpy as np
np.random.default_rng(1).normal(0, 0.02, 1 << 18).astype(np.float64).tofile(sys.argv[1])' \
    "$WORK/donor.bin" || die "could not write the donor"

# raw_run NAME FILE DTYPE [run options]
raw_run() {
    local name=$1 file=$2 dtype=$3
    shift 3
    tp run --key "$WORK/key.pem" --log "$WORK/$name.h5" "$@" -- "$PYTHON" -c '
import sys, numpy as np, torch
a = np.frombuffer(open(sys.argv[1], "rb").read(), dtype=sys.argv[3])
torch.save({"w": torch.from_numpy(a.astype(np.float32))}, sys.argv[2])' \
        "$file" "$WORK/$name.pt" "$dtype" >"$WORK/$name.out" 2>&1 ||
        die "trainprov run ($name) failed: $(tail -n 20 "$WORK/$name.out")"
}

raw_run f64 "$WORK/donor.bin" float64
expect_verify 1 "$WORK/f64.h5" "$WORK/f64.json" --pubkey "$WORK/key.pub.pem"
expect_claim "$WORK/f64.json" init.no_foreign_weights fail
jcheck detail-contains "$WORK/f64.json" init.no_foreign_weights "$WORK/donor.bin" ||
    fail "init.no_foreign_weights does not name the float64 donor"

raw_run f64data "$WORK/donor.bin" float64 --data "$WORK/donor.bin"
expect_verify 1 "$WORK/f64data.h5" "$WORK/f64data.json" --pubkey "$WORK/key.pub.pem"
expect_claim "$WORK/f64data.json" init.no_foreign_weights fail

raw_run tokens "$WORK/data/shard_000.bin" uint16 --data "$WORK/data/shard_*.bin"
expect_verify 0 "$WORK/tokens.h5" "$WORK/tokens.json" --pubkey "$WORK/key.pub.pem"
expect_claim "$WORK/tokens.json" init.no_foreign_weights pass
finish
