/* stream.h: one process image's record stream: serializes each record once,
 * appends it to the journal, hashes it into the Merkle tree and signs tree
 * heads. Used only by the background worker thread (single writer). */
#ifndef TP_STREAM_H
#define TP_STREAM_H
#include <stdint.h>
#include <sys/types.h>

#include "logger/config.h"
#include "core/merkle.h"
#include "core/sign.h"
#include "proto/trainprov.pb-c.h"

typedef struct {
    int fd;                  /* journal, O_APPEND (revalidated before use) */
    char path[4200];         /* the journal, to reopen if the job closed fd */
    dev_t dev;
    ino_t ino;
    uint64_t id;
    uint64_t offset;         /* journal length after the last good frame */
    uint64_t seq;            /* next record's position */
    tp_merkle tree;
    uint64_t signed_size;    /* tree size of the last signed head */
    int64_t last_head_ns;
    uint64_t dropped;        /* records that could not be written (disk full ...) */
    int warned;
    const tp_config *cfg;
    const tp_key *key;
    uint8_t key_id[TP_KEY_ID_LEN];
} tp_stream;

int64_t tp_now_ns(void);

/* Creates <journal_dir>/<id>.tpj (exclusively) and writes the RunStart record.
 * Returns 0, or -errno. */
int tp_stream_open(tp_stream *s, const tp_config *cfg, const tp_key *key, uint64_t id,
                   uint64_t parent, const char *origin);
/* Fills run_id/stream_id/seq, serializes once, journals and hashes the record.
 * A write failure is counted in s->dropped and warned about once. */
void tp_stream_append(tp_stream *s, Trainprov__V1__Record *rec);
/* Signs a head over everything appended so far and fsyncs the journal. */
void tp_stream_sign_head(tp_stream *s, int final);
/* The head over the RunStart, signed as soon as the stream opens, so that a
 * process killed in its first moments still leaves a signed stream. Not
 * fsync'ed: a killed process's writes survive it (only a machine crash
 * loses them), and a process start never waits for the disk. Does nothing
 * once a head was signed. */
void tp_stream_sign_first_head(tp_stream *s);
/* 1 when a periodic head is due (count or age of unsigned records). */
int tp_stream_head_due(const tp_stream *s, int64_t now_ns);
void tp_stream_close(tp_stream *s);

#endif
