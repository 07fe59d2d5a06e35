/* init_statistical.c: the evidence for init.random at strength statistical
 * (init_statistical.h).
 *
 * Each tensor's law is its declaration in --init-declare, else inferred from
 * its name and shape as PyTorch's default initialisers fill them:
 *   NAME.weight, 1-D                 constant 1 (LayerNorm, BatchNorm)
 *   NAME.weight, 2-D, last component
 *   of NAME containing "emb"         normal(0, 1) (Embedding)
 *   NAME.weight, 2-D or more         uniform(+-1/sqrt(fan_in)) (Linear, Conv:
 *                                    kaiming_uniform with a = sqrt(5)),
 *                                    fan_in = product of the dims after the first
 *   NAME.bias, NAME.weight >= 2-D    uniform(+-1/sqrt(fan_in of NAME.weight))
 *   NAME.bias, NAME.weight 1-D       constant 0
 * A random tensor fails when its KS p-value is below TP_INITSTAT_KS_ALPHA, a
 * moment is more than TP_INITSTAT_Z standard errors from its expected value,
 * or (a matrix with zero-mean entries) its largest singular value is above
 * the Marchenko-Pastur edge by more than the Tracy-Widom-scaled tolerance;
 * a constant tensor fails unless every element is exactly the constant. A
 * tensor without a law (no rule, no declaration, not a float dtype) makes
 * the claim unknown; any failing tensor makes it fail. */
#define _GNU_SOURCE /* asprintf */
#include "verify/init_statistical.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "verify/initstat.h"
#include "verify/safetensors.h"

#define EVIDENCE_MAX 1000
#define DETAIL_MAX 3

typedef struct {
    size_t tested, failed, undeclared;
    char detail[DETAIL_MAX * 256];
    size_t shown;
} tally;

static void note(tally *t, const char *name, const char *why)
{
    if (t->shown++ >= DETAIL_MAX)
        return;
    size_t used = strlen(t->detail);
    snprintf(t->detail + used, sizeof t->detail - used, "%stensor %s: %s", used ? "; " : "", name,
             why);
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && !strcmp(s + n - k, suffix);
}

static uint64_t fan_in(const tp_st_tensor *t)
{
    uint64_t f = 1;
    for (size_t d = 1; d < t->ndim; d++)
        f *= t->shape[d];
    return f;
}

/* The declaration of name in decl ({"dist": "uniform", "low", "high"} |
 * {"dist": "normal", "mean", "std"} | {"dist": "constant", "value"}).
 * 1 found, 0 absent, -1 malformed (why set). */
static int declared(struct json_object *decl, const char *name, tp_dist *d, const char **why)
{
    struct json_object *e, *k, *a, *b;
    if (!decl || !json_object_object_get_ex(decl, name, &e))
        return 0;
    *why = "its declaration is not {\"dist\": uniform|normal|constant, parameters}";
    if (!json_object_is_type(e, json_type_object) || !json_object_object_get_ex(e, "dist", &k) ||
        !json_object_is_type(k, json_type_string))
        return -1;
    const char *dist = json_object_get_string(k);
    const char *n1 = !strcmp(dist, "uniform") ? "low" : !strcmp(dist, "normal") ? "mean" : "value";
    const char *n2 = !strcmp(dist, "uniform") ? "high" : "std";
    int two = strcmp(dist, "constant") != 0;
    if (strcmp(dist, "uniform") && strcmp(dist, "normal") && strcmp(dist, "constant"))
        return -1;
    if (!json_object_object_get_ex(e, n1, &a) ||
        !(json_object_is_type(a, json_type_double) || json_object_is_type(a, json_type_int)) ||
        (two && (!json_object_object_get_ex(e, n2, &b) ||
                 !(json_object_is_type(b, json_type_double) || json_object_is_type(b, json_type_int)))))
        return -1;
    d->kind = !strcmp(dist, "uniform") ? TP_DIST_UNIFORM
              : !strcmp(dist, "normal") ? TP_DIST_NORMAL : TP_DIST_CONSTANT;
    d->p1 = json_object_get_double(a);
    d->p2 = two ? json_object_get_double(b) : 0;
    if (!isfinite(d->p1) || !isfinite(d->p2) || (d->kind == TP_DIST_UNIFORM && !(d->p1 < d->p2)) ||
        (d->kind == TP_DIST_NORMAL && !(d->p2 > 0))) {
        *why = "its declared parameters are not finite, or low >= high, or std <= 0";
        return -1;
    }
    return 1;
}

/* The law of t from its role; NULL, or why there is none. */
static const char *inferred(const tp_safetensors *st, const tp_st_tensor *t, tp_dist *d,
                            const char **role)
{
    size_t len = strlen(t->name);
    if (ends_with(t->name, ".weight")) {
        if (t->ndim == 1) {
            *d = (tp_dist){TP_DIST_CONSTANT, 1, 0};
            *role = "norm weight";
            return NULL;
        }
        if (t->ndim == 0 || fan_in(t) == 0)
            return "a weight with no fan-in";
        const char *stem = t->name, *dot;
        for (const char *p = t->name; p < t->name + len - 7; p++)
            if (*p == '.')
                stem = p + 1;
        dot = t->name + len - 7;
        if (t->ndim == 2 && memmem(stem, (size_t)(dot - stem), "emb", 3)) {
            *d = (tp_dist){TP_DIST_NORMAL, 0, 1};
            *role = "embedding";
            return NULL;
        }
        double b = 1 / sqrt((double)fan_in(t));
        *d = (tp_dist){TP_DIST_UNIFORM, -b, b};
        *role = t->ndim == 2 ? "linear weight" : "conv weight";
        return NULL;
    }
    if (ends_with(t->name, ".bias")) {
        char *w = NULL;
        if (asprintf(&w, "%.*s.weight", (int)(len - 5), t->name) < 0)
            return "out of memory";
        const tp_st_tensor *wt = tp_safetensors_find(st, w);
        free(w);
        if (!wt)
            return "a bias without a NAME.weight beside it";
        if (wt->ndim == 1) {
            *d = (tp_dist){TP_DIST_CONSTANT, 0, 0};
            *role = "norm bias";
            return NULL;
        }
        if (wt->ndim == 0 || fan_in(wt) == 0)
            return "a bias whose weight has no fan-in";
        double b = 1 / sqrt((double)fan_in(wt));
        *d = (tp_dist){TP_DIST_UNIFORM, -b, b};
        *role = "bias";
        return NULL;
    }
    return "no PyTorch default role and no --init-declare entry";
}

static const char *dist_name(tp_init_dist k)
{
    return k == TP_DIST_UNIFORM ? "uniform" : k == TP_DIST_NORMAL ? "normal" : "constant";
}

static void add_d(struct json_object *o, const char *k, double v)
{
    json_object_object_add(o, k, json_object_new_double(v));
}

/* Tests the n values x (modified: sorted) of t against d; adds the numbers to
 * o. NULL when it passes, else why not (static text or buf). -1 in *oom. */
static const char *test_tensor(const tp_st_tensor *t, float *x, uint64_t n, const tp_dist *d,
                               struct json_object *o, char *buf, size_t buflen, int *oom)
{
    if (d->kind == TP_DIST_CONSTANT) {
        uint64_t off = 0;
        for (uint64_t i = 0; i < n; i++)
            off += x[i] != (float)d->p1;
        json_object_object_add(o, "elements_not_constant", json_object_new_int64((int64_t)off));
        if (off)
            snprintf(buf, buflen, "%llu of %llu elements are not exactly %g",
                     (unsigned long long)off, (unsigned long long)n, d->p1);
        return off ? buf : NULL;
    }
    if (n == 0)
        return "it is empty";
    for (uint64_t i = 0; i < n; i++)
        if (!isfinite(x[i]))
            return "it holds a NaN or an infinity";
    double mu, var, ku, emu, evar, eku, D, p;
    tp_initstat_expected(d, &emu, &evar, &eku);
    tp_initstat_moments(x, (size_t)n, &mu, &var, &ku);
    double smax = -1, edge = 0, tol = 0;
    uint64_t rows = t->ndim >= 2 ? t->shape[0] : 0, cols = rows ? n / rows : 0;
    if (rows >= 2 && cols >= 2 && emu == 0) {
        smax = tp_initstat_sigma_max(x, (size_t)rows, (size_t)cols, TP_INITSTAT_ITERS);
        if (smax < 0) {
            *oom = 1;
            return "out of memory";
        }
        double sr = sqrt((double)rows), sc = sqrt((double)cols);
        edge = tp_initstat_mp_edge(sqrt(evar), (size_t)rows, (size_t)cols);
        /* The edge's Tracy-Widom fluctuation, relative, on the singular value. */
        tol = 0.02 + 4 * cbrt(1 / sr + 1 / sc) / (sr + sc);
    }
    tp_initstat_ks(x, (size_t)n, d, &D, &p); /* sorts x: after the spectrum */
    double dn = (double)n, se_mu = sqrt(evar / dn), se_var = evar * sqrt((eku + 2) / dn),
           se_ku = sqrt(24 / dn);
    add_d(o, "ks_d", D);
    add_d(o, "ks_p", p);
    add_d(o, "mean", mu);
    add_d(o, "mean_expected", emu);
    add_d(o, "variance", var);
    add_d(o, "variance_expected", evar);
    add_d(o, "excess_kurtosis", ku);
    add_d(o, "excess_kurtosis_expected", eku);
    if (smax >= 0) {
        add_d(o, "sigma_max", smax);
        add_d(o, "mp_edge", edge);
        add_d(o, "sigma_max_over_edge", smax / edge);
        add_d(o, "sigma_tolerance", tol);
    }
    if (p < TP_INITSTAT_KS_ALPHA)
        snprintf(buf, buflen, "KS D = %.4g, p = %.3g against %s(%g, %g)", D, p,
                 dist_name(d->kind), d->p1, d->p2);
    else if (fabs(mu - emu) > TP_INITSTAT_Z * se_mu)
        snprintf(buf, buflen, "mean %.4g, expected %.4g +- %.2g", mu, emu, TP_INITSTAT_Z * se_mu);
    else if (fabs(var - evar) > TP_INITSTAT_Z * se_var)
        snprintf(buf, buflen, "variance %.4g, expected %.4g +- %.2g", var, evar,
                 TP_INITSTAT_Z * se_var);
    else if (fabs(ku - eku) > TP_INITSTAT_Z * se_ku)
        snprintf(buf, buflen, "excess kurtosis %.3g, expected %.3g +- %.2g", ku, eku,
                 TP_INITSTAT_Z * se_ku);
    else if (smax >= 0 && smax > edge * (1 + tol))
        snprintf(buf, buflen, "largest singular value %.4g is %.3gx the Marchenko-Pastur edge "
                              "%.4g (tolerance %.2g)", smax, smax / edge, edge, tol);
    else
        return NULL;
    return buf;
}

static struct json_object *load_declare(const char *path, char *err, size_t errlen)
{
    struct stat sb;
    if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size > TP_INITSTAT_DECLARE_MAX) {
        snprintf(err, errlen, "cannot read --init-declare %s (missing, or over %u bytes)", path,
                 TP_INITSTAT_DECLARE_MAX);
        return NULL;
    }
    struct json_object *j = json_object_from_file(path);
    if (!j || !json_object_is_type(j, json_type_object)) {
        json_object_put(j);
        snprintf(err, errlen, "--init-declare %s is not a JSON object of tensor declarations",
                 path);
        return NULL;
    }
    return j;
}

int tp_initstat_check(const char *checkpoint, const char *declare_path, struct json_object *ev,
                      tp_claim_status *status, char **detail, char *err, size_t errlen)
{
    tp_safetensors st;
    struct json_object *decl = NULL;
    if (declare_path && !(decl = load_declare(declare_path, err, errlen)))
        return -1;
    if (tp_safetensors_open(checkpoint, &st, err, errlen) != 0) {
        json_object_put(decl);
        return -1;
    }
    tally t = {0};
    struct json_object *list = json_object_new_array();
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < st.n; i++) {
        const tp_st_tensor *ten = &st.tensors[i];
        struct json_object *o = json_object_new_object();
        tp_dist d;
        const char *role = "declared", *why = NULL, *bad = NULL;
        char buf[256];
        float *x = NULL;
        uint64_t n = 0;
        int dc = declared(decl, ten->name, &d, &why);
        if (dc == 0)
            why = inferred(&st, ten, &d, &role);
        else if (dc == 1)
            why = NULL;
        json_object_object_add(o, "name", json_object_new_string(ten->name));
        if (!why) {
            int r = tp_safetensors_read_f32(&st, ten, &x, &n, &why);
            if (r < 0) {
                snprintf(err, errlen, "cannot read tensor %s of %s", ten->name, checkpoint);
                rc = -1;
            }
        }
        if (rc == 0 && why) {
            t.undeclared++;
            note(&t, ten->name, why);
            json_object_object_add(o, "result", json_object_new_string("untested"));
            json_object_object_add(o, "why", json_object_new_string(why));
        } else if (rc == 0) {
            int oom = 0;
            json_object_object_add(o, "role", json_object_new_string(role));
            json_object_object_add(o, "distribution", json_object_new_string(dist_name(d.kind)));
            add_d(o, "param1", d.p1);
            if (d.kind != TP_DIST_CONSTANT)
                add_d(o, "param2", d.p2);
            json_object_object_add(o, "elements", json_object_new_int64((int64_t)n));
            bad = test_tensor(ten, x, n, &d, o, buf, sizeof buf, &oom);
            if (oom) {
                snprintf(err, errlen, "out of memory");
                rc = -1;
            }
            t.tested++;
            if (bad) {
                t.failed++;
                note(&t, ten->name, bad);
                json_object_object_add(o, "why", json_object_new_string(bad));
            }
            json_object_object_add(o, "result", json_object_new_string(bad ? "fail" : "pass"));
        }
        free(x);
        if (i < EVIDENCE_MAX)
            json_object_array_add(list, o);
        else
            json_object_put(o);
    }
    tp_safetensors_close(&st);
    json_object_put(decl);
    if (rc != 0) {
        json_object_put(list);
        return -1;
    }
    json_object_object_add(ev, "strength", json_object_new_string("statistical"));
    json_object_object_add(ev, "checkpoint", json_object_new_string(checkpoint));
    json_object_object_add(ev, "tensors", json_object_new_int64((int64_t)(t.tested + t.undeclared)));
    json_object_object_add(ev, "tensors_failed", json_object_new_int64((int64_t)t.failed));
    json_object_object_add(ev, "tensors_untested", json_object_new_int64((int64_t)t.undeclared));
    add_d(ev, "ks_alpha", TP_INITSTAT_KS_ALPHA);
    add_d(ev, "moment_z", TP_INITSTAT_Z);
    json_object_object_add(ev, "per_tensor", list);
    int r;
    if (t.failed) {
        *status = TP_CLAIM_FAIL;
        r = asprintf(detail, "strength statistical: %zu of %zu tensors of %s do not look like "
                             "a fresh initialisation: %s%s",
                     t.failed, t.tested, checkpoint, t.detail, t.shown > DETAIL_MAX ? "; ..." : "");
    } else if (t.undeclared || t.tested == 0) {
        *status = TP_CLAIM_UNKNOWN;
        r = asprintf(detail, "strength statistical: %zu tensors of %s pass, %zu have no law to "
                             "test against (declare them with --init-declare): %s",
                     t.tested, checkpoint, t.undeclared, t.detail);
    } else {
        *status = TP_CLAIM_PASS;
        r = asprintf(detail, "strength statistical: all %zu tensors of %s match their declared "
                             "initial distributions (KS, moments, spectrum edge, exact constants)",
                     t.tested, checkpoint);
    }
    if (r < 0) {
        *detail = NULL;
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}
