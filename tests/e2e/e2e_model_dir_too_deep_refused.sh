#!/bin/bash
# e2e_model_dir_too_deep_refused.sh: `verify --model DIR` judges every file
# of DIR, or refuses. A released directory with the run's checkpoint files
# passes lineage.final; the same with another model's file nested below the
# walk's depth limit (33 directories down) was skipped silently and passed
# ("all 2 files ... equal files this run wrote"): now verify exits 2 saying
# DIR nests too deep. A foreign file within the limit still fails.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
. "$E2E_DIR/frameworks_lib.sh"
. "$E2E_DIR/authorship_lib.sh"
e2e_init torch
keygen key
CK=$WORK/out/final

run_fw "$WORK/run.h5" -- dir-rename "$CK"
cp -r "$CK" "$WORK/release"
expect_verify 0 "$WORK/run.h5" "$WORK/v.json" --pubkey "$WORK/key.pub.pem" \
    --model "$WORK/release" --require lineage.final
expect_claim "$WORK/v.json" lineage.final pass

make_donor "$WORK/donor.pt"
deep=$WORK/release
for _ in $(seq 1 33); do deep=$deep/d; done
mkdir -p "$deep"
cp "$WORK/donor.pt" "$deep/model.pt"
expect_verify 2 "$WORK/run.h5" "$WORK/deep.json" --pubkey "$WORK/key.pub.pem" \
    --model "$WORK/release"
grep -q -- "--model $WORK/release nests directories more than 32 levels deep" \
    "$WORK/deep.json.out" || fail "verify does not say --model nests too deep: $(cat "$WORK/deep.json.out")"

rm -rf "$WORK/release/d"
mkdir -p "$WORK/release/d/d"
cp "$WORK/donor.pt" "$WORK/release/d/d/model.pt"
expect_verify 1 "$WORK/run.h5" "$WORK/near.json" --pubkey "$WORK/key.pub.pem" \
    --model "$WORK/release"
expect_claim "$WORK/near.json" lineage.final fail
jcheck detail-contains "$WORK/near.json" lineage.final "$WORK/release/d/d/model.pt" \
    "matches no file this run wrote" || fail "lineage.final does not name the nested donor"
finish
