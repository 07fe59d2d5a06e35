/* trainprov.h: the public C API of libtrainprov.so.
 *
 * Everything the interposer records happens without these calls; they add what
 * only the job knows (its seeds, its progress, a file's role). Every function
 * is safe to call when logging is inactive (it then does nothing and returns
 * TRAINPROV_INACTIVE), from any thread, and never blocks on I/O: records are written
 * by the library's background thread. Python reaches the same functions with
 * ctypes (the `trainprov` package). */
#ifndef TRAINPROV_H
#define TRAINPROV_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TRAINPROV_OK 0
#define TRAINPROV_INACTIVE 1   /* logging is off in this process: nothing recorded */
#define TRAINPROV_EINVAL (-1)  /* a bad argument (NULL name, unknown role) */
#define TRAINPROV_ENOMEM (-2)

/* 1 when this process is recording into a signed log, else 0. */
int trainprov_log_active(void);

/* Records a seed the job committed to. source says where it came from
 * ("torch.manual_seed", "config", ...; NULL means "api"). */
int trainprov_seed_record(const char *name, uint64_t value, const char *source);

/* Records a free key/value note, e.g. ("step", "1200") or ("loss", "2.31"). */
int trainprov_note_record(const char *key, const char *value);

/* Declares the role of a file before (or after) the job opens it:
 * "data", "weights", "checkpoint", "code" or "other". Applies to the path as
 * given, after resolving it to an absolute, symlink-free path. */
int trainprov_file_set_role(const char *path, const char *role);

/* The deterministic initialiser, spec trainprov/init/v1 (docs/INIT.md).
 * dist is "uniform" (params a, b), "normal" (mean, std), "trunc_normal"
 * (mean, std, a, b) or "constant" (value); dtype "float32", "bfloat16" or
 * "float16"; out receives the elements little-endian, and out_size must be
 * exactly their size. */
#define TRAINPROV_INIT_MAX_DIMS 16

/* Records nothing: fills out with the n_elems first elements of the stream of
 * (nonce, seed, name), with `threads` threads (0: one per CPU). The bytes do
 * not depend on threads. TRAINPROV_OK or TRAINPROV_EINVAL. */
int trainprov_init_generate(const uint8_t *nonce, size_t nonce_len, uint64_t seed, const char *name,
                     const char *dist, const double *params, size_t n_params, const char *dtype,
                     uint64_t n_elems, void *out, size_t out_size, unsigned threads);

/* Fills a tensor of this shape from the stream of (this run's challenge
 * nonce, seed, name) and records an InitTensor (name, shape, dtype,
 * distribution, parameters, SHA-256 of the bytes). Fills the same bytes when
 * logging is inactive (with an empty nonce) and returns TRAINPROV_INACTIVE. */
int trainprov_init_fill(const char *name, uint64_t seed, const char *dist, const double *params,
                 size_t n_params, const char *dtype, const uint64_t *shape, size_t ndim,
                 void *out, size_t out_size);

/* Copies this run's challenge nonce (empty when there is none or logging is
 * inactive) into out; returns its length, or TRAINPROV_EINVAL when cap is too small
 * (64 always suffices). */
int trainprov_run_nonce(uint8_t *out, size_t cap);

/* The library version string, e.g. "0.1.0". */
const char *trainprov_version(void);

#ifdef __cplusplus
}
#endif
#endif
