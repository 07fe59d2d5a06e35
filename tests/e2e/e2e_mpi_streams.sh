#!/bin/bash
# e2e_mpi_streams.sh: a 4-rank log from which rank 2's stream is removed, or
# to which a rank's stream from another MPI run is added, fails verification:
# run.binding names the missing rank or the foreign stream.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
. "$E2E_DIR/mpi_lib.sh"
e2e_init torch h5py
mpi_init

keygen key
make_shards "$WORK/data" 4
mpi_run_ok "$WORK/a.h5" 4 --steps 5 --ckpt-every 5
rm -rf "$WORK/out"
mpi_run_ok "$WORK/b.h5" 4 --steps 5 --ckpt-every 5
expect_verify 0 "$WORK/a.h5" "$WORK/a.json" --pubkey "$WORK/key.pub.pem"
expect_verify 0 "$WORK/b.h5" "$WORK/b.json" --pubkey "$WORK/key.pub.pem"

# rank_stream JSON R: the stream id of rank R from the verify report
rank_stream() {
    "$PYTHON" -c 'import json, sys
r = json.load(open(sys.argv[1]))
ev = [c for c in r["claims"] if c["id"] == "mpi.init_consistent"][0]["evidence"]
print([x["stream_id"] for x in ev["ranks"] if x["rank"] == int(sys.argv[2])][0])' "$1" "$2"
}

cp "$WORK/a.h5" "$WORK/removed.h5"
"$PYTHON" -c 'import h5py, sys
f = h5py.File(sys.argv[1], "r+")
del f["streams"][sys.argv[2]]' "$WORK/removed.h5" "$(rank_stream "$WORK/a.json" 2)"
expect_verify 1 "$WORK/removed.h5" "$WORK/removed.json" --pubkey "$WORK/key.pub.pem"
expect_claim "$WORK/removed.json" run.binding fail
expect_claim "$WORK/removed.json" log.complete fail
detail_has "$WORK/removed.json" run.binding "rank 2"
ok "removing rank 2's stream fails run.binding and log.complete"

cp "$WORK/a.h5" "$WORK/added.h5"
"$PYTHON" -c 'import h5py, sys
f, g = h5py.File(sys.argv[1], "r+"), h5py.File(sys.argv[2], "r")
g.copy(g["streams"][sys.argv[3]], f["streams"], name=sys.argv[3])' \
    "$WORK/added.h5" "$WORK/b.h5" "$(rank_stream "$WORK/b.json" 1)"
expect_verify 1 "$WORK/added.h5" "$WORK/added.json" --pubkey "$WORK/key.pub.pem"
expect_claim "$WORK/added.json" run.binding fail
detail_has "$WORK/added.json" run.binding "rank 1"
ok "adding rank 1's stream of another run fails run.binding"
finish
