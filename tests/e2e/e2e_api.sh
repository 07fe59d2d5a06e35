#!/bin/bash
# e2e_api.sh: the public API, from Python (ctypes package) and from C
# (trainprov.h, linked with -ltrainprov): under `trainprov run` seeds, notes
# and declared roles land in the signed log and the log verifies; outside
# trainprov the same calls are harmless no-ops that say so.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
e2e_init

keygen key
export PYTHONPATH=${TRAINPROV_PYTHONDIR:-}

# Python, not under trainprov: inactive, every call returns False.
"$PYTHON" "$E2E_DIR/api_job.py" "$WORK/plain" >"$WORK/plain.out" 2>&1 ||
    die "api_job.py failed outside trainprov: $(cat "$WORK/plain.out")"
grep -qx "active False" "$WORK/plain.out" || fail "outside trainprov, trainprov.active() is not False"
grep -qx "seed False" "$WORK/plain.out" || fail "outside trainprov, trainprov.seed() did not return False"

# Python under trainprov.
LOG=$WORK/py.h5
tp run --key "$WORK/key.pem" --log "$LOG" -- "$PYTHON" "$E2E_DIR/api_job.py" "$WORK/out" \
    >"$WORK/py.out" 2>&1 || die "trainprov run of api_job.py failed: $(tail -n 20 "$WORK/py.out")"
grep -qx "active True" "$WORK/py.out" || fail "under trainprov, trainprov.active() is not True"
grep -qx "seed True" "$WORK/py.out" || fail "trainprov.seed() did not return True"
grep -qx "note True True" "$WORK/py.out" || fail "trainprov.note() did not return True"
grep -qx "bad-role refused" "$WORK/py.out" || fail "an unknown role was not refused"
expect_verify 0 "$LOG" "$WORK/py.json" --pubkey "$WORK/key.pub.pem"
tp dump "$LOG" --json >"$WORK/py.dump.json" || die "trainprov dump failed"
"$PYTHON" - "$WORK/py.dump.json" "$WORK/out/tokenizer.bin" <<'PY' || fail "the Python API records are not in the log as expected"
import json, sys
dump = json.load(open(sys.argv[1]))
records = [r for s in dump["streams"] for r in s["records"]]
seeds = [r["seed"] for r in records if "seed" in r]
notes = [(r["note"]["key"], r["note"]["value"]) for r in records if "note" in r]
assert seeds == [{"name": "torch.manual_seed", "value": 1234, "source": "config"}], seeds
assert ("step", "100") in notes and ("loss", "2.5") in notes, notes
roles = {(f["path"], f["role"]) for f in dump["files"]}
# declared "data" although it was written by the job and has no known format
assert (sys.argv[2], "data") in roles, roles
PY

# C, linked against the library.
command -v cc >/dev/null 2>&1 || skip "no C compiler"
libdir=$(dirname "$TRAINPROV_LIB")
cc -I"$E2E_DIR/../../logger/include" -o "$WORK/api_job" "$E2E_DIR/api_job.c" \
    -L"$libdir" -ltrainprov -Wl,-rpath,"$libdir" || die "could not build api_job.c against libtrainprov"
"$WORK/api_job" >"$WORK/c-plain.out" 2>&1 && die "the C job says it recorded outside trainprov"
grep -q "^active 0 " "$WORK/c-plain.out" || fail "outside trainprov, trainprov_log_active() is not 0"
LOG=$WORK/c.h5
tp run --key "$WORK/key.pem" --log "$LOG" -- "$WORK/api_job" >"$WORK/c.out" 2>&1 ||
    die "the C API job failed under trainprov run: $(cat "$WORK/c.out")"
expect_verify 0 "$LOG" "$WORK/c.json" --pubkey "$WORK/key.pub.pem"
tp dump "$LOG" --json >"$WORK/c.dump.json" || die "trainprov dump failed"
"$PYTHON" - "$WORK/c.dump.json" <<'PY' || fail "the C API records are not in the log as expected"
import json, sys
dump = json.load(open(sys.argv[1]))
records = [r for s in dump["streams"] for r in s["records"]]
assert {"name": "c.seed", "value": 42, "source": "api"} in [r["seed"] for r in records if "seed" in r]
assert {"key": "phase", "value": "init"} in [r["note"] for r in records if "note" in r]
PY
finish
