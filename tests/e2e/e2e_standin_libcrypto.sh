#!/bin/bash
# e2e_standin_libcrypto.sh: a job that brings its own, newer libcrypto.so.3
# runs under `trainprov run` and is recorded. The stand-in libcrypto.so.3 has
# a symbol version (OPENSSL_3.9.0) the system's lacks, and the job needs it.
# A process holds one libcrypto.so.3. Had the preloaded libtrainprov.so
# needed one, either the job's would serve it (the loader refuses the job:
# "version `OPENSSL_3.0.0' not found (required by libtrainprov.so)") or the
# system's would be loaded first and a module the job loads later would be
# refused ("version `OPENSSL_3.9.0' not found"). Three ways a job finds its
# library: a RUNPATH in the program (conda's $ORIGIN/../lib), LD_LIBRARY_PATH,
# and an extension module's own RUNPATH when Python dlopens it (pip wheels).
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
e2e_init
command -v cc >/dev/null 2>&1 || skip "no C compiler"
command -v readelf >/dev/null 2>&1 || skip "no readelf (binutils)"

STANDIN=$WORK/envlib
mkdir -p "$STANDIN"
cc -shared -fPIC -Wl,-soname,libcrypto.so.3 \
    -Wl,--version-script="$E2E_DIR/standin_libcrypto.map" \
    -o "$STANDIN/libcrypto.so.3" "$E2E_DIR/standin_libcrypto.c" ||
    die "could not build the stand-in libcrypto.so.3"
cc -o "$WORK/job_runpath" "$E2E_DIR/standin_job.c" "$STANDIN/libcrypto.so.3" \
    -Wl,--enable-new-dtags,-rpath,"$STANDIN" || die "could not build standin_job.c with a RUNPATH"
cc -o "$WORK/job_plain" "$E2E_DIR/standin_job.c" "$STANDIN/libcrypto.so.3" ||
    die "could not build standin_job.c"
cc -shared -fPIC -o "$WORK/standin_plugin.so" "$E2E_DIR/standin_plugin.c" \
    "$STANDIN/libcrypto.so.3" -Wl,--enable-new-dtags,-rpath,"$STANDIN" ||
    die "could not build standin_plugin.c"

# The jobs really need the stand-in's version, and run without trainprov.
readelf -V "$WORK/job_plain" | grep -q 'OPENSSL_3\.9\.0' ||
    die "standin_job does not need the symbol version OPENSSL_3.9.0"
"$WORK/job_runpath" "$WORK/plain.txt" >"$WORK/plain.out" 2>&1 &&
    grep -q "stand-in libcrypto" "$WORK/plain.out" ||
    die "the job does not run with its stand-in libcrypto even without trainprov: $(cat "$WORK/plain.out")"

keygen key

# expect_recorded NAME: the run NAME (log $WORK/NAME.h5, output NAME.h5.out,
# job output file $WORK/NAME.txt, status RUN_STATUS) exited 0 with no loader
# error, the job used the stand-in, the log verifies and has the job's own
# file in it. Records failures and returns, so every case is tried.
expect_recorded() {
    local name=$1 log=$WORK/$1.h5
    if grep -q "not found" "$log.out"; then
        fail "$name: the loader refused a library: $(grep "not found" "$log.out")"
    fi
    if [ "$RUN_STATUS" -ne 0 ] || [ ! -f "$log" ]; then
        fail "$name: trainprov run exited $RUN_STATUS: $(tail -n 5 "$log.out")"
        return 0
    fi
    grep -q "stand-in libcrypto OPENSSL_3.9.0" "$log.out" ||
        fail "$name: the job did not run with its stand-in libcrypto: $(tail -n 5 "$log.out")"
    expect_verify 0 "$log" "$WORK/$name.json" --pubkey "$WORK/key.pub.pem"
    tp dump "$log" --json >"$WORK/$name.dump.json" || die "trainprov dump $log failed"
    "$PYTHON" - "$WORK/$name.dump.json" "$WORK/$name.txt" <<'PY' ||
import json, sys
dump = json.load(open(sys.argv[1]))
paths = {f["path"] for f in dump["files"]}
assert sys.argv[2] in paths, sorted(paths)
PY
        fail "$name: the job's file $WORK/$name.txt is not in the log (was libtrainprov.so loaded into it?)"
    ok "$name: the job ran with its own libcrypto.so.3 and its log verifies"
}

RUN_STATUS=0
tp run --key "$WORK/key.pem" --log "$WORK/runpath.h5" -- \
    "$WORK/job_runpath" "$WORK/runpath.txt" >"$WORK/runpath.h5.out" 2>&1 || RUN_STATUS=$?
expect_recorded runpath

# LD_LIBRARY_PATH for the job only: the trainprov CLI is ours and uses the
# system's libcrypto.
RUN_STATUS=0
tp run --key "$WORK/key.pem" --log "$WORK/ld_library_path.h5" -- \
    env LD_LIBRARY_PATH="$STANDIN" "$WORK/job_plain" "$WORK/ld_library_path.txt" \
    >"$WORK/ld_library_path.h5.out" 2>&1 || RUN_STATUS=$?
expect_recorded ld_library_path

# Python loads the module after start, when libtrainprov.so is long loaded.
RUN_STATUS=0
tp run --key "$WORK/key.pem" --log "$WORK/dlopen.h5" -- "$PYTHON" -c '
import ctypes, sys
plugin = ctypes.CDLL(sys.argv[1])
plugin.plugin_crypto_version.restype = ctypes.c_char_p
print(plugin.plugin_crypto_version().decode(), flush=True)
with open(sys.argv[2], "w") as f:
    f.write("written by the module job\n")
with open(sys.argv[2]) as f:
    f.read()
' "$WORK/standin_plugin.so" "$WORK/dlopen.txt" >"$WORK/dlopen.h5.out" 2>&1 || RUN_STATUS=$?
expect_recorded dlopen
finish
