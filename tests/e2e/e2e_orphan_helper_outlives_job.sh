#!/bin/bash
# e2e_orphan_helper_outlives_job.sh: a helper the job leaves running (here
# `sleep 600 &`, disowned; think tensorboard or an uploader) neither delays
# the log (the run ends within a few seconds of the main command, not after
# the old 30 s drain) nor fails log.complete: the signed manifest marks its
# stream as outliving the job, log.complete passes and says so, and the
# report shows the stream as outlived. The helper itself keeps running, and a
# process it starts after the log is written does not bring the journal
# directory back (which would block the next run on this --log).
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
e2e_init
keygen key
helper=
cleanup_helper() { [ -n "$helper" ] && kill "$helper" 2>/dev/null; true; }
trap 'cleanup_helper; e2e_cleanup' EXIT
# a head every second, so the helper's RunStart is signed before the log is
export TRAINPROV_HEAD_SECONDS=1
start=$(date +%s.%N)
rc=0
tp run --key "$WORK/key.pem" --log "$WORK/run.h5" -- bash -c \
    '(sleep 4; ls >/dev/null; touch "$1/late"; exec sleep 600) & echo $! >"$1/helper.pid"; disown
     echo trained >"$1/model.txt"' _ "$WORK" \
    >"$WORK/run.out" 2>&1 || rc=$?
end=$(date +%s.%N)
helper=$(cat "$WORK/helper.pid" 2>/dev/null || true)
took=$("$PYTHON" -c "print(round($end - $start, 1))")
[ "$rc" -eq 0 ] || { cat "$WORK/run.out" >&2; die "run exited $rc"; }
[ -f "$WORK/run.h5" ] || die "no log written: $(cat "$WORK/run.out")"
"$PYTHON" -c "import sys; sys.exit(0 if $end - $start < 10 else 1)" ||
    fail "the run took $took s: the helper delayed the log"
ok "run finished in $took s with the helper still running"
[ -n "$helper" ] && kill -0 "$helper" 2>/dev/null || fail "the helper (pid $helper) is not running any more"
grep -q "pid $helper (bash) outlived the job" "$WORK/run.out" ||
    fail "run did not say the helper outlived the job: $(cat "$WORK/run.out")"

expect_verify 0 "$WORK/run.h5" "$WORK/report.json" --pubkey "$WORK/key.pub.pem"
expect_claim "$WORK/report.json" log.integrity pass
expect_claim "$WORK/report.json" log.complete pass
jcheck detail-contains "$WORK/report.json" log.complete "outlived the job" "pid $helper" ||
    fail "log.complete does not say which stream outlived the job"
"$PYTHON" - "$WORK/report.json" "$helper" <<'PY' || fail "the report does not show the helper's stream as outlived"
import json, sys
rep = json.load(open(sys.argv[1]))
out = [s for s in rep["streams"] if s["outlived"]]
assert int(sys.argv[2]) in [s["pid"] for s in out], rep["streams"]
assert not any(s["ended"] for s in out), rep["streams"]
assert all(s["ended"] for s in rep["streams"] if not s["outlived"]), rep["streams"]
PY
tp verify "$WORK/run.h5" --pubkey "$WORK/key.pub.pem" >"$WORK/report.txt" 2>&1 || true
grep -q "outlived the job" "$WORK/report.txt" || fail "the text report does not show the outlived stream"

for _ in $(seq 100); do [ -e "$WORK/late" ] && break; sleep 0.1; done
[ -e "$WORK/late" ] || fail "the helper did not start its late process"
[ ! -e "$WORK/run.h5.journal" ] || fail "a process the helper started after the log brought back $WORK/run.h5.journal"
grep -q "journal directory .* is gone" "$WORK/run.out" ||
    fail "the late process did not say it is not recorded: $(cat "$WORK/run.out")"
finish
