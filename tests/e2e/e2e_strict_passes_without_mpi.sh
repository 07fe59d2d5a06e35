#!/bin/bash
# e2e_strict_passes_without_mpi.sh: on a clean single-process job without
# MPI, mpi.init_consistent is n/a (JSON "n/a", the text report shows n/a),
# and `verify --strict` passes with every other claim passing; requiring
# the claim that does not apply (--require mpi.init_consistent) fails.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
e2e_init torch
keygen key
keygen eval
export PYTHONPATH=${TRAINPROV_PYTHONDIR:-}
tp challenge --key "$WORK/eval.pem" -o "$WORK/challenge.json" >/dev/null || die "trainprov challenge failed"
tp run --key "$WORK/key.pem" --log "$WORK/run.h5" --challenge "$WORK/challenge.json" -- \
    "$PYTHON" "$E2E_DIR/init_job.py" "$WORK/out" >"$WORK/run.out" 2>&1 ||
    die "the job failed: $(tail -n 20 "$WORK/run.out")"
OPTS=(--pubkey "$WORK/key.pub.pem" --evaluator-pubkey "$WORK/eval.pub.pem"
      --challenge "$WORK/challenge.json" --checkpoint "$WORK/out/step0.safetensors"
      --model "$WORK/out/final.safetensors")
expect_verify 0 "$WORK/run.h5" "$WORK/strict.json" "${OPTS[@]}" --strict
expect_claim "$WORK/strict.json" mpi.init_consistent n/a
for c in log.integrity log.complete run.binding init.no_foreign_weights data.accounted \
    lineage.final init.random; do
    expect_claim "$WORK/strict.json" "$c" pass
done
grep -q '^n/a *mpi.init_consistent *does not apply' "$WORK/strict.json.out" ||
    fail "the text report does not show mpi.init_consistent as n/a: $(cat "$WORK/strict.json.out")"
expect_verify 1 "$WORK/run.h5" "$WORK/require.json" "${OPTS[@]}" --require mpi.init_consistent
finish
