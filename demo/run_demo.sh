#!/bin/bash
# run_demo.sh BUILD DEMO_DIR: the demo's steps against a built tree (demo.sh
# calls it after building; tests/e2e/e2e_demo_shows_init_random_exact.sh
# calls it with the test build). Everything it makes goes in DEMO_DIR,
# emptied first.
#
#   1. a trainer's signing key and an evaluator's key; the evaluator issues
#      a challenge (`trainprov challenge`)
#   2. trains a small transformer LM under `trainprov run --challenge`:
#      trainprov.torch.init_module initialises it, a step-0 checkpoint is
#      saved before any data is read, then checkpoints and final.safetensors
#   3. `trainprov verify` with the evaluator's key and challenge and the
#      released model: init.random must be PASS at strength exact (the
#      weights regenerate from the challenge and the step-0 checkpoint ties
#      them to the training) and lineage.final PASS
#   4. `trainprov report` writes the HTML page an evaluator publishes
#      (_demo/report.html: verdict, claims, timeline, loss curve, tables)
#   5. `trainprov attest` writes an in-toto attestation of the model,
#      checked with `trainprov verify-attestation`
#
# Exits 0 when all of that holds, 1 when a claim or check does not, 2 on
# bad arguments. PYTHON (default /usr/bin/python3) runs the job.
set -euo pipefail

[ $# -eq 2 ] || { echo "usage: run_demo.sh BUILD DEMO_DIR" >&2; exit 2; }
ROOT=$(cd "$(dirname "$0")/.." && pwd -P)
BUILD=$(cd "$1" && pwd -P)
DEMO=$2
PYTHON=${PYTHON:-/usr/bin/python3}
TRAINPROV=$BUILD/cli/trainprov
export TRAINPROV_LIB=$BUILD/logger/.libs/libtrainprov.so
export TRAINPROV_PYTHONDIR=$ROOT/python
export PYTHONPATH=$ROOT/python${PYTHONPATH:+:$PYTHONPATH}
[ -x "$TRAINPROV" ] && [ -f "$TRAINPROV_LIB" ] ||
    { echo "run_demo.sh: $BUILD holds no built trainprov (cli/trainprov, logger/.libs/libtrainprov.so)" >&2; exit 2; }

step() { printf '\n== %s\n' "$*"; }
die() { echo "demo: $*" >&2; exit 1; }

rm -rf "$DEMO"
mkdir -p "$DEMO"
DEMO=$(cd "$DEMO" && pwd -P) # the log records paths with symlinks resolved

step "trainer's signing key: $DEMO/key.pem (mode 0600) and $DEMO/key.pub.pem"
"$TRAINPROV" keygen -o "$DEMO/key.pem"
step "evaluator's key: $DEMO/eval.pem; the evaluator issues a challenge ($DEMO/challenge.json)"
"$TRAINPROV" keygen -o "$DEMO/eval.pem"
"$TRAINPROV" challenge --key "$DEMO/eval.pem" -o "$DEMO/challenge.json"

step "token shards in $DEMO/data"
"$PYTHON" "$ROOT/tests/e2e/make_shards.py" "$DEMO/data" 4
ls -l "$DEMO/data"

step "training under trainprov run --challenge (log: $DEMO/run.h5)"
echo "trainprov.torch.init_module initialises the model from the challenge's"
echo "nonce; ckpt_step0.pt is saved before any data is read; each step's loss is"
echo "recorded as a note (the report's training curve)"
set -x
"$TRAINPROV" run --key "$DEMO/key.pem" --log "$DEMO/run.h5" --challenge "$DEMO/challenge.json" \
    --data "$DEMO/data/shard_*.bin" -- \
    "$PYTHON" "$ROOT/tests/e2e/train_tiny.py" --data "$DEMO/data" --out "$DEMO/out" \
    --steps 40 --ckpt-every 10 --trainprov-init 1234 --notes
{ set +x; } 2>/dev/null
ls -l "$DEMO/out" "$DEMO/run.h5"

VERIFY_OPTS=(--pubkey "$DEMO/key.pub.pem" --evaluator-pubkey "$DEMO/eval.pub.pem"
    --challenge "$DEMO/challenge.json")
step "trainprov verify with the evaluator's key and challenge, --model final.safetensors"
status=0
"$TRAINPROV" verify "$DEMO/run.h5" "${VERIFY_OPTS[@]}" \
    --model "$DEMO/out/final.safetensors" --json "$DEMO/report.json" || status=$?
[ "$status" -eq 0 ] || die "trainprov verify exited $status"

# The headline, from the JSON report: init.random pass at strength exact,
# lineage.final pass.
"$PYTHON" - "$DEMO/report.json" <<'PY' || die "the report does not show init.random PASS (exact) and lineage.final PASS ($DEMO/report.json)"
import json, sys
claims = {c["id"]: c for c in json.load(open(sys.argv[1]))["claims"]}
init = claims.get("init.random", {})
final = claims.get("lineage.final", {})
strength = init.get("evidence", {}).get("strength")
bad = []
if init.get("status") != "pass" or strength != "exact":
    bad.append("init.random is %s (strength %s)" % (init.get("status"), strength))
if final.get("status") != "pass":
    bad.append("lineage.final is %s" % final.get("status"))
if bad:
    sys.exit("demo: " + "; ".join(bad))
PY

step "trainprov report: the HTML page for publishing ($DEMO/report.html)"
"$TRAINPROV" report "$DEMO/run.h5" "${VERIFY_OPTS[@]}" \
    --model "$DEMO/out/final.safetensors" -o "$DEMO/report.html" ||
    die "trainprov report exited $?"
[ -s "$DEMO/report.html" ] || die "trainprov report wrote no page"

step "sha256sum of the released weights (compare with the report)"
sha256sum "$DEMO/out/final.safetensors"

step "trainprov attest: in-toto attestation of the model ($DEMO/model.intoto.json)"
"$TRAINPROV" attest "$DEMO/run.h5" "${VERIFY_OPTS[@]}" --key "$DEMO/key.pem" \
    --model "$DEMO/out/final.safetensors" -o "$DEMO/model.intoto.json" ||
    die "trainprov attest exited $?"
step "trainprov verify-attestation"
"$TRAINPROV" verify-attestation "$DEMO/model.intoto.json" --pubkey "$DEMO/key.pub.pem" \
    --model "$DEMO/out/final.safetensors" || die "trainprov verify-attestation exited $?"

echo
echo "HTML report:  $DEMO/report.html (self-contained; open it in a browser)"
echo "JSON report:  $DEMO/report.json"
echo "Attestation:  $DEMO/model.intoto.json (in-toto, SLSA provenance v1, DSSE-signed)"
echo "Everything is in $DEMO; read the log with h5py or: h5dump -H $DEMO/run.h5"
echo "demo: verdict pass; lineage.final PASS; init.random PASS (exact)"
