/* format.h: the names and lengths the logger, `trainprov run` and the
 * verifier must agree on (docs/FORMAT.md), each defined once: ids, limits of
 * the evaluator's challenge, how journals and their directory are named, and
 * the columns of the HDF5 log's /files index. */
#ifndef TP_FORMAT_H
#define TP_FORMAT_H
#include <stddef.h>
#include <stdint.h>

#define TP_RUN_ID_LEN 16                   /* bytes of a run id (32 hex digits) */
#define TP_STREAM_HEX_LEN 16               /* a stream id (u64) as lowercase hex */
#define TP_NONCE_MAX 64                    /* challenge nonce bytes (TRAINPROV_NONCE) */
#define TP_CHALLENGE_MAX 4096              /* signed challenge document bytes */
#define TP_JOURNAL_SUFFIX ".tpj"           /* a journal file: "<16 hex>.tpj" */
#define TP_JOURNAL_DIR_SUFFIX ".journal"   /* the journals of RUN.h5: "RUN.h5.journal/" */

/* The /files compound dataset, in its column order (docs/FORMAT.md section 6):
 * X(name, kind) with kind STR (variable-length UTF-8), HEX64 / HEX16 (fixed
 * width lowercase hex, NUL-padded) or U64. */
#define TP_FILES_COLUMNS(X)                                                                        \
    X(path, STR)                                                                                   \
    X(role, STR)                                                                                   \
    X(sha256, HEX64)                                                                               \
    X(size, U64)                                                                                   \
    X(bytes_read, U64)                                                                             \
    X(bytes_written, U64)                                                                          \
    X(access, STR)                                                                                 \
    X(stream, HEX16)                                                                               \
    X(seq, U64)

/* A stream id as 16 lowercase hex digits. */
void tp_stream_hex(uint64_t id, char out[TP_STREAM_HEX_LEN + 1]);
/* "<16 lowercase hex>.tpj" into *id; TP_EMALFORMED for any other name. */
int tp_journal_name_parse(const char *name, uint64_t *id);
/* "DIR/<16 hex>.tpj". 0, or TP_ETOOBIG when it does not fit in cap. */
int tp_journal_path(char *out, size_t cap, const char *dir, uint64_t id);
/* The journal directory of a log: "<log>.journal". 0, or TP_ETOOBIG. */
int tp_journal_dir_for(const char *log_path, char *out, size_t cap);

#endif
