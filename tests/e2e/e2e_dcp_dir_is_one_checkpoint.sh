#!/bin/bash
# e2e_dcp_dir_is_one_checkpoint.sh: a PyTorch distributed-checkpoint
# directory the run writes (__0_0.distcp, __1_0.distcp, .metadata written as
# .metadata.tmp and renamed) and reads back in the same run is one checkpoint
# in the report (three files, no .metadata.tmp), init.no_foreign_weights
# passes, and `verify --model DIR` passes lineage.final. A copy of the
# directory with an extra file, or with one file changed, fails lineage.final
# naming that file.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
. "$E2E_DIR/frameworks_lib.sh"
e2e_init torch
keygen key
CK=$WORK/ckpt/step_100

run_fw "$WORK/run.h5" -- dcp-write-read "$CK"
expect_verify 0 "$WORK/run.h5" "$WORK/v.json" --pubkey "$WORK/key.pub.pem" --model "$CK" \
    --require lineage.final --require init.no_foreign_weights
expect_claim "$WORK/v.json" lineage.final pass
expect_claim "$WORK/v.json" init.no_foreign_weights pass
jcheck detail-contains "$WORK/v.json" lineage.final "all 3 files of $CK" ||
    fail "lineage.final does not say all 3 files of $CK matched"
expect_checkpoint "$WORK/v.json" "$CK/ files 3 deleted 0 authored 1"
"$PYTHON" - "$WORK/v.json" "$CK" <<'PY' || fail "the DCP checkpoint's files are not its three final files"
import json, sys
rep, ck = json.load(open(sys.argv[1])), sys.argv[2]
[c] = [c for c in rep["checkpoints"] if c["path"] == ck + "/"]
assert c["kind"] == "distributed checkpoint", c["kind"]
names = sorted(f["path"].rsplit("/", 1)[1] for f in c["files"])
assert names == [".metadata", "__0_0.distcp", "__1_0.distcp"], names
PY
tp verify "$WORK/run.h5" --pubkey "$WORK/key.pub.pem" --model "$CK" >"$WORK/v.txt" 2>&1 || true
grep -qF "$CK/  distributed checkpoint, 3 files" "$WORK/v.txt" ||
    fail "the text report does not show $CK/ as one distributed checkpoint of 3 files"

# a released copy with a file the run did not write
cp -r "$CK" "$WORK/extra"
echo '{"note": "added after the run"}' >"$WORK/extra/README.json"
expect_verify 1 "$WORK/run.h5" "$WORK/x.json" --pubkey "$WORK/key.pub.pem" --model "$WORK/extra"
expect_claim "$WORK/x.json" lineage.final fail
jcheck detail-contains "$WORK/x.json" lineage.final "$WORK/extra/README.json" "matches no file this run wrote" ||
    fail "lineage.final does not name the extra file"

# a released copy with one shard changed
cp -r "$CK" "$WORK/changed"
printf 'x' >>"$WORK/changed/__1_0.distcp"
expect_verify 1 "$WORK/run.h5" "$WORK/c.json" --pubkey "$WORK/key.pub.pem" --model "$WORK/changed"
expect_claim "$WORK/c.json" lineage.final fail
jcheck detail-contains "$WORK/c.json" lineage.final "$WORK/changed/__1_0.distcp" ||
    fail "lineage.final does not name the changed shard"
finish
