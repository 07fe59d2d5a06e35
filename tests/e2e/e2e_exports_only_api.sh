#!/bin/bash
# e2e_exports_only_api.sh: the preloaded libraries show a job nothing but
# what they are for. libtrainprov.so exports only trainprov_* and the C
# library functions it interposes; libtrainprov-mpi.so only the MPI_*
# functions it wraps. Both names lists are read from the version scripts the
# libraries are linked with, and every interposed name must be one the C
# library (or the MPI library) really defines. Neither library needs a shared
# libcrypto, libssl or libprotobuf-c: they carry their own, hidden.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
e2e_init
for tool in nm readelf ldd; do
    command -v "$tool" >/dev/null 2>&1 || skip "no $tool (binutils, libc-bin)"
done

# version_script_names MAP: the names of MAP's global: part, one a line.
version_script_names() {
    perl -0777 -ne 's{/\*.*?\*/}{}gs; /global:(.*?)local:/s or exit 1;
        print "$_\n" for grep { length } map { s/\s+//gr } split /;/, $1' "$1"
}

# exported LIB: the symbols LIB defines in its dynamic table, one a line.
exported() { nm -D --defined-only "$1" | awk 'NF == 3 { sub(/@.*/, "", $3); print $3 }' | sort -u; }

# The map a library was linked with: a generated one in the build tree wins.
find_map() {
    local lib=$1 name=$2 src=$3 m
    for m in "$(dirname "$lib")/../$name" "$E2E_DIR/../../$src/$name"; do
        [ -f "$m" ] && { echo "$m"; return 0; }
    done
    die "no version script $name for $lib"
}

# in_list NAME FILE: NAME matches a line (a name or a glob) of FILE.
in_list() {
    local pat
    while IFS= read -r pat; do
        # shellcheck disable=SC2053 # the line may be a glob
        [[ $1 == $pat ]] && return 0
    done <"$2"
    return 1
}

# check_exports LIB MAP PREFIX PROVIDER: every name LIB exports is in MAP and
# either starts with PREFIX (its own API; "" when it has none) or is defined
# by PROVIDER (the library whose functions it interposes).
check_exports() {
    local lib=$1 map=$2 prefix=$3 provider=$4 sym n=0 bad=0
    version_script_names "$map" >"$WORK/allowed"
    [ -s "$WORK/allowed" ] || die "no global names read from $map"
    exported "$provider" >"$WORK/provider"
    exported "$lib" >"$WORK/exported"
    while IFS= read -r sym; do
        n=$((n + 1))
        if [ "$sym" = __asan_default_options ] && nm -D "$lib" | grep ' U __asan_init' >/dev/null; then
            continue # ./test.sh --sanitize's build exports its ASan defaults
        elif ! in_list "$sym" "$WORK/allowed"; then
            fail "$(basename "$lib") exports $sym, which $(basename "$map") does not list"
            bad=1
        elif { [ -z "$prefix" ] || [[ $sym != "$prefix"* ]]; } &&
            ! grep -qxF "$sym" "$WORK/provider"; then
            fail "$(basename "$lib") exports $sym: not its own ${prefix:-(none)} API nor a function of $(basename "$provider")"
            bad=1
        fi
    done <"$WORK/exported"
    [ "$n" -gt 0 ] || fail "$(basename "$lib") exports nothing (nm -D failed?)"
    [ "$bad" -eq 0 ] && ok "$(basename "$lib") exports $n names: its API ${prefix:+(${prefix}*) }and $(basename "$provider") functions it wraps"
    return 0
}

# check_no_private_libs LIB: no libcrypto, libssl or libprotobuf-c, neither
# needed directly nor loaded through another dependency.
check_no_private_libs() {
    local lib=$1 found
    found=$(readelf -d "$lib" | grep NEEDED | grep -E 'libcrypto|libssl|libprotobuf-c' || true)
    [ -z "$found" ] || fail "$(basename "$lib") needs: $found"
    found=$(ldd "$lib" | grep -E 'libcrypto|libssl|libprotobuf-c' || true)
    [ -z "$found" ] || fail "$(basename "$lib") loads: $found"
    [ -z "$found" ] && ok "$(basename "$lib") loads no libcrypto, libssl or libprotobuf-c"
    return 0
}

libc=$(ldd "$TRAINPROV_LIB" | awk '$1 ~ /^libc\.so/ { print $3 }')
[ -f "$libc" ] || die "cannot find the C library $TRAINPROV_LIB links (ldd)"
check_exports "$TRAINPROV_LIB" "$(find_map "$TRAINPROV_LIB" libtrainprov.map logger)" trainprov_ "$libc"
check_no_private_libs "$TRAINPROV_LIB"
# the checks can fail: OpenSSL's own names are hidden, not merely unlisted
nm -D --defined-only "$TRAINPROV_LIB" | grep -qE ' (EVP_|OPENSSL_|protobuf_c_)' &&
    fail "libtrainprov.so exports OpenSSL or protobuf-c functions"

if [ -n "${TRAINPROV_MPI_LIB:-}" ]; then
    [ -f "$TRAINPROV_MPI_LIB" ] || die "libtrainprov-mpi.so was not built: $TRAINPROV_MPI_LIB"
    libmpi=$(ldd "$TRAINPROV_MPI_LIB" | awk '$1 ~ /^libmpi(ch)?\.so/ { print $3; exit }')
    [ -f "$libmpi" ] || die "cannot find the MPI library $TRAINPROV_MPI_LIB links (ldd)"
    check_exports "$TRAINPROV_MPI_LIB" \
        "$(find_map "$TRAINPROV_MPI_LIB" libtrainprov-mpi.map mpi_hooks)" "" "$libmpi"
    check_no_private_libs "$TRAINPROV_MPI_LIB"
else
    note "libtrainprov-mpi.so not built: only libtrainprov.so checked"
fi
finish
