/* initrng.c: the deterministic initialiser trainprov/init/v1 (initrng.h,
 * docs/INIT.md is the normative text; keep both in step).
 *
 * Bit-exactness rests on three rules: every value is computed in IEEE-754
 * binary64 with only +, -, *, / and sqrt (correctly rounded everywhere), in
 * the order written here; this file is compiled with -ffp-contract=off (no
 * fused multiply-add) on a target whose FLT_EVAL_METHOD is 0 (no x87 excess
 * precision); and the rounding to the output formats is done with integer
 * operations, not by the compiler. The natural logarithm the normal quantile
 * needs is our own (a fixed series), never libm's.
 *
 * Stream layout: word w (a little-endian uint32) is bytes 4w..4w+3 of the
 * ChaCha20 keystream with the 12-byte nonce all zero (the "main stream").
 * uniform uses word i for element i, normal words 2i and 2i+1,
 * trunc_normal words 4i..4i+3 (two draws); when both draws fall outside
 * [a, b], element i continues in its own stream (nonce u64le(i) ‖ u32le(1)),
 * eight draws per 64-byte block. */
#include "core/initrng.h"

#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "core/error.h"

#if !defined(FLT_EVAL_METHOD) || FLT_EVAL_METHOD != 0
#error "trainprov/init/v1 needs FLT_EVAL_METHOD == 0 (SSE2 on x86, not x87)"
#endif
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "initrng.c writes little-endian tensors with native stores"
#endif

#define CHUNK_ELEMS 65536u           /* a multiple of 16: chunks start on a block */
#define THREAD_MIN_ELEMS (1u << 18)  /* smaller ranges stay on the calling thread */
#define THREADS_MAX 64
#define TAIL_BLOCKS_MAX 65536u       /* per-element trunc_normal blocks before giving up */
#define BLOCK_BYTES 64

/* ---- parameters ---- */

static const char *const dist_names[] = {"uniform", "normal", "trunc_normal", "constant"};
static const size_t dist_params[] = {2, 2, 4, 1};
static const char *const dtype_names[] = {"float32", "bfloat16", "float16"};

size_t tp_initrng_elem_size(tp_init_dtype dtype) { return dtype == TP_DTYPE_FLOAT32 ? 4 : 2; }

int tp_initrng_spec(const char *dist, const double *params, size_t n_params, const char *dtype,
                    tp_init_spec *out, char *err, size_t errlen)
{
    int d = -1, t = -1;
    memset(out, 0, sizeof *out);
    for (int i = 0; dist && i < 4; i++)
        if (!strcmp(dist, dist_names[i]))
            d = i;
    for (int i = 0; dtype && i < 3; i++)
        if (!strcmp(dtype, dtype_names[i]))
            t = i;
    if (d < 0 || t < 0) {
        snprintf(err, errlen, "unknown %s '%s'", d < 0 ? "distribution" : "dtype",
                 d < 0 ? (dist ? dist : "(null)") : (dtype ? dtype : "(null)"));
        return TP_EMALFORMED;
    }
    if (n_params != dist_params[d] || (n_params && !params)) {
        snprintf(err, errlen, "%s takes %zu parameters, not %zu", dist_names[d], dist_params[d],
                 n_params);
        return TP_EMALFORMED;
    }
    for (size_t i = 0; i < n_params; i++) {
        if (!isfinite(params[i]) || fabs(params[i]) > 1e30) {
            snprintf(err, errlen, "%s parameter %zu is not a finite number of magnitude <= 1e30",
                     dist_names[d], i);
            return TP_EMALFORMED;
        }
        out->p[i] = params[i];
    }
    out->dist = (tp_init_dist)d;
    out->dtype = (tp_init_dtype)t;
    const double *p = out->p;
    if ((d == TP_DIST_UNIFORM && !(p[0] <= p[1])) ||
        ((d == TP_DIST_NORMAL || d == TP_DIST_TRUNC_NORMAL) && !(p[1] >= 0)) ||
        (d == TP_DIST_TRUNC_NORMAL && !(p[2] < p[3]))) {
        snprintf(err, errlen, "%s: %s", dist_names[d],
                 d == TP_DIST_UNIFORM ? "needs a <= b"
                 : !(p[1] >= 0)       ? "needs std >= 0"
                                      : "needs a < b");
        return TP_EMALFORMED;
    }
    return 0;
}

int tp_initrng_key(const uint8_t *nonce, size_t nonce_len, uint64_t seed, const char *name,
                   uint8_t key[TP_INIT_KEY_LEN])
{
    size_t name_len = name ? strnlen(name, TP_INIT_NAME_MAX + 1) : 0;
    if (nonce_len > TP_INIT_NONCE_MAX || (nonce_len && !nonce) || name_len == 0 ||
        name_len > TP_INIT_NAME_MAX)
        return TP_ETOOBIG;
    uint8_t buf[sizeof TP_INIT_SPEC + 8 + TP_INIT_NONCE_MAX + 8 + 8 + TP_INIT_NAME_MAX];
    size_t n = 0;
    memcpy(buf, TP_INIT_SPEC, sizeof TP_INIT_SPEC); /* with its NUL: the 0x00 */
    n += sizeof TP_INIT_SPEC;
    const uint64_t nums[3] = {nonce_len, seed, name_len};
    for (int f = 0; f < 3; f++) {
        for (int k = 0; k < 8; k++)
            buf[n + k] = (uint8_t)(nums[f] >> (8 * k));
        n += 8;
        if (f == 0 && nonce_len) {
            memcpy(buf + n, nonce, nonce_len);
            n += nonce_len;
        }
    }
    memcpy(buf + n, name, name_len);
    n += name_len;
    unsigned len = 0;
    if (EVP_Digest(buf, n, key, &len, EVP_sha256(), NULL) != 1 || len != TP_INIT_KEY_LEN)
        return TP_ECRYPTO;
    return 0;
}

/* ---- arithmetic: the natural log and the normal quantile ---- */

static double from_bits(uint64_t b)
{
    double d;
    memcpy(&d, &b, sizeof d);
    return d;
}

static uint64_t to_bits(double d)
{
    uint64_t b;
    memcpy(&b, &d, sizeof b);
    return b;
}

/* ln(x) for a normal positive x: x = m 2^e with m in [sqrt(1/2), sqrt(2)),
 * ln m = 2 atanh(s), s = (m-1)/(m+1), summed to s^21 (|s| < 0.1716). */
static double spec_log(double x)
{
    uint64_t b = to_bits(x);
    int e = (int)((b >> 52) & 0x7ff) - 1023;
    double m = from_bits((b & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL);
    if (m > 0x1.6a09e667f3bcdp+0) { /* sqrt(2) rounded */
        m = m * 0.5;
        e = e + 1;
    }
    double s = (m - 1.0) / (m + 1.0);
    double z = s * s;
    double p = 1.0 / 21.0;
    for (int k = 19; k >= 1; k -= 2)
        p = p * z + 1.0 / (double)k;
    return (double)e * 0x1.62e42fefa39efp-1 + 2.0 * s * p;
}

/* Acklam's rational approximation of the standard normal quantile, for u in
 * (0, 1); relative error below 1.15e-9. */
static const double qa[6] = {-3.969683028665376e+01, 2.209460984245205e+02,
                             -2.759285104469687e+02, 1.383577518672690e+02,
                             -3.066479806614716e+01, 2.506628277459239e+00};
static const double qb[5] = {-5.447609879822406e+01, 1.615858368580409e+02,
                             -1.556989798598866e+02, 6.680131188771972e+01,
                             -1.328068155288572e+01};
static const double qc[6] = {-7.784894002430293e-03, -3.223964580411365e-01,
                             -2.400758277161838e+00, -2.549732539343734e+00,
                             4.374664141464968e+00,  2.938163982698783e+00};
static const double qd[4] = {7.784695709041462e-03, 3.224671290700398e-01,
                             2.445134137142996e+00, 3.754408661907416e+00};

static double tail(double p) /* p in (0, 0.02425): the lower tail */
{
    double q = sqrt(-2.0 * spec_log(p));
    double num = ((((qc[0] * q + qc[1]) * q + qc[2]) * q + qc[3]) * q + qc[4]) * q + qc[5];
    double den = (((qd[0] * q + qd[1]) * q + qd[2]) * q + qd[3]) * q + 1.0;
    return num / den;
}

double tp_initrng_ndtri(double u)
{
    if (u < 0.02425)
        return tail(u);
    if (u > 1.0 - 0.02425)
        return -tail(1.0 - u);
    double q = u - 0.5;
    double r = q * q;
    double num = (((((qa[0] * r + qa[1]) * r + qa[2]) * r + qa[3]) * r + qa[4]) * r + qa[5]) * q;
    double den = ((((qb[0] * r + qb[1]) * r + qb[2]) * r + qb[3]) * r + qb[4]) * r + 1.0;
    return num / den;
}

/* ---- rounding to the output formats ---- */

/* x rounded to p significant bits with exponent range [emin, emax] (ties to
 * even, gradual underflow, overflow to infinity), as an exact double. */
static double round_format(double x, int p, int emin, int emax)
{
    uint64_t b = to_bits(x), sign = b & 0x8000000000000000ULL;
    int biased = (int)((b >> 52) & 0x7ff);
    if (biased == 0x7ff)
        return x;
    if (biased == 0) /* zero or a binary64 subnormal: far below every format here */
        return from_bits(sign);
    uint64_t mant = (b & 0x000fffffffffffffULL) | (1ULL << 52); /* |x| = mant 2^(e-52) */
    int e = biased - 1023;
    int q = (e < emin ? emin : e) - (p - 1); /* exponent of the result's last bit */
    int shift = q - (e - 52);                /* >= 53 - p > 0 */
    uint64_t m = 0;
    if (shift <= 53) {
        uint64_t rem = mant & ((1ULL << shift) - 1), half = 1ULL << (shift - 1);
        m = mant >> shift;
        if (rem > half || (rem == half && (m & 1)))
            m++;
    }
    double r = (double)m * from_bits((uint64_t)(q + 1023) << 52); /* exact; q >= -1022 here */
    double max = (double)((1ULL << p) - 1) * from_bits((uint64_t)(emax - p + 1 + 1023) << 52);
    if (r > max)
        r = from_bits(0x7ff0000000000000ULL);
    return from_bits(to_bits(r) | sign);
}

uint16_t tp_initrng_to_bf16(double x)
{
    float f = (float)round_format(x, 8, -126, 127); /* exact: representable in float32 */
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return (uint16_t)(u >> 16);
}

uint16_t tp_initrng_to_f16(double x)
{
    double r = round_format(x, 11, -14, 15);
    uint64_t b = to_bits(r);
    uint16_t sign = (uint16_t)((b >> 48) & 0x8000);
    int biased = (int)((b >> 52) & 0x7ff);
    if (biased == 0x7ff)
        return sign | 0x7c00;
    if (biased == 0)
        return sign;
    int e = biased - 1023;
    if (e < -14) /* subnormal: r = k 2^-24 with k < 1024 */
        return sign | (uint16_t)(fabs(r) * 0x1p24);
    return sign | (uint16_t)((e + 15) << 10) | (uint16_t)((b >> 42) & 0x3ff);
}

static void store(tp_init_dtype dtype, void *out, uint64_t i, double x)
{
    if (dtype == TP_DTYPE_FLOAT32) {
        ((float *)out)[i] = (float)x; /* C conversion: IEEE round to nearest even */
        return;
    }
    ((uint16_t *)out)[i] = dtype == TP_DTYPE_BFLOAT16 ? tp_initrng_to_bf16(x) : tp_initrng_to_f16(x);
}

/* ---- the keystream ---- */

static size_t words_per_elem(tp_init_dist d)
{
    return d == TP_DIST_UNIFORM ? 1 : d == TP_DIST_NORMAL ? 2 : d == TP_DIST_TRUNC_NORMAL ? 4 : 0;
}

/* count blocks of keystream from block `counter` of stream nonce12 into buf. */
static int keystream(EVP_CIPHER_CTX *ctx, const uint8_t key[TP_INIT_KEY_LEN], uint32_t counter,
                     const uint8_t nonce12[12], uint8_t *buf, size_t blocks)
{
    uint8_t iv[16];
    for (int k = 0; k < 4; k++)
        iv[k] = (uint8_t)(counter >> (8 * k));
    memcpy(iv + 4, nonce12, 12);
    memset(buf, 0, blocks * BLOCK_BYTES);
    int len = 0;
    return EVP_EncryptInit_ex(ctx, EVP_chacha20(), NULL, key, iv) == 1 &&
                   EVP_EncryptUpdate(ctx, buf, &len, buf, (int)(blocks * BLOCK_BYTES)) == 1 &&
                   len == (int)(blocks * BLOCK_BYTES)
               ? 0
               : -1;
}

static uint32_t word(const uint8_t *b)
{
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

/* A uniform in (0, 1) from two words: (2k + 1) 2^-53, k the top 52 bits. */
static double open_unit(uint32_t hi, uint32_t lo)
{
    uint64_t k = ((uint64_t)hi << 20) | (lo >> 12);
    return (double)(2 * k + 1) * 0x1p-53;
}

static double normal_draw(const tp_init_spec *s, const uint8_t *w)
{
    return s->p[0] + s->p[1] * tp_initrng_ndtri(open_unit(word(w), word(w + 4)));
}

/* trunc_normal element i after its two main-stream draws were rejected. */
static int trunc_tail(EVP_CIPHER_CTX *ctx, const uint8_t key[TP_INIT_KEY_LEN],
                      const tp_init_spec *s, uint64_t i, double *x)
{
    uint8_t nonce[12], block[BLOCK_BYTES];
    for (int k = 0; k < 8; k++)
        nonce[k] = (uint8_t)(i >> (8 * k));
    nonce[8] = 1, nonce[9] = nonce[10] = nonce[11] = 0;
    for (uint32_t c = 0; c < TAIL_BLOCKS_MAX; c++) {
        if (keystream(ctx, key, c, nonce, block, 1) != 0)
            return -1;
        for (int j = 0; j < 8; j++) {
            double v = normal_draw(s, block + 8 * j);
            if (v >= s->p[2] && v <= s->p[3]) {
                *x = v;
                return 0;
            }
        }
    }
    return -1;
}

/* Elements [first, first + count) with one cipher context; first is a
 * multiple of 16 unless the range is the caller's own (see fill_range). */
static int fill_chunk(EVP_CIPHER_CTX *ctx, const uint8_t key[TP_INIT_KEY_LEN],
                      const tp_init_spec *s, uint64_t first, uint64_t count, void *out,
                      uint8_t *buf)
{
    size_t wpe = words_per_elem(s->dist);
    const double *p = s->p;
    if (wpe == 0) {
        for (uint64_t i = 0; i < count; i++)
            store(s->dtype, out, i, p[0]);
        return 0;
    }
    uint64_t w0 = first * wpe, w1 = (first + count) * wpe;
    uint64_t b0 = w0 / 16, b1 = (w1 + 15) / 16;
    static const uint8_t zero_nonce[12];
    if (keystream(ctx, key, (uint32_t)b0, zero_nonce, buf, (size_t)(b1 - b0)) != 0)
        return -1;
    const uint8_t *ws = buf + (w0 - b0 * 16) * 4;
    for (uint64_t i = 0; i < count; i++) {
        const uint8_t *w = ws + i * wpe * 4;
        double x;
        if (s->dist == TP_DIST_UNIFORM) {
            x = p[0] + (p[1] - p[0]) * ((double)(word(w) >> 8) * 0x1p-24);
        } else if (s->dist == TP_DIST_NORMAL) {
            x = normal_draw(s, w);
        } else {
            x = normal_draw(s, w);
            if (!(x >= p[2] && x <= p[3])) {
                x = normal_draw(s, w + 8);
                if (!(x >= p[2] && x <= p[3]) && trunc_tail(ctx, key, s, first + i, &x) != 0)
                    return -1;
            }
        }
        store(s->dtype, out, i, x);
    }
    return 0;
}

typedef struct {
    const uint8_t *key;
    const tp_init_spec *spec;
    uint64_t first, count; /* the whole range */
    uint8_t *out;
    pthread_mutex_t lock;
    uint64_t next; /* next chunk start, relative to first */
    int failed;
} fill_job;

/* Takes chunks until none are left: each chunk's bytes depend only on its
 * element indices, so the order threads take them in does not matter. */
static void *fill_worker(void *arg)
{
    fill_job *j = arg;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    uint8_t *buf = malloc((size_t)CHUNK_ELEMS * 4 * 4 + 2 * BLOCK_BYTES);
    size_t esz = tp_initrng_elem_size(j->spec->dtype);
    int bad = !ctx || !buf;
    for (;;) {
        pthread_mutex_lock(&j->lock);
        if (bad)
            j->failed = 1;
        uint64_t at = j->next, left = j->failed ? 0 : j->count - at;
        /* the first chunk ends on a multiple of CHUNK_ELEMS so later ones are aligned */
        uint64_t n = CHUNK_ELEMS - (j->first + at) % CHUNK_ELEMS;
        if (n > left)
            n = left;
        j->next += n;
        pthread_mutex_unlock(&j->lock);
        if (n == 0)
            break;
        bad = fill_chunk(ctx, j->key, j->spec, j->first + at, n, j->out + at * esz, buf) != 0;
    }
    EVP_CIPHER_CTX_free(ctx);
    free(buf);
    return NULL;
}

int tp_initrng_fill(const uint8_t key[TP_INIT_KEY_LEN], const tp_init_spec *spec, uint64_t first,
                    uint64_t count, void *out, unsigned threads)
{
    if (first > TP_INIT_MAX_ELEMS || count > TP_INIT_MAX_ELEMS - first || (count && !out))
        return TP_ETOOBIG;
    if (count == 0)
        return 0;
    if (threads == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        threads = n < 1 ? 1 : n > THREADS_MAX ? THREADS_MAX : (unsigned)n;
    }
    if (threads > THREADS_MAX)
        threads = THREADS_MAX;
    if (count < THREAD_MIN_ELEMS)
        threads = 1;
    fill_job j = {key, spec, first, count, out, PTHREAD_MUTEX_INITIALIZER, 0, 0};
    pthread_t tid[THREADS_MAX];
    unsigned started = 0;
    for (unsigned t = 1; t < threads; t++)
        if (pthread_create(&tid[started], NULL, fill_worker, &j) == 0)
            started++;
    fill_worker(&j);
    for (unsigned t = 0; t < started; t++)
        pthread_join(tid[t], NULL);
    return j.failed || j.next != count ? TP_ECRYPTO : 0;
}
