#!/bin/bash
# e2e_deleted_checkpoints_recorded.sh: a job that keeps only its newest
# checkpoint (os.remove / os.unlink of ckpt_1.pt and ckpt_2.pt, shutil.rmtree
# of a DCP directory) passes verify; the deletions are recorded with the
# digests the files had, and the report marks those checkpoints deleted by
# the job while ckpt_3.pt stays.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
. "$E2E_DIR/frameworks_lib.sh"
e2e_init torch
keygen key
CK=$WORK/ckpts

run_fw "$WORK/run.h5" -- delete "$CK"
[ -f "$CK/ckpt_3.pt" ] && [ ! -e "$CK/ckpt_1.pt" ] && [ ! -e "$CK/step_1" ] ||
    die "the job did not keep only ckpt_3.pt"
expect_verify 0 "$WORK/run.h5" "$WORK/v.json" --pubkey "$WORK/key.pub.pem" \
    --model "$CK/ckpt_3.pt" --require lineage.final
expect_checkpoint "$WORK/v.json" "$CK/ckpt_1.pt files 1 deleted 1 authored 1"
expect_checkpoint "$WORK/v.json" "$CK/ckpt_2.pt files 1 deleted 1 authored 1"
expect_checkpoint "$WORK/v.json" "$CK/ckpt_3.pt files 1 deleted 0 authored 1"
expect_checkpoint "$WORK/v.json" "$CK/step_1/ files 3 deleted 1 authored 1"
tp dump "$WORK/run.h5" --json >"$WORK/dump.json" 2>"$WORK/dump.err" || die "trainprov dump failed"
for f in ckpt_1.pt ckpt_2.pt step_1/__0_0.distcp; do
    got=$("$PYTHON" "$E2E_DIR/frameworks_check.py" file "$WORK/dump.json" "$CK/$f")
    case "$got" in
    *" access delete,write "*) ;;
    *) fail "$f: expected a write and a delete record, got: $got" ;;
    esac
    read -r _ _ _ _ _ _ _ _ _ _ _ digests _ <<<"$got"
    [ "${digests//[0-9a-f]/}" = "" ] ||
        fail "$f: the delete record's digest differs from the written one ($digests)"
done
tp verify "$WORK/run.h5" --pubkey "$WORK/key.pub.pem" >"$WORK/v.txt" 2>&1 || true
line=$(grep -F "$CK/ckpt_1.pt " "$WORK/v.txt" || true)
[[ "$line" == *"bytes, deleted by the job" ]] ||
    fail "the text report does not mark the deleted checkpoints"
finish
