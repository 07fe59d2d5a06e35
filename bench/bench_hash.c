/* bench_hash.c: trainprov's whole-file hashing throughput (tp_sha256_fd as
 * the background worker runs it: pread only, no mappings, see
 * core/hashfile.h) on a page-cached file, in MB/s.
 * Usage: bench_hash FILE [REPEATS]. Prints one line: "hash_mb_per_s <value>".
 * bench/run.sh compares it with `openssl speed -evp sha256` in the same run. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "core/hashfile.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_hash FILE [REPEATS]\n");
        return 2;
    }
    int repeats = argc > 2 ? atoi(argv[2]) : 5;
    int fd = open(argv[1], O_RDONLY);
    if (fd < 0) {
        perror(argv[1]);
        return 2;
    }
    static const tp_hash_hooks as_the_worker = {.no_mappings = 1};
    tp_sha256_set_hooks(&as_the_worker);
    uint8_t digest[32];
    uint64_t size = 0;
    tp_sha256_fd(fd, pread, digest, &size, NULL, 0, NULL); /* warm the page cache */
    double best = 0;
    for (int i = 0; i < repeats; i++) {
        double t0 = now_s();
        if (tp_sha256_fd(fd, pread, digest, &size, NULL, 0, NULL) != 0) {
            fprintf(stderr, "hashing %s failed\n", argv[1]);
            return 1;
        }
        double mbps = (double)size / 1e6 / (now_s() - t0);
        if (mbps > best)
            best = mbps;
    }
    close(fd);
    printf("hash_mb_per_s %.1f\n", best);
    return 0;
}
