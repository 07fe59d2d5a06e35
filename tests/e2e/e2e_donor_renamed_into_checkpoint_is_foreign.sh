#!/bin/bash
# e2e_donor_renamed_into_checkpoint_is_foreign.sh: a job that renames a donor
# model into its --checkpoint glob and loads it from there did not write it:
# the rename is a read of content the run did not produce, the load reads
# weights no authored checkpoint holds, init.no_foreign_weights fails naming
# the file and the donor's digest, and lineage.final refuses it; verify exits 1.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
. "$E2E_DIR/authorship_lib.sh"
donor_init
mkdir -p "$WORK/out"
DEST=$WORK/out/ckpt_step100.pt

run_mode "$WORK/run.h5" --checkpoint "$WORK/out/ckpt_*.pt" -- rename-donor "$DONOR" "$DEST"
expect_run_ok "$WORK/run.h5" "the renaming donor job"
[ -f "$DEST" ] || die "the job did not rename the donor to $DEST"
expect_fails_naming "$WORK/v.json" "$WORK/run.h5" init.no_foreign_weights -- "$DEST" "$DONOR_SHA"
expect_fails_naming "$WORK/m.json" "$WORK/run.h5" lineage.final --model "$DEST" -- \
    "matches no checkpoint"
finish
