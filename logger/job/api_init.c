/* api_init.c: the initialiser's public API (include/trainprov.h): fills
 * tensors with initrng.c and, when the process is recording, posts an
 * InitTensor event whose digest covers exactly the bytes handed back. */
#define _GNU_SOURCE
#include "trainprov.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "logger/job/guard.h"
#include "core/initrng.h"
#include "logger/runtime.h"
#include "proto/trainprov.pb-c.h"
#include "logger/worker/worker.h"

#define TP_EXPORT __attribute__((visibility("default")))

/* Elements of a shape, or -1 when it has too many dimensions or elements. */
static int64_t count_elems(const uint64_t *shape, size_t ndim)
{
    uint64_t n = 1;
    if (ndim > TRAINPROV_INIT_MAX_DIMS || (ndim && !shape))
        return -1;
    for (size_t d = 0; d < ndim; d++) {
        if (shape[d] != 0 && n > TP_INIT_MAX_ELEMS / shape[d])
            return -1;
        n *= shape[d];
    }
    return (int64_t)n;
}

static int generate(const uint8_t *nonce, size_t nonce_len, uint64_t seed, const char *name,
                    const tp_init_spec *spec, uint64_t n, void *out, size_t out_size,
                    unsigned threads)
{
    uint8_t key[TP_INIT_KEY_LEN];
    if (n > TP_INIT_MAX_ELEMS || out_size / tp_initrng_elem_size(spec->dtype) != n ||
        out_size % tp_initrng_elem_size(spec->dtype) != 0 ||
        tp_initrng_key(nonce, nonce_len, seed, name, key) != 0)
        return TRAINPROV_EINVAL;
    return tp_initrng_fill(key, spec, 0, n, out, threads) == 0 ? TRAINPROV_OK : TRAINPROV_EINVAL;
}

TP_EXPORT int trainprov_init_generate(const uint8_t *nonce, size_t nonce_len, uint64_t seed,
                               const char *name, const char *dist, const double *params,
                               size_t n_params, const char *dtype, uint64_t n_elems, void *out,
                               size_t out_size, unsigned threads)
{
    tp_init_spec spec;
    char err[160];
    if (tp_initrng_spec(dist, params, n_params, dtype, &spec, err, sizeof err) != 0)
        return TRAINPROV_EINVAL;
    tp_guard_enter();
    int rc = generate(nonce, nonce_len, seed, name, &spec, n_elems, out, out_size, threads);
    tp_guard_leave();
    return rc;
}

TP_EXPORT int trainprov_run_nonce(uint8_t *out, size_t cap)
{
    size_t n = tp_runtime_recording() ? tp_cfg.nonce_len : 0;
    if (n > cap || (n && !out))
        return TRAINPROV_EINVAL;
    if (n)
        memcpy(out, tp_cfg.nonce, n);
    return (int)n;
}

/* The InitTensor in one block (struct, shape, params, strings), so that the
 * worker frees it with the event. */
static Trainprov__V1__InitTensor *init_record(const char *name, uint64_t seed, const char *dist,
                                              const double *params, size_t n_params,
                                              const char *dtype, const uint64_t *shape,
                                              size_t ndim, const uint8_t digest[32])
{
    size_t name_len = strlen(name) + 1, dist_len = strlen(dist) + 1, dtype_len = strlen(dtype) + 1;
    size_t size = sizeof(Trainprov__V1__InitTensor) + (ndim + n_params) * 8 + 32 + name_len +
                  dist_len + dtype_len + sizeof TP_INIT_SPEC;
    Trainprov__V1__InitTensor *t = malloc(size);
    if (!t)
        return NULL;
    trainprov__v1__init_tensor__init(t);
    char *p = (char *)(t + 1);
    t->shape = (uint64_t *)p;
    t->n_shape = ndim;
    if (ndim)
        memcpy(p, shape, ndim * 8);
    p += ndim * 8;
    t->params = (double *)p;
    t->n_params = n_params;
    memcpy(p, params, n_params * 8);
    p += n_params * 8;
    t->sha256.data = (uint8_t *)p;
    t->sha256.len = 32;
    memcpy(p, digest, 32);
    p += 32;
    t->name = memcpy(p, name, name_len);
    p += name_len;
    t->distribution = memcpy(p, dist, dist_len);
    p += dist_len;
    t->dtype = memcpy(p, dtype, dtype_len);
    p += dtype_len;
    t->spec = memcpy(p, TP_INIT_SPEC, sizeof TP_INIT_SPEC);
    t->seed = seed;
    return t;
}

TP_EXPORT int trainprov_init_fill(const char *name, uint64_t seed, const char *dist,
                           const double *params, size_t n_params, const char *dtype,
                           const uint64_t *shape, size_t ndim, void *out, size_t out_size)
{
    tp_init_spec spec;
    char err[160];
    int64_t n = count_elems(shape, ndim);
    if (n < 0 || tp_initrng_spec(dist, params, n_params, dtype, &spec, err, sizeof err) != 0)
        return TRAINPROV_EINVAL;
    tp_guard_enter();
    int recording = tp_runtime_recording();
    int rc = generate(recording ? tp_cfg.nonce : NULL, recording ? tp_cfg.nonce_len : 0, seed,
                      name, &spec, (uint64_t)n, out, out_size, 0);
    if (rc == TRAINPROV_OK && recording) {
        uint8_t digest[32];
        unsigned len = 0;
        tp_event *ev = NULL;
        if (EVP_Digest(out, out_size, digest, &len, EVP_sha256(), NULL) == 1 &&
            (ev = tp_event_new(TP_EV_INIT_TENSOR, NULL, NULL)) &&
            (ev->body = init_record(name, seed, dist, params, n_params, dtype, shape, ndim,
                                    digest))) {
            tp_runtime_post(ev);
        } else {
            tp_event_free(ev);
            rc = TRAINPROV_ENOMEM;
        }
    }
    tp_guard_leave();
    return rc == TRAINPROV_OK && !recording ? TRAINPROV_INACTIVE : rc;
}
