#!/bin/bash
# e2e_init_step0_donor_fails.sh: a trainprov.torch job that loads another
# model's fc.weight after its init and saves that as its step-0 checkpoint
# (torch.save, .pt) before reading its data fails init.random naming the
# tensor, though every InitTensor regenerates: found by the verifier in the
# log, and given with --checkpoint step_0.pt. The same with the nested
# {'model': state_dict, 'step': 0} layout and with safetensors; and a donor
# tensor kept as a buffer the initialiser did not fill fails naming it.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
e2e_init torch

keygen key
keygen eval
export PYTHONPATH=${TRAINPROV_PYTHONDIR:-}
JOB=$E2E_DIR/step0_job.py
make_shards "$WORK/data" 2
tp challenge --key "$WORK/eval.pem" -o "$WORK/ch.json" >/dev/null || die "trainprov challenge failed"
EVAL=(--evaluator-pubkey "$WORK/eval.pub.pem" --challenge "$WORK/ch.json")
"$PYTHON" "$E2E_DIR/init_job.py" "$WORK/donor" --make-donor >"$WORK/donor.out" 2>&1 ||
    die "init_job.py --make-donor failed: $(cat "$WORK/donor.out")"

# donor_run NAME FORMAT STEP0: the job with the donor; verify it with and
# without --checkpoint STEP0.
donor_run() {
    local name=$1 format=$2 step0=$WORK/$1/$3
    tp run --key "$WORK/key.pem" --log "$WORK/$name.h5" --challenge "$WORK/ch.json" \
        --data "$WORK/data/shard_*.bin" -- \
        "$PYTHON" "$JOB" "$WORK/$name" "$WORK/data" --format "$format" \
        --donor "$WORK/donor/donor.pt" >"$WORK/$name.out" 2>&1 ||
        die "trainprov run of step0_job.py ($name) failed: $(tail -n 20 "$WORK/$name.out")"
    expect_verify 1 "$WORK/$name.h5" "$WORK/$name.json" --pubkey "$WORK/key.pub.pem" "${EVAL[@]}"
    expect_claim "$WORK/$name.json" init.random fail
    jcheck detail-contains "$WORK/$name.json" init.random "tensor fc.weight" \
        "step-0 checkpoint $step0" "differ from the initialised ones" ||
        fail "init.random's detail does not name fc.weight in $step0 ($name, found in the log)"
    grep -q "^FAIL  *init.random .*tensor fc.weight" "$WORK/$name.json.out" ||
        fail "the text report does not name fc.weight ($name)"
    "$PYTHON" - "$WORK/$name.json" <<'PY' || fail "init.random's evidence is wrong ($name)"
import json, sys
c = [c for c in json.load(open(sys.argv[1]))["claims"] if c["id"] == "init.random"][0]
ev = c["evidence"]
assert ev["tied_to_training"] is False and ev["step0"]["result"] == "differs", ev
assert [p for p in ev["problems"] if p.startswith("tensor fc.weight")], ev["problems"]
assert not [p for p in ev["problems"] if "regenerated from seed" in p], ev["problems"]
PY
    expect_verify 1 "$WORK/$name.h5" "$WORK/$name-given.json" --pubkey "$WORK/key.pub.pem" \
        "${EVAL[@]}" --checkpoint "$step0"
    expect_claim "$WORK/$name-given.json" init.random fail
    jcheck detail-contains "$WORK/$name-given.json" init.random "tensor fc.weight" \
        "checkpoint $step0" "(changed after init)" ||
        fail "init.random's detail does not name fc.weight with --checkpoint $step0"
    # ... and the read of the donor is what init.no_foreign_weights sees
    expect_claim "$WORK/$name.json" init.no_foreign_weights fail
}

donor_run pt pt step_0.pt
donor_run nested nested step_0.pt
donor_run st safetensors step_0.safetensors

tp run --key "$WORK/key.pem" --log "$WORK/buffer.h5" --challenge "$WORK/ch.json" -- \
    "$PYTHON" "$JOB" "$WORK/buffer" "$WORK/data" --donor-buffer "$WORK/donor/donor.pt" \
    >"$WORK/buffer.out" 2>&1 ||
    die "trainprov run of step0_job.py (buffer) failed: $(tail -n 20 "$WORK/buffer.out")"
expect_verify 1 "$WORK/buffer.h5" "$WORK/buffer.json" --pubkey "$WORK/key.pub.pem" "${EVAL[@]}"
expect_claim "$WORK/buffer.json" init.random fail
jcheck detail-contains "$WORK/buffer.json" init.random "tensor extra of the step-0 checkpoint" \
    "not filled by the initialiser" "may be learned weights" ||
    fail "init.random's detail does not name the donor buffer 'extra'"
finish
