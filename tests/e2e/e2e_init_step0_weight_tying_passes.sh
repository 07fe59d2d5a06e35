#!/bin/bash
# e2e_init_step0_weight_tying_passes.sh: an honest GPT-style job whose
# lm_head shares its weight with the token embedding (nanoGPT's weight
# tying) passes init.random exact. init_module fills the shared parameter
# once (a second fill under the other name overwrote the bytes the first
# InitTensor recorded: "wte.weight differ from the initialised ones"), and
# the verifier takes the second name torch.save writes for that storage
# (lm_head.weight: same storage, offset, shape and strides) as the
# initialised tensor, not as "may be learned weights". A job that gives
# lm_head a weight of its own after the init still fails, naming it.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
e2e_init torch

keygen key
keygen eval
export PYTHONPATH=${TRAINPROV_PYTHONDIR:-}
JOB=$E2E_DIR/tied_job.py
make_shards "$WORK/data" 2
tp challenge --key "$WORK/eval.pem" -o "$WORK/ch.json" >/dev/null || die "trainprov challenge failed"
EVAL=(--evaluator-pubkey "$WORK/eval.pub.pem" --challenge "$WORK/ch.json")

# tied_run NAME [tied_job options]
tied_run() {
    local name=$1
    shift
    tp run --key "$WORK/key.pem" --log "$WORK/$name.h5" --challenge "$WORK/ch.json" \
        --data "$WORK/data/shard_*.bin" -- "$PYTHON" "$JOB" "$WORK/$name" "$WORK/data" "$@" \
        >"$WORK/$name.out" 2>&1 ||
        die "trainprov run of tied_job.py ($name) failed: $(tail -n 20 "$WORK/$name.out")"
}

tied_run tied
"$PYTHON" - "$WORK/tied/step_0.pt" <<'PY' || die "the step-0 checkpoint does not tie the weights"
import sys, torch
sd = torch.load(sys.argv[1])
assert sd["wte.weight"].data_ptr() == sd["lm_head.weight"].data_ptr(), sorted(sd)
PY
expect_verify 0 "$WORK/tied.h5" "$WORK/tied.json" --pubkey "$WORK/key.pub.pem" "${EVAL[@]}"
expect_claim "$WORK/tied.json" init.random pass
jcheck detail-contains "$WORK/tied.json" init.random "step-0 checkpoint $WORK/tied/step_0.pt" \
    "equals the regenerated init" ||
    fail "init.random's detail does not say the tied step-0 checkpoint equals the init"
"$PYTHON" - "$WORK/tied.json" <<'PY' || fail "init.random's evidence is wrong for the tied model"
import json, sys
c = [c for c in json.load(open(sys.argv[1]))["claims"] if c["id"] == "init.random"][0]
s0 = c["evidence"]["step0"]
assert s0["result"] == "equal" and s0["tensors"] == 4 and s0["plain_uninitialised"] == 0, s0
PY

tied_run untied --untie
expect_verify 1 "$WORK/untied.h5" "$WORK/untied.json" --pubkey "$WORK/key.pub.pem" "${EVAL[@]}"
expect_claim "$WORK/untied.json" init.random fail
jcheck detail-contains "$WORK/untied.json" init.random "tensor lm_head.weight" \
    "may be learned weights" ||
    fail "init.random's detail does not name lm_head.weight, untied after the init"
finish
