#!/bin/bash
# demo.sh: trainprov end to end on this machine, from a fresh clone.
#
#   1. installs what is missing (Debian 12, as root), builds in ./_build
#   2. demo/run_demo.sh _build _demo: a trainer's key and an evaluator's
#      key; the evaluator issues a challenge; a small transformer LM
#      (PyTorch, DataLoader with 2 workers) trains under
#      `trainprov run --challenge`, initialised by trainprov.torch.init_module,
#      with a step-0 checkpoint saved before any data is read, checkpoints and
#      a final safetensors file; `trainprov verify` with the evaluator's key,
#      the challenge and --model final.safetensors prints the report;
#      `trainprov attest` writes _demo/model.intoto.json, checked with
#      `trainprov verify-attestation`
#
# Exits 0 when the verdict is pass with init.random PASS (exact) and
# lineage.final PASS and the attestation verifies. The built library and
# CLI are used in place (TRAINPROV_LIB, TRAINPROV_PYTHONDIR point into the
# build tree).
set -euo pipefail

cd "$(dirname "$0")"
ROOT=$(pwd -P)
BUILD=$ROOT/_build
DEMO=$ROOT/_demo
PYTHON=/usr/bin/python3

PACKAGES="build-essential autoconf automake libtool pkg-config libssl-dev openssl
 libhdf5-dev hdf5-tools libprotobuf-c-dev protobuf-c-compiler libcmocka-dev
 libopenmpi-dev openmpi-bin libjson-c-dev python3-torch python3-numpy python3-mpi4py
 python3-h5py groff-base"

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
PYTHON="$PYTHON" exec "$ROOT/demo/run_demo.sh" "$BUILD" "$DEMO"
