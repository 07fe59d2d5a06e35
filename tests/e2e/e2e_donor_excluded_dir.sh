#!/bin/bash
# e2e_donor_excluded_dir.sh: an exclusion only skips hashing. With
# --exclude over the donor's directory, the job that reads the donor still
# fails init.no_foreign_weights (verify exits 1) naming it and its SHA-256,
# and the report prints the exclusion as one a job can write to.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
. "$E2E_DIR/content_lib.sh"
e2e_init torch
keygen key
make_donors "$WORK/hidden"
for DONOR in "$WORK/hidden/donor.safetensors" "$WORK/hidden/gpt2_tiny.bin"; do
    log=$WORK/run-$(basename "$DONOR").h5
    run_content "$log" --exclude "$WORK/hidden" -- read "$DONOR"
    expect_donor_fails "$log" "$DONOR" "--exclude over the donor's directory ($(basename "$DONOR"))"
    jcheck detail-contains "$log.verify.json" init.no_foreign_weights \
        "read under the exclusion $WORK/hidden" ||
        fail "the detail does not say the donor was read under the exclusion"
done
st=0
tp verify "$log" --pubkey "$WORK/key.pub.pem" >"$WORK/report.txt" 2>&1 || st=$?
[ "$st" -eq 1 ] || fail "the text report exited $st, expected 1"
grep -q "not hashed  user: $WORK/hidden (a job can write there)" "$WORK/report.txt" ||
    fail "the text report does not print the --exclude as a writable exclusion"
grep -q "not hashed  system: /usr/bin/" "$WORK/report.txt" ||
    fail "the text report does not print the built-in exclusions"

# The same exclusion with no donor read: unknown, naming the exclusion.
run_content "$WORK/clean.h5" --exclude "$WORK/hidden" -- read "$E2E_DIR/lib.sh"
expect_verify 0 "$WORK/clean.h5" "$WORK/clean.json" --pubkey "$WORK/key.pub.pem"
expect_claim "$WORK/clean.json" init.no_foreign_weights unknown
jcheck detail-contains "$WORK/clean.json" init.no_foreign_weights "$WORK/hidden (user)" ||
    fail "the unknown detail does not name the exclusion"
expect_verify 1 "$WORK/clean.h5" "$WORK/clean-req.json" --pubkey "$WORK/key.pub.pem" \
    --require init.no_foreign_weights
finish
