#!/bin/bash
# e2e_mpi_planted_journal_dir.sh: under mpirun the ranks share RUN.h5.journal,
# so an existing one is accepted only when it is a real directory of this
# user with mode 0700. Planted beforehand as a symbolic link (to a directory
# the attacker reads), as a world-writable directory, or (as root) as a
# directory owned by another user, it is refused: every wrapper exits 2
# naming it, the job never runs, nothing is written through the link.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
e2e_init
. "$E2E_DIR/mpi_lib.sh"
mpi_init

keygen key
MARK=$WORK/marker

# planted NAME NAMES: mpirun -np 2 trainprov run on $WORK/run.h5 must fail
# with a message naming NAMES and the journal directory, without running.
planted() {
    local name=$1 names=$2 st=0
    rm -f "$MARK"
    timeout -k 10 120 mpirun -np 2 "$TRAINPROV" run --key "$WORK/key.pem" --log "$WORK/run.h5" -- \
        sh -c ': >"$1"' sh "$MARK" >"$WORK/$name.out" 2>&1 || st=$?
    if [ "$st" -ne 0 ] && grep -qF -- "$names" "$WORK/$name.out" &&
        grep -qF -- "$WORK/run.h5.journal" "$WORK/$name.out"; then
        ok "[$name] refused: $(grep -m1 "run.h5.journal" "$WORK/$name.out")"
    else
        sed 's/^/    /' "$WORK/$name.out" >&2
        fail "[$name] mpirun exited $st (expected a refusal naming $names)"
    fi
    [ ! -e "$MARK" ] || fail "[$name] the job ran in a planted journal directory"
    [ ! -e "$WORK/run.h5" ] || fail "[$name] a log was written"
}

mkdir -m 0700 "$WORK/attacker"
ln -s "$WORK/attacker" "$WORK/run.h5.journal"
planted symlink "symbolic link"
[ -z "$(ls -A "$WORK/attacker")" ] || fail "[symlink] files were created through the link: $(ls -A "$WORK/attacker")"
rm "$WORK/run.h5.journal"

mkdir "$WORK/run.h5.journal"
chmod 0777 "$WORK/run.h5.journal"
planted world-writable "open to group or others"
rmdir "$WORK/run.h5.journal"

if [ "$(id -u)" -eq 0 ]; then
    mkdir -m 0700 "$WORK/run.h5.journal"
    chown 65534 "$WORK/run.h5.journal"
    planted other-user "belongs to another user"
    rmdir "$WORK/run.h5.journal"
else
    note "not root: cannot plant a directory of another user, that case is not tested"
fi

# Without the planted directory the same run works.
rm -f "$MARK"
st=0
timeout -k 10 120 mpirun -np 2 "$TRAINPROV" run --key "$WORK/key.pem" --log "$WORK/run.h5" -- \
    sh -c ': >"$1"' sh "$MARK" >"$WORK/clean.out" 2>&1 || st=$?
[ "$st" -eq 0 ] && [ -f "$WORK/run.h5" ] && [ -e "$MARK" ] ||
    { sed 's/^/    /' "$WORK/clean.out" >&2; fail "[clean] mpirun exited $st without the planted directory"; }
finish
