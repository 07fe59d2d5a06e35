/* bench_vfork.c: what serving vfork as a fork costs a large process: the
 * time of fork() + _exit in the child + waitpid, against vfork(), with GIB
 * GiB of private memory mapped and touched (fork copies its page tables;
 * vfork shares the address space). Usage: bench_vfork GIB [ROUNDS]. Prints
 * "fork_ms <v> vfork_ms <v>" (mean per call). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_vfork GIB [ROUNDS]\n");
        return 2;
    }
    size_t len = (size_t)atol(argv[1]) << 30;
    int rounds = argc > 2 ? atoi(argv[2]) : 10;
    char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    for (size_t off = 0; off < len; off += 4096)
        p[off] = 1;
    double t0 = now_ms();
    for (int i = 0; i < rounds; i++) {
        pid_t pid = fork();
        if (pid == 0)
            _exit(0);
        waitpid(pid, NULL, 0);
    }
    double t1 = now_ms();
    for (int i = 0; i < rounds; i++) {
        pid_t pid = vfork();
        if (pid == 0)
            _exit(0);
        waitpid(pid, NULL, 0);
    }
    double t2 = now_ms();
    printf("fork_ms %.2f vfork_ms %.3f\n", (t1 - t0) / rounds, (t2 - t1) / rounds);
    return 0;
}
