# content_lib.sh: helpers of the donor and honest-corpus tests (sourced after
# lib.sh): make the donors and the corpus, run content_job.py under trainprov
# run, check that init.no_foreign_weights fails naming a donor.

# make_donors DIR: DIR/donor.safetensors and DIR/gpt2_tiny.bin (not logged).
make_donors() {
    "$PYTHON" "$E2E_DIR/content_job.py" donors "$1" || die "content_job.py donors $1 failed"
}

# run_content LOG [trainprov run options...] -- [content_job.py args...]:
# runs the job under trainprov run with the test key; it must succeed.
run_content() {
    local log=$1
    shift
    local opts=()
    while [ $# -gt 0 ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
    shift
    RUN_STATUS=0
    tp run --key "$WORK/key.pem" --log "$log" "${opts[@]}" -- \
        "${CONTENT_PYTHON:-$PYTHON}" "$E2E_DIR/content_job.py" "$@" >"$log.out" 2>&1 ||
        RUN_STATUS=$?
    expect_run_ok "$log" "trainprov run of content_job.py $*"
}

# expect_donor_fails LOG DONOR WHAT [verify options...]: verify exits 1,
# init.no_foreign_weights fails, and its detail names DONOR and its sha256.
expect_donor_fails() {
    local log=$1 donor=$2 what=$3
    shift 3
    local json=$log.verify.json
    expect_verify 1 "$log" "$json" --pubkey "$WORK/key.pub.pem" "$@"
    expect_claim "$json" init.no_foreign_weights fail
    jcheck detail-contains "$json" init.no_foreign_weights "$donor" "$(sha256 "$donor")" ||
        fail "$what: the init.no_foreign_weights detail does not name $donor and its sha256"
    [ "$(jcheck verdict "$json" 2>&1 || true)" = fail ] || fail "$what: the verdict is not fail"
    expect_claim "$json" log.integrity pass
    ok "$what: verify exits 1, init.no_foreign_weights fails naming $donor"
}
