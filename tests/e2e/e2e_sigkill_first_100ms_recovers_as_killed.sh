#!/bin/bash
# e2e_sigkill_first_100ms_recovers_as_killed.sh: a job whose processes are
# SIGKILLed within their first 100 ms (a shell that forks a child and execs,
# killed with its wrapper) leaves streams that recover as killed: each
# stream's RunStart is signed as soon as it is written, so the streams keep
# it, and one caught between creating its journal and that first head (a
# loaded machine widens the window) is reported as killed before its first
# signed head. `trainprov recover` builds a log in which log.integrity and
# run.binding pass, and log.complete fails saying each stream was killed.
# Then a journal is cut back to its RunStart alone (a process killed before
# its first head): the recovered log keeps the stream, run.binding still
# passes and log.complete says it was killed before its first signed head;
# nothing reads like tampering.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
e2e_init
. "$E2E_DIR/preempt_lib.sh"

keygen key
LOG=$WORK/run.h5
setsid "$TRAINPROV" run --key "$WORK/key.pem" --log "$LOG" -- \
    /bin/sh -c 'sleep 30 & exec sleep 31' >"$LOG.out" 2>&1 &
WRAPPER=$!
# the first journal appears when the shell's logger starts (a loaded machine
# may take a while to get there); its streams are then at most ~100 ms old
for _ in $(seq 1000); do
    compgen -G "$LOG.journal/*.tpj" >/dev/null && break
    sleep 0.01
done
sleep 0.05
kill -KILL -- "-$WRAPPER" || die "could not kill process group $WRAPPER"
wait "$WRAPPER" 2>/dev/null || true
sleep 0.2
ls -la "$LOG.journal" || die "no journal directory after the kill"
cp -a "$LOG.journal" "$WORK/journal.copy"

no_tampering() {
    if grep -E -i 'tamper|truncated|not a RunStart|forged|another run' "$1"; then
        fail "$2: the report of a killed run reads like tampering"
    fi
}

st=0
tp recover "$LOG" >"$WORK/recover.out" 2>&1 || st=$?
cat "$WORK/recover.out"
[ "$st" -eq 0 ] || die "trainprov recover exited $st"
expect_verify 1 "$LOG" "$WORK/v.json" --pubkey "$WORK/key.pub.pem"
cat "$WORK/v.json.out"
expect_claim "$WORK/v.json" log.integrity pass
expect_claim "$WORK/v.json" run.binding pass
expect_claim "$WORK/v.json" log.complete fail
grep -q '^FAIL *log.complete .* was killed: it did not end' "$WORK/v.json.out" ||
    fail "log.complete does not say the streams were killed"
no_tampering "$WORK/v.json.out" "killed in the first 100 ms"
"$PYTHON" - "$WORK/v.json" <<'PY' || fail "a stream killed at once is not reported as killed, or none kept its signed RunStart"
import json, sys
doc = json.load(open(sys.argv[1]))
streams = doc["streams"]
print([(s["origin"], s["records"], s["heads"], s["ended"]) for s in streams])
complete = [c for c in doc["claims"] if c["id"] == "log.complete"][0]["detail"]
for s in streams:
    if not s["ended"]:
        assert "stream %s" % s["stream_id"] in complete, s
# the RunStart signed at once: streams killed young keep it
assert any(s["records"] >= 1 and s["heads"] >= 1 and not s["ended"] for s in streams)
PY

# One journal cut back to its RunStart frame: no head at all.
rm -rf "$LOG" "$LOG.journal"
mv "$WORK/journal.copy" "$LOG.journal"
"$PYTHON" - "$LOG.journal" <<'PY' || die "no journal with a signed RunStart to cut back"
import glob, struct, sys
for p in sorted(glob.glob(sys.argv[1] + "/*.tpj")):
    data = open(p, "rb").read()
    if len(data) < 16 or data[8] != 1:
        continue  # killed before its RunStart
    length = struct.unpack("<I", data[12:16])[0]
    if len(data) <= 16 + length:
        continue  # already nothing after its RunStart
    open(p, "wb").write(data[:16 + length])
    print("cut", p, "back to its RunStart")
    break
else:
    sys.exit(1)
PY
st=0
tp recover "$LOG" >"$WORK/recover2.out" 2>&1 || st=$?
cat "$WORK/recover2.out"
[ "$st" -eq 0 ] || die "trainprov recover of the cut journal exited $st"
expect_verify 1 "$LOG" "$WORK/v2.json" --pubkey "$WORK/key.pub.pem"
cat "$WORK/v2.json.out"
expect_claim "$WORK/v2.json" log.integrity pass
expect_claim "$WORK/v2.json" run.binding pass
grep -q '^FAIL *log.complete .* was killed before its first signed head' "$WORK/v2.json.out" ||
    fail "log.complete does not say the stream was killed before its first head"
no_tampering "$WORK/v2.json.out" "killed before the first head"
finish
