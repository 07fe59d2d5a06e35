#!/bin/bash
# e2e_donor_in_project_interpreter.sh: a project that contains its own
# interpreter is no blind spot. In a fake venv (bin/python a symlink to the
# system python, pyvenv.cfg) and in one whose interpreter is a copy (as
# `python -m venv --copies` makes it, so that /proc/self/exe is inside the
# project), a job run with that interpreter that reads a donor inside the
# venv fails init.no_foreign_weights (verify exits 1) naming it; also a
# donor inside the copied venv's lib/, which the logger does not hash.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
. "$E2E_DIR/content_lib.sh"
e2e_init torch
keygen key
real_python=$(readlink -f "$(command -v "$PYTHON")")
pyver=$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')

make_venv() { # DIR symlink|copy
    mkdir -p "$1/bin" "$1/lib/python$pyver/site-packages"
    if [ "$2" = copy ]; then cp "$real_python" "$1/bin/python"; else ln -s "$real_python" "$1/bin/python"; fi
    printf 'home = %s\ninclude-system-site-packages = true\nversion = %s\n' \
        "$(dirname "$real_python")" "$pyver" >"$1/pyvenv.cfg"
}

for kind in symlink copy; do
    venv=$WORK/project-$kind/venv
    make_venv "$venv" "$kind"
    make_donors "$venv"
    "$venv/bin/python" -c 'import numpy' || die "the $kind venv's python does not run"
    DONOR=$venv/donor.safetensors
    CONTENT_PYTHON=$venv/bin/python run_content "$WORK/$kind.h5" -- read "$DONOR"
    expect_donor_fails "$WORK/$kind.h5" "$DONOR" "a donor inside a venv ($kind interpreter)"
done

# The copied interpreter's lib/ is excluded (the Python installation) and
# the report names it as a place a job can write; a donor there is still
# recorded, by its content.
venv=$WORK/project-copy/venv
cp "$venv/donor.safetensors" "$venv/lib/python$pyver/site-packages/donor.safetensors"
DONOR=$venv/lib/python$pyver/site-packages/donor.safetensors
CONTENT_PYTHON=$venv/bin/python run_content "$WORK/lib.h5" -- read "$DONOR"
expect_donor_fails "$WORK/lib.h5" "$DONOR" "a donor inside the copied venv's lib/"
jcheck detail-contains "$WORK/lib.h5.verify.json" init.no_foreign_weights \
    "read under the exclusion $venv/lib/ (python)" ||
    fail "the detail does not say the donor was under the Python installation's exclusion"
finish
