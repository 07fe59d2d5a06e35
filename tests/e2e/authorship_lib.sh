# authorship_lib.sh: what the authorship and identity tests share (sourced
# after lib.sh): a donor model made outside trainprov, and running one mode
# of authorship_job.py under `trainprov run`.

# donor_init: what every authorship test starts with: torch, $WORK/key.pem,
# and a donor model at $DONOR with its sha256 in $DONOR_SHA.
donor_init() {
    e2e_init torch
    keygen key
    DONOR=$WORK/models/donor.pt
    make_donor "$DONOR"
    DONOR_SHA=$(sha256 "$DONOR")
}

# make_donor PATH: a weights file (torch.save, 2 MiB) no traced run wrote.
make_donor() {
    mkdir -p "$(dirname "$1")"
    "$PYTHON" -c 'import sys, torch
g = torch.Generator().manual_seed(7)
torch.save({"w": torch.randn(1 << 19, generator=g)}, sys.argv[1])' "$1" ||
        die "could not make the donor $1"
}

# run_mode LOG [trainprov run options...] -- MODE ARGS...: runs the mode
# under trainprov run with $WORK/key.pem; sets RUN_STATUS, output in LOG.out.
run_mode() {
    local log=$1
    shift
    run_script "$log" authorship_job.py "$@"
}

# expect_fails_naming JSON LOG CLAIM [verify options...] -- WHAT...: verify
# exits 1 and CLAIM fails with every WHAT in its detail.
expect_fails_naming() {
    local json=$1 log=$2 id=$3
    shift 3
    local opts=()
    while [ "$1" != "--" ]; do
        opts+=("$1")
        shift
    done
    shift
    expect_verify 1 "$log" "$json" --pubkey "$WORK/key.pub.pem" "${opts[@]}"
    expect_claim "$json" "$id" fail
    jcheck detail-contains "$json" "$id" "$@" ||
        fail "the $id detail does not name $*"
}
