#!/bin/bash
# e2e_model_dir_symlinked_root_passes.sh: `verify --model DIR` where DIR is
# a symbolic link the evaluator chose (models/latest -> a release) judges
# the directory it names: it passes when its files are the run's. It failed
# as "DIR is not a regular file (a symbolic link ...)", an honest release
# called foreign. A symbolic link inside the directory still fails.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
. "$E2E_DIR/frameworks_lib.sh"
. "$E2E_DIR/authorship_lib.sh"
e2e_init torch
keygen key
CK=$WORK/out/final

run_fw "$WORK/run.h5" -- dir-rename "$CK"
mkdir -p "$WORK/models"
cp -r "$CK" "$WORK/models/release-1"
ln -s release-1 "$WORK/models/latest"
expect_verify 0 "$WORK/run.h5" "$WORK/v.json" --pubkey "$WORK/key.pub.pem" \
    --model "$WORK/models/latest" --require lineage.final
expect_claim "$WORK/v.json" lineage.final pass

make_donor "$WORK/donor.pt"
ln -s "$WORK/donor.pt" "$WORK/models/release-1/extra.pt"
expect_verify 1 "$WORK/run.h5" "$WORK/link.json" --pubkey "$WORK/key.pub.pem" \
    --model "$WORK/models/latest"
expect_claim "$WORK/link.json" lineage.final fail
jcheck detail-contains "$WORK/link.json" lineage.final "extra.pt" "symbolic link" ||
    fail "lineage.final does not name the symbolic link inside the model directory"
finish
