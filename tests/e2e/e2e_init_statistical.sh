#!/bin/bash
# e2e_init_statistical.sh: init.random at strength statistical and the
# --reference similarity (issue 4). A job with PyTorch's default initialisers
# that writes its step-0 checkpoint passes init.random from that checkpoint
# alone; a model trained 300 steps passed off as "step 0" fails it, naming
# tensors; a tensor with no default role is unknown until --init-declare gives
# its law. --reference: a job fine-tuned from a donor shows centred
# correlation near 1 at step 0 and high at the end; a job from an independent
# random init shows none, like the null draw.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
e2e_init torch h5py

keygen key
JOB=$E2E_DIR/stat_job.py

# run_stat NAME [stat_job options]: the job under trainprov run.
run_stat() {
    local name=$1
    shift
    tp run --key "$WORK/key.pem" --log "$WORK/$name.h5" -- \
        "$PYTHON" "$JOB" "$WORK/$name" "$@" >"$WORK/$name.out" 2>&1 ||
        die "trainprov run of stat_job.py ($name) failed: $(tail -n 20 "$WORK/$name.out")"
}
# init_py JSON PYTHON-CODE: runs the code with ev = init.random's evidence,
# c = the claim; an assertion failing fails the test.
init_py() {
    "$PYTHON" - "$1" <<PY || fail "init.random evidence check failed on $1: $2"
import json, sys
c = [c for c in json.load(open(sys.argv[1]))["claims"] if c["id"] == "init.random"][0]
ev = c["evidence"]
$2
PY
}

# A fresh default-initialised model: pass at strength statistical.
run_stat fresh --seed 1
expect_verify 0 "$WORK/fresh.h5" "$WORK/fresh.json" --pubkey "$WORK/key.pub.pem" \
    --checkpoint "$WORK/fresh/step0.safetensors"
expect_claim "$WORK/fresh.json" init.random pass
init_py "$WORK/fresh.json" '
assert ev["strength"] == "statistical" and ev["tensors"] == 9 and ev["tensors_failed"] == 0, ev
roles = {t["name"]: t["role"] for t in ev["per_tensor"]}
assert roles == {"emb.weight": "embedding", "conv.weight": "conv weight", "conv.bias": "bias",
                 "ln.weight": "norm weight", "ln.bias": "norm bias", "fc1.weight": "linear weight",
                 "fc1.bias": "bias", "fc2.weight": "linear weight", "fc2.bias": "bias"}, roles
fc1 = [t for t in ev["per_tensor"] if t["name"] == "fc1.weight"][0]
assert fc1["distribution"] == "uniform" and abs(fc1["param2"] - 0.125) < 1e-12, fc1
assert fc1["ks_p"] > 1e-6 and 0.8 < fc1["sigma_max_over_edge"] < 1 + fc1["sigma_tolerance"], fc1'
# Its trained weights are not a fresh init.
expect_verify 1 "$WORK/fresh.h5" "$WORK/fresh_final.json" --pubkey "$WORK/key.pub.pem" \
    --checkpoint "$WORK/fresh/final.safetensors"
expect_claim "$WORK/fresh_final.json" init.random fail

# A model trained 300 steps, saved as "step 0".
run_stat trained --seed 2 --pretrain 300
expect_verify 1 "$WORK/trained.h5" "$WORK/trained.json" --pubkey "$WORK/key.pub.pem" \
    --checkpoint "$WORK/trained/step0.safetensors"
expect_claim "$WORK/trained.json" init.random fail
jcheck detail-contains "$WORK/trained.json" init.random "strength statistical" "tensor conv.weight" ||
    fail "init.random's detail does not name the trained tensors (report $WORK/trained.json)"
init_py "$WORK/trained.json" '
bad = {t["name"] for t in ev["per_tensor"] if t["result"] == "fail"}
assert {"fc1.weight", "fc2.weight", "ln.weight", "ln.bias"} <= bad, bad
fc2 = [t for t in ev["per_tensor"] if t["name"] == "fc2.weight"][0]
assert fc2["sigma_max_over_edge"] > 1 + fc2["sigma_tolerance"], fc2'

# A tensor with no default role: unknown; with its law declared: pass; with a
# wrong law declared: fail.
run_stat head --seed 3 --head
expect_verify 0 "$WORK/head.h5" "$WORK/head.json" --pubkey "$WORK/key.pub.pem" \
    --checkpoint "$WORK/head/step0.safetensors"
expect_claim "$WORK/head.json" init.random unknown
jcheck detail-contains "$WORK/head.json" init.random "tensor head" "--init-declare" ||
    fail "init.random's detail does not name the undeclared tensor head"
echo '{"head": {"dist": "normal", "mean": 0, "std": 0.02}}' >"$WORK/laws.json"
expect_verify 0 "$WORK/head.h5" "$WORK/head_decl.json" --pubkey "$WORK/key.pub.pem" \
    --checkpoint "$WORK/head/step0.safetensors" --init-declare "$WORK/laws.json"
expect_claim "$WORK/head_decl.json" init.random pass
echo '{"head": {"dist": "normal", "mean": 0, "std": 0.05}}' >"$WORK/wrong.json"
expect_verify 1 "$WORK/head.h5" "$WORK/head_wrong.json" --pubkey "$WORK/key.pub.pem" \
    --checkpoint "$WORK/head/step0.safetensors" --init-declare "$WORK/wrong.json"
expect_claim "$WORK/head_wrong.json" init.random fail
echo '{"head": {"dist": "normal", "mean": 0, "std": -1}}' >"$WORK/bad.json"
expect_verify 0 "$WORK/head.h5" "$WORK/head_bad.json" --pubkey "$WORK/key.pub.pem" \
    --checkpoint "$WORK/head/step0.safetensors" --init-declare "$WORK/bad.json"
expect_claim "$WORK/head_bad.json" init.random unknown
echo '[1, 2]' >"$WORK/notobj.json"
expect_verify 2 "$WORK/head.h5" "$WORK/head_notobj.json" --pubkey "$WORK/key.pub.pem" \
    --checkpoint "$WORK/head/step0.safetensors" --init-declare "$WORK/notobj.json"

# --reference: a job fine-tuned from a donor model...
"$PYTHON" "$JOB" "$WORK/donor" --seed 11 --pretrain 100 --make-donor >"$WORK/donor.out" 2>&1 ||
    die "stat_job.py --make-donor failed: $(cat "$WORK/donor.out")"
run_stat ft --seed 5 --donor "$WORK/donor/donor.pt" --steps 50
verify "$WORK/ft.h5" "$WORK/ft.json" --pubkey "$WORK/key.pub.pem" \
    --checkpoint "$WORK/ft/step0.safetensors" --model "$WORK/ft/final.safetensors" \
    --reference "$WORK/donor/donor.safetensors"
[ "$VERIFY_STATUS" -eq 1 ] || fail "verify of the fine-tuned job exited $VERIFY_STATUS, expected 1"
expect_claim "$WORK/ft.json" init.random fail
init_py "$WORK/ft.json" '
r = ev["reference"]
assert r["measure"] == "pearson (mean-centred)", r
assert r["step0"]["matched_tensors"] == 9 and r["step0"]["pearson_weighted"] > 0.99, r
assert r["final"]["matched_tensors"] == 9 and r["final"]["pearson_weighted"] > 0.8, r
assert abs(r["null"]["pearson_weighted"]) < 0.1, r
big = [t for t in r["per_tensor"] if t["elements"] >= 1000]
assert len(big) == 4 and all(t["z_final"] > 20 for t in big), big'
# ... and one from an independent random init (the donor: another fresh model).
"$PYTHON" "$JOB" "$WORK/indep" --seed 12 --make-donor >"$WORK/indep.out" 2>&1 ||
    die "stat_job.py --make-donor failed: $(cat "$WORK/indep.out")"
expect_verify 0 "$WORK/fresh.h5" "$WORK/indep.json" --pubkey "$WORK/key.pub.pem" \
    --checkpoint "$WORK/fresh/step0.safetensors" --model "$WORK/fresh/final.safetensors" \
    --reference "$WORK/indep/donor.safetensors"
expect_claim "$WORK/indep.json" init.random pass
init_py "$WORK/indep.json" '
r = ev["reference"]
assert abs(r["step0"]["pearson_weighted"]) < 0.05 and abs(r["final"]["pearson_weighted"]) < 0.05, r
big = [t for t in r["per_tensor"] if t["elements"] >= 1000]
assert len(big) == 4 and all(abs(t["z_step0"]) < 5 and abs(t["z_final"]) < 5 for t in big), big'
# An unreadable reference is not evidence: exit 2.
expect_verify 2 "$WORK/fresh.h5" "$WORK/noref.json" --pubkey "$WORK/key.pub.pem" \
    --reference "$WORK/missing.safetensors"
finish
