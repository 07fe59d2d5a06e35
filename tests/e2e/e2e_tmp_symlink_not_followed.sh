#!/bin/bash
# e2e_tmp_symlink_not_followed.sh: a symbolic link planted where the log or
# its temporary file will be created is never written through. RUN.h5.tmp ->
# victim: `trainprov run` replaces the link, writes its log and exits 0, and
# the victim is unchanged; the same for `trainprov recover`. RUN.h5 ->
# victim with --force: the link itself is replaced by the log.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
e2e_init

keygen key
printf 'precious\n' >"$WORK/victim"
want=$(sha256 "$WORK/victim")

# victim_intact WHAT: the victim still holds its bytes.
victim_intact() {
    if [ "$(sha256 "$WORK/victim")" = "$want" ]; then
        ok "[$1] the victim is unchanged"
    else
        fail "[$1] the victim was written through the planted link"
    fi
}

# run: RUN.h5.tmp planted as a link to the victim.
ln -s "$WORK/victim" "$WORK/run.h5.tmp"
st=0
tp run --key "$WORK/key.pem" --log "$WORK/run.h5" -- sh -c 'echo job' >"$WORK/run.out" 2>&1 || st=$?
[ "$st" -eq 0 ] || { sed 's/^/    /' "$WORK/run.out" >&2; fail "[run] exited $st, expected 0"; }
[ -f "$WORK/run.h5" ] && [ ! -L "$WORK/run.h5" ] || fail "[run] no log written at $WORK/run.h5"
[ ! -e "$WORK/run.h5.tmp" ] && [ ! -L "$WORK/run.h5.tmp" ] || fail "[run] run.h5.tmp is left behind"
victim_intact run
expect_verify 0 "$WORK/run.h5" "$WORK/run.json" --pubkey "$WORK/key.pub.pem"
expect_claim "$WORK/run.json" log.integrity pass

# run --force: RUN.h5 itself a link to the victim.
ln -s "$WORK/victim" "$WORK/forced.h5"
st=0
tp run --key "$WORK/key.pem" --log "$WORK/forced.h5" --force -- sh -c 'echo job' \
    >"$WORK/forced.out" 2>&1 || st=$?
[ "$st" -eq 0 ] || { sed 's/^/    /' "$WORK/forced.out" >&2; fail "[force] exited $st, expected 0"; }
[ -f "$WORK/forced.h5" ] && [ ! -L "$WORK/forced.h5" ] || fail "[force] the link at forced.h5 was not replaced by the log"
victim_intact force

# recover: a run whose wrapper was killed leaves its journals; plant the link.
st=0
tp run --key "$WORK/key.pem" --log "$WORK/killed.h5" -- sh -c 'kill -KILL $PPID; sleep 0.5' \
    >"$WORK/killed.out" 2>&1 || st=$?
[ "$st" -eq 137 ] || fail "[recover] the wrapper was not killed (exit $st)"
sleep 2 # the orphaned job (0.5 s) has ended and sealed its journals
ls "$WORK/killed.h5.journal/"*.tpj >/dev/null 2>&1 || die "[recover] the killed run left no journals"
ln -s "$WORK/victim" "$WORK/killed.h5.tmp"
st=0
tp recover "$WORK/killed.h5" >"$WORK/recover.out" 2>&1 || st=$?
[ "$st" -eq 0 ] || { sed 's/^/    /' "$WORK/recover.out" >&2; fail "[recover] exited $st, expected 0"; }
[ -f "$WORK/killed.h5" ] && [ ! -L "$WORK/killed.h5" ] || fail "[recover] no log written"
[ ! -e "$WORK/killed.h5.journal" ] || fail "[recover] the journal directory was not removed"
victim_intact recover
finish
