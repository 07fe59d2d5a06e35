#!/bin/bash
# e2e_dir_renamed_into_place.sh: a checkpoint directory written as DIR.tmp/
# and renamed to DIR/ is recorded at its new paths: the report shows DIR/ as
# one checkpoint ("directory renamed into place", model.pt and config.json),
# and `--model DIR` passes. Renaming a directory the run did not write into
# place is not authorship (issue 7's rule, for directories): loading the
# model from it fails init.no_foreign_weights naming it, and `--model` of it
# fails lineage.final.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
. "$E2E_DIR/frameworks_lib.sh"
. "$E2E_DIR/authorship_lib.sh"
e2e_init torch
keygen key
CK=$WORK/out/final

run_fw "$WORK/run.h5" -- dir-rename "$CK"
[ -d "$CK" ] && [ ! -e "$CK.tmp" ] || die "the job did not rename $CK.tmp to $CK"
expect_verify 0 "$WORK/run.h5" "$WORK/v.json" --pubkey "$WORK/key.pub.pem" --model "$CK" \
    --require lineage.final
expect_claim "$WORK/v.json" lineage.final pass
expect_checkpoint "$WORK/v.json" "$CK/ files 2 deleted 0 authored 1"
"$PYTHON" - "$WORK/v.json" "$CK" <<'PY' || fail "the renamed directory's files are not shown at their new paths"
import json, sys
rep, ck = json.load(open(sys.argv[1])), sys.argv[2]
[c] = [c for c in rep["checkpoints"] if c["path"] == ck + "/"]
assert c["kind"] == "directory renamed into place", c["kind"]
assert sorted(f["path"] for f in c["files"]) == [ck + "/config.json", ck + "/model.pt"], c["files"]
assert not [c for c in rep["checkpoints"] if ".tmp" in c["path"]], rep["checkpoints"]
PY

# a directory the run did not write, renamed into place and loaded
mkdir -p "$WORK/donor"
make_donor "$WORK/donor/model.pt"
DONOR_SHA=$(sha256 "$WORK/donor/model.pt")
run_fw "$WORK/foreign.h5" -- rename-foreign "$WORK/donor" "$WORK/out/borrowed"
expect_verify 1 "$WORK/foreign.h5" "$WORK/f.json" --pubkey "$WORK/key.pub.pem" \
    --model "$WORK/out/borrowed"
expect_claim "$WORK/f.json" init.no_foreign_weights fail
jcheck detail-contains "$WORK/f.json" init.no_foreign_weights "$WORK/out/borrowed/model.pt" "$DONOR_SHA" ||
    fail "init.no_foreign_weights does not name the renamed donor"
expect_claim "$WORK/f.json" lineage.final fail
n=$("$PYTHON" "$E2E_DIR/frameworks_check.py" checkpoints "$WORK/f.json" | wc -l)
[ "$n" -eq 0 ] || fail "the foreign run lists $n checkpoints of its own, expected none"
finish
