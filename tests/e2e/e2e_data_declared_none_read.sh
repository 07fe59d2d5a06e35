#!/bin/bash
# e2e_data_declared_none_read.sh: data.accounted does not pass on zero data
# files when the run declared data: a job run with --data over shards it
# never reads fails the claim (verify exit 1, naming the glob); the same job
# with no --data declares nothing and passes; a job that reads its declared
# shards passes.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
e2e_init

keygen key
make_shards "$WORK/data" 2
GLOB="$WORK/data/shard_*.bin"

st=0
tp run --key "$WORK/key.pem" --log "$WORK/unread.h5" --data "$GLOB" -- sh -c 'echo no data read' \
    >"$WORK/unread.out" 2>&1 || st=$?
[ "$st" -eq 0 ] || die "trainprov run (unread) exited $st: $(tail -n 20 "$WORK/unread.out")"
expect_verify 1 "$WORK/unread.h5" "$WORK/unread.json" --pubkey "$WORK/key.pub.pem"
expect_claim "$WORK/unread.json" data.accounted fail
jcheck detail-contains "$WORK/unread.json" data.accounted "declared data" "$GLOB" ||
    fail "data.accounted's detail does not name the declared glob"

st=0
tp run --key "$WORK/key.pem" --log "$WORK/undeclared.h5" -- sh -c 'echo no data read' \
    >"$WORK/undeclared.out" 2>&1 || st=$?
[ "$st" -eq 0 ] || die "trainprov run (undeclared) exited $st"
expect_verify 0 "$WORK/undeclared.h5" "$WORK/undeclared.json" --pubkey "$WORK/key.pub.pem"
expect_claim "$WORK/undeclared.json" data.accounted pass

st=0
tp run --key "$WORK/key.pem" --log "$WORK/read.h5" --data "$GLOB" -- sh -c 'cat "$@" >/dev/null' sh \
    "$WORK"/data/shard_*.bin >"$WORK/read.out" 2>&1 || st=$?
[ "$st" -eq 0 ] || die "trainprov run (read) exited $st"
expect_verify 0 "$WORK/read.h5" "$WORK/read.json" --pubkey "$WORK/key.pub.pem"
expect_claim "$WORK/read.json" data.accounted pass
finish
