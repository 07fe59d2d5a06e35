#!/bin/bash
# e2e_man_page_for_every_command.sh: the manual cannot drift from the CLI.
# Every subcommand `trainprov --help` lists has a man page that `make
# install` installs (trainprov-<command>.1, next to trainprov.1); every long
# option a subcommand's --help names appears in its page; and groff renders
# every page with all warnings on (-ww) without a single one.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
e2e_init
command -v groff >/dev/null 2>&1 || skip "no groff (Debian: groff-base)"

BUILD=$(cd "$(dirname "$TRAINPROV")/.." && pwd)
# What `make install` installs, into a staging directory.
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$BUILD/docs" install-man DESTDIR="$WORK/inst" \
    >"$WORK/install.out" 2>&1 || die "make install-man failed: $(tail -n 20 "$WORK/install.out")"
MAN1=$(find "$WORK/inst" -type d -name man1 | head -n 1)
[ -n "$MAN1" ] && [ -f "$MAN1/trainprov.1" ] || die "make install-man installed no trainprov.1"

tp --help >"$WORK/help.out" || die "trainprov --help failed"
commands=$(sed -n '/^commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p' "$WORK/help.out")
[ "$(echo "$commands" | wc -w)" -ge 8 ] || die "trainprov --help lists too few commands: $commands"

for cmd in $commands; do
    page=$MAN1/trainprov-$cmd.1
    if [ ! -f "$page" ]; then
        fail "trainprov $cmd has no installed man page (trainprov-$cmd.1 in docs/Makefile.am)"
        continue
    fi
    tp "$cmd" --help >"$WORK/$cmd.help" 2>&1 || fail "trainprov $cmd --help exited non-zero"
    missing=$("$PYTHON" - "$WORK/$cmd.help" "$page" <<'PY'
import re, sys
helptext = open(sys.argv[1]).read()
page = open(sys.argv[2]).read()
# the page's words as a reader sees them: \- is '-', font changes vanish
page = re.sub(r"\\f[BIRP]", "", page.replace("\\-", "-"))
wanted = sorted(set(re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*", helptext)) - {"--"})
print(" ".join(o for o in wanted if not re.search(re.escape(o) + r"(?![a-z0-9-])", page)))
PY
    )
    if [ -n "$missing" ]; then
        fail "trainprov-$cmd.1 does not mention $missing (in trainprov $cmd --help)"
    else
        ok "trainprov-$cmd.1: installed, names every option of trainprov $cmd --help"
    fi
done

# groff is not ours: under ./test.sh --sanitize it runs without the libasan
# preload (its troff has an allocation mismatch ASan aborts on)
groff() { env -u LD_PRELOAD groff "$@"; }
for page in "$MAN1"/trainprov*.1; do
    warnings=$(groff -man -Tutf8 -ww -z "$page" 2>&1)
    if [ -n "$warnings" ]; then
        fail "groff warns on $(basename "$page"): $warnings"
    fi
    text=$(groff -man -Tascii -P-c "$page" 2>/dev/null | sed 's/.\x08//g')
    grep -q "^SYNOPSIS" <<<"$text" || fail "$(basename "$page") renders no SYNOPSIS"
done
ok "every page renders without warnings"
finish
