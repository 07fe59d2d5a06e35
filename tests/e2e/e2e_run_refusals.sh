#!/bin/bash
# e2e_run_refusals.sh: `trainprov run` stops before the command starts (exit
# 2, a message naming what to fix, the command never runs) with a missing
# key, a group/world-readable key, or a log path that cannot be written; and
# otherwise exits with the command's own exit status. The settings also work
# as environment variables (TRAINPROV_KEY, TRAINPROV_LOG). Also: keygen
# writes the private key with mode 0600 and never overwrites one.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
e2e_init

keygen key
MARK=$WORK/marker

# keygen: the private key is mode 0600 whatever the umask, and is never overwritten.
mode=$(stat -c %a "$WORK/key.pem")
[ "$mode" = 600 ] || fail "[keygen] $WORK/key.pem has mode $mode, expected 600"
( umask 000 && tp keygen -o "$WORK/loose.pem" >/dev/null 2>&1 ) || fail "[keygen] keygen under umask 000 failed"
mode=$(stat -c %a "$WORK/loose.pem" 2>/dev/null || echo missing)
[ "$mode" = 600 ] || fail "[keygen] under umask 000 the private key has mode $mode, expected 600"
before=$(sha256 "$WORK/key.pem")
st=0
tp keygen -o "$WORK/key.pem" >"$WORK/keygen-again.out" 2>&1 || st=$?
[ "$st" -ne 0 ] || fail "[keygen] keygen over an existing key exited 0"
[ "$(sha256 "$WORK/key.pem")" = "$before" ] || fail "[keygen] keygen overwrote an existing private key"
[ "$st" -ne 0 ] && ok "[keygen] mode 600; refuses to overwrite: $(head -n 1 "$WORK/keygen-again.out")"

# refused NAME WHAT-THE-MESSAGE-NAMES ARGS...: trainprov ARGS must exit 2,
# print a message naming WHAT, and not run the command (which would touch $MARK).
refused() {
    local name=$1 names=$2
    shift 2
    rm -f "$MARK"
    local st=0
    "$@" >"$WORK/$name.out" 2>&1 || st=$?
    if [ "$st" -ne 2 ]; then
        sed 's/^/    /' "$WORK/$name.out" >&2
        fail "[$name] exited $st, expected 2"
    fi
    if [ -e "$MARK" ]; then
        fail "[$name] the command ran although trainprov refused"
    fi
    if ! grep -qF -- "$names" "$WORK/$name.out"; then
        sed 's/^/    /' "$WORK/$name.out" >&2
        fail "[$name] the message does not name $names"
    fi
    [ "$st" -eq 2 ] && [ ! -e "$MARK" ] && ok "[$name] refused: $(head -n 1 "$WORK/$name.out")"
    return 0
}

CMD=(sh -c ': >"$1"' sh "$MARK")

refused missing-key "$WORK/nokey.pem" \
    tp run --key "$WORK/nokey.pem" --log "$WORK/r1.h5" -- "${CMD[@]}"
[ ! -e "$WORK/r1.h5" ] || fail "[missing-key] a log was written"

cp "$WORK/key.pem" "$WORK/open.pem"
chmod 0644 "$WORK/open.pem"
refused key-mode-0644 "$WORK/open.pem" \
    tp run --key "$WORK/open.pem" --log "$WORK/r2.h5" -- "${CMD[@]}"

chmod 0640 "$WORK/open.pem"
refused key-mode-0640 "$WORK/open.pem" \
    tp run --key "$WORK/open.pem" --log "$WORK/r3.h5" -- "${CMD[@]}"

printf 'not a key\n' >"$WORK/garbage.pem"
chmod 0600 "$WORK/garbage.pem"
refused not-a-key "$WORK/garbage.pem" \
    tp run --key "$WORK/garbage.pem" --log "$WORK/r4.h5" -- "${CMD[@]}"

# Log paths that cannot be written.
refused log-dir-missing "$WORK/no/such/dir" \
    tp run --key "$WORK/key.pem" --log "$WORK/no/such/dir/run.h5" -- "${CMD[@]}"
: >"$WORK/a-file"
refused log-dir-is-a-file "$WORK/a-file" \
    tp run --key "$WORK/key.pem" --log "$WORK/a-file/run.h5" -- "${CMD[@]}"
if [ "$(id -u)" -ne 0 ]; then
    mkdir "$WORK/readonly"
    chmod 0555 "$WORK/readonly"
    refused log-dir-read-only "$WORK/readonly" \
        tp run --key "$WORK/key.pem" --log "$WORK/readonly/run.h5" -- "${CMD[@]}"
    chmod 0755 "$WORK/readonly"
else
    note "running as root: a mode 0555 directory is writable, that case is skipped"
fi

# The same refusal through the environment.
refused env-missing-key "$WORK/nokey.pem" \
    env TRAINPROV_KEY="$WORK/nokey.pem" TRAINPROV_LOG="$WORK/r5.h5" timeout -k 10 300 "$TRAINPROV" run -- "${CMD[@]}"

# The command's own exit status.
for want in 0 3 42; do
    st=0
    tp run --key "$WORK/key.pem" --log "$WORK/exit$want.h5" -- sh -c "exit $want" \
        >"$WORK/exit$want.out" 2>&1 || st=$?
    if [ "$st" -ne "$want" ]; then
        sed 's/^/    /' "$WORK/exit$want.out" >&2
        fail "[exit-status] trainprov run -- sh -c 'exit $want' exited $st"
    else
        ok "[exit-status] sh -c 'exit $want' -> $st"
    fi
    [ -f "$WORK/exit$want.h5" ] || fail "[exit-status] no log $WORK/exit$want.h5 for exit $want"
done

# Killed by a signal: the shell convention 128 + signal.
st=0
tp run --key "$WORK/key.pem" --log "$WORK/sig.h5" -- sh -c 'kill -TERM $$' \
    >"$WORK/sig.out" 2>&1 || st=$?
if [ "$st" -eq 143 ]; then
    ok "[exit-status] sh killed by SIGTERM -> $st"
else
    fail "[exit-status] a command killed by SIGTERM: trainprov run exited $st, expected 143"
fi

# A command that cannot be executed.
st=0
tp run --key "$WORK/key.pem" --log "$WORK/noexec.h5" -- "$WORK/no-such-program" \
    >"$WORK/noexec.out" 2>&1 || st=$?
[ "$st" -ne 0 ] || fail "[exit-status] trainprov run of a missing program exited 0"
grep -qF "no-such-program" "$WORK/noexec.out" || fail "[exit-status] the message does not name the missing program"
[ "$st" -ne 0 ] && ok "[exit-status] a missing program -> $st: $(head -n 1 "$WORK/noexec.out")"

# Settings through the environment: the command runs and the log verifies.
st=0
TRAINPROV_KEY="$WORK/key.pem" TRAINPROV_LOG="$WORK/env.h5" tp run -- "${CMD[@]}" \
    >"$WORK/env.out" 2>&1 || st=$?
[ "$st" -eq 0 ] || { sed 's/^/    /' "$WORK/env.out" >&2; fail "[env] TRAINPROV_KEY/TRAINPROV_LOG run exited $st"; }
[ -e "$MARK" ] || fail "[env] the command did not run"
[ -f "$WORK/env.h5" ] || fail "[env] no log at \$TRAINPROV_LOG=$WORK/env.h5"
if [ -f "$WORK/env.h5" ]; then
    expect_verify 0 "$WORK/env.h5" "$WORK/env.json" --pubkey "$WORK/key.pub.pem"
    [ "$VERIFY_STATUS" -eq 0 ] && ok "[env] settings from TRAINPROV_KEY/TRAINPROV_LOG: ran, log verifies"
fi

finish
