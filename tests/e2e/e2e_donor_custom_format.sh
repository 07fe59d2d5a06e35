#!/bin/bash
# e2e_donor_custom_format.sh: a custom-format float32 model (llm.c's
# gpt2_124M.bin layout: an int32 header of 256 ints, then raw float32
# weights) is recognised by its content: reading it fails
# init.no_foreign_weights (verify exits 1) naming it, both without --data
# and with a --data glob that covers it.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
. "$E2E_DIR/content_lib.sh"
e2e_init torch
keygen key
make_donors "$WORK/models"
DONOR=$WORK/models/gpt2_tiny.bin

run_content "$WORK/plain.h5" -- read "$DONOR"
expect_donor_fails "$WORK/plain.h5" "$DONOR" "llm.c-layout model, no --data"
jcheck files "$WORK/plain.h5.verify.json" "weights:$(sha256 "$DONOR"):$DONOR" ||
    fail "the model is not listed as weights"

run_content "$WORK/declared.h5" --data "$WORK/models/*.bin" -- read "$DONOR"
expect_donor_fails "$WORK/declared.h5" "$DONOR" "llm.c-layout model under --data"
jcheck detail-contains "$WORK/declared.h5.verify.json" init.no_foreign_weights \
    "declared data, its content is raw-float32" ||
    fail "the detail does not say the model was declared data and is raw float32"
finish
