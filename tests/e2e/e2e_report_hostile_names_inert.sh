#!/bin/bash
# e2e_report_hostile_names_inert.sh: everything in a log is the job's, so the
# report page treats it as text. A real run reads data files whose names
# carry markup (<script>, an <img onerror>, an <svg onload>, quotes, &),
# control characters, invalid UTF-8 and a bidirectional override, and writes
# a checkpoint named like them. Rendered by headless Chromium, the page has no
# element or attribute the names could have injected, shows each name as
# text (the invalid bytes and controls as visible \xNN), and fetches
# nothing. Bad input exits 2 and leaves no file: a file that is not a log, a
# damaged log, an output directory that does not exist, an output that would
# replace the log, a FIFO as an input, missing -o or --pubkey.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
. "$E2E_DIR/report_lib.sh"
e2e_init h5py
report_init

keygen key
mkdir -p "$WORK/data" "$WORK/out"
"$PYTHON" - "$WORK/data" <<'PY' || die "could not make the hostile files"
import os, sys
names = [b'shard_"><script>alert(1)<img src=x onerror=alert(2)>.bin',
         b"shard_<svg onload=alert(3)>&amp;'.bin",
         b"shard_\x01\x1b[31mred\x7f.bin",
         b"shard_\xff\xfe.bin",
         "shard_\u202egnp.exe".encode()]
for k, n in enumerate(names):
    with open(os.path.join(sys.argv[1].encode(), n), "wb") as f:
        f.write(bytes([k]) * (1000 + k))
PY
cat >"$WORK/job.py" <<'PY'
import os, sys
d = sys.argv[1].encode()
for n in sorted(os.listdir(d)):
    with open(os.path.join(d, n), "rb") as f:
        f.read()
with open(os.path.join(sys.argv[2].encode(), b'ckpt_"><script>x.pt'), "wb") as f:
    f.write(b"not really a checkpoint" * 10)
PY
RUN_STATUS=0
tp run --key "$WORK/key.pem" --log "$WORK/run.h5" --data "$WORK/data/shard_*" \
    --checkpoint "$WORK/out/ckpt_*" -- "$PYTHON" "$WORK/job.py" "$WORK/data" "$WORK/out" \
    >"$WORK/run.h5.out" 2>&1 || RUN_STATUS=$?
expect_run_ok "$WORK/run.h5" "the job reading hostile file names"

verify "$WORK/run.h5" "$WORK/run.json" --pubkey "$WORK/key.pub.pem"
expect_report "$VERIFY_STATUS" "$WORK/run.h5" "$WORK/report.html" --pubkey "$WORK/key.pub.pem"
expect_page "$WORK/report.html" "$WORK/run.json" "$WORK/run.h5"
for shown in "shard_\"><script>alert(1)<img src=x onerror=alert(2)>.bin" \
    "shard_<svg onload=alert(3)>&amp;'.bin" 'shard_\x01\x1b[31mred\x7f.bin' \
    'shard_\xff\xfe.bin' 'shard_\u202egnp.exe' "ckpt_\"><script>x.pt"; do
    rcheck text "$WORK/report.html" "$WORK/data/$shown" ||
        rcheck text "$WORK/report.html" "$WORK/out/$shown" ||
        fail "the page does not show $shown as text"
done
grep -q '<script' "$WORK/report.html" && fail "the page's source holds a <script"
ok "hostile names are shown as text and inject nothing"

# Bad input: exit 2, no page, no temporary file left.
no_page() {
    local what=$1 html=$2
    [ "$REPORT_STATUS" -eq 2 ] || fail "$what: report exited $REPORT_STATUS, expected 2"
    [ -e "$html" ] && fail "$what: a page was written to $html"
    ls "$(dirname "$html")" | grep -q '\.tmp\.' && fail "$what: a temporary file was left"
    return 0
}
echo "not a log" >"$WORK/text.h5"
report "$WORK/text.h5" "$WORK/bad1.html" --pubkey "$WORK/key.pub.pem"
no_page "a file that is not a log" "$WORK/bad1.html"
grep -q "$WORK/text.h5" "$WORK/bad1.html.out" || fail "the error does not name the file"
"$PYTHON" -c 'import sys; d = open(sys.argv[1], "rb").read(); open(sys.argv[2], "wb").write(d[:len(d) // 3])' \
    "$WORK/run.h5" "$WORK/cut.h5"
report "$WORK/cut.h5" "$WORK/bad2.html" --pubkey "$WORK/key.pub.pem"
no_page "a damaged log" "$WORK/bad2.html"
st=0; tp report "$WORK/run.h5" -o "$WORK/nodir/r.html" --pubkey "$WORK/key.pub.pem" \
    >"$WORK/nodir.out" 2>&1 || st=$?
[ "$st" -eq 2 ] || fail "an output in a missing directory exited $st"
cp "$WORK/run.h5" "$WORK/keep.h5"
report "$WORK/run.h5" "$WORK/run.h5" --pubkey "$WORK/key.pub.pem"
[ "$REPORT_STATUS" -eq 2 ] || fail "an output replacing the log exited $REPORT_STATUS"
cmp -s "$WORK/run.h5" "$WORK/keep.h5" || fail "the log was replaced by its report"
mkfifo "$WORK/fifo"
report "$WORK/run.h5" "$WORK/bad3.html" --pubkey "$WORK/key.pub.pem" --model "$WORK/fifo"
no_page "a FIFO as --model" "$WORK/bad3.html"
st=0; tp report "$WORK/run.h5" --pubkey "$WORK/key.pub.pem" >/dev/null 2>&1 || st=$?
[ "$st" -eq 2 ] || fail "report without -o exited $st"
st=0; tp report "$WORK/run.h5" -o "$WORK/bad4.html" >/dev/null 2>&1 || st=$?
[ "$st" -eq 2 ] || fail "report without --pubkey exited $st"
st=0; tp report --help >"$WORK/help.out" 2>&1 || st=$?
[ "$st" -eq 0 ] && grep -q -- '--max-work' "$WORK/help.out" && grep -q -- '--chain' "$WORK/help.out" ||
    fail "report --help does not list the verify options"
ok "bad input exits 2 and leaves no page"
finish
