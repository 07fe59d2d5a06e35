#!/bin/bash
# e2e_donor_mapped_shared_is_foreign.sh: a job that maps a donor model
# MAP_SHARED with PROT_WRITE (never writing it) and loads the weights from
# the mapping did not author the file: init.no_foreign_weights fails naming
# the donor and its digest; verify exits 1.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
. "$E2E_DIR/authorship_lib.sh"
donor_init

run_mode "$WORK/run.h5" -- mmap-donor "$DONOR"
expect_run_ok "$WORK/run.h5" "the mapping donor job"
expect_fails_naming "$WORK/v.json" "$WORK/run.h5" init.no_foreign_weights -- "$DONOR" "$DONOR_SHA"
expect_fails_naming "$WORK/m.json" "$WORK/run.h5" lineage.final --model "$DONOR" -- \
    "matches no checkpoint"
finish
