/* initstat.h: the statistics behind init.random at strength statistical
 * (docs/CLAIMS.md): a declared element distribution and its CDF, the
 * one-sample Kolmogorov-Smirnov statistic with its asymptotic p-value, the
 * sample moments, and the largest singular value of a matrix by power
 * iteration on W^T W with the Marchenko-Pastur edge it is compared to. */
#ifndef TP_INITSTAT_H
#define TP_INITSTAT_H
#include <stddef.h>
#include <stdint.h>

#include "core/initrng.h"

/* uniform, normal or constant (trunc_normal is not a declared law here). */
typedef struct {
    tp_init_dist kind;
    double p1, p2; /* uniform: low, high; normal: mean, std; constant: value */
} tp_dist;

/* The distribution's mean, variance and excess kurtosis. */
void tp_initstat_expected(const tp_dist *d, double *mean, double *var, double *exkurt);
/* P(X <= x) under d (erfc for the normal). */
double tp_initstat_cdf(const tp_dist *d, double x);
/* Kolmogorov-Smirnov: sorts x in place, sets the statistic D and the
 * asymptotic p-value of D for n samples. n >= 1. */
void tp_initstat_ks(float *x, size_t n, const tp_dist *d, double *D, double *p);
/* Q_KS: P(sqrt(n) D > lambda) in the limit, with Stephens' small-n correction. */
double tp_initstat_ks_pvalue(double D, size_t n);
/* Mean, (population) variance and excess kurtosis of x; n >= 1. */
void tp_initstat_moments(const float *x, size_t n, double *mean, double *var, double *exkurt);
/* Largest singular value of the rows x cols row-major matrix w, by at most
 * iters power iterations on W^T W (a lower bound that converges from below).
 * Returns -1 when out of memory. */
double tp_initstat_sigma_max(const float *w, size_t rows, size_t cols, int iters);
/* sigma (sqrt(rows) + sqrt(cols)): where the spectrum of an i.i.d. matrix
 * with zero-mean entries of standard deviation sigma ends. */
double tp_initstat_mp_edge(double sigma, size_t rows, size_t cols);

#endif
