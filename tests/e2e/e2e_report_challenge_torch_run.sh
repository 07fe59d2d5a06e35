#!/bin/bash
# e2e_report_challenge_torch_run.sh: the report of a challenge-bound
# trainprov.torch run (issue 10 item 1): an evaluator's challenge, a job that
# initialises with trainprov.torch.init_module under it, saves a step-0
# checkpoint and notes its loss each step. `trainprov report` with the
# verify options exits 0 like verify; headless Chromium renders the page:
# the DOM holds every claim of `verify --json` with its status and the
# verdict, a timeline lane per stream of the log, init.random's tensors with
# equal recorded and regenerated digests, the training curve with one point
# per step; the page fetches nothing (a probe the policy must block) and its
# screenshot is a real page. The same page for a --require the run cannot
# meet exits 1 and says FAIL.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
. "$E2E_DIR/report_lib.sh"
e2e_init torch h5py
report_init

keygen key
keygen eval
tp challenge --key "$WORK/eval.pem" -o "$WORK/challenge.json" >/dev/null ||
    die "trainprov challenge failed"
make_shards "$WORK/data" 2
RUN_STATUS=0
tp run --key "$WORK/key.pem" --log "$WORK/run.h5" --challenge "$WORK/challenge.json" \
    --data "$WORK/data/shard_*.bin" -- \
    "$PYTHON" "$E2E_DIR/train_tiny.py" --data "$WORK/data" --out "$WORK/out" \
    --steps 12 --ckpt-every 6 --trainprov-init 77 --notes >"$WORK/run.h5.out" 2>&1 || RUN_STATUS=$?
expect_run_ok "$WORK/run.h5" "the challenge-bound trainprov.torch run"

OPTS=(--pubkey "$WORK/key.pub.pem" --evaluator-pubkey "$WORK/eval.pub.pem"
    --challenge "$WORK/challenge.json" --model "$WORK/out/ckpt_step12.pt")
expect_verify 0 "$WORK/run.h5" "$WORK/run.json" "${OPTS[@]}"
expect_claim "$WORK/run.json" init.random pass
expect_report 0 "$WORK/run.h5" "$WORK/report.html" "${OPTS[@]}"
grep -q "verdict PASS; report written to $WORK/report.html" "$WORK/report.html.out" ||
    fail "report does not say where the page is: $(cat "$WORK/report.html.out")"
expect_page "$WORK/report.html" "$WORK/run.json" "$WORK/run.h5"

# init.random per tensor: every tensor's recorded digest regenerated, shown
tensors=$("$PYTHON" -c 'import json, sys
c = [c for c in json.load(open(sys.argv[1]))["claims"] if c["id"] == "init.random"][0]
t = c["evidence"]["per_tensor"]
assert all(x["result"] == "equal" and x["recorded_sha256"] == x["regenerated_sha256"] for x in t)
print(len(t))' "$WORK/run.json") || fail "init.random's per_tensor evidence is not all equal"
[ "${tensors:-0}" -gt 0 ] || fail "init.random lists no tensor"
shown=$(grep -o '<td>equal</td>' "$WORK/report.html" | wc -l)
[ "$shown" -ge "$tensors" ] ||
    fail "the page shows $shown tensors regenerated equal, the evidence has $tensors"
# the training curve: one point per step's loss note
grep -q 'class="loss s0"[^>]*data-points="12"' "$WORK/report.html" ||
    fail "the training curve does not have the 12 steps' loss notes"
ok "the page of a challenge-bound run: claims, lanes, tensors, curve, offline, screenshot"

# A failing verdict: the page is still written, says FAIL, exit 1 like verify.
expect_verify 1 "$WORK/run.h5" "$WORK/fail.json" "${OPTS[@]}" --require mpi.init_consistent
expect_report 1 "$WORK/run.h5" "$WORK/fail.html" "${OPTS[@]}" --require mpi.init_consistent
rcheck dom "$WORK/fail.html" "$WORK/fail.json" "$WORK/run.h5" ||
    fail "the failing page's DOM does not match verify --json"
grep -q '<p id="verdict" class="verdict v-fail" data-verdict="fail">verdict: FAIL</p>' \
    "$WORK/fail.html" || fail "the failing page does not say FAIL"
finish
