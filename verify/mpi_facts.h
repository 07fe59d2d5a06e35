/* mpi_facts.h: the ranks of an MPI run as its records show them, derived
 * once before the claims run (docs/CLAIMS.md). A rank's stream is the one
 * that recorded an MpiEvent "init" (the process that called MPI_Init); its
 * rank and world size come from that record, and the other streams of its
 * process tree (DataLoader workers) carry the same rank in their RunStart.
 * The rank checks are functions that run.binding (every rank of the job
 * exactly once, all with rank 0's MPI_Init agreement) and log.complete
 * (every rank's stream present and final, as rank 0 gathered them at
 * MPI_Finalize) call before they conclude; mpi.init_consistent compares the
 * ranks' initial broadcasts. A log without MPI records has world 0. */
#ifndef TP_MPI_FACTS_H
#define TP_MPI_FACTS_H
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "core/format.h"
#include "core/vocab.h"
#include "runlog/records.h"
#include "runlog/runlog.h"
#include "verify/problems.h"

typedef struct {
    long stream;                 /* index of its MPI_Init stream, -1 when none */
    const Trainprov__V1__MpiEvent *init;
    size_t streams, records, files, broadcasts;
    uint64_t bytes_read, bcast_bytes, allreduce_calls;
} tp_rank_info;

typedef struct {
    const tp_runlog *log;
    const tp_decoded_stream *dec;
    int world;                   /* world size, 0 when not an MPI run */
    tp_rank_info *ranks;
    uint8_t run_id[TP_RUN_ID_LEN];
    int run_id_ok;
} tp_mpi_facts;

/* 0, or -1 when out of memory. */
int tp_mpi_facts_init(tp_mpi_facts *f, const tp_runlog *log, const tp_decoded_stream *dec);
void tp_mpi_facts_free(tp_mpi_facts *f);

/* The record's MpiEvent when it is one of this kind, else NULL. */
const Trainprov__V1__MpiEvent *tp_mpi_event(const Trainprov__V1__Record *r, enum tp_mpi_kind kind);
/* Rank r's initial broadcasts in order (*n of them; NULL when out of memory). */
const Trainprov__V1__MpiEvent **tp_mpi_broadcasts(const tp_mpi_facts *f, int r, size_t *n);
/* The per-rank summary of mpi.init_consistent's evidence. */
struct json_object *tp_mpi_ranks_json(const tp_mpi_facts *f);

/* run.binding's rank checks: every stream names a rank of the job, no rank
 * has two MPI streams, every rank called MPI_Init with the log's run id and
 * rank 0's agreement. */
void tp_mpi_check_binding(const tp_mpi_facts *f, tp_problems *p);
/* log.complete's rank checks: every rank ended with MPI_Finalize, and rank 0
 * gathered the final head of every other rank's stream as the log has it. */
void tp_mpi_check_complete(const tp_mpi_facts *f, tp_problems *p);

#endif
