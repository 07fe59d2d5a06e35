/* hex.h: the one hex codec. Lowercase on output; input is decoded only
 * with its length checked first (exactly 2n digits for n bytes). */
#ifndef TP_HEX_H
#define TP_HEX_H
#include <stddef.h>
#include <stdint.h>

/* Lowercase hex of n bytes into out (2n + 1 bytes, NUL-terminated). */
void tp_hex_encode(const uint8_t *in, size_t n, char *out);
/* The same in a fresh string (NULL when out of memory). */
char *tp_hex_dup(const uint8_t *in, size_t n);
/* Decodes the NUL-terminated s, which must be exactly 2n hex digits (either
 * case), into out[n]. 0, or TP_EMALFORMED (out may be partly written). */
int tp_hex_decode(const char *s, uint8_t *out, size_t n);
/* The same for the first len characters of s (no terminator needed). */
int tp_hex_decode_n(const char *s, size_t len, uint8_t *out, size_t n);
/* 1 when s[0..len) are all lowercase hex digits (the canonical form that
 * names and attributes use), else 0. */
int tp_hex_is_lower(const char *s, size_t len);

#endif
