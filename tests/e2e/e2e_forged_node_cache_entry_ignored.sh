#!/bin/bash
# e2e_forged_node_cache_entry_ignored.sh: a job that plants a digest in the
# run's per-node digest cache (RUN.h5.journal/digests-<host>/), claiming the
# donor it then loads holds its own checkpoint's bytes, gains nothing: the
# entry is not signed with the run's key, so the logger hashes the donor
# itself (the donor's real digest is recorded and init.no_foreign_weights
# fails), and the job's writes into the journal directory fail log.integrity.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
. "$E2E_DIR/authorship_lib.sh"
donor_init
mkdir -p "$WORK/out"

run_mode "$WORK/run.h5" -- forge-cache "$DONOR" "$WORK/out"
expect_run_ok "$WORK/run.h5" "the cache-forging job"
grep -q "^planted " "$WORK/run.h5.out" || die "the job planted no entry"
expect_fails_naming "$WORK/v.json" "$WORK/run.h5" init.no_foreign_weights -- "$DONOR" "$DONOR_SHA"
expect_claim "$WORK/v.json" log.integrity fail
jcheck detail-contains "$WORK/v.json" log.integrity "opened trainprov's own file" \
    "$WORK/run.h5.journal/" || fail "log.integrity does not name the journal directory"
jcheck files "$WORK/v.json" "weights:$DONOR_SHA:$DONOR" ||
    fail "the donor's read is not recorded with its real sha256 (the planted entry was taken)"
finish
