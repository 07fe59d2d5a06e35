/* cursor.h: a bounds-checked reader over a byte buffer, for little-endian
 * fields and the lengths a file declares. Every read either takes all its
 * bytes or fails (TP_ETRUNCATED) leaving the position unchanged; nothing
 * ever reads past data + len. Header-only so that any library can use it. */
#ifndef TP_CURSOR_H
#define TP_CURSOR_H
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

typedef struct {
    const uint8_t *data;
    size_t len;
    size_t pos;
} tp_cursor;

static inline tp_cursor tp_cursor_make(const uint8_t *data, size_t len)
{
    return (tp_cursor){data, len, 0};
}

static inline size_t tp_cursor_left(const tp_cursor *c) { return c->len - c->pos; }

/* Points *out at the next n bytes and steps over them. */
static inline int tp_cursor_bytes(tp_cursor *c, size_t n, const uint8_t **out)
{
    if (n > tp_cursor_left(c))
        return TP_ETRUNCATED;
    *out = c->data + c->pos;
    c->pos += n;
    return 0;
}

static inline int tp_cursor_u8(tp_cursor *c, uint8_t *v)
{
    const uint8_t *p;
    int rc = tp_cursor_bytes(c, 1, &p);
    if (rc == 0)
        *v = p[0];
    return rc;
}

static inline int tp_cursor_u32le(tp_cursor *c, uint32_t *v)
{
    const uint8_t *p;
    int rc = tp_cursor_bytes(c, 4, &p);
    if (rc == 0)
        *v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    return rc;
}

static inline int tp_cursor_u64le(tp_cursor *c, uint64_t *v)
{
    const uint8_t *p;
    int rc = tp_cursor_bytes(c, 8, &p);
    if (rc == 0) {
        *v = 0;
        for (int i = 7; i >= 0; i--)
            *v = *v << 8 | p[i];
    }
    return rc;
}

/* Little-endian writers for the matching encoders (out must hold the bytes). */
static inline void tp_put_u32le(uint8_t *out, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        out[i] = (uint8_t)(v >> (8 * i));
}

#endif
