#!/usr/bin/python3
"""frameworks_check.py: facts from `trainprov dump --json` and `trainprov
verify --json` for the framework tests (issue 8 items 4 and 5).

  file DUMP PATH        one line about PATH's FileEvent records over all streams:
                        "records N sessions S mapped M read R roles A,B sha256 X,Y
                        access A,B authored A,B" (sessions: 0 counts as 1)
  checkpoints REPORT    one line per checkpoint of the verify report:
                        "PATH files N deleted D authored A"

Exit 2 when the JSON cannot be read.
"""
import json
import sys


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        print("cannot read JSON %s: %s" % (path, e), file=sys.stderr)
        sys.exit(2)


def file_summary(dump, path):
    recs = [r["file"] for s in dump["streams"] for r in s["records"]
            if r.get("type") == "file" and r["file"]["path"] == path]
    join = lambda k: ",".join(sorted({str(f[k]).lower() for f in recs})) or "-"
    print("records %d sessions %d mapped %d read %d roles %s sha256 %s access %s authored %s" % (
        len(recs), sum(f["sessions"] or 1 for f in recs), sum(f["bytes_mapped"] for f in recs),
        sum(f["bytes_read"] for f in recs), join("role"), join("sha256"), join("access"),
        join("authored")))


def checkpoints(report):
    for c in report.get("checkpoints", []):
        print("%s files %d deleted %d authored %d" % (c["path"], len(c["files"]), c["deleted"],
                                                       c["authored"]))


def main(argv):
    if len(argv) >= 4 and argv[1] == "file":
        file_summary(load(argv[2]), argv[3])
    elif len(argv) == 3 and argv[1] == "checkpoints":
        checkpoints(load(argv[2]))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
