#!/bin/bash
# e2e_mpi_c_linked.sh: a C MPI program linked against libtrainprov-mpi.so
# (TRAINPROV_MPI_LIB=linked: the wrapper preloads only libtrainprov.so) is
# logged too: 2 ranks, its broadcast recorded, the log verifies.
. "${E2E_DIR:-$(dirname "$0")}/lib.sh"
. "$E2E_DIR/mpi_lib.sh"
e2e_init
mpi_init
JOB=${MPI_C_JOB:-}
[ -n "$JOB" ] && [ -x "$JOB" ] || die "the C MPI test program was not built (\$MPI_C_JOB)"
command -v readelf >/dev/null 2>&1 || skip "no readelf (binutils)"
readelf -d "$JOB" | grep -q 'libtrainprov-mpi\.so' ||
    die "$JOB does not link libtrainprov-mpi.so"

keygen key
make_shards "$WORK/data" 2
LOG=$WORK/run.h5
st=0
TRAINPROV_MPI_LIB=linked timeout -k 10 120 mpirun -np 2 "$TRAINPROV" run --key "$WORK/key.pem" \
    --log "$LOG" --data "$WORK/data/shard_*.bin" -- "$JOB" "$WORK/data" >"$LOG.out" 2>&1 || st=$?
[ "$st" -eq 0 ] || { cat "$LOG.out" >&2; die "mpirun of the C program exited $st"; }
expect_verify 0 "$LOG" "$WORK/verify.json" --pubkey "$WORK/key.pub.pem"
expect_claim "$WORK/verify.json" mpi.init_consistent pass
detail_has "$WORK/verify.json" mpi.init_consistent "all 2 ranks" "1 initial broadcasts"
jcheck files "$WORK/verify.json" \
    "data:$(sha256 "$WORK/data/shard_000.bin"):$WORK/data/shard_000.bin" \
    "data:$(sha256 "$WORK/data/shard_001.bin"):$WORK/data/shard_001.bin" ||
    fail "the shards the C ranks read are not in the log"
finish
