#!/bin/bash
# e2e_report_chain_2_segments.sh: the report of a 2-segment resume chain
# (`report B.h5 --chain A.h5`) renders in headless Chromium: the DOM holds the
# campaign's verdict and claims as `verify B.h5 --chain A.h5 --json` gives
# them, a chain table with both segments and their links, and the timeline
# has one lane per stream of both logs, each in its segment; the page
# fetches nothing. --chain is an option of report as of verify.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
. "$E2E_DIR/resume_lib.sh"
. "$E2E_DIR/report_lib.sh"
e2e_init torch h5py
report_init

keygen key
make_shards "$WORK/data" 2
A=$WORK/A.h5 B=$WORK/B.h5
segment_ok "$A" "$WORK/out" -- --steps 6
segment_ok "$B" "$WORK/out" --resume-from "$A" -- --steps 12 --release "$WORK/final.pt"
OPTS=(--pubkey "$WORK/key.pub.pem" --chain "$A" --require init.no_foreign_weights
    --model "$WORK/final.pt")
expect_verify 0 "$B" "$WORK/chain.json" "${OPTS[@]}"
expect_report 0 "$B" "$WORK/report.html" "${OPTS[@]}"
expect_page "$WORK/report.html" "$WORK/chain.json" "$A" "$B"
[ "$(grep -c '<tr class="segment" data-segment=' "$WORK/report.html")" -eq 2 ] ||
    fail "the chain table does not list 2 segments"
grep -q 'Chain: 2 segments, every link holds' "$WORK/report.html" ||
    fail "the page does not say the chain's links hold"
ok "the page of a 2-segment chain: campaign claims, segments, a lane per stream of both"
finish
