/* records.h: the exact record, head and manifest bytes of a run log decoded
 * into protobuf-c messages; the file table (one row per FileEvent), derived
 * from the records or read from the log's /files index; and records rendered
 * for people (one text line) and programs (json-c objects). */
#ifndef TP_RECORDS_H
#define TP_RECORDS_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <json-c/json.h>

#include "core/format.h" /* tp_stream_hex */
#include "runlog/runlog.h"
#include "proto/trainprov.pb-c.h"

/* Each returns the decoded message, or NULL with err saying what failed. */
Trainprov__V1__Record *tp_record_decode(const tp_bytes *b, char *err, size_t errlen);
Trainprov__V1__TreeHead *tp_head_decode(const tp_bytes *b, char *err, size_t errlen);
Trainprov__V1__RunManifest *tp_manifest_decode(const tp_bytes *b, char *err, size_t errlen);

/* One stream's records decoded once; records[i] is NULL when record i's bytes
 * do not decode. */
typedef struct {
    Trainprov__V1__Record **records;
    size_t n;
} tp_decoded_stream;

/* Decodes every record of every stream (out gets log->n_streams entries).
 * 0, or -1 when out of memory. */
int tp_records_decode_all(const tp_runlog *log, tp_decoded_stream **out);
void tp_records_free_all(tp_decoded_stream *d, size_t n_streams);

/* "run_start", "seed", "init_tensor", "file", "mpi_event", "note",
 * "stream_end", "child" or "none". */
const char *tp_record_type(const Trainprov__V1__Record *r);
/* ISO-8601 UTC with nanoseconds, e.g. 2025-01-31T12:00:00.000000001Z. */
void tp_time_iso(int64_t ns, char out[40]);

/* Every field of the record; bytes as lowercase hex, fixed64 stream ids as
 * 16 hex digits, each *_ns time also as an ISO-8601 string without "_ns". */
struct json_object *tp_record_json(const Trainprov__V1__Record *r);
struct json_object *tp_head_json(const Trainprov__V1__TreeHead *h, const uint8_t sig[TP_SIG_LEN]);
/* One line (with '\n'): stream, seq, time, type and the body's key fields. */
void tp_record_print(FILE *out, const Trainprov__V1__Record *r);

/* Length of the valid UTF-8 sequence at s (1 to 4), or 0 when it is not
 * one (a stray, overlong or surrogate byte sequence). */
size_t tp_utf8_len(const unsigned char *s);
/* Writes s with control characters and invalid UTF-8 as \xNN, so that a
 * string from a log cannot forge lines of a report or move a terminal. */
void tp_print_safe(FILE *out, const char *s);
/* Writes o as pretty JSON and a newline, invalid UTF-8 replaced by U+FFFD.
 * 0, or -1 when writing fails. */
int tp_json_write(FILE *out, struct json_object *o);
/* o as JSON text (json-c flags) with invalid UTF-8 replaced by U+FFFD, in a
 * fresh string of *len bytes: bytes to sign or hash. NULL when out of memory. */
char *tp_json_utf8(struct json_object *o, int flags, size_t *len);

/* One FileEvent, its members named as the /files columns (TP_FILES_COLUMNS
 * of core/format.h) plus hash_error. All strings are owned; sha256 is
 * lowercase hex or "". */
typedef struct {
    char *path, *role, *sha256, *access, *stream, *hash_error;
    uint64_t size, bytes_read, bytes_written, seq;
} tp_file_row;

typedef struct {
    tp_file_row *rows;
    size_t n;
    int present; /* 0 when the log has no /files dataset */
} tp_file_table;

/* The table the records say: one row per decoded FileEvent, in stream then
 * record order. 0, or -1 when out of memory. */
int tp_files_from_records(const tp_runlog *log, const tp_decoded_stream *dec, tp_file_table *out);
/* The shape shared by verify's and dump's JSON "files". */
struct json_object *tp_files_json(const tp_file_table *t);
void tp_files_free(tp_file_table *t);

/* tp_h5log_read (h5log.h) that also reads the /files index into files
 * (implemented in h5log_read.c). 0, or -1 with err naming the file. */
int tp_h5log_read_files(const char *path, tp_runlog *out, tp_file_table *files, char *err,
                        size_t errlen);

#endif
