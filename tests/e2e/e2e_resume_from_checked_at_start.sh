#!/bin/bash
# e2e_resume_from_checked_at_start.sh: `trainprov run --resume-from PREV.h5`
# checks PREV.h5 before the job starts and refuses (exit 2, the job never
# runs, no log or journals left) a missing file, a file that is not a run
# log, a log signed with another key than --key, a log whose records were
# tampered with, and one whose manifest was. Accepted, the previous segment's digest is in the signed
# RunStart of every stream (the job's DataLoader workers too), as
# `trainprov verify --chain` reports it.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
. "$E2E_DIR/resume_lib.sh"
e2e_init torch h5py

keygen key
keygen other
make_shards "$WORK/data" 2
segment_ok "$WORK/A.h5" "$WORK/out" -- --steps 5
echo "not a log" >"$WORK/text.h5"
cp "$WORK/A.h5" "$WORK/tampered.h5"
"$PYTHON" "$E2E_DIR/tamper.py" "$WORK/tampered.h5" flip-record middle >/dev/null ||
    die "tamper.py failed"
cp "$WORK/A.h5" "$WORK/manifest.h5"
"$PYTHON" "$E2E_DIR/tamper.py" "$WORK/manifest.h5" flip-manifest >/dev/null ||
    die "tamper.py failed"

refused() { # WHAT PREV MESSAGE [run options]
    local what=$1 prev=$2 msg=$3 st=0
    shift 3
    rm -f "$WORK/started"
    tp run --key "$WORK/key.pem" --log "$WORK/R.h5" "$@" --resume-from "$prev" -- \
        touch "$WORK/started" >"$WORK/refused.out" 2>&1 || st=$?
    if [ "$st" -ne 2 ]; then
        cat "$WORK/refused.out" >&2
        fail "$what: run exited $st, expected 2"
    fi
    grep -qF -- "$msg" "$WORK/refused.out" || { cat "$WORK/refused.out" >&2; fail "$what: no '$msg'"; }
    [ ! -e "$WORK/started" ] || fail "$what: the job ran"
    [ ! -e "$WORK/R.h5" ] && [ ! -e "$WORK/R.h5.journal" ] || fail "$what: a log or journals were left"
    rm -rf "$WORK/R.h5" "$WORK/R.h5.journal"
    return 0
}
refused "a missing previous log" "$WORK/nothing.h5" "nothing.h5"
refused "a file that is not a log" "$WORK/text.h5" "text.h5"
refused "a log of another key" "$WORK/A.h5" "not by --key" --key "$WORK/other.pem"
refused "a tampered log" "$WORK/tampered.h5" "log.integrity fails"
refused "a log with a forged manifest" "$WORK/manifest.h5" "run manifest's signature does not verify"

# Accepted: every stream of the resumed run (a job with 2 DataLoader workers)
# records the digest verify --chain computes for A.h5.
RUN_STATUS=0
tp run --key "$WORK/key.pem" --log "$WORK/B.h5" --resume-from "$WORK/A.h5" \
    --data "$WORK/data/shard_*.bin" -- "$PYTHON" "$E2E_DIR/train_tiny.py" --data "$WORK/data" \
    --out "$WORK/tiny" --steps 4 --ckpt-every 2 >"$WORK/B.h5.out" 2>&1 || RUN_STATUS=$?
expect_run_ok "$WORK/B.h5" "the resumed training job"
J=$WORK/b.json
verify "$WORK/B.h5" "$J" --pubkey "$WORK/key.pub.pem" --chain "$WORK/A.h5"
expect_claim "$J" run.binding pass
expect_link "$J" 2 ok
DA=$(chain_get "$J" "c['segments'][0]['digest']")
tp dump "$WORK/B.h5" --json >"$WORK/dump.json" || die "dump failed"
"$PYTHON" - "$WORK/dump.json" "$DA" <<'PY' || fail "not every stream's RunStart records A.h5's digest"
import json, sys
doc, want = json.load(open(sys.argv[1])), sys.argv[2]
streams = doc["streams"]
streams = streams.values() if isinstance(streams, dict) else streams
got = []
for s in streams:
    rs = [r for r in s["records"] if "run_start" in r]
    got.append(rs[0]["run_start"].get("resume_from") if rs else None)
print("resume_from per stream:", got)
assert len(got) >= 3 and all(g == want for g in got), got
PY
finish
