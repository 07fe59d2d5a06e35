/* initstat.c: the statistics of initstat.h. Accumulation is in double; the
 * KS p-value is the Kolmogorov series Q(l) = 2 sum (-1)^(j-1) exp(-2 j^2 l^2)
 * at l = (sqrt(n) + 0.12 + 0.11/sqrt(n)) D (Stephens 1970). */
#include "verify/initstat.h"

#include <math.h>
#include <stdlib.h>

void tp_initstat_expected(const tp_dist *d, double *mean, double *var, double *exkurt)
{
    switch (d->kind) {
    case TP_DIST_UNIFORM:
        *mean = (d->p1 + d->p2) / 2;
        *var = (d->p2 - d->p1) * (d->p2 - d->p1) / 12;
        *exkurt = -1.2;
        break;
    case TP_DIST_NORMAL:
        *mean = d->p1;
        *var = d->p2 * d->p2;
        *exkurt = 0;
        break;
    default:
        *mean = d->p1;
        *var = 0;
        *exkurt = 0;
    }
}

double tp_initstat_cdf(const tp_dist *d, double x)
{
    switch (d->kind) {
    case TP_DIST_UNIFORM:
        return x <= d->p1 ? 0 : x >= d->p2 ? 1 : (x - d->p1) / (d->p2 - d->p1);
    case TP_DIST_NORMAL:
        return 0.5 * erfc(-(x - d->p1) / (d->p2 * M_SQRT2));
    default:
        return x < d->p1 ? 0 : 1;
    }
}

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return x < y ? -1 : x > y;
}

double tp_initstat_ks_pvalue(double D, size_t n)
{
    double sn = sqrt((double)n), l = (sn + 0.12 + 0.11 / sn) * D, sum = 0, sign = 1;
    if (l < 0.2)
        return 1;
    for (int j = 1; j <= 100; j++) {
        double term = sign * exp(-2.0 * j * j * l * l);
        sum += term;
        if (fabs(term) < 1e-16 * fabs(sum))
            break;
        sign = -sign;
    }
    double p = 2 * sum;
    return p < 0 ? 0 : p > 1 ? 1 : p;
}

void tp_initstat_ks(float *x, size_t n, const tp_dist *d, double *D, double *p)
{
    double dmax = 0;
    qsort(x, n, sizeof *x, cmp_float);
    for (size_t i = 0; i < n; i++) {
        double f = tp_initstat_cdf(d, x[i]);
        double lo = f - (double)i / n, hi = (double)(i + 1) / n - f;
        if (lo > dmax)
            dmax = lo;
        if (hi > dmax)
            dmax = hi;
    }
    *D = dmax;
    *p = tp_initstat_ks_pvalue(dmax, n);
}

void tp_initstat_moments(const float *x, size_t n, double *mean, double *var, double *exkurt)
{
    double s = 0, m2 = 0, m4 = 0;
    for (size_t i = 0; i < n; i++)
        s += x[i];
    double mu = s / n;
    for (size_t i = 0; i < n; i++) {
        double e = x[i] - mu, e2 = e * e;
        m2 += e2;
        m4 += e2 * e2;
    }
    m2 /= n;
    m4 /= n;
    *mean = mu;
    *var = m2;
    *exkurt = m2 > 0 ? m4 / (m2 * m2) - 3 : 0;
}

double tp_initstat_sigma_max(const float *w, size_t rows, size_t cols, int iters)
{
    double *v = malloc(cols * sizeof *v), *y = malloc(cols * sizeof *y);
    double *u = malloc(rows * sizeof *u), lambda = 0;
    if (!v || !y || !u) {
        free(v), free(y), free(u);
        return -1;
    }
    /* A fixed start with a component along every direction. */
    double norm = 0;
    for (size_t j = 0; j < cols; j++) {
        v[j] = 1.0 + (double)((j * 2654435761u) % 1000) / 1000.0;
        norm += v[j] * v[j];
    }
    for (size_t j = 0; j < cols; j++)
        v[j] /= sqrt(norm);
    for (int it = 0; it < iters; it++) {
        for (size_t j = 0; j < cols; j++)
            y[j] = 0;
        for (size_t r = 0; r < rows; r++) {
            const float *row = w + r * cols;
            double acc[4] = {0, 0, 0, 0}; /* independent sums: the loop vectorises */
            size_t j = 0;
            for (; j + 4 <= cols; j += 4)
                for (int k = 0; k < 4; k++)
                    acc[k] += row[j + k] * v[j + k];
            for (; j < cols; j++)
                acc[0] += row[j] * v[j];
            double dot = (acc[0] + acc[1]) + (acc[2] + acc[3]);
            u[r] = dot;
            for (size_t j = 0; j < cols; j++)
                y[j] += dot * row[j];
        }
        /* Rayleigh quotient v^T W^T W v = |W v|^2 with |v| = 1. */
        double l = 0, ny = 0;
        for (size_t r = 0; r < rows; r++)
            l += u[r] * u[r];
        for (size_t j = 0; j < cols; j++)
            ny += y[j] * y[j];
        if (ny == 0)
            break;
        ny = sqrt(ny);
        for (size_t j = 0; j < cols; j++)
            v[j] = y[j] / ny;
        int done = fabs(l - lambda) <= 1e-6 * l;
        lambda = l;
        if (done)
            break;
    }
    free(v), free(y), free(u);
    return sqrt(lambda);
}

double tp_initstat_mp_edge(double sigma, size_t rows, size_t cols)
{
    return sigma * (sqrt((double)rows) + sqrt((double)cols));
}
