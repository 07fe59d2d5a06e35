#!/bin/bash
# e2e_job_opens_key_or_journal_fails_integrity.sh: the logger's own files are
# excluded from recording only for the logger itself. A job that reads the
# run's signing key, or opens the run's journal directory, is recorded
# (FileEvent.recorder_file, never hashed) and log.integrity fails naming the
# file; verify exits 1.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
. "$E2E_DIR/authorship_lib.sh"
e2e_init torch
keygen key

run_mode "$WORK/key.h5" -- open-key
expect_run_ok "$WORK/key.h5" "the key-reading job"
expect_fails_naming "$WORK/k.json" "$WORK/key.h5" log.integrity -- "$WORK/key.pem"

run_mode "$WORK/jd.h5" -- open-journal
expect_run_ok "$WORK/jd.h5" "the journal-opening job"
expect_fails_naming "$WORK/j.json" "$WORK/jd.h5" log.integrity -- "$WORK/jd.h5.journal"
finish
