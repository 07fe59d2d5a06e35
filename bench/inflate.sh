#!/bin/bash
# bench/inflate.sh: output rates of the content test's DEFLATE decoder
# (core/inflate.c, bench_inflate) and of zlib (Python's zlib module, the
# C library under it) on the same raw streams: a float32 normal(0, 0.02)
# array deflated as np.savez_compressed does (level 6), uint16 token ids,
# English-like text; decoded to the 64 KiB the content test keeps of a
# member and whole (16 MiB). Prints the table for docs/PERFORMANCE.md.
#   bench/inflate.sh [BUILD]    (default ./_build; builds bench_inflate)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-_build}
make -C "$BUILD/bench" bench_inflate >/dev/null
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
/usr/bin/python3 - "$W" <<'PY'
import sys, zlib
import numpy as np
w, n = sys.argv[1], 16 << 20
rng = np.random.default_rng(0)
data = {
    "float32": rng.normal(0, 0.02, n // 4).astype(np.float32).tobytes(),
    "tokens": rng.integers(0, 50257, n // 2).astype(np.uint16).tobytes(),
    "text": b"".join(b"line %d: the quick brown fox jumps over the lazy dog\n" % i
                     for i in range(n // 40))[:n],
}
for k, d in data.items():
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    open("%s/%s.raw" % (w, k), "wb").write(c.compress(d) + c.flush())
PY
echo "| stream | output | trainprov inflate MB/s | zlib MB/s |"
echo "|---|---:|---:|---:|"
for k in float32 tokens text; do
    for cap in 65536 16777216; do
        ours=$("$BUILD/bench/bench_inflate" "$W/$k.raw" $cap | cut -d' ' -f1)
        ref=$(/usr/bin/python3 - "$W/$k.raw" $cap <<'PY'
import sys, time, zlib
data, cap = open(sys.argv[1], "rb").read(), int(sys.argv[2])
if cap <= 65536:
    data = data[:256 << 10]  # what the content test reads: no 16 MiB unconsumed tail to copy
n, out, t0 = 0, 0, time.perf_counter()
while time.perf_counter() - t0 < 1.0:
    out += len(zlib.decompressobj(-15).decompress(data, cap))
    n += 1
print("%.0f" % (out / (time.perf_counter() - t0) / 1e6))
PY
)
        echo "| $k | $([ $cap = 65536 ] && echo "first 64 KiB" || echo "whole, 16 MiB") | $ours | $ref |"
    done
done
