/* bench_read.c: the cost of one 4 KiB read() of a cached file, in ns per
 * call. bench/run.sh runs it with and without libtrainprov.so preloaded, on a
 * file the logger records, and reports the difference (the added cost).
 * An idle second thread runs in both cases: a training process is always
 * multi-threaded, and glibc's syscall wrappers take their (slower)
 * cancellation-aware path once a process has threads, so measuring a
 * single-threaded plain run would charge that glibc cost to trainprov.
 * Usage: bench_read FILE [CALLS]. Prints "read_ns_per_call <value>" (best of 5). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void *idle_thread(void *arg)
{
    pause();
    return arg;
}

int main(int argc, char **argv)
{
    pthread_t idle;
    pthread_create(&idle, NULL, idle_thread, NULL);
    if (argc < 2) {
        fprintf(stderr, "usage: bench_read FILE [CALLS]\n");
        return 2;
    }
    long calls = argc > 2 ? atol(argv[2]) : 2000000;
    int fd = open(argv[1], O_RDONLY);
    if (fd < 0) {
        perror(argv[1]);
        return 2;
    }
    static char buf[4096];
    double best = 1e30;
    for (int round = 0; round < 5; round++) {
        double t0 = now_ns();
        for (long i = 0; i < calls; i++) {
            if (lseek(fd, 0, SEEK_SET) != 0 || read(fd, buf, sizeof buf) != (ssize_t)sizeof buf) {
                fprintf(stderr, "read failed\n");
                return 1;
            }
        }
        double per = (now_ns() - t0) / (double)calls;
        if (per < best)
            best = per;
    }
    close(fd);
    printf("read_ns_per_call %.1f\n", best);
    return 0;
}
