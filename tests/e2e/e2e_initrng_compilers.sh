#!/bin/bash
# e2e_initrng_compilers.sh: trainprov/init/v1 does not depend on the
# compiler. Builds tests/core/test_initrng.c with core/initrng.c using every
# C compiler found (cc, gcc, clang, gcc-N) at -O0, -O2 and -O3 -march=native
# (all with -ffp-contract=off, as the build uses) and runs it: each build must
# reproduce docs/INIT.md's test vectors. Skips when only one compiler exists.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
e2e_init

SRC=$E2E_DIR/../..
command -v pkg-config >/dev/null 2>&1 || skip "no pkg-config"
flags=$(pkg-config --cflags --libs cmocka libcrypto 2>/dev/null) || skip "no cmocka/libcrypto .pc files"
compilers=()
for c in cc gcc clang gcc-12 gcc-13 gcc-14 clang-14 clang-15 clang-16 clang-17 clang-18; do
    p=$(command -v "$c" 2>/dev/null) || continue
    real=$(readlink -f "$p")
    case " ${compilers[*]:-} " in *" $real "*) continue ;; esac
    compilers+=("$real")
done
[ "${#compilers[@]}" -ge 2 ] || skip "only ${#compilers[@]} C compiler(s) installed"
builds=0
for c in "${compilers[@]}"; do
    for opt in "-O0" "-O2" "-O3 -march=native"; do
        exe=$WORK/t-$(basename "$c")-$builds
        # shellcheck disable=SC2086
        if ! "$c" $opt -ffp-contract=off -pthread -I"$SRC" -o "$exe" \
            "$SRC/tests/core/test_initrng.c" "$SRC/core/initrng.c" $flags -lm \
            >"$exe.build" 2>&1; then
            note "$c $opt cannot build it (skipped): $(head -n 3 "$exe.build")"
            continue
        fi
        builds=$((builds + 1))
        "$exe" >"$exe.out" 2>&1 && ok "$c $opt reproduces the vectors" ||
            fail "$c $opt: $(grep -E 'FAILED|expected' "$exe.out" | head -n 3)"
    done
done
[ "$builds" -ge 2 ] || skip "fewer than two compiler builds succeeded"
finish
