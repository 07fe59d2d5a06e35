#!/bin/bash
# e2e_megatron_indexed_dataset_is_data.sh: a Megatron-style indexed dataset
# read as Megatron reads it, rebuilt 50 times (np.memmap of the .idx and the
# .bin, the cached document/sample/shuffle orders *_idx.npy loaded with
# mmap_mode="r") under --data for the .bin and .idx only: all five files are
# data with their sha256sum digests, the token files with the bytes they
# mapped, each in at most three records for its 50 to 150 opens; the
# data-order files are data, not undeclared inputs, so
# init.no_foreign_weights and data.accounted pass when required.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
. "$E2E_DIR/frameworks_lib.sh"
e2e_init torch
keygen key
DATA=$WORK/data
"$PYTHON" "$E2E_DIR/frameworks_job.py" make-megatron-data "$DATA" || die "could not make the dataset"

run_fw "$WORK/run.h5" --data "$DATA/*.bin" --data "$DATA/*.idx" -- megatron-data "$DATA" 50
expect_verify 0 "$WORK/run.h5" "$WORK/v.json" --pubkey "$WORK/key.pub.pem" \
    --require init.no_foreign_weights --require data.accounted
jcheck detail-contains "$WORK/v.json" data.accounted "5 data files" ||
    fail "data.accounted does not count the 5 files of the dataset"
tp dump "$WORK/run.h5" --json >"$WORK/dump.json" 2>"$WORK/dump.err" || die "trainprov dump failed"
for f in corpus_text_document.bin corpus_text_document.idx \
    cache/corpus_train_indexmap_20000ns_128sl_1234s_doc_idx.npy \
    cache/corpus_train_indexmap_20000ns_128sl_1234s_sample_idx.npy \
    cache/corpus_train_indexmap_20000ns_128sl_1234s_shuffle_idx.npy; do
    got=$("$PYTHON" "$E2E_DIR/frameworks_check.py" file "$WORK/dump.json" "$DATA/$f")
    read -r _ records _ sessions _ mapped _ _ _ roles _ digests _ <<<"$got"
    [ "$roles" = data ] || fail "$f has roles '$roles', expected data"
    [ "$digests" = "$(sha256 "$DATA/$f")" ] || fail "$f: recorded sha256 '$digests' is not sha256sum's"
    [ "$sessions" -ge 50 ] || fail "$f: $sessions sessions recorded, expected at least 50"
    [ "$records" -le 3 ] || fail "$f: $records records for $sessions opens (expected at most 3)"
    case "$f" in
    *.bin | *.idx) [ "$mapped" -ge $((50 * $(stat -c %s "$DATA/$f"))) ] ||
        fail "$f: $mapped bytes mapped, expected 50 mappings of the whole file" ;;
    esac
done
finish
