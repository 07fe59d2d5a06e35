/* journal.c: encoding and bounded decoding of journal frames (see journal.h). */
#include "core/journal.h"

#include <string.h>

static void put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static uint32_t get_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

void tp_journal_frame_header(uint8_t out[TP_FRAME_HEADER_LEN], enum tp_frame_kind kind,
                             uint32_t len)
{
    out[0] = (uint8_t)kind;
    out[1] = out[2] = out[3] = 0;
    put_le32(out + 4, len);
}

int tp_journal_reader_init(tp_journal_reader *r, const uint8_t *data, size_t len)
{
    r->data = data;
    r->len = len;
    r->pos = 0;
    if (len < TP_JOURNAL_MAGIC_LEN)
        return len == 0 ? TP_JOURNAL_TORN : TP_JOURNAL_BAD;
    if (memcmp(data, TP_JOURNAL_MAGIC, TP_JOURNAL_MAGIC_LEN) != 0)
        return TP_JOURNAL_BAD;
    r->pos = TP_JOURNAL_MAGIC_LEN;
    return TP_JOURNAL_FRAME;
}

int tp_journal_next(tp_journal_reader *r, enum tp_frame_kind *kind, const uint8_t **payload,
                    uint32_t *len)
{
    size_t left = r->len - r->pos;
    if (left == 0)
        return TP_JOURNAL_END;
    if (left < TP_FRAME_HEADER_LEN)
        return TP_JOURNAL_TORN;
    const uint8_t *h = r->data + r->pos;
    uint32_t n = get_le32(h + 4);
    if ((h[0] != TP_FRAME_RECORD && h[0] != TP_FRAME_HEAD) || h[1] || h[2] || h[3] ||
        n > TP_FRAME_MAX)
        return TP_JOURNAL_BAD;
    if (left - TP_FRAME_HEADER_LEN < n)
        return TP_JOURNAL_TORN;
    *kind = (enum tp_frame_kind)h[0];
    *payload = h + TP_FRAME_HEADER_LEN;
    *len = n;
    r->pos += TP_FRAME_HEADER_LEN + n;
    return TP_JOURNAL_FRAME;
}
