#!/bin/sh
# Regenerates the autotools build files (configure, Makefile.in) from configure.ac.
set -e
cd "$(dirname "$0")"
autoreconf --install --force
