/* inflate.h: a bounded decoder of raw DEFLATE streams (RFC 1951), for the
 * logger's content test (the start of a deflated zip member or gzip file)
 * and any reader of untrusted files. It decodes into a caller's buffer and
 * stops cleanly after out_cap bytes: the output is also the window (only
 * the start of a stream is ever wanted), so no state outlives a call. No
 * allocation, no global state, no recursion; every code length, symbol and
 * distance is checked, and a malformed or truncated stream is an error
 * code, never a read or write out of bounds. */
#ifndef TP_INFLATE_H
#define TP_INFLATE_H
#include <stddef.h>
#include <stdint.h>

typedef enum {
    TP_INFLATE_DONE = 0,           /* the final block ended: the whole stream is in out */
    TP_INFLATE_FULL = 1,           /* out_cap bytes were produced (the stream may go on) */
    TP_INFLATE_TRUNCATED = -1,     /* the input ended inside the stream */
    TP_INFLATE_BAD_BLOCK = -2,     /* block type 3 */
    TP_INFLATE_BAD_STORED = -3,    /* a stored block's length and its complement differ */
    TP_INFLATE_BAD_CODES = -4,     /* a dynamic block's code lengths describe no valid code */
    TP_INFLATE_BAD_SYMBOL = -5,    /* a code that is not in the code, or symbol 286-287 / 30-31 */
    TP_INFLATE_BAD_DISTANCE = -6,  /* a distance back past the start of the output */
} tp_inflate_status;

/* Decodes the raw DEFLATE stream in[0..in_len) into out[0..out_cap):
 * *out_len bytes were produced, *in_used bytes of input consumed (whole
 * bytes; at DONE, up to the end of the final block). Returns DONE, FULL
 * or a negative error (out then holds the bytes decoded before it). */
tp_inflate_status tp_inflate(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap,
                             size_t *in_used, size_t *out_len);

/* A short English name of a status ("the input ended inside the stream"). */
const char *tp_inflate_status_name(tp_inflate_status s);

#endif
