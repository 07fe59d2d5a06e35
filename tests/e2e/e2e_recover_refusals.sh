#!/bin/bash
# e2e_recover_refusals.sh: `trainprov recover` refuses, with exit 2 and a
# message naming the culprit, and without writing a log or removing any
# journal: a FIFO in the journal directory (within seconds: it is never
# opened, so it cannot hang recover), a journal of another run, and a
# journal directory that is a symbolic link. Once the culprit is gone the
# same journals recover.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
e2e_init

keygen key
keygen other

# killed_run LOG KEY: a run whose wrapper was killed, leaving its journals.
killed_run() {
    local st=0
    tp run --key "$2" --log "$1" -- sh -c 'kill -KILL $PPID; sleep 0.5' >"$1.out" 2>&1 || st=$?
    [ "$st" -eq 137 ] || die "the wrapper of $1 was not killed (exit $st)"
    sleep 2 # the orphaned job (0.5 s) has ended and sealed its journals
    ls "$1.journal/"*.tpj >/dev/null 2>&1 || die "the killed run $1 left no journals"
}

# refused LOG NAMES WHAT: recover LOG exits 2 within 20 s naming NAMES,
# writes no log and removes no journal.
refused() {
    local log=$1 names=$2 what=$3 before after st=0
    before=$(ls "$log.journal/" | sort | tr '\n' ' ')
    timeout -k 5 20 "$TRAINPROV" recover "$log" >"$log.$what.out" 2>&1 || st=$?
    [ "$st" -ne 124 ] && [ "$st" -ne 137 ] || fail "[$what] recover hung (killed after 20 s)"
    if [ "$st" -eq 2 ] && grep -qF -- "$names" "$log.$what.out"; then
        ok "[$what] refused: $(head -n 1 "$log.$what.out")"
    else
        sed 's/^/    /' "$log.$what.out" >&2
        fail "[$what] recover exited $st (expected 2 naming $names)"
    fi
    [ ! -e "$log" ] || fail "[$what] recover wrote $log"
    after=$(ls "$log.journal/" 2>/dev/null | sort | tr '\n' ' ')
    [ "$before" = "$after" ] || fail "[$what] recover changed the journal directory ($before -> $after)"
}

killed_run "$WORK/a.h5" "$WORK/key.pem"

# A FIFO named like a journal, then one with any other name.
mkfifo "$WORK/a.h5.journal/00000000deadbeef.tpj"
refused "$WORK/a.h5" "00000000deadbeef.tpj" fifo-journal
rm "$WORK/a.h5.journal/00000000deadbeef.tpj"
mkfifo "$WORK/a.h5.journal/pipe"
refused "$WORK/a.h5" "a.h5.journal/pipe" fifo
rm "$WORK/a.h5.journal/pipe"
ln -s /etc/passwd "$WORK/a.h5.journal/0000000000000001.tpj"
refused "$WORK/a.h5" "symbolic link" symlink-journal
rm "$WORK/a.h5.journal/0000000000000001.tpj"

# A journal of another run (another run id and key) slipped in.
killed_run "$WORK/b.h5" "$WORK/other.pem"
FOREIGN=()
for j in "$WORK/b.h5.journal/"*.tpj; do
    cp "$j" "$WORK/a.h5.journal/"
    FOREIGN+=("$WORK/a.h5.journal/$(basename "$j")")
done
refused "$WORK/a.h5" "another run" other-run
rm "${FOREIGN[@]}"

# The journal directory itself a symbolic link.
mv "$WORK/a.h5.journal" "$WORK/real.journal"
ln -s "$WORK/real.journal" "$WORK/a.h5.journal"
st=0
tp recover "$WORK/a.h5" >"$WORK/link.out" 2>&1 || st=$?
if [ "$st" -eq 2 ] && grep -q "symbolic link" "$WORK/link.out"; then
    ok "[dir-symlink] refused: $(head -n 1 "$WORK/link.out")"
else
    sed 's/^/    /' "$WORK/link.out" >&2
    fail "[dir-symlink] recover exited $st (expected 2, 'symbolic link')"
fi
[ -n "$(ls "$WORK/real.journal/")" ] || fail "[dir-symlink] journals were removed through the link"
rm "$WORK/a.h5.journal"
mv "$WORK/real.journal" "$WORK/a.h5.journal"

# With the culprits gone, the journals recover.
st=0
tp recover "$WORK/a.h5" >"$WORK/final.out" 2>&1 || st=$?
[ "$st" -eq 0 ] && [ -f "$WORK/a.h5" ] ||
    { sed 's/^/    /' "$WORK/final.out" >&2; fail "[clean] recover exited $st after the culprits were removed"; }
[ ! -e "$WORK/a.h5.journal" ] || fail "[clean] the journal directory is left behind"
finish
