/* initrng.h: the deterministic initialiser, spec trainprov/init/v1
 * (docs/INIT.md): a ChaCha20 keystream keyed by SHA-256(domain ‖ nonce ‖
 * seed ‖ tensor name), turned into uniform / normal / truncated normal /
 * constant values with IEEE-754 basic operations only, written as float32,
 * bfloat16 or float16. Seekable: any element range can be generated on its
 * own, so large tensors are split across threads and the verifier can hash a
 * tensor chunk by chunk. Shared by libtrainprov.so and the verifier. */
#ifndef TP_INITRNG_H
#define TP_INITRNG_H
#include <stddef.h>
#include <stdint.h>

#define TP_INIT_SPEC "trainprov/init/v1"
#define TP_INIT_KEY_LEN 32
#define TP_INIT_NONCE_MAX 64        /* longest challenge nonce, bytes */
#define TP_INIT_NAME_MAX 4096       /* longest tensor name, bytes */
#define TP_INIT_MAX_ELEMS (1ULL << 34) /* keeps every ChaCha20 counter below 2^32 */
#define TP_INIT_MAX_PARAMS 4

typedef enum { TP_DIST_UNIFORM, TP_DIST_NORMAL, TP_DIST_TRUNC_NORMAL, TP_DIST_CONSTANT } tp_init_dist;
typedef enum { TP_DTYPE_FLOAT32, TP_DTYPE_BFLOAT16, TP_DTYPE_FLOAT16 } tp_init_dtype;

/* A distribution with its parameters, in the spec's order:
 * uniform(a, b), normal(mean, std), trunc_normal(mean, std, a, b), constant(value). */
typedef struct {
    tp_init_dist dist;
    double p[TP_INIT_MAX_PARAMS];
    tp_init_dtype dtype;
} tp_init_spec;

/* Parses names ("uniform", ...; "float32", ...) and checks the parameters
 * (finite, the right count, a <= b, std >= 0, a < b for trunc_normal, value
 * in range of the dtype). 0, or TP_EMALFORMED (core/error.h) with err saying what is wrong. */
int tp_initrng_spec(const char *dist, const double *params, size_t n_params, const char *dtype,
                    tp_init_spec *out, char *err, size_t errlen);
/* Bytes per element of the dtype (4 or 2). */
size_t tp_initrng_elem_size(tp_init_dtype dtype);
/* The stream key SHA-256("trainprov/init/v1" 0x00 ‖ u64le(len nonce) ‖ nonce ‖
 * u64le(seed) ‖ u64le(len name) ‖ name). 0, TP_ETOOBIG on a bad length
 * or TP_ECRYPTO. */
int tp_initrng_key(const uint8_t *nonce, size_t nonce_len, uint64_t seed, const char *name,
                   uint8_t key[TP_INIT_KEY_LEN]);
/* Writes elements [first, first + count) of the tensor into out (count
 * elements, little-endian), with `threads` threads (0: one per online CPU,
 * used only for large ranges). The bytes do not depend on threads or on how
 * a tensor is split into ranges. 0, TP_ETOOBIG (bad range), or TP_ECRYPTO (out
 * of memory, a trunc_normal interval that rejects too many draws, OpenSSL). */
int tp_initrng_fill(const uint8_t key[TP_INIT_KEY_LEN], const tp_init_spec *spec, uint64_t first,
                    uint64_t count, void *out, unsigned threads);

/* The standard normal quantile of the spec (exposed for the tests). */
double tp_initrng_ndtri(double u);
/* Rounds a double to the nearest bfloat16 / float16 (ties to even), bits. */
uint16_t tp_initrng_to_bf16(double x);
uint16_t tp_initrng_to_f16(double x);

#endif
