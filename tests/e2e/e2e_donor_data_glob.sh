#!/bin/bash
# e2e_donor_data_glob.sh: content beats declarations. A --data glob that
# matches a safetensors donor does not make it data: the job that reads it
# fails init.no_foreign_weights (verify exits 1) naming the donor and its
# SHA-256, and the report says the file was declared data.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
. "$E2E_DIR/content_lib.sh"
e2e_init torch
keygen key
make_donors "$WORK/data"
DONOR=$WORK/data/donor.safetensors

run_content "$WORK/run.h5" --data "$WORK/data/*" -- read "$DONOR"
expect_donor_fails "$WORK/run.h5" "$DONOR" "--data glob over a safetensors donor"
jcheck detail-contains "$WORK/run.h5.verify.json" init.no_foreign_weights \
    "declared data, its content is safetensors" ||
    fail "the detail does not say the donor was declared data"
jcheck files "$WORK/run.h5.verify.json" "weights:$(sha256 "$DONOR"):$DONOR" ||
    fail "\"files\" does not list $DONOR as weights"
finish
