/* journal.h: the per-stream write-ahead journal file format (version 1).
 *
 *   file   = magic "TPJRNL01" frame*
 *   frame  = kind:u8  zero:u8[3]  length:u32le  payload[length]
 *   kind 1 = a Record's protobuf bytes, exactly as hashed into the Merkle tree
 *   kind 2 = a SignedHead protobuf (TreeHead body bytes + Ed25519 signature)
 *
 * A journal is append-only; a crash can leave a torn last frame, which the
 * reader reports as such and everything before it stays readable. */
#ifndef TP_JOURNAL_H
#define TP_JOURNAL_H
#include <stddef.h>
#include <stdint.h>

#include "core/cursor.h"
#include "core/format.h" /* journal naming */

#define TP_JOURNAL_MAGIC "TPJRNL01"
#define TP_JOURNAL_MAGIC_LEN 8
#define TP_FRAME_HEADER_LEN 8
#define TP_FRAME_MAX (16u << 20) /* no record or head is larger than 16 MiB */

enum tp_frame_kind { TP_FRAME_RECORD = 1, TP_FRAME_HEAD = 2 };

void tp_journal_frame_header(uint8_t out[TP_FRAME_HEADER_LEN], enum tp_frame_kind kind,
                             uint32_t len);

typedef struct {
    tp_cursor in;
} tp_journal_reader;

enum tp_journal_status {
    TP_JOURNAL_FRAME = 1, /* *kind, *payload, *len are set */
    TP_JOURNAL_END = 0,   /* clean end of journal */
    TP_JOURNAL_TORN = -1, /* the rest is an incomplete frame (crash mid-write) */
    TP_JOURNAL_BAD = -2,  /* not a journal, or an impossible frame */
};

/* Checks the magic; returns TP_JOURNAL_BAD if absent. */
int tp_journal_reader_init(tp_journal_reader *r, const uint8_t *data, size_t len);
int tp_journal_next(tp_journal_reader *r, enum tp_frame_kind *kind, const uint8_t **payload,
                    uint32_t *len);

#endif
