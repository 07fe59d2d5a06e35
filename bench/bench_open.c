/* bench_open.c: the latency of open() of a recorded file on a job thread
 * while the worker is busy writing, signing and fsyncing: a second thread
 * posts notes as fast as it can, and with TRAINPROV_HEAD_EVERY=1 every
 * record is followed by a signed head and an fdatasync of the journal. The
 * job thread opens, reads 4 KiB of and closes FILE CALLS times and times
 * each open(). Usage: bench_open FILE [CALLS]. Prints
 * "open_ns p50 <v> p99 <v> p999 <v> max <v>". */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static atomic_int stop;

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void *post_notes(void *arg)
{
    int (*note)(const char *, const char *) = arg;
    while (note && !atomic_load(&stop)) {
        note("bench", "busy");
        usleep(100);
    }
    return NULL;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_open FILE [CALLS]\n");
        return 2;
    }
    long calls = argc > 2 ? atol(argv[2]) : 20000;
    double *ns = calloc((size_t)calls, sizeof *ns);
    pthread_t noter;
    pthread_create(&noter, NULL, post_notes, dlsym(RTLD_DEFAULT, "trainprov_note_record"));
    char buf[4096];
    for (long i = 0; i < calls; i++) {
        double t0 = now_ns();
        int fd = open(argv[1], O_RDONLY);
        ns[i] = now_ns() - t0;
        if (fd < 0) {
            perror(argv[1]);
            return 1;
        }
        if (read(fd, buf, sizeof buf) < 0)
            perror("read");
        close(fd);
    }
    atomic_store(&stop, 1);
    pthread_join(noter, NULL);
    qsort(ns, (size_t)calls, sizeof *ns, by_value);
    printf("open_ns p50 %.0f p99 %.0f p999 %.0f max %.0f\n", ns[calls / 2], ns[calls * 99 / 100],
           ns[calls * 999 / 1000], ns[calls - 1]);
    free(ns);
    return 0;
}
