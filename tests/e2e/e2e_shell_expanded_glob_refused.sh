#!/bin/bash
# e2e_shell_expanded_glob_refused.sh: an unquoted --data glob that the shell
# expanded into several files is refused (exit 2) with a message saying how
# many files and the quoted glob to write, and the job never runs: with the
# command after "--" and without it. A quoted glob runs.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
e2e_init
keygen key
mkdir -p "$WORK/data"
for n in a b c; do head -c 100 /dev/urandom >"$WORK/data/$n.bin"; done

# refused NAME ARGS...: trainprov run ARGS exits 2, says the shell expanded
# the glob, names the quoted glob, runs nothing and leaves no log or journals.
refused() {
    local name=$1
    shift
    local rc=0
    rm -f "$WORK/ran"
    (cd "$WORK" && tp run --key "$WORK/key.pem" --log "$WORK/$name.h5" "$@") >"$WORK/$name.out" 2>&1 || rc=$?
    if [ "$rc" -ne 2 ]; then
        fail "[$name] exit $rc, expected 2: $(cat "$WORK/$name.out")"
    elif ! grep -q "the shell expanded the glob into 3 files" "$WORK/$name.out" ||
        ! grep -qF "quote it: --data 'data/*.bin'" "$WORK/$name.out"; then
        fail "[$name] unclear message: $(cat "$WORK/$name.out")"
    else
        ok "[$name] $(cat "$WORK/$name.out")"
    fi
    [ ! -e "$WORK/ran" ] || fail "[$name] the job ran"
    [ ! -e "$WORK/$name.h5" ] && [ ! -e "$WORK/$name.h5.journal" ] || fail "[$name] left a log or journals"
}
cd "$WORK"
# what `--data data/*.bin -- touch ran` becomes once the shell expanded it
refused dashdash --data data/*.bin -- touch "$WORK/ran"
refused no_dashdash --data data/*.bin touch "$WORK/ran"
grep -q "if data/b.bin is the command, put -- before it" "$WORK/no_dashdash.out" ||
    fail "[no_dashdash] the message does not say how to run data/b.bin as a command"

rc=0
tp run --key "$WORK/key.pem" --log "$WORK/quoted.h5" --data 'data/*.bin' -- touch "$WORK/ran" \
    >"$WORK/quoted.out" 2>&1 || rc=$?
[ "$rc" -eq 0 ] && [ -e "$WORK/ran" ] && [ -f "$WORK/quoted.h5" ] ||
    fail "the quoted glob did not run (exit $rc): $(cat "$WORK/quoted.out")"
finish
