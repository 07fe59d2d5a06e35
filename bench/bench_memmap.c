/* bench_memmap.c: a data loader's memmap pattern, N times: open the token
 * file, map it, touch one byte of a page, unmap, close (nanoGPT's get_batch
 * makes a new np.memmap per batch). Run under `trainprov run` by
 * bench/memmap.sh, which measures the log bytes per 10^5 opens.
 * usage: bench_memmap FILE N; prints "opens N seconds S". */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s FILE N\n", argv[0]);
        return 2;
    }
    long n = atol(argv[2]);
    struct timespec t0, t1;
    volatile unsigned sum = 0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long i = 0; i < n; i++) {
        int fd = open(argv[1], O_RDONLY | O_CLOEXEC);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) != 0 || st.st_size == 0) {
            perror(argv[1]);
            return 1;
        }
        unsigned char *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
        if (p == MAP_FAILED) {
            perror("mmap");
            return 1;
        }
        close(fd); /* np.memmap closes the file and keeps the mapping */
        sum += p[(size_t)(i * 4096) % (size_t)st.st_size];
        munmap(p, (size_t)st.st_size);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("opens %ld seconds %.3f\n", n,
           (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    return (int)(sum & 0);
}
