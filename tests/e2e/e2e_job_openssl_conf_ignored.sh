#!/bin/bash
# e2e_job_openssl_conf_ignored.sh: a job's OPENSSL_CONF is for the job's own
# libcrypto; the logger's private copy never reads it. Here the job's
# configuration asks for FIPS-only algorithms (no FIPS provider is there):
# read by the logger, it could neither load its key nor hash, and the job's
# processes would go unrecorded. They must be recorded and the log verify.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
e2e_init

cat >"$WORK/fips-only.cnf" <<'CNF'
openssl_conf = openssl_init
[openssl_init]
alg_section = evp_properties
[evp_properties]
default_properties = fips=yes
CNF
echo "input of the job" >"$WORK/in.txt"
keygen key

# OPENSSL_CONF for the job only: the trainprov CLI is ours.
LOG=$WORK/run.h5
RUN_STATUS=0
tp run --key "$WORK/key.pem" --log "$LOG" -- env OPENSSL_CONF="$WORK/fips-only.cnf" \
    /bin/sh -c 'cat "$1" >"$2"' job "$WORK/in.txt" "$WORK/out.txt" >"$LOG.out" 2>&1 ||
    RUN_STATUS=$?
expect_run_ok "$LOG" "trainprov run of a job with its own OPENSSL_CONF"
if grep -q "is not recorded" "$LOG.out"; then
    fail "a process of the job was not recorded: $(grep "is not recorded" "$LOG.out")"
fi
expect_verify 0 "$LOG" "$WORK/run.json" --pubkey "$WORK/key.pub.pem"
tp dump "$LOG" --json >"$WORK/dump.json" || die "trainprov dump failed"
"$PYTHON" - "$WORK/dump.json" "$WORK/in.txt" "$WORK/out.txt" <<'PY' ||
import json, sys
dump = json.load(open(sys.argv[1]))
paths = {f["path"] for f in dump["files"]}
assert sys.argv[2] in paths and sys.argv[3] in paths, sorted(paths)
PY
    fail "the job's files are not in the log"
finish
