/* bench_inflate.c: the output rate of core/inflate.c on one raw DEFLATE
 * stream (bench/inflate.sh makes them with zlib and compares zlib's rate):
 *   bench_inflate FILE CAP   decodes FILE's stream up to CAP bytes, over
 * and over for about a second; prints "MB/s bytes-per-call status". */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "core/inflate.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: bench_inflate FILE CAP\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    if (!f) {
        perror(argv[1]);
        return 2;
    }
    static uint8_t in[64 << 20];
    size_t in_len = fread(in, 1, sizeof in, f);
    fclose(f);
    size_t cap = strtoul(argv[2], NULL, 10), used = 0, len = 0;
    uint8_t *out = malloc(cap ? cap : 1);
    if (!out)
        return 2;
    tp_inflate_status r = TP_INFLATE_DONE;
    double start = now(), t;
    size_t calls = 0, bytes = 0;
    do {
        r = tp_inflate(in, in_len, out, cap, &used, &len);
        bytes += len;
        calls++;
    } while ((t = now() - start) < 1.0);
    printf("%.0f %zu %s\n", (double)bytes / t / 1e6, len, tp_inflate_status_name(r));
    free(out);
    return r < 0;
}
