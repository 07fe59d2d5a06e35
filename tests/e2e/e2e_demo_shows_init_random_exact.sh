#!/bin/bash
# e2e_demo_shows_init_random_exact.sh: the demo shows the headline (issue 10
# item 4). demo/run_demo.sh, the steps ./demo.sh runs after building, run
# here against the test build: an evaluator's challenge, a trainprov.torch
# job under it with a step-0 checkpoint before its data reads, then verify
# with the evaluator's key and challenge and the released model. It exits 0,
# its JSON report has init.random pass at strength exact (tied to training)
# and lineage.final pass, its attestation verifies against final.safetensors
# (and fails for a copy changed by one byte), its HTML report renders in
# Chromium with the same verdict and claims, a lane per stream and the loss
# curve, and it ends saying init.random PASS (exact) and naming the HTML
# report and the attestation.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
e2e_init torch

BUILD=$(cd "$(dirname "$TRAINPROV")/.." && pwd -P)
RUN_DEMO=$(cd "$E2E_DIR/../.." && pwd -P)/demo/run_demo.sh
DEMO=$WORK/demo
st=0
PYTHON=$PYTHON timeout -k 10 "${E2E_TIMEOUT:-300}" "$RUN_DEMO" "$BUILD" "$DEMO" \
    >"$WORK/demo.out" 2>&1 || st=$?
[ "$st" -eq 0 ] || { tail -n 40 "$WORK/demo.out" >&2; die "demo/run_demo.sh exited $st"; }
ok "demo/run_demo.sh exited 0"

expect_claim "$DEMO/report.json" init.random pass
expect_claim "$DEMO/report.json" lineage.final pass
"$PYTHON" - "$DEMO/report.json" "$DEMO/out/ckpt_step0.pt" <<'PY' ||
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc["verdict"] == "pass", doc["verdict"]
c = [c for c in doc["claims"] if c["id"] == "init.random"][0]
ev = c["evidence"]
assert ev["strength"] == "exact" and ev["tied_to_training"] is True, ev
s0 = ev["step0"]
assert s0["result"] == "equal" and s0["path"] == sys.argv[2], s0
assert s0["data_read_after_it"] is True and s0["data_read_before_it"] == "", s0
PY
    fail "init.random is not exact and tied to the step-0 checkpoint in $DEMO/report.json"
grep -q '^PASS  *init\.random  *strength exact' "$WORK/demo.out" ||
    fail "the printed report does not show PASS init.random strength exact"
grep -q '^PASS  *lineage\.final ' "$WORK/demo.out" ||
    fail "the printed report does not show PASS lineage.final"
[ "$(tail -n 1 "$WORK/demo.out")" = "demo: verdict pass; lineage.final PASS; init.random PASS (exact)" ] ||
    fail "the demo does not end with init.random PASS (exact): $(tail -n 1 "$WORK/demo.out")"
grep -q "^Attestation: *$DEMO/model.intoto.json " "$WORK/demo.out" ||
    fail "the demo does not say where the attestation is"
grep -q "^HTML report: *$DEMO/report.html " "$WORK/demo.out" ||
    fail "the demo does not say where the HTML report is"

# The page it wrote: the JSON report's verdict and claims, a lane per
# stream, offline, a real screenshot (when chromium is here), and the loss
# curve from the job's notes (40 steps).
[ -s "$DEMO/report.html" ] || fail "the demo wrote no HTML report"
grep -q 'class="loss s0"[^>]*data-points="40"' "$DEMO/report.html" ||
    fail "the demo's HTML report has no training curve of its 40 steps"
if command -v chromium >/dev/null 2>&1; then
    . "$E2E_DIR/report_lib.sh"
    report_init
    expect_page "$DEMO/report.html" "$DEMO/report.json" "$DEMO/run.h5"
fi

# The attestation it wrote holds for the model, and not for a changed copy.
MODEL=$DEMO/out/final.safetensors
tp verify-attestation "$DEMO/model.intoto.json" --pubkey "$DEMO/key.pub.pem" --model "$MODEL" \
    --quiet || fail "verify-attestation of the demo's attestation failed"
cp "$MODEL" "$WORK/final.safetensors"
poke "$WORK/final.safetensors" 100 $'\x01'
st=0
tp verify-attestation "$DEMO/model.intoto.json" --pubkey "$DEMO/key.pub.pem" \
    --model "$WORK/final.safetensors" --quiet || st=$?
[ "$st" -eq 1 ] || fail "verify-attestation of a model changed by one byte exited $st, expected 1"
finish
