/* inflate.c: a bounded raw DEFLATE decoder (RFC 1951; see inflate.h).
 * Written for this project after the structure of zlib's contrib/puff:
 * canonical Huffman codes kept as counts per length and symbols in code
 * order, plus a 10-bit lookup table for the short codes (most symbols) so
 * that a symbol usually costs one table read. The output buffer is the
 * window: a distance may reach back to the start of the output, never
 * further. Input is read through a 64-bit bit buffer refilled a word at a
 * time when 8 bytes remain, a byte at a time at the end. */
#include "core/inflate.h"

#include <string.h>

#define MAX_BITS 15      /* longest code */
#define MAX_LCODES 286   /* literal/length symbols that may be sent */
#define MAX_DCODES 30    /* distance symbols that may be sent */
#define FIXED_LCODES 288 /* the fixed code also assigns 286 and 287 */
#define FAST_BITS 10     /* codes up to this length decode by one table read */

typedef struct {
    uint16_t count[MAX_BITS + 1];   /* codes of each length (count[0]: unused symbols) */
    uint16_t symbol[FIXED_LCODES];  /* symbols in canonical code order */
    uint16_t fast[1 << FAST_BITS];  /* length << 9 | symbol, by the next FAST_BITS input
                                     * bits (LSB first); 0 when the code is longer */
} huffman;

typedef struct {
    const uint8_t *in;
    size_t in_len, pos;     /* the next input byte not yet in bits */
    uint64_t bits;          /* input bits not yet consumed, LSB first */
    unsigned nbits;
    uint8_t *out;
    size_t out_cap, out_len;
} stream;

static void refill(stream *s)
{
    if (s->in_len - s->pos >= 8) {
        uint64_t w = 0;
        for (unsigned i = 0; i < 8; i++) /* a little-endian load: one instruction at -O2 */
            w |= (uint64_t)s->in[s->pos + i] << (8 * i);
        s->bits |= w << s->nbits;
        s->pos += (63 - s->nbits) >> 3;
        s->nbits |= 56;
        s->bits &= (1ull << s->nbits) - 1; /* bytes of w not consumed stay out */
        return;
    }
    while (s->nbits <= 56 && s->pos < s->in_len) {
        s->bits |= (uint64_t)s->in[s->pos++] << s->nbits;
        s->nbits += 8;
    }
}

/* Makes n <= 32 bits available: 0, or TRUNCATED at the end of the input. */
static int need(stream *s, unsigned n)
{
    if (s->nbits < n)
        refill(s);
    return s->nbits < n ? TP_INFLATE_TRUNCATED : 0;
}

/* The next n available bits (need() first). */
static unsigned take(stream *s, unsigned n)
{
    unsigned v = (unsigned)(s->bits & ((1ull << n) - 1));
    s->bits >>= n;
    s->nbits -= n;
    return v;
}

/* Builds h from the code lengths length[0..n): 0 when the code is complete
 * (or has no codes at all: decoding then fails), > 0 when incomplete, < 0
 * when over-subscribed (more codes than lengths allow: no code). */
static int build(huffman *h, const uint8_t *length, unsigned n)
{
    memset(h->count, 0, sizeof h->count);
    for (unsigned i = 0; i < n; i++)
        h->count[length[i]]++;
    memset(h->fast, 0, sizeof h->fast);
    if (h->count[0] == n)
        return 0;
    int left = 1;
    for (unsigned len = 1; len <= MAX_BITS; len++) {
        left <<= 1;
        left -= h->count[len];
        if (left < 0)
            return left;
    }
    uint16_t offs[MAX_BITS + 1], next[MAX_BITS + 1];
    unsigned code = 0;
    offs[1] = 0;
    next[1] = 0;
    for (unsigned len = 1; len < MAX_BITS; len++) {
        offs[len + 1] = (uint16_t)(offs[len] + h->count[len]);
        code = (code + h->count[len]) << 1;
        next[len + 1] = (uint16_t)code;
    }
    for (unsigned sym = 0; sym < n; sym++) {
        unsigned len = length[sym];
        if (len == 0)
            continue;
        h->symbol[offs[len]++] = (uint16_t)sym;
        unsigned c = next[len]++;
        if (len > FAST_BITS)
            continue;
        unsigned rev = 0; /* codes are sent MSB first, the table is indexed LSB first */
        for (unsigned b = 0; b < len; b++)
            rev |= ((c >> b) & 1u) << (len - 1 - b);
        for (unsigned j = rev; j < (1u << FAST_BITS); j += 1u << len)
            h->fast[j] = (uint16_t)(len << 9 | sym);
    }
    return left;
}

/* The next symbol of code h, or a negative status. */
static int decode(stream *s, const huffman *h)
{
    if (s->nbits < MAX_BITS)
        refill(s);
    unsigned e = h->fast[s->bits & ((1u << FAST_BITS) - 1)];
    if (e) {
        unsigned len = e >> 9;
        if (len > s->nbits)
            return TP_INFLATE_TRUNCATED;
        s->bits >>= len;
        s->nbits -= len;
        return (int)(e & 511);
    }
    /* a longer code (or none): walk the canonical code a bit at a time */
    int code = 0, first = 0, index = 0;
    for (unsigned len = 1; len <= MAX_BITS; len++) {
        if (len > s->nbits)
            return TP_INFLATE_TRUNCATED;
        code |= (int)((s->bits >> (len - 1)) & 1);
        int count = h->count[len];
        if (code - first < count) {
            s->bits >>= len;
            s->nbits -= len;
            return h->symbol[index + (code - first)];
        }
        index += count;
        first = (first + count) << 1;
        code <<= 1;
    }
    return TP_INFLATE_BAD_SYMBOL;
}

/* A stored block: 0 at its end, else a status. */
static int stored(stream *s)
{
    take(s, s->nbits & 7); /* to a byte boundary */
    if (need(s, 32))
        return TP_INFLATE_TRUNCATED;
    unsigned len = take(s, 16), nlen = take(s, 16);
    if (len != (~nlen & 0xffffu))
        return TP_INFLATE_BAD_STORED;
    while (len > 0 && s->nbits >= 8) { /* whole bytes already in the bit buffer */
        if (s->out_len == s->out_cap)
            return TP_INFLATE_FULL;
        s->out[s->out_len++] = (uint8_t)take(s, 8);
        len--;
    }
    size_t n = len, avail = s->in_len - s->pos, room = s->out_cap - s->out_len;
    n = n < avail ? n : avail;
    n = n < room ? n : room;
    memcpy(s->out + s->out_len, s->in + s->pos, n);
    s->out_len += n;
    s->pos += n;
    if (n < len)
        return s->out_len == s->out_cap ? TP_INFLATE_FULL : TP_INFLATE_TRUNCATED;
    return 0;
}

/* The symbols of a Huffman block until its end code: 0, else a status. */
static int codes(stream *s, const huffman *lc, const huffman *dc)
{
    static const uint16_t lbase[29] = {3,  4,  5,  6,  7,  8,  9,  10, 11,  13,  15,  17,  19,  23, 27,
                                       31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
    static const uint8_t lext[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
                                     2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
    static const uint16_t dbase[30] = {1,    2,    3,    4,    5,    7,     9,     13,    17,  25,
                                       33,   49,   65,   97,   129,  193,   257,   385,   513, 769,
                                       1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
    static const uint8_t dext[30] = {0, 0, 0, 0, 1, 1, 2, 2, 3,  3,  4,  4,  5,  5,  6,
                                     6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};
    for (;;) {
        int sym = decode(s, lc);
        if (sym < 0)
            return sym;
        if (sym < 256) {
            if (s->out_len == s->out_cap)
                return TP_INFLATE_FULL;
            s->out[s->out_len++] = (uint8_t)sym;
            continue;
        }
        if (sym == 256)
            return 0;
        sym -= 257;
        if (sym >= 29)
            return TP_INFLATE_BAD_SYMBOL;
        if (need(s, lext[sym]))
            return TP_INFLATE_TRUNCATED;
        size_t len = lbase[sym] + take(s, lext[sym]);
        int dsym = decode(s, dc);
        if (dsym < 0)
            return dsym;
        if (dsym >= 30)
            return TP_INFLATE_BAD_SYMBOL;
        if (need(s, dext[dsym]))
            return TP_INFLATE_TRUNCATED;
        size_t dist = dbase[dsym] + take(s, dext[dsym]);
        if (dist > s->out_len)
            return TP_INFLATE_BAD_DISTANCE;
        size_t room = s->out_cap - s->out_len, n = len < room ? len : room;
        uint8_t *to = s->out + s->out_len;
        const uint8_t *from = to - dist;
        if (dist >= n)
            memcpy(to, from, n);
        else
            for (size_t i = 0; i < n; i++) /* overlapping: a run repeats */
                to[i] = from[i];
        s->out_len += n;
        if (n < len)
            return TP_INFLATE_FULL;
    }
}

static void build_fixed(huffman *lc, huffman *dc)
{
    uint8_t length[FIXED_LCODES];
    memset(length, 8, 144);
    memset(length + 144, 9, 112);
    memset(length + 256, 7, 24);
    memset(length + 280, 8, 8);
    build(lc, length, FIXED_LCODES);
    memset(length, 5, MAX_DCODES + 2);
    build(dc, length, MAX_DCODES + 2);
}

/* A dynamic block's code descriptions into lc and dc: 0, else a status. */
static int dynamic_codes(stream *s, huffman *lc, huffman *dc)
{
    static const uint8_t order[19] = {16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15};
    uint8_t length[MAX_LCODES + MAX_DCODES];
    if (need(s, 14))
        return TP_INFLATE_TRUNCATED;
    unsigned nlen = take(s, 5) + 257, ndist = take(s, 5) + 1, ncode = take(s, 4) + 4;
    if (nlen > MAX_LCODES || ndist > MAX_DCODES)
        return TP_INFLATE_BAD_CODES;
    memset(length, 0, 19);
    for (unsigned i = 0; i < ncode; i++) {
        if (need(s, 3))
            return TP_INFLATE_TRUNCATED;
        length[order[i]] = (uint8_t)take(s, 3);
    }
    if (build(lc, length, 19) != 0) /* the code-length code must be complete */
        return TP_INFLATE_BAD_CODES;
    for (unsigned i = 0; i < nlen + ndist;) {
        int sym = decode(s, lc);
        if (sym < 0)
            return sym == TP_INFLATE_BAD_SYMBOL ? TP_INFLATE_BAD_CODES : sym;
        if (sym < 16) {
            length[i++] = (uint8_t)sym;
            continue;
        }
        uint8_t len = 0;
        unsigned rep;
        if (sym == 16) {
            if (i == 0)
                return TP_INFLATE_BAD_CODES; /* nothing to repeat */
            len = length[i - 1];
            if (need(s, 2))
                return TP_INFLATE_TRUNCATED;
            rep = 3 + take(s, 2);
        } else if (sym == 17) {
            if (need(s, 3))
                return TP_INFLATE_TRUNCATED;
            rep = 3 + take(s, 3);
        } else {
            if (need(s, 7))
                return TP_INFLATE_TRUNCATED;
            rep = 11 + take(s, 7);
        }
        if (i + rep > nlen + ndist)
            return TP_INFLATE_BAD_CODES;
        memset(length + i, len, rep);
        i += rep;
    }
    if (length[256] == 0)
        return TP_INFLATE_BAD_CODES; /* no end-of-block code */
    /* incomplete codes only when they are a single code of one bit */
    int err = build(lc, length, nlen);
    if (err < 0 || (err > 0 && nlen != lc->count[0] + lc->count[1]))
        return TP_INFLATE_BAD_CODES;
    err = build(dc, length + nlen, ndist);
    if (err < 0 || (err > 0 && ndist != dc->count[0] + dc->count[1]))
        return TP_INFLATE_BAD_CODES;
    return 0;
}

tp_inflate_status tp_inflate(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap,
                             size_t *in_used, size_t *out_len)
{
    stream s = {.in = in, .in_len = in_len, .out = out, .out_cap = out_cap};
    huffman lc, dc;
    enum { NONE, FIXED, DYNAMIC } tables = NONE;
    int r = 0, last = 0;
    while (r == 0 && !last) {
        if (need(&s, 3)) {
            r = TP_INFLATE_TRUNCATED;
            break;
        }
        last = (int)take(&s, 1);
        switch (take(&s, 2)) {
        case 0:
            r = stored(&s);
            break;
        case 1:
            if (tables != FIXED)
                build_fixed(&lc, &dc);
            tables = FIXED;
            r = codes(&s, &lc, &dc);
            break;
        case 2:
            tables = DYNAMIC;
            r = dynamic_codes(&s, &lc, &dc);
            if (r == 0)
                r = codes(&s, &lc, &dc);
            break;
        default:
            r = TP_INFLATE_BAD_BLOCK;
        }
    }
    *in_used = s.pos - s.nbits / 8;
    *out_len = s.out_len;
    return (tp_inflate_status)r;
}

const char *tp_inflate_status_name(tp_inflate_status s)
{
    switch (s) {
    case TP_INFLATE_DONE: return "the stream ended";
    case TP_INFLATE_FULL: return "the output limit was reached";
    case TP_INFLATE_TRUNCATED: return "the input ended inside the stream";
    case TP_INFLATE_BAD_BLOCK: return "a block of the reserved type 3";
    case TP_INFLATE_BAD_STORED: return "a stored block's length does not match its complement";
    case TP_INFLATE_BAD_CODES: return "a dynamic block's code lengths describe no valid code";
    case TP_INFLATE_BAD_SYMBOL: return "an invalid code or symbol";
    case TP_INFLATE_BAD_DISTANCE: return "a distance back past the start of the output";
    }
    return "unknown status";
}
