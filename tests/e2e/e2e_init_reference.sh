#!/bin/bash
# e2e_init_reference.sh: trainprov/init/v1 is reproducible from docs/INIT.md
# alone. initrng_ref.py, an independent pure-Python implementation (its own
# ChaCha20, exact rational rounding), reproduces every test vector of
# docs/INIT.md and gives the same bytes as libtrainprov's trainprov_init_generate on
# random nonces, seeds, names, distributions (the trunc_normal tail stream
# included) and dtypes.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
e2e_init

"$PYTHON" "$E2E_DIR/initrng_ref.py" vectors >"$WORK/vectors.out" 2>&1 ||
    fail "the reference implementation does not reproduce docs/INIT.md: $(cat "$WORK/vectors.out")"
"$PYTHON" "$E2E_DIR/initrng_ref.py" compare "$TRAINPROV_LIB" >"$WORK/compare.out" 2>&1 ||
    fail "libtrainprov and the reference implementation differ: $(cat "$WORK/compare.out")"
finish
