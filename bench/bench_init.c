/* bench_init.c: the trainprov/init/v1 initialiser's costs (bench/init.sh).
 *   bench_init regen ELEMS ROUNDS   fills ELEMS float32 with uniform(-1, 1)
 *                                   and normal(0, 1), 1 and 2 threads, best
 *                                   of ROUNDS; prints "regen DIST THREADS GB/s"
 *   bench_init model FILE LAYERS ROWS COLS
 *                                   writes a safetensors file of LAYERS
 *                                   float32 Linear weights ROWS x COLS (and
 *                                   their biases) filled with PyTorch's
 *                                   default laws from the v1 stream: a large
 *                                   "step-0 checkpoint" for init.random
 *                                   strength statistical */
#define _GNU_SOURCE
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/initrng.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int fill(const char *name, const char *dist, double p1, double p2, uint64_t n, float *out,
                unsigned threads)
{
    tp_init_spec spec;
    uint8_t key[TP_INIT_KEY_LEN];
    const double params[2] = {p1, p2};
    char why[128];
    if (tp_initrng_spec(dist, params, 2, "float32", &spec, why, sizeof why) != 0 ||
        tp_initrng_key((const uint8_t *)"bench", 5, 1, name, key) != 0)
        return -1;
    return tp_initrng_fill(key, &spec, 0, n, out, threads);
}

static int regen(uint64_t n, int rounds)
{
    float *buf = malloc(n * sizeof *buf);
    if (!buf)
        return 1;
    static const char *dists[] = {"uniform", "normal"};
    for (int d = 0; d < 2; d++)
        for (unsigned th = 1; th <= 2; th++) {
            double best = 1e30;
            for (int r = 0; r < rounds; r++) {
                double t0 = now_s();
                if (fill("w", dists[d], d ? 0 : -1, 1, n, buf, th) != 0) {
                    free(buf);
                    return 1;
                }
                double t = now_s() - t0;
                best = t < best ? t : best;
            }
            printf("regen %s %u %.3f\n", dists[d], th, (double)n * 4 / best / 1e9);
        }
    free(buf);
    return 0;
}

static int model(const char *path, unsigned layers, uint64_t rows, uint64_t cols)
{
    FILE *f = fopen(path, "wb");
    size_t hcap = 256 + (size_t)layers * 256, hlen = 0;
    char *h = malloc(hcap);
    float *w = malloc(rows * cols * sizeof *w);
    if (!f || !h || !w)
        return 1;
    uint64_t off = 0, wb = rows * cols * 4, bb = rows * 4;
    hlen += (size_t)snprintf(h + hlen, hcap - hlen, "{");
    for (unsigned l = 0; l < layers; l++) {
        hlen += (size_t)snprintf(h + hlen, hcap - hlen,
                                 "%s\"l%03u.weight\":{\"dtype\":\"F32\",\"shape\":[%llu,%llu],"
                                 "\"data_offsets\":[%llu,%llu]},"
                                 "\"l%03u.bias\":{\"dtype\":\"F32\",\"shape\":[%llu],"
                                 "\"data_offsets\":[%llu,%llu]}",
                                 l ? "," : "", l, (unsigned long long)rows,
                                 (unsigned long long)cols, (unsigned long long)off,
                                 (unsigned long long)(off + wb), l, (unsigned long long)rows,
                                 (unsigned long long)(off + wb),
                                 (unsigned long long)(off + wb + bb));
        off += wb + bb;
    }
    hlen += (size_t)snprintf(h + hlen, hcap - hlen, "}");
    while (hlen % 8)
        h[hlen++] = ' ';
    uint8_t le[8];
    for (int k = 0; k < 8; k++)
        le[k] = (uint8_t)((uint64_t)hlen >> (8 * k));
    int ok = fwrite(le, 1, 8, f) == 8 && fwrite(h, 1, hlen, f) == hlen;
    double b = 1 / sqrt((double)cols);
    for (unsigned l = 0; ok && l < layers; l++) {
        char name[32];
        snprintf(name, sizeof name, "l%03u.weight", l);
        ok = fill(name, "uniform", -b, b, rows * cols, w, 0) == 0 &&
             fwrite(w, 4, rows * cols, f) == rows * cols;
        snprintf(name, sizeof name, "l%03u.bias", l);
        ok = ok && fill(name, "uniform", -b, b, rows, w, 0) == 0 && fwrite(w, 4, rows, f) == rows;
    }
    free(h);
    free(w);
    return fclose(f) == 0 && ok ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc == 4 && !strcmp(argv[1], "regen"))
        return regen(strtoull(argv[2], NULL, 10), atoi(argv[3]));
    if (argc == 6 && !strcmp(argv[1], "model"))
        return model(argv[2], (unsigned)atoi(argv[3]), strtoull(argv[4], NULL, 10),
                     strtoull(argv[5], NULL, 10));
    fprintf(stderr, "usage: bench_init regen ELEMS ROUNDS | model FILE LAYERS ROWS COLS\n");
    return 2;
}
