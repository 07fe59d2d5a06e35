#!/bin/bash
# demo.sh: trainprov end to end on this machine, from a fresh clone.
#
#   1. installs what is missing (Debian 12, as root), builds in ./_build
#   2. makes a signing key and a few token shards in ./_demo
#   3. trains a small transformer LM (PyTorch, DataLoader with 2 workers,
#      checkpoints, a final safetensors file) under `trainprov run`
#   4. `trainprov verify --model final.safetensors` and prints the report
#
# Exits 0 when the verdict is pass. The built library and CLI are used in
# place (TRAINPROV_LIB, TRAINPROV_PYTHONDIR point into the build tree).
set -euo pipefail

cd "$(dirname "$0")"
ROOT=$(pwd -P)
BUILD=$ROOT/_build
DEMO=$ROOT/_demo
PYTHON=/usr/bin/python3

PACKAGES="build-essential autoconf automake libtool pkg-config libssl-dev openssl
 libhdf5-dev hdf5-tools libprotobuf-c-dev protobuf-c-compiler libcmocka-dev
 libopenmpi-dev openmpi-bin libjson-c-dev python3-torch python3-numpy python3-mpi4py
 python3-h5py"

step() { printf '\n== %s\n' "$*"; }

if command -v dpkg-query >/dev/null 2>&1; then
    missing=()
    for p in $PACKAGES; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
            missing+=("$p")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        step "installing ${missing[*]}"
        [ "$(id -u)" -eq 0 ] || { echo "demo.sh: run as root to install: ${missing[*]}" >&2; exit 1; }
        export DEBIAN_FRONTEND=noninteractive
        apt-get update
        apt-get install -y --no-install-recommends "${missing[@]}"
    fi
fi

step "building (in $BUILD)"
./autogen.sh >/dev/null
mkdir -p "$BUILD"
(
    cd "$BUILD"
    [ -f Makefile ] || "$ROOT/configure" PYTHON="$PYTHON" >configure.out
    make -j2 >make.out 2>&1 || { tail -n 40 make.out >&2; exit 1; }
)
TRAINPROV=$BUILD/cli/trainprov
export TRAINPROV_LIB=$BUILD/logger/.libs/libtrainprov.so
export TRAINPROV_PYTHONDIR=$ROOT/python

rm -rf "$DEMO"
mkdir -p "$DEMO"
step "signing key: $DEMO/key.pem (mode 0600) and $DEMO/key.pub.pem"
"$TRAINPROV" keygen -o "$DEMO/key.pem"

step "token shards in $DEMO/data"
"$PYTHON" "$ROOT/tests/e2e/make_shards.py" "$DEMO/data" 4
ls -l "$DEMO/data"

step "training under trainprov run (log: $DEMO/run.h5)"
set -x
"$TRAINPROV" run --key "$DEMO/key.pem" --log "$DEMO/run.h5" --data "$DEMO/data/shard_*.bin" -- \
    "$PYTHON" "$ROOT/tests/e2e/train_tiny.py" --data "$DEMO/data" --out "$DEMO/out" \
    --steps 40 --ckpt-every 10
{ set +x; } 2>/dev/null
ls -l "$DEMO/out" "$DEMO/run.h5"

step "trainprov verify --model final.safetensors"
status=0
"$TRAINPROV" verify "$DEMO/run.h5" --pubkey "$DEMO/key.pub.pem" \
    --model "$DEMO/out/final.safetensors" --json "$DEMO/report.json" || status=$?

step "sha256sum of the released weights (compare with the report)"
sha256sum "$DEMO/out/final.safetensors"
echo
echo "JSON report: $DEMO/report.json"
echo "Everything is in $DEMO; read the log with h5py or: h5dump -H $DEMO/run.h5"
if [ "$status" -eq 0 ]; then
    echo "demo: verdict pass"
else
    echo "demo: verify exited $status" >&2
fi
exit "$status"
