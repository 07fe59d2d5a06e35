/* hex.c: the hex codec of hex.h. */
#include "core/hex.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"

static const char digits[] = "0123456789abcdef";

static int digit_value(char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

void tp_hex_encode(const uint8_t *in, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

char *tp_hex_dup(const uint8_t *in, size_t n)
{
    char *s = n < (SIZE_MAX - 1) / 2 ? malloc(2 * n + 1) : NULL;
    if (s)
        tp_hex_encode(in, n, s);
    return s;
}

int tp_hex_decode_n(const char *s, size_t len, uint8_t *out, size_t n)
{
    if (len != 2 * n)
        return TP_EMALFORMED;
    for (size_t i = 0; i < n; i++) {
        int hi = digit_value(s[2 * i]), lo = digit_value(s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return TP_EMALFORMED;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

int tp_hex_decode(const char *s, uint8_t *out, size_t n)
{
    return s ? tp_hex_decode_n(s, strnlen(s, 2 * n + 1), out, n) : TP_EMALFORMED;
}

int tp_hex_is_lower(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return 1;
}
