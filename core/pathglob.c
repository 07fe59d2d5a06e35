/* pathglob.c: glob matching of recorded paths (see pathglob.h). Two levels,
 * each the classic wildcard algorithm with one backtracking point: bytes
 * inside a component against *, and components against **. Only the last
 * star needs to be retried, so the work stays polynomial whatever a hostile
 * log's signed globs say. */
#include "core/pathglob.h"

#include <string.h>

/* Whether c is in the named [:class:] (ASCII); -1 for an unknown name. */
static int class_has(const char *name, size_t n, unsigned char c)
{
    int upper = c >= 'A' && c <= 'Z', lower = c >= 'a' && c <= 'z';
    int digit = c >= '0' && c <= '9';
#define TP_IS(word) (n == sizeof word - 1 && memcmp(name, word, n) == 0)
    if (TP_IS("alpha"))
        return upper || lower;
    if (TP_IS("digit"))
        return digit;
    if (TP_IS("alnum"))
        return upper || lower || digit;
    if (TP_IS("upper"))
        return upper;
    if (TP_IS("lower"))
        return lower;
    if (TP_IS("space"))
        return c == ' ' || (c >= '\t' && c <= '\r');
    if (TP_IS("xdigit"))
        return digit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (TP_IS("punct"))
        return c > ' ' && c < 127 && !(upper || lower || digit);
#undef TP_IS
    return -1;
}

/* p points at '[': 1 when c is in the set, 0 when not (*end is then just
 * after its ']'), -1 when p does not start a well-formed set (the '[' is
 * then a literal). */
static int match_set(const char *p, const char *pe, unsigned char c, const char **end)
{
    const char *q = p + 1;
    int negate = 0, hit = 0, first = 1;
    if (q < pe && (*q == '!' || *q == '^')) {
        negate = 1;
        q++;
    }
    while (q < pe && (*q != ']' || first)) {
        first = 0;
        if (*q == '[' && q + 1 < pe && q[1] == ':') {
            const char *name = q + 2, *close = name;
            while (close + 1 < pe && !(close[0] == ':' && close[1] == ']'))
                close++;
            if (close + 1 < pe) {
                int in = class_has(name, (size_t)(close - name), c);
                if (in < 0)
                    return -1;
                hit |= in;
                q = close + 2;
                continue;
            }
        }
        unsigned char lo = (unsigned char)*q++;
        if (lo == '\\' && q < pe)
            lo = (unsigned char)*q++;
        unsigned char hi = lo;
        if (q + 1 < pe && *q == '-' && q[1] != ']') {
            q++;
            hi = (unsigned char)*q++;
            if (hi == '\\' && q < pe)
                hi = (unsigned char)*q++;
        }
        if (c >= lo && c <= hi)
            hit = 1;
    }
    if (q >= pe)
        return -1;
    *end = q + 1;
    return hit != negate;
}

/* One pattern component [p, pe) against one path component [s, se). */
static int match_component(const char *p, const char *pe, const char *s, const char *se)
{
    if (s < se && *s == '.' && !(p < pe && (*p == '.' || (*p == '\\' && p + 1 < pe && p[1] == '.'))))
        return 0; /* a leading '.' only by a literal '.' */
    const char *star_p = NULL, *star_s = NULL;
    while (s < se) {
        if (p < pe && *p == '*') {
            while (p < pe && *p == '*')
                p++;
            star_p = p;
            star_s = s;
            continue;
        }
        if (p < pe) {
            const char *next = p + 1;
            int ok = -1;
            if (*p == '?')
                ok = 1;
            else if (*p == '[')
                ok = match_set(p, pe, (unsigned char)*s, &next);
            if (ok < 0) {
                next = p + 1;
                unsigned char lit = (unsigned char)*p;
                if (lit == '\\' && p + 1 < pe) {
                    lit = (unsigned char)p[1];
                    next = p + 2;
                }
                ok = lit == (unsigned char)*s;
            }
            if (ok) {
                p = next;
                s++;
                continue;
            }
        }
        if (!star_p)
            return 0;
        p = star_p;
        s = ++star_s;
    }
    while (p < pe && *p == '*')
        p++;
    return p == pe;
}

static const char *component_end(const char *x)
{
    const char *e = strchr(x, '/');
    return e ? e : x + strlen(x);
}

/* The next component after the one ending at e, NULL after the last. */
static const char *after(const char *e) { return *e == '/' ? e + 1 : NULL; }

static int is_globstar(const char *p, const char *pe)
{
    return pe - p == 2 && p[0] == '*' && p[1] == '*';
}

int tp_pathglob_match(const char *pattern, const char *path)
{
    if (!pattern || !path || pattern[0] != '/' || path[0] != '/')
        return 0;
    const char *p = pattern + 1, *s = path + 1;
    const char *star_p = NULL, *star_s = NULL; /* after the last **, and where it began */
    while (s) {
        if (p) {
            const char *pe = component_end(p), *se = component_end(s);
            if (is_globstar(p, pe)) {
                star_p = after(pe);
                star_s = s;
                p = star_p;
                continue;
            }
            if (match_component(p, pe, s, se)) {
                p = after(pe);
                s = after(se);
                continue;
            }
        }
        if (!star_s)
            return 0;
        star_s = after(component_end(star_s)); /* the ** takes one more component */
        p = star_p;
        s = star_s;
    }
    for (; p; p = after(component_end(p)))
        if (!is_globstar(p, component_end(p)))
            return 0;
    return 1;
}

int tp_pathglob_is_magic(const char *s, size_t len)
{
    for (size_t i = 0; i < len && s[i]; i++)
        if (s[i] == '*' || s[i] == '?' || s[i] == '[' || s[i] == '\\')
            return 1;
    return 0;
}
