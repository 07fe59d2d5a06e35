#!/bin/bash
# e2e_progress_only_on_a_terminal.sh: long work shows progress on a terminal
# and nowhere else (issue 10 item 3). `trainprov verify` of a run that
# initialised 100 million elements through trainprov.torch (regenerating them
# takes seconds: real work, no knob) draws its progress line on stderr when
# stderr is a pseudo-terminal, and erases it at the end; with --json (to
# stdout or a file), with --quiet, and with stderr in a file, no progress byte
# ('\r', the line's text) appears anywhere; stdout and the JSON report are
# byte-identical with and without the terminal. A short `recover` on a
# terminal draws nothing (only work that takes over a second does).
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
e2e_init torch

keygen key
export PYTHONPATH=${TRAINPROV_PYTHONDIR:-}
# on_tty TTY_BYTES STDOUT CMD...: CMD with stderr on a pseudo-terminal (on_tty.py), bounded in time
on_tty() { timeout -k 10 "${E2E_TIMEOUT:-300}" "$PYTHON" "$E2E_DIR/on_tty.py" "$@"; }
LOG=$WORK/big.h5
ELEMENTS=100000000

# The job: one bfloat16 tensor of ELEMENTS filled by trainprov's initialiser.
cat >"$WORK/big_init.py" <<'PY'
import sys
import torch
import trainprov.torch as tt
t = torch.empty(int(sys.argv[1]), dtype=torch.bfloat16)
tt.init_tensor_(t, "big.weight", "normal", seed=7, mean=0.0, std=0.02)
PY
tp run --key "$WORK/key.pem" --log "$LOG" -- "$PYTHON" "$WORK/big_init.py" "$ELEMENTS" \
    >"$WORK/run.out" 2>&1 || die "trainprov run of the init job failed: $(tail -n 20 "$WORK/run.out")"

# no_progress WHAT FILE...: none of the files holds a '\r' or the line's text.
no_progress() {
    local what=$1 f
    shift
    for f in "$@"; do
        if grep -q $'\r' "$f" || grep -q "regenerating init tensors" "$f"; then
            fail "$what: progress in $(basename "$f"): $(head -c 300 "$f" | cat -A)"
            return
        fi
    done
    ok "$what: no progress anywhere"
}

PUB=(--pubkey "$WORK/key.pub.pem")

# On a terminal: the line appears, is redrawn in place, and is erased.
st=0
on_tty "$WORK/tty.bytes" "$WORK/tty.stdout" "$TRAINPROV" verify "$LOG" "${PUB[@]}" || st=$?
[ "$st" -eq 0 ] || fail "verify on a terminal exited $st (expected 0)"
"$PYTHON" - "$WORK/tty.bytes" "$ELEMENTS" <<'PY' || fail "verify showed no proper progress line on the terminal: $(head -c 600 "$WORK/tty.bytes" | cat -A)"
import re, sys
got = open(sys.argv[1], "rb").read().decode()
lines = got.split("\r")
drawn = [l for l in lines if l.strip()]
assert drawn, "nothing drawn"
assert all(re.match(r"verify: regenerating init tensors [0-9.]+M/100\.0M elements", l.strip())
           for l in drawn), drawn
assert all(len(l) <= 79 for l in lines), "a line wider than the terminal"
# it ends erased: '\r', blanks as wide as the last line, '\r'
assert got.endswith("\r") and lines[-2] == " " * len(lines[-2]) and \
    len(lines[-2]) >= len(drawn[-1].rstrip()), repr(got[-200:])
print("progress lines:", len(drawn), "last:", drawn[-1].strip())
PY
grep -q "init.random" "$WORK/tty.stdout" || fail "verify on a terminal printed no report on stdout"
no_progress "verify on a terminal, its stdout" "$WORK/tty.stdout"

# stderr in a file: nothing, and the same stdout.
st=0
tp verify "$LOG" "${PUB[@]}" >"$WORK/plain.stdout" 2>"$WORK/plain.stderr" || st=$?
[ "$st" -eq 0 ] || fail "verify with stderr in a file exited $st"
no_progress "verify, stderr in a file" "$WORK/plain.stdout" "$WORK/plain.stderr"
cmp -s "$WORK/tty.stdout" "$WORK/plain.stdout" ||
    fail "verify's stdout differs with and without a terminal: $(diff "$WORK/tty.stdout" "$WORK/plain.stdout" | head -n 5)"

# --json -, --json FILE and --quiet on a terminal: no progress, same JSON.
on_tty "$WORK/json.bytes" "$WORK/json.stdout" "$TRAINPROV" verify "$LOG" "${PUB[@]}" --json - ||
    fail "verify --json - on a terminal failed"
no_progress "verify --json - on a terminal" "$WORK/json.bytes" "$WORK/json.stdout"
tp verify "$LOG" "${PUB[@]}" --json - >"$WORK/json-plain.stdout" 2>"$WORK/json-plain.stderr" ||
    fail "verify --json - failed"
cmp -s "$WORK/json.stdout" "$WORK/json-plain.stdout" ||
    fail "verify --json - differs with and without a terminal"
on_tty "$WORK/jfile.bytes" "$WORK/jfile.stdout" "$TRAINPROV" verify "$LOG" "${PUB[@]}" \
    --json "$WORK/report.json" || fail "verify --json FILE on a terminal failed"
no_progress "verify --json FILE on a terminal" "$WORK/jfile.bytes" "$WORK/jfile.stdout" "$WORK/report.json"
cmp -s "$WORK/report.json" "$WORK/json-plain.stdout" ||
    fail "verify --json FILE on a terminal differs from --json - without one"
on_tty "$WORK/quiet.bytes" - "$TRAINPROV" verify "$LOG" "${PUB[@]}" --quiet ||
    fail "verify --quiet on a terminal failed"
no_progress "verify --quiet on a terminal (stdout there too)" "$WORK/quiet.bytes"
[ -s "$WORK/quiet.bytes" ] && fail "verify --quiet wrote to the terminal: $(cat -A "$WORK/quiet.bytes" | head -c 300)"

# A short recover on a terminal draws nothing; its stdout is the same as without.
killed_run() {
    mkdir -p "$1"
    st=0
    (cd "$1" && tp run --key "$WORK/key.pem" --log run.h5 -- sh -c 'kill -KILL $PPID; sleep 0.5' \
        >run.out 2>&1) || st=$?
    [ "$st" -eq 137 ] || die "the wrapper in $1 was not killed (exit $st)"
}
killed_run "$WORK/a"
sleep 2 # the orphaned job (0.5 s) has ended and sealed its journals
cp -a "$WORK/a" "$WORK/b"
(cd "$WORK/a" && on_tty "$WORK/recover.bytes" "$WORK/recover.stdout" "$TRAINPROV" recover run.h5) ||
    fail "recover on a terminal failed: $(cat -A "$WORK/recover.bytes" | head -c 300)"
(cd "$WORK/b" && tp recover run.h5 >"$WORK/recover-plain.stdout" 2>"$WORK/recover-plain.stderr") ||
    fail "recover failed: $(cat "$WORK/recover-plain.stderr")"
no_progress "a short recover on a terminal" "$WORK/recover.bytes" "$WORK/recover.stdout"
[ -s "$WORK/recover.bytes" ] && fail "a short recover drew on the terminal: $(cat -A "$WORK/recover.bytes" | head -c 300)"
cmp -s "$WORK/recover.stdout" "$WORK/recover-plain.stdout" ||
    fail "recover's stdout differs with and without a terminal"
finish
