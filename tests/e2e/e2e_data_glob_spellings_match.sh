#!/bin/bash
# e2e_data_glob_spellings_match.sh: a --data glob means what it says however
# it is spelled: relative with '..', through a symbolically linked directory,
# a plain directory (everything below it, hidden directories included) and
# '**' (any number of directories) each make the files they name data in the
# log (the logger records canonical paths; run resolves the glob the same
# way), and nothing else. RunStart signs the resolved form. The same
# spellings before this change matched nothing.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
e2e_init
keygen key
D=$WORK/store/data
mkdir -p "$D/sub/deep" "$D/.cache" "$WORK/cwd/inner"
for f in "$D/a.bin" "$D/sub/b.bin" "$D/sub/deep/c.bin" "$D/.cache/d.bin" "$WORK/other.bin"; do
    head -c 4096 /dev/urandom >"$f"
done
ln -s store/data "$WORK/link"
ln -s store/data/sub/b.bin "$WORK/b_link.bin"
READ='import sys
for p in sys.argv[1:]:
    open(p, "rb").read()'

# spelling NAME GLOB DATA_FILES...: run (from $WORK/cwd/inner) a job reading
# every file with --data GLOB; exactly DATA_FILES (names under $D) are data.
# verify exits VSTATUS (default 0).
spelling() {
    local name=$1 glob=$2
    shift 2
    local rc=0
    (cd "$WORK/cwd/inner" && tp run --key "$WORK/key.pem" --log "$WORK/$name.h5" --data "$glob" -- \
        "$PYTHON" -c "$READ" "$D/a.bin" "$D/sub/b.bin" "$D/sub/deep/c.bin" "$D/.cache/d.bin" \
        "$WORK/other.bin") >"$WORK/$name.out" 2>&1 || rc=$?
    [ "$rc" -eq 0 ] || { sed 's/^/    /' "$WORK/$name.out" >&2; fail "[$name] run exited $rc"; return; }
    expect_verify "${VSTATUS:-0}" "$WORK/$name.h5" "$WORK/$name.json" --pubkey "$WORK/key.pub.pem"
    "$PYTHON" - "$WORK/$name.json" "$D" "$WORK/other.bin" "$@" <<'PY' || fail "[$name] --data '$glob' did not make exactly $* data"
import json, sys
rep, d, other, want = sys.argv[1], sys.argv[2], sys.argv[3], set(sys.argv[4:])
roles = {f["path"]: f["role"] for f in json.load(open(rep))["files"]}
names = {"a.bin": d + "/a.bin", "b.bin": d + "/sub/b.bin", "c.bin": d + "/sub/deep/c.bin",
         "d.bin": d + "/.cache/d.bin"}
bad = []
for n, p in names.items():
    if p not in roles:
        bad.append("%s not recorded" % p)
    elif (roles[p] == "data") != (n in want):
        bad.append("%s has role %s" % (p, roles[p]))
if roles.get(other) == "data":
    bad.append("%s (outside the glob) is data" % other)
if bad:
    print("; ".join(bad), file=sys.stderr)
    sys.exit(1)
PY
    ok "[$name] --data '$glob' -> data: $*"
}

spelling dotdot '../../store/data/sub/../*.bin' a.bin
spelling symlink "$WORK/link/sub/*.bin" b.bin
spelling symlink_rel '../../link/sub/deep/c.bin' c.bin
spelling file_link '../../b_link.bin' b.bin
spelling directory '../../link' a.bin b.bin c.bin d.bin
spelling directory_slash "$WORK/link/sub/" b.bin c.bin
spelling globstar "$WORK/link/**/*.bin" a.bin b.bin c.bin d.bin
spelling globstar_mid '../../store/**/deep/*.bin' c.bin

# RunStart signs the resolved form
tp dump --json "$WORK/directory.h5" >"$WORK/directory.dump.json" 2>&1 || fail "trainprov dump failed"
grep -qF "\"$D/**\"" "$WORK/directory.dump.json" ||
    fail "RunStart of the directory run does not record the resolved glob $D/**"

# the verifier matches the signed glob with the logger's matcher
"$PYTHON" - "$WORK/globstar.json" "$D" <<'PY' || fail "data.accounted does not count the globstar glob's 4 data files"
import json, sys
rep, d = json.load(open(sys.argv[1])), sys.argv[2]
ev = [c for c in rep["claims"] if c["id"] == "data.accounted"][0]["evidence"]
assert ev["declared_data"] == [{"glob": d + "/**/*.bin", "data_files": 4}], ev
PY

# a glob over links matches the links' names, not the recorded targets
# (docs/FORMAT.md, "Declared globs"): not data, the run says so, and
# data.accounted fails (declared data, none read)
VSTATUS=1 spelling glob_over_links "$WORK/b_lin*.bin"
grep -q "warning: --data .* matched no file the job read" "$WORK/glob_over_links.out" ||
    fail "no warning for a glob over links: $(cat "$WORK/glob_over_links.out")"

# '..' after a wildcard can never match a canonical path: refused, nothing run
rc=0
tp run --key "$WORK/key.pem" --log "$WORK/bad.h5" --data "$D/*/../a.bin" -- touch "$WORK/ran" \
    >"$WORK/bad.out" 2>&1 || rc=$?
[ "$rc" -eq 2 ] && grep -q "'..' after a wildcard" "$WORK/bad.out" ||
    fail "--data with '..' after a wildcard: exit $rc, $(cat "$WORK/bad.out")"
[ ! -e "$WORK/ran" ] || fail "the job ran despite the refused glob"
finish
