/* similarity.c: the --reference evidence (similarity.h). Raw cosine is never
 * reported: two independent inits with a common non-zero mean (LayerNorm
 * weights, all 1) have cosine 1; centring removes that. The null draw is the
 * trainprov/init/v1 stream uniform(-1, 1) keyed by TP_SIM_NULL_NONCE, seed 0
 * and the tensor's name: independent of both models, reproducible. Under
 * independence r is about normal(0, 1/n), so the report gives z = r sqrt(n)
 * too; a donor's weights give r near 1 at step 0 and stay high through a
 * fine-tune. Totals weight each tensor's r by its element count. */
#include "verify/similarity.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/initrng.h"
#include "verify/safetensors.h"

#define EVIDENCE_MAX 1000

double tp_similarity_pearson(const float *x, const float *y, size_t n)
{
    double mx = 0, my = 0, sxy = 0, sxx = 0, syy = 0;
    for (size_t i = 0; i < n; i++) {
        mx += x[i];
        my += y[i];
    }
    mx /= n ? n : 1;
    my /= n ? n : 1;
    for (size_t i = 0; i < n; i++) {
        double a = x[i] - mx, b = y[i] - my;
        sxy += a * b;
        sxx += a * a;
        syy += b * b;
    }
    return sxx > 0 && syy > 0 ? sxy / sqrt(sxx * syy) : 0;
}

static int same_shape(const tp_st_tensor *a, const tp_st_tensor *b)
{
    if (a->ndim != b->ndim)
        return 0;
    for (size_t d = 0; d < a->ndim; d++)
        if (a->shape[d] != b->shape[d])
            return 0;
    return 1;
}

/* An independent uniform(-1, 1) draw of n floats for name, into out. */
static int null_draw(const char *name, float *out, uint64_t n)
{
    tp_init_spec spec;
    uint8_t key[TP_INIT_KEY_LEN];
    const double ab[2] = {-1, 1};
    char why[128];
    if (tp_initrng_spec("uniform", ab, 2, "float32", &spec, why, sizeof why) != 0 ||
        tp_initrng_key((const uint8_t *)TP_SIM_NULL_NONCE, strlen(TP_SIM_NULL_NONCE), 0, name,
                       key) != 0)
        return -1;
    return tp_initrng_fill(key, &spec, 0, n, out, 0);
}

typedef struct {
    const char *path;
    tp_safetensors st;
    int open;
    double sum_r, sum_n;
    size_t matched;
} side;

/* r of side s's tensor named like ref against ref's values; 1 when s has no
 * tensor of that name and shape (or not a float one), -1 on a read error. */
static int compare(side *s, const tp_st_tensor *ref, const float *rv, uint64_t n, double *r)
{
    const tp_st_tensor *t = s->open ? tp_safetensors_find(&s->st, ref->name) : NULL;
    float *x = NULL;
    uint64_t m = 0;
    const char *why;
    if (!t || !same_shape(t, ref))
        return 1;
    int rc = tp_safetensors_read_f32(&s->st, t, &x, &m, &why);
    if (rc != 0 || m != n) {
        free(x);
        return rc < 0 ? -1 : 1;
    }
    *r = tp_similarity_pearson(rv, x, (size_t)n);
    free(x);
    s->sum_r += *r * (double)n;
    s->sum_n += (double)n;
    s->matched++;
    return 0;
}

static void side_summary(struct json_object *o, const char *key, const side *s)
{
    struct json_object *j = json_object_new_object();
    json_object_object_add(j, "path", json_object_new_string(s->path));
    json_object_object_add(j, "matched_tensors", json_object_new_int64((int64_t)s->matched));
    if (s->sum_n > 0)
        json_object_object_add(j, "pearson_weighted",
                               json_object_new_double(s->sum_r / s->sum_n));
    json_object_object_add(o, key, j);
}

int tp_similarity_report(const char *reference, const char *step0, const char *final,
                         struct json_object **out, char *err, size_t errlen)
{
    tp_safetensors ref;
    side s0 = {.path = step0}, fin = {.path = final}, nul = {.path = TP_SIM_NULL_NONCE};
    char ferr[512];
    *out = NULL;
    if (tp_safetensors_open(reference, &ref, err, errlen) != 0)
        return -1;
    if (step0 && tp_safetensors_open(step0, &s0.st, err, errlen) != 0) {
        tp_safetensors_close(&ref);
        return -1;
    }
    s0.open = step0 != NULL;
    fin.open = final && tp_safetensors_open(final, &fin.st, ferr, sizeof ferr) == 0;
    struct json_object *o = json_object_new_object(), *list = json_object_new_array();
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < ref.n; i++) {
        const tp_st_tensor *t = &ref.tensors[i];
        float *rv = NULL, *nv = NULL;
        uint64_t n = 0;
        const char *why;
        double r0 = 0, rf = 0, rn;
        int k = tp_safetensors_read_f32(&ref, t, &rv, &n, &why);
        if (k != 0 || n < 2) {
            free(rv);
            if (k < 0) {
                snprintf(err, errlen, "cannot read tensor %s of %s", t->name, reference);
                rc = -1;
            }
            continue;
        }
        int h0 = compare(&s0, t, rv, n, &r0), hf = h0 < 0 ? 1 : compare(&fin, t, rv, n, &rf);
        if (h0 < 0 || hf < 0) {
            snprintf(err, errlen, "cannot read tensor %s", t->name);
            rc = -1;
        } else if (h0 == 0 || hf == 0) {
            if (!(nv = malloc((size_t)n * sizeof *nv)) || null_draw(t->name, nv, n) != 0) {
                snprintf(err, errlen, "out of memory");
                rc = -1;
            } else {
                rn = tp_similarity_pearson(rv, nv, (size_t)n);
                nul.sum_r += rn * (double)n;
                nul.sum_n += (double)n;
                nul.matched++;
                struct json_object *e = json_object_new_object();
                json_object_object_add(e, "name", json_object_new_string(t->name));
                json_object_object_add(e, "elements", json_object_new_int64((int64_t)n));
                if (h0 == 0) {
                    json_object_object_add(e, "pearson_step0", json_object_new_double(r0));
                    json_object_object_add(e, "z_step0", json_object_new_double(r0 * sqrt((double)n)));
                }
                if (hf == 0) {
                    json_object_object_add(e, "pearson_final", json_object_new_double(rf));
                    json_object_object_add(e, "z_final", json_object_new_double(rf * sqrt((double)n)));
                }
                json_object_object_add(e, "pearson_null", json_object_new_double(rn));
                if (json_object_array_length(list) < EVIDENCE_MAX)
                    json_object_array_add(list, e);
                else
                    json_object_put(e);
            }
        }
        free(rv);
        free(nv);
    }
    json_object_object_add(o, "reference", json_object_new_string(reference));
    json_object_object_add(o, "measure", json_object_new_string("pearson (mean-centred)"));
    if (step0)
        side_summary(o, "step0", &s0);
    if (final && fin.open)
        side_summary(o, "final", &fin);
    else if (final)
        json_object_object_add(o, "final_unreadable", json_object_new_string(ferr));
    side_summary(o, "null", &nul);
    json_object_object_add(o, "per_tensor", list);
    tp_safetensors_close(&ref);
    if (s0.open)
        tp_safetensors_close(&s0.st);
    if (fin.open)
        tp_safetensors_close(&fin.st);
    if (rc != 0) {
        json_object_put(o);
        return -1;
    }
    *out = o;
    return 0;
}
