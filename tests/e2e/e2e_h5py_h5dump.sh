#!/bin/bash
# e2e_h5py_h5dump.sh: the run log is readable without trainprov. It opens in
# h5py with the layout of docs/FORMAT.md section 6 (root attributes,
# /streams/<16 hex>/{records, record_offsets, head_*}, /manifest, /files),
# `h5dump -H` reads it, and the /files row of each shard carries the shard's
# sha256sum.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
e2e_init torch h5py h5dump

keygen key
make_shards "$WORK/data" 3
LOG=$WORK/run.h5
run_job_ok "$WORK/key.pem" "$LOG" "$WORK/data" "$WORK/out" --steps 10 --ckpt-every 5

args=()
for f in "$WORK"/data/shard_*.bin; do
    args+=("$f=$(sha256 "$f")")
done

"$PYTHON" - "$LOG" "${args[@]}" <<'EOF' || fail "the log does not have the documented HDF5 layout"
import re, sys
import h5py, numpy as np

log, shards = sys.argv[1], dict(a.split("=", 1) for a in sys.argv[2:])
errors = []
def check(cond, msg):
    if not cond:
        errors.append(msg)
def text(v):
    if isinstance(v, np.ndarray) and v.shape == ():
        v = v[()]
    return v.decode() if isinstance(v, bytes) else str(v)

f = h5py.File(log, "r")
a = f.attrs
for name in ("trainprov_format", "format_version", "run_id", "key_id", "library_version",
             "assembled_by"):
    check(name in a, "root attribute %s is missing" % name)
if not errors:
    check(text(a["trainprov_format"]) == "trainprov-log", "trainprov_format = %r" % a["trainprov_format"])
    check(int(a["format_version"]) == 1, "format_version = %r" % a["format_version"])
    check(re.fullmatch(r"[0-9a-f]{32}", text(a["run_id"])), "run_id = %r" % a["run_id"])
    check(re.fullmatch(r"[0-9a-f]{64}", text(a["key_id"])), "key_id = %r" % a["key_id"])
    check(text(a["assembled_by"]) == "run", "assembled_by = %r" % a["assembled_by"])
    check(text(a["library_version"]) != "", "library_version is empty")

check("streams" in f, "no /streams group")
nrec = {}
for name in sorted(f.get("streams", {})):
    g = f["streams"][name]
    check(re.fullmatch(r"[0-9a-f]{16}", name), "stream group name %r is not 16 hex digits" % name)
    for d in ("records", "record_offsets", "head_bodies", "head_offsets", "head_signatures"):
        check(d in g, "stream %s: no %s dataset" % (name, d))
    if any(d not in g for d in ("records", "record_offsets", "head_bodies", "head_offsets",
                                "head_signatures")):
        continue
    rec, off = g["records"], g["record_offsets"][:]
    check(rec.dtype == np.uint8, "stream %s: records dtype %s" % (name, rec.dtype))
    check(off.dtype == np.uint64, "stream %s: record_offsets dtype %s" % (name, off.dtype))
    check(len(off) >= 2 and off[0] == 0 and off[-1] == rec.shape[0]
          and bool(np.all(np.diff(off.astype(np.int64)) > 0)),
          "stream %s: record_offsets do not partition records" % name)
    nrec[name] = len(off) - 1
    hb, ho, hs = g["head_bodies"], g["head_offsets"][:], g["head_signatures"]
    check(len(ho) >= 2 and ho[0] == 0 and ho[-1] == hb.shape[0],
          "stream %s: head_offsets do not partition head_bodies" % name)
    check(hs.shape == (len(ho) - 1, 64) and hs.dtype == np.uint8,
          "stream %s: head_signatures shape %s dtype %s" % (name, hs.shape, hs.dtype))
    check(text(g.attrs.get("journal_status", b"?")) == "complete",
          "stream %s: journal_status %r" % (name, g.attrs.get("journal_status")))
    check("dropped_unsigned_records" in g.attrs,
          "stream %s: no dropped_unsigned_records attribute" % name)
    # The FORMAT.md recipe for the first record works.
    first = bytes(g["records"][int(off[0]):int(off[1])])
    check(len(first) > 0, "stream %s: empty first record" % name)
check(len(nrec) >= 3, "%d streams, expected >= 3 (main + 2 DataLoader workers)" % len(nrec))

check("manifest" in f, "no /manifest group")
if "manifest" in f:
    check(f["manifest/body"].dtype == np.uint8 and f["manifest/body"].shape[0] > 0,
          "/manifest/body is not a non-empty uint8 array")
    check(f["manifest/signature"].shape == (64,), "/manifest/signature shape %s" %
          (f["manifest/signature"].shape,))

check("files" in f, "no /files dataset")
if "files" in f:
    rows = f["files"]
    want = ("path", "role", "sha256", "size", "bytes_read", "bytes_written", "access",
            "stream", "seq")
    names = rows.dtype.names or ()
    for n in want:
        check(n in names, "/files has no field %s (fields: %s)" % (n, names))
    if all(n in names for n in want):
        # The FORMAT.md recipe.
        table = [(row["path"].decode(), row["role"].decode(), row["sha256"].decode(),
                  int(row["size"]), row["stream"].decode(), int(row["seq"])) for row in rows]
        for path, role, sha, size, stream, seq in table:
            check(path.startswith("/"), "/files path %r is not absolute" % path)
            check(stream in nrec, "/files row %s names stream %r, not in /streams" % (path, stream))
            check(stream not in nrec or seq < nrec[stream],
                  "/files row %s: seq %d beyond its stream" % (path, seq))
            check(sha == "" or re.fullmatch(r"[0-9a-f]{64}", sha), "/files sha256 %r" % sha)
        for path, digest in shards.items():
            hits = [t for t in table if t[0] == path]
            check(hits, "/files has no row for %s" % path)
            check(any(t[1] == "data" for t in hits), "%s: roles %s, expected data" %
                  (path, [t[1] for t in hits]))
            check(any(t[2] == digest for t in hits), "%s: /files sha256 %s, sha256sum %s" %
                  (path, [t[2] for t in hits], digest))
for e in errors:
    print("layout: " + e, file=sys.stderr)
print("h5py: %d streams, %d records, %d /files rows" %
      (len(nrec), sum(nrec.values()), len(f["files"]) if "files" in f else 0))
sys.exit(1 if errors else 0)
EOF

# h5dump reads it without trainprov.
st=0
"$H5DUMP" -H "$LOG" >"$WORK/h5dump.txt" 2>&1 || st=$?
if [ "$st" -ne 0 ]; then
    head -n 40 "$WORK/h5dump.txt" >&2
    fail "h5dump -H $LOG exited $st"
else
    for word in streams files trainprov_format run_id record_offsets head_signatures; do
        grep -q "$word" "$WORK/h5dump.txt" || fail "h5dump -H output does not mention $word"
    done
    ok "h5dump -H: $(wc -l <"$WORK/h5dump.txt") lines"
fi
# The /files table dumps in full, and names a shard.
st=0
"$H5DUMP" -d /files "$LOG" >"$WORK/h5dump-files.txt" 2>&1 || st=$?
[ "$st" -eq 0 ] || fail "h5dump -d /files exited $st"
grep -q "shard_000.bin" "$WORK/h5dump-files.txt" || fail "h5dump -d /files does not show shard_000.bin"
first=${args[0]#*=}
grep -q "$first" "$WORK/h5dump-files.txt" || fail "h5dump -d /files does not show the shard's sha256 $first"

finish
