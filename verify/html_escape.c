/* html_escape.c: log strings as inert HTML text (html_escape.h). */
#include "verify/html_escape.h"

#include <stdint.h>

#include "runlog/records.h"

/* U+202A..U+202E and U+2066..U+2069: explicit bidirectional formatting. */
static int bidi_control(const unsigned char *p, size_t n)
{
    if (n != 3 || p[0] != 0xe2)
        return 0;
    return (p[1] == 0x80 && p[2] >= 0xaa && p[2] <= 0xae) ||
           (p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9);
}

void tp_html_text_max(FILE *out, const char *s, size_t max)
{
    if (!s)
        return;
    const unsigned char *p = (const unsigned char *)s, *start = p;
    while (*p) {
        if ((size_t)(p - start) >= max) {
            fputs("\xe2\x80\xa6", out); /* … */
            return;
        }
        size_t n = tp_utf8_len(p);
        if (n == 0 || (n == 1 && (*p < 0x20 || *p == 0x7f)) || (n == 2 && p[0] == 0xc2 && p[1] < 0xa0)) {
            fprintf(out, "\\x%02x", *p++); /* C1 controls show as their first byte, then the second */
            if (n == 2)
                fprintf(out, "\\x%02x", *p++);
            continue;
        }
        if (bidi_control(p, n)) {
            uint32_t cp = ((uint32_t)(p[0] & 0x0f) << 12) | ((uint32_t)(p[1] & 0x3f) << 6) |
                          (p[2] & 0x3f);
            fprintf(out, "\\u%04x", (unsigned)cp);
            p += n;
            continue;
        }
        switch (*p) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        case '\'': fputs("&#39;", out); break;
        default: fwrite(p, 1, n, out);
        }
        p += n;
    }
}

void tp_html_text(FILE *out, const char *s)
{
    tp_html_text_max(out, s, TP_HTML_TEXT_MAX);
}
