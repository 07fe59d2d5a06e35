#!/bin/bash
# e2e_report_mpi_4_ranks.sh: the report of a 4-rank MPI run renders in
# headless Chromium: the DOM holds the verdict and every claim of `verify
# --json` (mpi.init_consistent among them, pass) with its status, the
# timeline has one lane per stream of the log (every rank's processes),
# grouped under a header per rank, and the page fetches nothing.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
. "$E2E_DIR/mpi_lib.sh"
. "$E2E_DIR/report_lib.sh"
e2e_init torch h5py
mpi_init
report_init

keygen key
make_shards "$WORK/data" 4
mpi_run_ok "$WORK/run.h5" 4 --steps 5 --ckpt-every 5
expect_verify 0 "$WORK/run.h5" "$WORK/run.json" --pubkey "$WORK/key.pub.pem"
expect_claim "$WORK/run.json" mpi.init_consistent pass
expect_report 0 "$WORK/run.h5" "$WORK/report.html" --pubkey "$WORK/key.pub.pem"
expect_page "$WORK/report.html" "$WORK/run.json" "$WORK/run.h5"
for r in 0 1 2 3; do
    grep -q "<text class=\"group\" x=\"2\" y=\"[0-9.]*\">rank $r </text>" "$WORK/report.html" ||
        fail "the timeline has no group for rank $r"
done
ok "the page of a 4-rank MPI run: claims, a lane per stream grouped by rank, offline"
finish
