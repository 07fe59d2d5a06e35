#!/bin/bash
# e2e_init_step0_ties_init_to_training.sh: init.random at strength exact
# says whether the run trained from the regenerated tensors (issue 7 item 5).
# A trainprov.torch job that writes its step-0 checkpoint before reading its
# data passes, and the report (text and JSON) says the step-0 checkpoint
# equals the regenerated init: torch.save of the state dict (.pt, read by
# the verifier's own zip and pickle reader), the same nested as
# {'model': sd, 'step': 0} with buffers the initialiser does not fill
# (BatchNorm statistics, a step counter, a causal mask: no learned values),
# and safetensors. The verifier finds the
# checkpoint in the log by itself; an evaluator's copy given with
# --checkpoint does as well. A job that writes no step-0 checkpoint is
# unknown, saying plainly that nothing ties the init to the training; a
# step-0 checkpoint deleted or changed after the run is unknown, saying
# which; --checkpoint naming a file the run did not write fails.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
e2e_init torch

keygen key
keygen eval
export PYTHONPATH=${TRAINPROV_PYTHONDIR:-}
JOB=$E2E_DIR/step0_job.py
make_shards "$WORK/data" 3
tp challenge --key "$WORK/eval.pem" -o "$WORK/ch.json" >/dev/null || die "trainprov challenge failed"
EVAL=(--evaluator-pubkey "$WORK/eval.pub.pem" --challenge "$WORK/ch.json")

# run_step0 NAME [run options --] [step0_job options]: the job under trainprov run.
run_step0() {
    local name=$1 runopts=()
    shift
    if [ "${1:-}" = --data ]; then
        runopts=(--data "$2")
        shift 2
    fi
    tp run --key "$WORK/key.pem" --log "$WORK/$name.h5" --challenge "$WORK/ch.json" \
        "${runopts[@]}" -- "$PYTHON" "$JOB" "$WORK/$name" "$WORK/data" "$@" \
        >"$WORK/$name.out" 2>&1 ||
        die "trainprov run of step0_job.py ($name) failed: $(tail -n 20 "$WORK/$name.out")"
}
# step0_py JSON CODE: runs CODE with c = init.random's claim, ev = its
# evidence, s0 = ev["step0"]; an assertion failing fails the test.
step0_py() {
    "$PYTHON" - "$1" <<PY || fail "init.random's step-0 evidence is wrong in $1: $2"
import json, sys
c = [c for c in json.load(open(sys.argv[1]))["claims"] if c["id"] == "init.random"][0]
ev = c["evidence"]
s0 = ev.get("step0", {})
$2
PY
}
# expect_detail JSON WORDS...
expect_detail() {
    local json=$1
    shift
    jcheck detail-contains "$json" init.random "$@" ||
        fail "init.random's detail does not say $* (report $json)"
}

# torch.save of the state dict, no --data declared (every read but code is
# data then; the interpreter's start-up reads come before the init).
run_step0 pt --format pt
expect_verify 0 "$WORK/pt.h5" "$WORK/pt.json" --pubkey "$WORK/key.pub.pem" "${EVAL[@]}"
expect_claim "$WORK/pt.json" init.random pass
expect_detail "$WORK/pt.json" "step-0 checkpoint $WORK/pt/step_0.pt" "equals the regenerated init"
grep -q "^PASS  *init.random .*step-0 checkpoint $WORK/pt/step_0.pt .*equals the regenerated init" \
    "$WORK/pt.json.out" || fail "the text report does not say the step-0 checkpoint equals the init"
step0_py "$WORK/pt.json" '
assert ev["tied_to_training"] is True and ev["strength"] == "exact", ev
assert s0["found"] and s0["result"] == "equal" and s0["format"] == "pytorch-zip", s0
assert s0["path"].endswith("/pt/step_0.pt") and s0["tensors"] == 14, s0
assert s0["data_read_after_it"] is True and s0["data_read_before_it"] == "", s0'

# The same nested as {"model": state_dict, "step": 0}, with buffers, with
# --data declared.
run_step0 nested --data "$WORK/data/shard_*.bin" --format nested --buffers
expect_verify 0 "$WORK/nested.h5" "$WORK/nested.json" --pubkey "$WORK/key.pub.pem" "${EVAL[@]}"
expect_claim "$WORK/nested.json" init.random pass
expect_detail "$WORK/nested.json" "equals the regenerated init" "hold no learned values"
step0_py "$WORK/nested.json" '
assert s0["result"] == "equal" and s0["tensors"] == 18 and s0["plain_uninitialised"] == 4, s0'

# safetensors.
run_step0 st --data "$WORK/data/shard_*.bin" --format safetensors
expect_verify 0 "$WORK/st.h5" "$WORK/st.json" --pubkey "$WORK/key.pub.pem" "${EVAL[@]}"
expect_claim "$WORK/st.json" init.random pass
expect_detail "$WORK/st.json" "step-0 checkpoint $WORK/st/step_0.safetensors" \
    "equals the regenerated init"
step0_py "$WORK/st.json" 'assert s0["result"] == "equal" and s0["format"] == "safetensors", s0'

# No step-0 checkpoint: the regeneration alone does not say the run trained
# from those tensors.
run_step0 none --data "$WORK/data/shard_*.bin" --format none
expect_verify 0 "$WORK/none.h5" "$WORK/none.json" --pubkey "$WORK/key.pub.pem" "${EVAL[@]}"
expect_claim "$WORK/none.json" init.random unknown
expect_detail "$WORK/none.json" "regenerate exactly" "no checkpoint written before the first data read" \
    "the regenerated init is not tied to the training"
step0_py "$WORK/none.json" 'assert ev["tied_to_training"] is False and not s0["found"], s0'
expect_verify 1 "$WORK/none.h5" "$WORK/none-req.json" --pubkey "$WORK/key.pub.pem" "${EVAL[@]}" \
    --require init.random

# The evaluator holds a copy elsewhere: the recorded path is gone, the copy
# given with --checkpoint is the run's step 0 by its digest.
mkdir -p "$WORK/evaluator"
cp "$WORK/pt/step_0.pt" "$WORK/evaluator/step_0.pt"
mv "$WORK/pt/step_0.pt" "$WORK/pt/step_0.pt.moved"
expect_verify 0 "$WORK/pt.h5" "$WORK/gone.json" --pubkey "$WORK/key.pub.pem" "${EVAL[@]}"
expect_claim "$WORK/gone.json" init.random unknown
expect_detail "$WORK/gone.json" "step-0 checkpoint $WORK/pt/step_0.pt" "is not on this machine" \
    "--checkpoint"
expect_verify 0 "$WORK/pt.h5" "$WORK/copy.json" --pubkey "$WORK/key.pub.pem" "${EVAL[@]}" \
    --checkpoint "$WORK/evaluator/step_0.pt"
expect_claim "$WORK/copy.json" init.random pass
expect_detail "$WORK/copy.json" "step-0 checkpoint $WORK/evaluator/step_0.pt" \
    "which this run wrote as $WORK/pt/step_0.pt" "equals the regenerated init"

# Changed after the run (one byte of a tensor): not the checkpoint the run
# wrote, so nothing is tied; given with --checkpoint it is no file the run wrote.
cp "$WORK/evaluator/step_0.pt" "$WORK/pt/step_0.pt"
"$PYTHON" - "$WORK/pt/step_0.pt" <<'PY' || die "cannot edit step_0.pt"
import sys, zipfile
path = sys.argv[1]
z = zipfile.ZipFile(path)
info = [i for i in z.infolist() if i.filename.endswith("/data/0")][0]
at = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
with open(path, "r+b") as f:
    f.seek(at)
    b = f.read(1)
    f.seek(at)
    f.write(bytes([b[0] ^ 1]))
PY
expect_verify 0 "$WORK/pt.h5" "$WORK/changed.json" --pubkey "$WORK/key.pub.pem" "${EVAL[@]}"
expect_claim "$WORK/changed.json" init.random unknown
expect_detail "$WORK/changed.json" "step-0 checkpoint $WORK/pt/step_0.pt has changed since the run wrote it"
step0_py "$WORK/changed.json" 'assert s0["result"] == "changed", s0'
expect_verify 1 "$WORK/pt.h5" "$WORK/changed-given.json" --pubkey "$WORK/key.pub.pem" "${EVAL[@]}" \
    --checkpoint "$WORK/pt/step_0.pt"
expect_claim "$WORK/changed-given.json" init.random fail
expect_detail "$WORK/changed-given.json" "is not a checkpoint this run wrote"

# --checkpoint naming a file the run did not write: another run's step 0,
# whose tensors are the same init, is still not this run's evidence.
expect_verify 1 "$WORK/pt.h5" "$WORK/other.json" --pubkey "$WORK/key.pub.pem" "${EVAL[@]}" \
    --checkpoint "$WORK/nested/step_0.pt"
expect_claim "$WORK/other.json" init.random fail
expect_detail "$WORK/other.json" "--checkpoint $WORK/nested/step_0.pt" "is not a checkpoint this run wrote"
step0_py "$WORK/other.json" 'assert ev["checkpoint_given"]["written_by_run"] is False, ev'
finish
