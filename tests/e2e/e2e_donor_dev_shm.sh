#!/bin/bash
# e2e_donor_dev_shm.sh: /dev/shm is no blind spot. A donor staged in
# /dev/shm (a tmpfs any job can write) and read by the job fails
# init.no_foreign_weights (verify exits 1) naming it.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
. "$E2E_DIR/content_lib.sh"
e2e_init torch
[ -d /dev/shm ] && [ -w /dev/shm ] || skip "no writable /dev/shm"
keygen key
SHM=$(mktemp -d /dev/shm/tp-e2e-donor.XXXXXX)
trap 'rm -rf "$SHM"; e2e_cleanup' EXIT
make_donors "$SHM"
DONOR=$SHM/donor.safetensors

run_content "$WORK/run.h5" -- read "$DONOR"
expect_donor_fails "$WORK/run.h5" "$DONOR" "a donor staged in /dev/shm"
finish
