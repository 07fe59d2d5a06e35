#!/usr/bin/python3
"""check_json.py: checks on the JSON of `trainprov verify --json` and
`trainprov dump --json`, for the end-to-end tests.

  claim-status REPORT ID          print the claim's status ("missing" if absent)
  verdict REPORT                  print the verdict
  summary REPORT                  print the verdict and every claim
  failed-claims REPORT            print the ids of failing claims; exit 1 if none
  detail-contains REPORT ID S...  exit 1 unless the claim's detail contains every S
  files REPORT EXPECT...          check the "files" list: every entry has an
                                  absolute path, a role, a lowercase hex sha256
                                  and a size; each EXPECT = ROLE:SHA256:PATH must
                                  be listed with that role and digest, and with the
                                  file's current size
  same-files A B                  the "files" lists of A and B hold the same entries
  streams-min REPORT N            (dump JSON) at least N streams are listed

Exit 0 when the check holds, 1 when it does not (with a message), 2 when
the JSON cannot be read.
"""
import json
import os
import re
import sys

HEX64 = re.compile(r"^[0-9a-f]{64}$")


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        print("cannot read JSON %s: %s" % (path, e), file=sys.stderr)
        sys.exit(2)


def claims(doc):
    c = doc.get("claims")
    if not isinstance(c, list):
        print("report has no \"claims\" list", file=sys.stderr)
        sys.exit(2)
    return c


def find_claim(doc, cid):
    for c in claims(doc):
        if isinstance(c, dict) and c.get("id") == cid:
            return c
    return None


def as_text(v):
    return v if isinstance(v, str) else json.dumps(v, sort_keys=True)


def file_entries(doc, where):
    files = doc.get("files")
    if not isinstance(files, list):
        print("%s has no \"files\" list" % where, file=sys.stderr)
        sys.exit(1)
    return files


def check_entry_shape(e, where):
    errs = []
    if not isinstance(e, dict):
        return ["%s: a files entry is not an object: %r" % (where, e)]
    p = e.get("path")
    if not isinstance(p, str) or not p.startswith("/"):
        errs.append("%s: path is not absolute: %r" % (where, p))
    if not isinstance(e.get("role"), str) or not e.get("role"):
        errs.append("%s: entry %r has no role" % (where, p))
    s = e.get("sha256")
    if not isinstance(s, str) or (s != "" and not HEX64.match(s)):
        errs.append("%s: entry %r: sha256 is not 64 lowercase hex digits: %r" % (where, p, s))
    if not isinstance(e.get("size"), int):
        errs.append("%s: entry %r: size is not an integer: %r" % (where, p, e.get("size")))
    return errs


def cmd_files(report, expects):
    doc = load(report)
    files = file_entries(doc, report)
    errs = []
    for e in files:
        errs += check_entry_shape(e, report)
    for spec in expects:
        role, digest, path = spec.split(":", 2)
        rows = [e for e in files if isinstance(e, dict) and e.get("path") == path]
        if not rows:
            errs.append("%s is not in \"files\"" % path)
            continue
        with_role = [e for e in rows if e.get("role") == role]
        if not with_role:
            errs.append("%s is listed with role %s, expected %s" %
                        (path, sorted({e.get("role") for e in rows}), role))
            continue
        if not any(e.get("sha256") == digest for e in with_role):
            errs.append("%s (%s): sha256 %s, but sha256sum says %s" %
                        (path, role, sorted({e.get("sha256") for e in with_role}), digest))
            continue
        size = os.path.getsize(path)
        if not any(e.get("sha256") == digest and e.get("size") == size for e in with_role):
            errs.append("%s (%s): size %s, the file has %d bytes" %
                        (path, role, sorted({e.get("size") for e in with_role}), size))
    for m in errs:
        print(m, file=sys.stderr)
    if errs:
        return 1
    print("%d expected files found among %d entries" % (len(expects), len(files)))
    return 0


def key(e):
    return (e.get("path"), e.get("role"), e.get("sha256"), e.get("size"))


def cmd_same_files(a, b):
    fa = sorted(map(key, file_entries(load(a), a)), key=repr)
    fb = sorted(map(key, file_entries(load(b), b)), key=repr)
    if fa == fb:
        print("same %d files" % len(fa))
        return 0
    sa, sb = set(fa), set(fb)
    for e in sorted(sa - sb, key=repr):
        print("only in %s: %r" % (a, e), file=sys.stderr)
    for e in sorted(sb - sa, key=repr):
        print("only in %s: %r" % (b, e), file=sys.stderr)
    if sa == sb:
        print("same entries, different multiplicities (%d vs %d)" % (len(fa), len(fb)),
              file=sys.stderr)
    return 1


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    cmd, path, rest = argv[1], argv[2], argv[3:]
    if cmd == "claim-status":
        c = find_claim(load(path), rest[0])
        print(c.get("status") if c else "missing")
        return 0
    if cmd == "verdict":
        print(load(path).get("verdict"))
        return 0
    if cmd == "summary":
        doc = load(path)
        print("verdict: %s" % doc.get("verdict"))
        for c in claims(doc):
            print("  %-26s %-8s %s" % (c.get("id"), c.get("status"),
                                       as_text(c.get("detail"))[:300]))
        return 0
    if cmd == "failed-claims":
        failed = [c.get("id") for c in claims(load(path)) if c.get("status") == "fail"]
        print(" ".join(str(f) for f in failed))
        return 0 if failed else 1
    if cmd == "detail-contains":
        c = find_claim(load(path), rest[0])
        if not c:
            print("no claim %s" % rest[0], file=sys.stderr)
            return 1
        text = as_text(c.get("detail"))
        missing = [s for s in rest[1:] if s not in text]
        if missing:
            print("detail of %s lacks %s; detail: %s" % (rest[0], missing, text),
                  file=sys.stderr)
            return 1
        return 0
    if cmd == "files":
        return cmd_files(path, rest)
    if cmd == "same-files":
        return cmd_same_files(path, rest[0])
    if cmd == "streams-min":
        doc = load(path)
        streams = doc.get("streams")
        n = len(streams) if isinstance(streams, (list, dict)) else 0
        if n < int(rest[0]):
            print("%s lists %d streams, expected at least %s" % (path, n, rest[0]),
                  file=sys.stderr)
            return 1
        return 0
    print("unknown command %s" % cmd, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
