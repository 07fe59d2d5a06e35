#!/bin/bash
# e2e_content_detector_rates.sh: the weights-content detector holds its
# published rates on fresh corpora (bench/classify_rates.py --check, a
# smaller sample than docs/CLAIMS.md's table): no token shard, text,
# compressed or random file, system library or e2e shard is called weights
# or possible weights, and every float32 / bfloat16 / float16 tensor file is
# called one or the other.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
e2e_init torch
[ -x "${CLASSIFY_FILE:-}" ] || die "\$CLASSIFY_FILE is not built (run through make check)"
"$PYTHON" "$BENCH_DIR/classify_rates.py" "$CLASSIFY_FILE" --n 12 --check \
    >"$WORK/rates.txt" 2>&1 || { cat "$WORK/rates.txt" >&2; fail "the detector missed its rates"; }
cat "$WORK/rates.txt"
finish
