#!/bin/bash
# e2e_report_5000_files_renders_fast.sh: the report stays usable for a large
# log. A real run reads 5,000 data files and forks 450 children (451
# streams). `trainprov report` writes the page; headless Chromium renders it
# within 10 s; the data table holds all 5,000 rows (the first 100 open, the
# rest folded in <details>); the timeline accounts for every stream while
# drawing at most 400 lanes, and the page says which streams it aggregated
# and which marks it did not draw; the DOM's claims match `verify --json`.
# A measurement of the production build: skipped under ./test.sh --sanitize,
# whose HDF5 probe (runlog/h5log_read.c) spends over 10 s of system time
# under ASan reading a log this size and takes it for an endless loop (the
# production build reads it in about a second).
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
. "$E2E_DIR/report_lib.sh"
e2e_init h5py
report_init
case "${LD_PRELOAD:-}" in
*libasan*) skip "a timing of the production build (the ASan build's HDF5 probe is too slow for this log)" ;;
esac

keygen key
"$PYTHON" - "$WORK/data" <<'PY' || die "could not make the data files"
import os, sys
os.makedirs(sys.argv[1])
for i in range(5000):
    with open(os.path.join(sys.argv[1], "f%05d.bin" % i), "wb") as f:
        f.write(b"%d" % i * 16)
PY
cat >"$WORK/job.py" <<'PY'
import os, sys
d, forks = sys.argv[1], int(sys.argv[2])
names = sorted(os.listdir(d))
for n in names:
    with open(os.path.join(d, n), "rb") as f:
        f.read()
for k in range(forks):
    pid = os.fork()
    if pid == 0:
        with open(os.path.join(d, names[k]), "rb") as f:
            f.read()
        os._exit(0)
    os.waitpid(pid, 0)
PY
FORKS=450
STREAMS=$((FORKS + 1))
RUN_STATUS=0
tp run --key "$WORK/key.pem" --log "$WORK/run.h5" --data "$WORK/data/*" -- \
    "$PYTHON" "$WORK/job.py" "$WORK/data" "$FORKS" >"$WORK/run.h5.out" 2>&1 || RUN_STATUS=$?
expect_run_ok "$WORK/run.h5" "the job reading 5000 files in $STREAMS processes"

expect_verify 0 "$WORK/run.h5" "$WORK/run.json" --pubkey "$WORK/key.pub.pem"
start=$(date +%s%N)
expect_report 0 "$WORK/run.h5" "$WORK/report.html" --pubkey "$WORK/key.pub.pem"
note "trainprov report took $(( ($(date +%s%N) - start) / 1000000 )) ms," \
    "$(stat -c %s "$WORK/report.html") bytes"
rcheck time "$WORK/report.html" 10 || fail "Chromium did not render 5000 file rows within 10 s"
rcheck dom "$WORK/report.html" "$WORK/run.json" "$WORK/run.h5" ||
    fail "the rendered DOM does not match verify --json and the log's streams"
rows=$(grep -c '^<tr class="file">' "$WORK/report.html")
[ "$rows" -ge 5000 ] || fail "the data table has $rows rows, expected 5000 (and the forks' reads)"
grep -q '<details class="more"><summary>[0-9]* more rows</summary>' "$WORK/report.html" ||
    fail "the long table is not folded"
grep -q "<p class=\"lanes\" data-streams=\"$STREAMS\" data-lanes=\"[0-9]*\">" "$WORK/report.html" ||
    fail "the timeline does not account for the $STREAMS streams"
lanes=$(grep -c '^<g class="lane' "$WORK/report.html")
[ "$lanes" -le 400 ] || fail "the timeline draws $lanes lanes, more than 400"
grep -q 'more are aggregated into lanes of their group' "$WORK/report.html" ||
    fail "the page does not say it aggregated streams"
grep -q 'marks are not drawn (at most 400 reads and heads per lane)' "$WORK/report.html" ||
    fail "the page does not say it left marks out"
ok "5000 file rows and $STREAMS streams: rendered within 10 s, bounded, and it says so"
finish
