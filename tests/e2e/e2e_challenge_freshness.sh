#!/bin/bash
# e2e_challenge_freshness.sh: a challenge is fresh only within its signed
# validity, and the verifier must be told which challenge it issued.
# init.random fails, naming why, for a run that started before its
# challenge's time or after its validity, and when the evaluator key is the
# trainer's own key; with --evaluator-pubkey but no --challenge or
# --challenge-id it is not pass (any old challenge signed by that key would
# do), and a --challenge-id of another challenge fails. An honest run passes
# with the challenge file or its id; a version 1 challenge (no validity)
# still works. The odd challenges are signed with the openssl CLI
# (make_challenge.py), from docs/INIT.md alone.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
e2e_init torch openssl

keygen key
keygen eval
export PYTHONPATH=${TRAINPROV_PYTHONDIR:-}
JOB=$E2E_DIR/init_job.py
export OPENSSL
DAY=$((86400 * 1000000000))
NOW=$(date +%s%N)

# run_init NAME CHALLENGE: the trainprov.torch job answering CHALLENGE.
run_init() {
    tp run --key "$WORK/key.pem" --log "$WORK/$1.h5" --challenge "$2" -- \
        "$PYTHON" "$JOB" "$WORK/$1" >"$WORK/$1.out" 2>&1 ||
        die "trainprov run of init_job.py ($1) failed: $(tail -n 20 "$WORK/$1.out")"
}
# init_fails JSON WORDS...: init.random fails and its detail has WORDS.
init_fails() {
    local json=$1
    shift
    expect_claim "$json" init.random fail
    jcheck detail-contains "$json" init.random "$@" ||
        fail "init.random's detail does not say '$*' (report $json)"
}
# challenge_made NAME TIME VALIDITY: make_challenge.py, its id in $NAME_ID.
challenge_made() {
    local id
    id=$("$PYTHON" "$E2E_DIR/make_challenge.py" "$WORK/eval.pem" "$WORK/$1.json" "$2" "$3") ||
        die "make_challenge.py $1 failed"
    printf -v "${1}_ID" '%s' "$id"
}

# An honest challenge, valid 2 days.
tp challenge --key "$WORK/eval.pem" -o "$WORK/honest.json" --valid-days 2 >"$WORK/challenge.out" ||
    die "trainprov challenge --valid-days 2 failed"
honest_ID=$(sed -n 's/^challenge id //p' "$WORK/challenge.out")
[ ${#honest_ID} -eq 64 ] || die "trainprov challenge printed no challenge id: $(cat "$WORK/challenge.out")"
"$PYTHON" - "$WORK/honest.json" <<'PY' || fail "the challenge does not carry a 2-day validity"
import json, sys
c = json.load(open(sys.argv[1]))
assert c["type"] == "trainprov/challenge/v2", c
assert c["valid_until_ns"] - c["time_ns"] == 2 * 86400 * 10**9, c
PY
st=0
tp challenge --key "$WORK/eval.pem" -o "$WORK/x.json" --valid-days 0 >/dev/null 2>&1 || st=$?
[ "$st" -eq 2 ] || fail "trainprov challenge --valid-days 0 exited $st, expected 2"

run_init honest "$WORK/honest.json"
expect_verify 0 "$WORK/honest.h5" "$WORK/honest-file.json" --pubkey "$WORK/key.pub.pem" \
    --evaluator-pubkey "$WORK/eval.pub.pem" --challenge "$WORK/honest.json"
expect_claim "$WORK/honest-file.json" init.random pass
expect_verify 0 "$WORK/honest.h5" "$WORK/honest-id.json" --pubkey "$WORK/key.pub.pem" \
    --evaluator-pubkey "$WORK/eval.pub.pem" --challenge-id "$honest_ID" --require init.random
expect_claim "$WORK/honest-id.json" init.random pass

# The evaluator key alone does not say which challenge was issued.
expect_verify 1 "$WORK/honest.h5" "$WORK/no-challenge.json" --pubkey "$WORK/key.pub.pem" \
    --evaluator-pubkey "$WORK/eval.pub.pem" --require init.random
expect_claim "$WORK/no-challenge.json" init.random unknown
jcheck detail-contains "$WORK/no-challenge.json" init.random "--challenge-id" ||
    fail "init.random's detail does not ask for --challenge or --challenge-id"
challenge_made other "$NOW" $((NOW + DAY))
expect_verify 1 "$WORK/honest.h5" "$WORK/wrong-id.json" --pubkey "$WORK/key.pub.pem" \
    --evaluator-pubkey "$WORK/eval.pub.pem" --challenge-id "$other_ID"
init_fails "$WORK/wrong-id.json" "not the one --challenge-id names"
st=0
tp verify "$WORK/honest.h5" --pubkey "$WORK/key.pub.pem" --challenge-id nothex >/dev/null 2>&1 || st=$?
[ "$st" -eq 2 ] || fail "verify --challenge-id nothex exited $st, expected 2"

# A run that started before its challenge's time (issued a day in the future).
challenge_made future $((NOW + DAY)) $((NOW + 31 * DAY))
run_init early "$WORK/future.json"
expect_verify 1 "$WORK/early.h5" "$WORK/early.json" --pubkey "$WORK/key.pub.pem" \
    --evaluator-pubkey "$WORK/eval.pub.pem" --challenge "$WORK/future.json"
init_fails "$WORK/early.json" "before its challenge was issued"

# A run that started after its challenge expired.
challenge_made expired $((NOW - 40 * DAY)) $((NOW - 10 * DAY))
run_init late "$WORK/expired.json"
expect_verify 1 "$WORK/late.h5" "$WORK/late.json" --pubkey "$WORK/key.pub.pem" \
    --evaluator-pubkey "$WORK/eval.pub.pem" --challenge-id "$expired_ID"
init_fails "$WORK/late.json" "after its challenge expired"

# The trainer's own key as the evaluator's.
tp challenge --key "$WORK/key.pem" -o "$WORK/own.json" >/dev/null || die "trainprov challenge (own key) failed"
run_init own "$WORK/own.json"
expect_verify 1 "$WORK/own.h5" "$WORK/own-key.json" --pubkey "$WORK/key.pub.pem" \
    --evaluator-pubkey "$WORK/key.pub.pem" --challenge "$WORK/own.json"
init_fails "$WORK/own-key.json" "the run's own signing key"

# A version 1 challenge (before validity was signed) is still read: 30 days.
challenge_made old "$NOW" v1
run_init v1 "$WORK/old.json"
expect_verify 0 "$WORK/v1.h5" "$WORK/v1.json" --pubkey "$WORK/key.pub.pem" \
    --evaluator-pubkey "$WORK/eval.pub.pem" --challenge "$WORK/old.json"
expect_claim "$WORK/v1.json" init.random pass
finish
