#!/bin/bash
# e2e_donor_read_write_is_foreign.sh: a job that opens a donor model it did
# not write read-write, reads it all and writes one byte back unchanged, then
# loads those bytes, did not author the file: the session is a read of the
# content it found (FileEvent.prior_sha256, hashed at open), and
# init.no_foreign_weights fails naming the donor; verify exits 1.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
. "$E2E_DIR/authorship_lib.sh"
donor_init
mkdir -p "$WORK/out"

run_mode "$WORK/run.h5" --checkpoint "$WORK/out/*.pt" -- rw-donor "$DONOR"
expect_run_ok "$WORK/run.h5" "the read-write donor job"
[ "$(sha256 "$DONOR")" = "$DONOR_SHA" ] || die "the job changed the donor's content"
# the content found is hashed at open, off the job's thread: its digest,
# or, when the job's write beat the hasher, "of unknown content"; a fail either way
expect_fails_naming "$WORK/v.json" "$WORK/run.h5" init.no_foreign_weights -- "$DONOR" \
    "opened for writing without producing its content"
expect_claim "$WORK/v.json" log.integrity pass
# and the donor is no checkpoint of the run's
expect_fails_naming "$WORK/m.json" "$WORK/run.h5" lineage.final --model "$DONOR" -- \
    "matches no checkpoint"
finish
