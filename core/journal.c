/* journal.c: encoding and bounded decoding of journal frames (see journal.h). */
#include "core/journal.h"

#include <string.h>

void tp_journal_frame_header(uint8_t out[TP_FRAME_HEADER_LEN], enum tp_frame_kind kind,
                             uint32_t len)
{
    out[0] = (uint8_t)kind;
    out[1] = out[2] = out[3] = 0;
    tp_put_u32le(out + 4, len);
}

int tp_journal_reader_init(tp_journal_reader *r, const uint8_t *data, size_t len)
{
    r->in = tp_cursor_make(data, len);
    const uint8_t *magic;
    if (tp_cursor_bytes(&r->in, TP_JOURNAL_MAGIC_LEN, &magic) != 0)
        return len == 0 ? TP_JOURNAL_TORN : TP_JOURNAL_BAD;
    if (memcmp(magic, TP_JOURNAL_MAGIC, TP_JOURNAL_MAGIC_LEN) != 0)
        return TP_JOURNAL_BAD;
    return TP_JOURNAL_FRAME;
}

int tp_journal_next(tp_journal_reader *r, enum tp_frame_kind *kind, const uint8_t **payload,
                    uint32_t *len)
{
    if (tp_cursor_left(&r->in) == 0)
        return TP_JOURNAL_END;
    tp_cursor c = r->in; /* committed only when the whole frame is there */
    uint8_t k, zero[3];
    uint32_t n;
    if (tp_cursor_u8(&c, &k) || tp_cursor_u8(&c, &zero[0]) || tp_cursor_u8(&c, &zero[1]) ||
        tp_cursor_u8(&c, &zero[2]) || tp_cursor_u32le(&c, &n))
        return TP_JOURNAL_TORN;
    if ((k != TP_FRAME_RECORD && k != TP_FRAME_HEAD) || zero[0] || zero[1] || zero[2] ||
        n > TP_FRAME_MAX)
        return TP_JOURNAL_BAD;
    if (tp_cursor_bytes(&c, n, payload) != 0)
        return TP_JOURNAL_TORN;
    *kind = (enum tp_frame_kind)k;
    *len = n;
    r->in = c;
    return TP_JOURNAL_FRAME;
}
