/* content.c: a file's weights format from samples of its bytes (see
 * content.h). Every length read from the content is bounded by the buffer
 * it came in.
 *
 * The raw-float test. Weights are values of a continuous law centred on
 * zero with one scale per tensor (normal or uniform at init, heavier-tailed
 * after training): read as the right type, their signs are balanced and
 * their binary exponents crowd into a few binades around the scale, which
 * itself lies in a plausible band (2^-30 .. 2^10; for float16 its normal
 * range). So, for each type (bfloat16, float32, float16, in that order: a
 * bfloat16 array read as float32 still looks like weights, not the reverse;
 * then float64, its exponent rebased to float32's)
 * and each byte phase, over the non-zero elements of each body sample (a
 * 4 KiB window mostly lies in one tensor, with one scale):
 *   - conc: the largest fraction whose exponents lie in 8 consecutive
 *     binades inside the band;
 *   - neg: the fraction that are negative;
 *   - nonfinite: the fraction that are Inf/NaN.
 * A window looks like weights when conc >= 0.90, 0.30 <= neg <= 0.70 and
 * nonfinite <= 0.001; possibly when conc >= 0.60, 0.15 <= neg <= 0.85 and
 * nonfinite <= 0.01; a window of fewer than 64 non-zero elements, of 90%
 * zeros, or of values all of one sign and scale (LayerNorm gains, but also
 * pixels read as floats) does not count. The file is weights when 3/4 of its counted windows
 * (at least 2) look like weights; possible weights when half look like
 * weights or possibly.
 * Token ids (small unsigned integers), text, compressed and random bytes
 * fail on the band, the concentration or the sign balance; the rates
 * measured on each are in docs/CLAIMS.md. */
#include "logger/content.h"

#include <string.h>

#include "core/inflate.h"
#include "core/vocab.h"

static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t le64(const uint8_t *p) { return le32(p) | (uint64_t)le32(p + 4) << 32; }

int tp_content_is_hdf5(const uint8_t *h, size_t len)
{
    static const uint8_t magic[] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
    return len >= sizeof magic && memcmp(h, magic, sizeof magic) == 0;
}

/* ---- NumPy ------------------------------------------------------------ */

typedef enum { DTYPE_UNKNOWN, DTYPE_FLOAT, DTYPE_INTEGER, DTYPE_OPAQUE } dtype_kind;

/* The kind of an .npy array from its header at h (len bytes available):
 * "\x93NUMPY" major minor, header length (u16 in version 1, u32 after),
 * then a Python dict literal whose 'descr' is a dtype string such as '<f4'
 * or a list (a structured dtype). */
static dtype_kind npy_dtype(const uint8_t *h, size_t len)
{
    if (len < 10 || memcmp(h, "\x93NUMPY", 6) != 0)
        return DTYPE_UNKNOWN;
    size_t start = h[6] == 1 ? 10 : 12;
    if (len < start)
        return DTYPE_UNKNOWN;
    uint64_t hlen = h[6] == 1 ? le16(h + 8) : le32(h + 8);
    size_t end = hlen < len - start ? start + (size_t)hlen : len;
    static const char key[] = "'descr':";
    for (size_t i = start; i + sizeof key - 1 < end; i++) {
        if (memcmp(h + i, key, sizeof key - 1) != 0)
            continue;
        size_t j = i + sizeof key - 1;
        while (j < end && h[j] == ' ')
            j++;
        if (j >= end || h[j] != '\'')
            return DTYPE_OPAQUE; /* a list: a structured dtype */
        j++;
        if (j < end && strchr("<>|=", h[j]))
            j++;
        if (j >= end)
            return DTYPE_UNKNOWN;
        switch (h[j]) {
        case 'f': case 'c': return DTYPE_FLOAT;
        case 'i': case 'u': case 'b': case 'S': case 'U': case 'a': case 'M': case 'm':
            return DTYPE_INTEGER;
        default: return DTYPE_OPAQUE; /* 'O' (pickled objects), 'V' */
        }
    }
    return DTYPE_UNKNOWN;
}

static const char *npy_format(dtype_kind k, const char *name, const char *possible)
{
    return k == DTYPE_FLOAT ? name : k == DTYPE_INTEGER ? NULL : possible;
}

/* ---- zip: PyTorch archives and .npz ------------------------------------ */

static int ends_with(const char *name, size_t len, const char *tail)
{
    size_t tl = strlen(tail);
    return len >= tl && memcmp(name + len - tl, tail, tl) == 0;
}

/* The offset in tail (the file's last tail_len bytes; size: the file's)
 * of a zip's central directory, found as Python's zipfile (so numpy.load)
 * finds it: right before its end record (or zip64's record, when a zip64
 * locator precedes the end record), its size from that record. *shift is
 * what that reader adds to every member's header offset: the directory's
 * place less the offset the record states (data before the first member,
 * or a lie); *stated_elsewhere = 1 when the stated offset is not that
 * place (a reader that trusts the offset, as PyTorch's does, may see
 * another directory). SIZE_MAX when the end record or the directory's start
 * is not in tail. */
static size_t zip_directory_at(const uint8_t *tail, size_t tail_len, uint64_t size,
                               int64_t *shift, int *stated_elsewhere)
{
    if (!tail || tail_len < 22)
        return SIZE_MAX;
    size_t e = tail_len - 22 + 1;
    while (e-- > 0 && memcmp(tail + e, "PK\x05\x06", 4) != 0)
        ;
    if (e == (size_t)-1)
        return SIZE_MAX; /* no end record in the tail */
    uint64_t base = size - tail_len; /* the file offset of tail[0] */
    uint64_t cd_size = le32(tail + e + 12), cd = le32(tail + e + 16), end = e;
    uint64_t classic_cd = cd, located = UINT64_MAX; /* where the zip64 locator points */
    if (e >= 20 && memcmp(tail + e - 20, "PK\x06\x07", 4) == 0)
        located = le64(tail + e - 20 + 8);
    if (e >= 76 && located != UINT64_MAX && memcmp(tail + e - 76, "PK\x06\x06", 4) == 0) {
        cd_size = le64(tail + e - 76 + 40); /* zip64, where Python reads it */
        cd = le64(tail + e - 76 + 48);
        end = e - 76;
    } else if (cd == 0xffffffffu) {
        return SIZE_MAX; /* zip64 offsets with no zip64 record where Python finds it */
    }
    if (cd_size > end)
        return SIZE_MAX;
    size_t at = (size_t)(end - cd_size);
    *shift = (int64_t)(base + at) - (int64_t)cd;
    /* another reader may follow the stated offset, or the locator's record */
    *stated_elsewhere = *shift != 0 || (classic_cd != 0xffffffffu && classic_cd != base + at) ||
                        (located != UINT64_MAX && end != e && located != base + end);
    return at;
}

/* The central directory entry at tail + at (46 bytes available) as a
 * member, its zip64 extra field read when a size or offset says so; its
 * length, or 0 when it does not lie whole in tail. */
static size_t zip_entry(const uint8_t *tail, size_t tail_len, size_t at, tp_zip_member *m,
                        const char **name, size_t *name_len)
{
    size_t nl = le16(tail + at + 28), xl = le16(tail + at + 30), cl = le16(tail + at + 32);
    if (at + 46 + nl + xl + cl > tail_len)
        return 0;
    *name = (const char *)tail + at + 46;
    *name_len = nl;
    m->flags = le16(tail + at + 8);
    m->method = le16(tail + at + 10);
    m->csize = le32(tail + at + 20);
    m->usize = le32(tail + at + 24);
    m->header = le32(tail + at + 42);
    const uint8_t *x = tail + at + 46 + nl, *xend = x + xl;
    while (xend - x >= 4) {
        size_t id = le16(x), len = le16(x + 2);
        if ((size_t)(xend - x) - 4 < len)
            break;
        if (id == 0x0001) { /* zip64: the fields that overflowed, in this order */
            const uint8_t *f = x + 4, *fend = f + len;
            uint64_t *fields[] = {&m->usize, &m->csize, &m->header};
            for (size_t i = 0; i < 3; i++)
                if (*fields[i] == 0xffffffffu && fend - f >= 8) {
                    *fields[i] = le64(f);
                    f += 8;
                }
        }
        x += 4 + len;
    }
    return 46 + nl + xl + cl;
}

long tp_content_zip_members(const uint8_t *tail, size_t tail_len, uint64_t size,
                            tp_zip_member *out, size_t n_max)
{
    int64_t shift;
    int elsewhere;
    size_t at = zip_directory_at(tail, tail_len, size, &shift, &elsewhere);
    if (at == SIZE_MAX)
        return -1;
    long n = 0;
    size_t kept = 0;
    while (at + 46 <= tail_len && memcmp(tail + at, "PK\x01\x02", 4) == 0) {
        tp_zip_member m;
        const char *name;
        size_t name_len, len = zip_entry(tail, tail_len, at, &m, &name, &name_len);
        if (len == 0)
            return -1;
        at += len;
        n++;
        /* where the reader looks; beyond any file when before its start */
        m.header = shift < 0 && m.header < (uint64_t)-shift ? UINT64_MAX
                                                              : m.header + (uint64_t)shift;
        size_t i = kept < n_max ? kept++ : n_max; /* insertion, largest first */
        while (i > 0 && out[i - 1].usize < m.usize) {
            if (i < n_max)
                out[i] = out[i - 1];
            i--;
        }
        if (i < n_max)
            out[i] = m;
    }
    return n;
}

uint64_t tp_content_zip_data_offset(const uint8_t *lh, uint64_t header)
{
    if (memcmp(lh, "PK\x03\x04", 4) != 0)
        return 0;
    return header + 30 + le16(lh + 26) + le16(lh + 28);
}

/* Another zip (its first entry is no PyTorch or NumPy one): torch.load and
 * numpy.load find their members through the central directory, in any
 * order and deflated, so the directory's names decide. "pytorch-zip" when
 * a name ends in "/data.pkl"; possible weights when one ends in ".npy" and
 * not every member was decoded (decoded_all: their content then decides),
 * or when the directory does not lie whole in the tail (the names unseen);
 * NULL (then the raw test) when every name was seen and none is. */
static const char *zip_directory_format(const uint8_t *tail, size_t tail_len, uint64_t size,
                                        int decoded_all)
{
    const char *unseen = TP_FORMAT_POSSIBLE_PREFIX "pytorch-zip";
    int64_t shift;
    int elsewhere;
    size_t at = zip_directory_at(tail, tail_len, size, &shift, &elsewhere);
    if (at == SIZE_MAX)
        return unseen;
    /* readers disagree on where the directory is: another may list other members */
    const char *found = elsewhere ? unseen : NULL;
    while (at + 46 <= tail_len && memcmp(tail + at, "PK\x01\x02", 4) == 0) {
        tp_zip_member m;
        const char *name;
        size_t name_len, len = zip_entry(tail, tail_len, at, &m, &name, &name_len);
        if (len == 0)
            return unseen;
        if (ends_with(name, name_len, "/data.pkl"))
            return "pytorch-zip";
        if (ends_with(name, name_len, ".npy") && !decoded_all)
            found = TP_FORMAT_POSSIBLE_PREFIX "numpy-npz";
        at += len;
    }
    return found;
}

/* A zip's first local file header names its first entry: PyTorch archives
 * start with "<name>/data.pkl" (or ".../version"), NumPy .npz with "*.npy",
 * whose header follows when the entry is stored (not deflated). Any other
 * zip is judged by its central directory (zip_directory_format). */
static const char *zip_format(const tp_content *c, int *decided)
{
    const uint8_t *h = c->head;
    size_t len = c->head_len;
    *decided = 1;
    if (len < 30)
        return NULL;
    size_t name_len = le16(h + 26), extra_len = le16(h + 28);
    if (name_len == 0 || 30 + name_len > len)
        return NULL;
    const char *name = (const char *)h + 30;
    static const char *const torch_tails[] = {"/data.pkl", "/version", "/.format_version",
                                              "/byteorder", NULL};
    for (const char *const *t = torch_tails; *t; t++) {
        size_t tl = strlen(*t);
        if (name_len >= tl && memcmp(name + name_len - tl, *t, tl) == 0)
            return "pytorch-zip";
    }
    if (name_len > 4 && memcmp(name + name_len - 4, ".npy", 4) == 0 &&
        !(le16(h + 8) != 0 && c->decoded_all)) { /* deflated and decoded: the content decides */
        size_t data = 30 + name_len + extra_len;
        if (le16(h + 8) != 0 || data >= len)
            return TP_FORMAT_POSSIBLE_PREFIX "numpy-npz"; /* compressed: dtype unseen */
        dtype_kind k = npy_dtype(h + data, len - data);
        *decided = k != DTYPE_INTEGER;
        return npy_format(k, "numpy-npz", TP_FORMAT_POSSIBLE_PREFIX "numpy-npz");
    }
    const char *dir = zip_directory_format(c->tail, c->tail_len, c->size, c->decoded_all);
    /* a zip with no weights member: its bytes may still be raw weights */
    *decided = dir != NULL;
    return dir;
}

/* ---- HDF5 --------------------------------------------------------------- */

/* A datatype message body (HDF5 file format spec IV.A.2.d): version and
 * class in byte 0, 3 bytes of class bits, u32 size, then class properties.
 * Floating point (class 1): u16 bit offset, u16 precision, exponent
 * location and size, mantissa location and size, u32 exponent bias; we
 * accept only the IEEE layouts (and bfloat16). Fixed point (class 0): u16
 * offset, u16 precision. */
static int hdf5_float_at(const uint8_t *b)
{
    static const uint8_t ieee[][4] = {{10, 5, 0, 10}, {23, 8, 0, 23}, {52, 11, 0, 52}, {7, 8, 0, 7}};
    static const uint32_t bias[] = {15, 127, 1023, 127};
    if ((b[0] & 0x0f) != 1 || (b[0] >> 4) < 1 || (b[0] >> 4) > 3 || b[3] != 0)
        return 0;
    uint32_t size = le32(b + 4);
    if ((size != 2 && size != 4 && size != 8) || b[2] != 8 * size - 1 || le16(b + 8) != 0 ||
        le16(b + 10) != 8 * size)
        return 0;
    for (size_t i = 0; i < 4; i++)
        if (memcmp(b + 12, ieee[i], 4) == 0 && le32(b + 16) == bias[i])
            return 1;
    return 0;
}

static int hdf5_integer_at(const uint8_t *b)
{
    if ((b[0] & 0x0f) != 0 || (b[0] >> 4) < 1 || (b[0] >> 4) > 3 || (b[1] & 0xf0) || b[2] ||
        b[3])
        return 0;
    uint32_t size = le32(b + 4);
    return (size == 1 || size == 2 || size == 4 || size == 8) && le16(b + 8) == 0 &&
           le16(b + 10) == 8 * size;
}

static void hdf5_scan(const uint8_t *b, size_t len, int *floats, int *integers)
{
    for (size_t i = 0; i + 20 <= len; i++) {
        if (hdf5_float_at(b + i))
            *floats = 1;
        else if (hdf5_integer_at(b + i))
            *integers = 1;
    }
}

/* ---- raw arrays of floats ----------------------------------------------- */

typedef struct {
    const char *name;      /* "raw-float32" ... */
    const char *possible;  /* "possible-raw-float32" ... */
    unsigned bytes;        /* element size */
    unsigned exp_shift, exp_mask, sign_shift;
    unsigned band_lo, band_hi; /* exponent fields of plausible scales */
} float_type;

static const float_type float_types[] = {
    {"raw-bfloat16", TP_FORMAT_POSSIBLE_PREFIX "raw-bfloat16", 2, 7, 0xff, 15, 97, 137},
    {"raw-float32", TP_FORMAT_POSSIBLE_PREFIX "raw-float32", 4, 23, 0xff, 31, 97, 137},
    {"raw-float16", TP_FORMAT_POSSIBLE_PREFIX "raw-float16", 2, 10, 0x1f, 15, 1, 22},
    /* float64: its exponent rebased to float32's (count()), the same band */
    {"raw-float64", TP_FORMAT_POSSIBLE_PREFIX "raw-float64", 8, 52, 0x7ff, 63, 97, 137},
};

#define BINADES 8

typedef struct {
    uint64_t n, zero, nonfinite, neg;
    uint64_t hist[256];
} float_stats;

static void count(const float_type *t, const uint8_t *p, size_t len, unsigned phase,
                  float_stats *st)
{
    for (size_t i = phase; i + t->bytes <= len; i += t->bytes) {
        if (t->bytes == 8) {
            uint64_t v = le64(p + i);
            unsigned e = (unsigned)(v >> 52) & 0x7ff;
            st->n++;
            if (!(v << 1)) {
                st->zero++;
                continue;
            }
            if (e == 0x7ff) {
                st->nonfinite++;
                continue;
            }
            st->neg += (unsigned)(v >> 63);
            /* float32's exponent field for the same binade, outside 1..254 at the ends */
            st->hist[e <= 1023 - 127 ? 0 : e >= 1023 + 127 ? 254 : e - (1023 - 127)]++;
            continue;
        }
        uint32_t v = t->bytes == 4 ? le32(p + i) : le16(p + i);
        uint32_t magnitude = v & ~(1u << t->sign_shift);
        unsigned e = (v >> t->exp_shift) & t->exp_mask;
        st->n++;
        if (magnitude == 0) {
            st->zero++;
            continue;
        }
        if (e == t->exp_mask) {
            st->nonfinite++;
            continue;
        }
        st->neg += v >> t->sign_shift & 1;
        st->hist[e]++;
    }
}

/* One window's verdict: 2 weights-like, 1 possibly, 0 not, -1 no evidence
 * (mostly zeros: a zero bias, padding; or values of one sign and scale). */
static int judge(const float_type *t, const float_stats *st)
{
    uint64_t nonzero = st->n - st->zero;
    if (st->n == 0 || nonzero < 64 || st->zero * 10 > st->n * 9)
        return -1;
    uint64_t best = 0;
    for (unsigned lo = t->band_lo; lo + BINADES - 1 <= t->band_hi; lo++) {
        uint64_t in = 0;
        for (unsigned e = lo; e < lo + BINADES; e++)
            in += st->hist[e];
        if (in > best)
            best = in;
    }
    double conc = (double)best / (double)nonzero, neg = (double)st->neg / (double)nonzero;
    double nonfinite = (double)st->nonfinite / (double)nonzero;
    if (conc >= 0.90 && (neg < 0.05 || neg > 0.95))
        return -1; /* one sign, one scale: LayerNorm gains, positive data: no evidence */
    if (conc >= 0.90 && neg >= 0.30 && neg <= 0.70 && nonfinite <= 0.001)
        return 2;
    if (conc >= 0.60 && neg >= 0.15 && neg <= 0.85 && nonfinite <= 0.01)
        return 1;
    return 0;
}

/* The file's verdict for one type and phase, window by window (a window of
 * 4 KiB mostly lies in one tensor, with one scale): 2 when at least 3/4 of
 * the non-empty windows (and at least 2) look like weights, 1 when at least
 * half look like weights or possibly weights, else 0. */
static int judge_file(const float_type *t, const uint8_t *buf, const size_t *window_len,
                      size_t n_windows, unsigned phase)
{
    size_t off = 0, nonempty = 0, weights = 0, possible = 0;
    for (size_t w = 0; w < n_windows; w++) {
        float_stats st;
        memset(&st, 0, sizeof st);
        count(t, buf + off, window_len[w], phase, &st);
        off += window_len[w];
        int v = judge(t, &st);
        nonempty += v >= 0;
        weights += v == 2;
        possible += v == 1;
    }
    if (nonempty >= 2 && 4 * weights >= 3 * nonempty)
        return 2;
    if (nonempty >= 1 && 2 * (weights + possible) >= nonempty)
        return 1;
    return 0;
}

/* A stream's decoded start: weights (2) also when its last windows, from
 * any one on, are weights by judge_file's rule (at least two counted, 3/4
 * weights-like): a preamble the job skips (text, a header) may fill the
 * windows before them. */
static int judge_stream(const float_type *t, const uint8_t *buf, const size_t *window_len,
                        size_t n_windows, unsigned phase)
{
    int verdict = judge_file(t, buf, window_len, n_windows, phase);
    if (verdict == 2 || n_windows > TP_CONTENT_STREAM_OUT / TP_CONTENT_WINDOW)
        return verdict;
    int v[TP_CONTENT_STREAM_OUT / TP_CONTENT_WINDOW];
    size_t off = 0;
    for (size_t w = 0; w < n_windows; w++) {
        float_stats st;
        memset(&st, 0, sizeof st);
        count(t, buf + off, window_len[w], phase, &st);
        off += window_len[w];
        v[w] = judge(t, &st);
    }
    size_t nonempty = 0, weights = 0;
    for (size_t w = n_windows; w-- > 0;) {
        nonempty += v[w] >= 0;
        weights += v[w] == 2;
        if (nonempty >= 2 && 4 * weights >= 3 * nonempty)
            return 2;
    }
    return verdict;
}

static const char *raw_floats(const uint8_t *buf, const size_t *window_len, size_t n_windows,
                              int stream)
{
    const char *possible = NULL;
    for (size_t k = 0; k < sizeof float_types / sizeof float_types[0]; k++) {
        const float_type *t = &float_types[k];
        for (unsigned phase = 0; phase < t->bytes; phase++) {
            int verdict = stream ? judge_stream(t, buf, window_len, n_windows, phase)
                                 : judge_file(t, buf, window_len, n_windows, phase);
            if (verdict == 2)
                return t->name;
            if (verdict == 1 && !possible)
                possible = t->possible;
        }
    }
    return possible;
}

const char *tp_content_raw_floats(const uint8_t *buf, const size_t *window_len, size_t n_windows)
{
    return raw_floats(buf, window_len, n_windows, 0);
}

/* ---- all together --------------------------------------------------------- */

/* The format a file's first bytes name, with *decided = 1 when they settle
 * the question (a recognised format, or a declared integer dtype). */
static const char *head_format(const tp_content *c, int *decided)
{
    static const uint8_t torch_legacy[] = {0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c,
                                           0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19};
    const uint8_t *h = c->head;
    size_t len = c->head_len;
    *decided = 1;
    if (len >= 4 && memcmp(h, "PK\x03\x04", 4) == 0)
        return zip_format(c, decided);
    if (len >= sizeof torch_legacy && memcmp(h, torch_legacy, sizeof torch_legacy) == 0)
        return "pytorch-legacy";
    if (len >= 6 && memcmp(h, "\x93NUMPY", 6) == 0) {
        dtype_kind k = npy_dtype(h, len);
        /* integers by declaration; their bytes still go through the raw test */
        *decided = k != DTYPE_INTEGER;
        return npy_format(k, "numpy", TP_FORMAT_POSSIBLE_PREFIX "numpy");
    }
    if (len >= 4 && memcmp(h, "GGUF", 4) == 0)
        return "gguf";
    if (tp_content_is_hdf5(h, len)) {
        int floats = 0, integers = 0;
        hdf5_scan(h, len, &floats, &integers);
        if (c->tail)
            hdf5_scan(c->tail, c->tail_len, &floats, &integers);
        *decided = !(integers && !floats);
        return floats ? "hdf5" : integers ? NULL : TP_FORMAT_POSSIBLE_PREFIX "hdf5";
    }
    /* safetensors: u64 LE JSON header length, then the JSON object */
    if (len >= 10) {
        uint64_t n = le64(h);
        if (n >= 2 && n <= (100u << 20) && h[8] == '{' && (h[9] == '"' || h[9] == '}'))
            return "safetensors";
    }
    *decided = 0;
    return NULL;
}

static int rank(const char *fmt)
{
    return !fmt ? 0 : strncmp(fmt, TP_FORMAT_POSSIBLE_PREFIX, sizeof TP_FORMAT_POSSIBLE_PREFIX - 1) ? 2 : 1;
}

const char *tp_content_stronger(const char *a, const char *b)
{
    return rank(b) > rank(a) ? b : a;
}

const char *tp_content_format(const tp_content *c)
{
    int decided;
    const char *fmt = head_format(c, &decided);
    if (rank(c->decoded) > rank(fmt)) { /* what a zip's members or a gzip file decode to */
        fmt = c->decoded;
        decided = 1;
    }
    if ((decided && fmt && strncmp(fmt, TP_FORMAT_POSSIBLE_PREFIX,
                                   sizeof TP_FORMAT_POSSIBLE_PREFIX - 1) != 0) ||
        c->size < TP_CONTENT_RAW_MIN_SIZE || !c->body)
        return fmt;
    const char *raw = tp_content_raw_floats(c->body, c->window_len, c->n_windows);
    if (raw && strncmp(raw, TP_FORMAT_POSSIBLE_PREFIX, sizeof TP_FORMAT_POSSIBLE_PREFIX - 1) != 0)
        return raw; /* certain raw floats beat a possible header format */
    return fmt ? fmt : raw;
}

/* ---- compressed streams: zip members and gzip files ----------------------- */

size_t tp_content_gzip_data_offset(const uint8_t *h, size_t len)
{
    if (len < 10 || h[0] != 0x1f || h[1] != 0x8b || h[2] != 8 || (h[3] & 0xe0))
        return 0;
    unsigned flags = h[3];
    size_t at = 10;
    if (flags & 4) { /* FEXTRA: u16 length, then the field */
        if (at + 2 > len)
            return 0;
        at += 2 + (size_t)le16(h + at);
    }
    for (unsigned bit = 8; bit <= 16; bit <<= 1) /* FNAME, FCOMMENT: zero-terminated */
        if (flags & bit) {
            while (at < len && h[at] != 0)
                at++;
            at++;
        }
    if (flags & 2) /* FHCRC */
        at += 2;
    return at < len ? at : 0;
}

/* The format of a stream's decoded start buf[0..len) (whole: the entire
 * stream), judged as a file of len bytes: magic, dtype, raw floats over
 * its 4 KiB windows. A compressed container inside is not decoded again. */
static const char *decoded_format(const uint8_t *buf, size_t len, int whole, int in_zip)
{
    if (len >= 3 && buf[0] == 0x1f && buf[1] == 0x8b && buf[2] == 8)
        return TP_FORMAT_POSSIBLE_COMPRESSED; /* a gzip inside */
    if (len >= 30 && memcmp(buf, "PK\x03\x04", 4) == 0) {
        if (le16(buf + 8) != 0)
            return TP_FORMAT_POSSIBLE_COMPRESSED; /* a zip inside, its first member compressed */
        tp_zip_member m[TP_CONTENT_MEMBERS];
        long n = whole ? tp_content_zip_members(buf, len, len, m, TP_CONTENT_MEMBERS) : -1;
        for (long i = 0; i < n && i < TP_CONTENT_MEMBERS; i++)
            if (m[i].method != 0)
                return TP_FORMAT_POSSIBLE_COMPRESSED; /* another member compressed */
    }
    size_t window_len[TP_CONTENT_STREAM_OUT / TP_CONTENT_WINDOW], n = len / TP_CONTENT_WINDOW;
    if (n > sizeof window_len / sizeof window_len[0])
        n = sizeof window_len / sizeof window_len[0];
    for (size_t w = 0; w < n; w++)
        window_len[w] = TP_CONTENT_WINDOW;
    tp_content c = {.size = len, .head = buf, .head_len = len, .tail = whole ? buf : NULL,
                    .tail_len = whole ? len : 0, .body = buf, .window_len = window_len,
                    .n_windows = n};
    const char *fmt = tp_content_format(&c);
    if (rank(fmt) < 2 && len >= TP_CONTENT_RAW_MIN_SIZE) /* weights behind a preamble */
        fmt = tp_content_stronger(fmt, raw_floats(buf, window_len, n, 1));
    if (in_zip && fmt && strcmp(fmt, "numpy") == 0)
        return "numpy-npz";
    if (in_zip && fmt && strcmp(fmt, TP_FORMAT_POSSIBLE_PREFIX "numpy") == 0)
        return TP_FORMAT_POSSIBLE_PREFIX "numpy-npz";
    return fmt;
}

const char *tp_content_stream_format(const uint8_t *in, size_t in_len, uint64_t in_total,
                                     unsigned method, unsigned flags, uint64_t usize, int in_zip,
                                     uint8_t *out, size_t out_cap)
{
    int encrypted = flags & 1;
    if (encrypted || (method != 0 && method != 8))
        return usize >= TP_CONTENT_RAW_MIN_SIZE ? TP_FORMAT_POSSIBLE_COMPRESSED : NULL;
    if (method == 0) {
        size_t len = in_len < out_cap ? in_len : out_cap;
        return decoded_format(in, len, len == in_total, in_zip);
    }
    size_t used, len;
    tp_inflate_status r = tp_inflate(in, in_len, out, out_cap, &used, &len);
    const char *fmt = decoded_format(out, len, r == TP_INFLATE_DONE, in_zip);
    /* deflate never needs TP_CONTENT_STREAM_IN bytes for TP_CONTENT_STREAM_OUT:
     * the start was pushed out of sight (empty blocks) */
    if (r == TP_INFLATE_TRUNCATED && in_len < in_total && len < out_cap)
        return tp_content_stronger(fmt, TP_FORMAT_POSSIBLE_COMPRESSED);
    return fmt;
}

const char *tp_content_gzip_format(const uint8_t *in, size_t in_len, uint64_t in_total,
                                   uint8_t *out, size_t out_cap)
{
    size_t at = 0, len = 0;
    for (;;) {
        size_t used, got;
        tp_inflate_status r = tp_inflate(in + at, in_len - at, out + len, out_cap - len, &used,
                                         &got);
        len += got;
        at += used;
        if (r != TP_INFLATE_DONE) {
            const char *fmt = decoded_format(out, len, 0, 0);
            /* deflate never needs TP_CONTENT_STREAM_IN bytes for TP_CONTENT_STREAM_OUT:
             * the start was pushed out of sight (empty blocks) */
            if (r == TP_INFLATE_TRUNCATED && in_len < in_total && len < out_cap)
                return tp_content_stronger(fmt, TP_FORMAT_POSSIBLE_COMPRESSED);
            return fmt;
        }
        at += 8; /* the member's CRC-32 and size */
        while (at < in_len && in[at] == 0)
            at++; /* zeros between or after members: gzip readers skip them */
        if (at >= in_total)
            return decoded_format(out, len, 1, 0); /* the last member ended: whole */
        size_t next = at < in_len ? tp_content_gzip_data_offset(in + at, in_len - at) : 0;
        if (next == 0 || len == out_cap) /* another member (readers join them) out of sight */
            return tp_content_stronger(decoded_format(out, len, 0, 0),
                                        len == out_cap ? NULL : TP_FORMAT_POSSIBLE_COMPRESSED);
        at += next;
    }
}
