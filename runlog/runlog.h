/* runlog.h: a run log in memory, the one model every CLI path shares:
 * journals -> runlog (journal_load.c), runlog -> HDF5 (h5log_write.c),
 * HDF5 -> runlog (h5log_read.c), runlog -> claims (claims.c) and dumps.
 * Record and head bytes are kept exactly as written; decoding happens on use.
 * Ids are bytes here; hex is made only where a log is written or printed. */
#ifndef TP_RUNLOG_H
#define TP_RUNLOG_H
#include <stddef.h>
#include <stdint.h>

#include "core/format.h"
#include "core/sign.h"

typedef struct {
    uint8_t *data;
    size_t len;
} tp_bytes;

typedef struct {
    uint64_t stream_id;
    tp_bytes *records;       /* exact record bytes, in stream order */
    size_t n_records;
    tp_bytes *head_bodies;   /* exact TreeHead bytes, in journal order */
    uint8_t (*head_sigs)[TP_SIG_LEN];
    size_t n_heads;
    char journal_status[16]; /* "complete", "torn" or "bad": how the journal ended */
    uint64_t dropped_unsigned; /* records after the last signed head, not kept */
    int outlived;            /* its process still ran when the manifest was signed
                                (cli/run_drain.c; ManifestStream.outlived) */
} tp_stream_data;

typedef struct {
    uint8_t run_id[TP_RUN_ID_LEN]; /* the root attribute (checked against the records) */
    uint8_t key_id[TP_KEY_ID_LEN];
    int has_run_id, has_key_id;    /* 0 only for journals without a RunStart */
    char library_version[32];
    char assembled_by[16];   /* "run", "mpi" or "recover" */
    tp_stream_data *streams;
    size_t n_streams;
    int has_manifest;
    tp_bytes manifest_body;  /* exact RunManifest bytes */
    uint8_t manifest_sig[TP_SIG_LEN];
} tp_runlog;

/* The ids as the text edges show them: lowercase hex, "" when unknown. */
typedef struct {
    char run_id[2 * TP_RUN_ID_LEN + 1];
    char key_id[2 * TP_KEY_ID_LEN + 1];
} tp_runlog_ids_hex;

void tp_runlog_free(tp_runlog *log);
tp_runlog_ids_hex tp_runlog_ids(const tp_runlog *log);
/* Records in all streams. */
size_t tp_runlog_count_records(const tp_runlog *log);
/* "s" unless n is 1, for messages like "%zu stream%s". */
const char *tp_plural(size_t n);
/* Appends a zeroed stream and returns it (NULL when out of memory). */
tp_stream_data *tp_runlog_add_stream(tp_runlog *log, uint64_t stream_id);
int tp_stream_add_record(tp_stream_data *s, const uint8_t *data, size_t len);
int tp_stream_add_head(tp_stream_data *s, const uint8_t *body, size_t len,
                       const uint8_t sig[TP_SIG_LEN]);

#endif
