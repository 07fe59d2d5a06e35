#!/bin/bash
# e2e_donor_file_role_data.sh: content beats declarations. A job that
# declares a safetensors donor "data" with trainprov.file_role() and reads
# it fails init.no_foreign_weights (verify exits 1) naming the donor; the
# declaration is recorded and shown.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
. "$E2E_DIR/content_lib.sh"
e2e_init torch
keygen key
make_donors "$WORK/donor"
DONOR=$WORK/donor/donor.safetensors

run_content "$WORK/run.h5" -- read --role data "$DONOR"
expect_donor_fails "$WORK/run.h5" "$DONOR" "file_role(donor, \"data\")"
jcheck detail-contains "$WORK/run.h5.verify.json" init.no_foreign_weights "declared data" ||
    fail "the detail does not say the donor was declared data"
finish
