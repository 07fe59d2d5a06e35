/* bench_mpi.c: the MPI costs bench/mpi.sh measures, in one small C program
 * run with and without libtrainprov-mpi.so preloaded.
 *
 *   bench_mpi allreduce N   N in-place 8-byte MPI_Allreduce (MPI_SUM of one
 *                           double) after 1000 warm-up calls; rank 0 prints
 *                           "allreduce <ns per call>"
 *   bench_mpi finalize      MPI_Init, a barrier, then MPI_Finalize; rank 0
 *                           prints "finalize <ms>", its own MPI_Finalize time
 *                           (under the hooks rank 0 gathers every rank's
 *                           final head and seals last: the longest) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mpi.h>

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc < 2 || (strcmp(argv[1], "allreduce") && strcmp(argv[1], "finalize")) ||
        (!strcmp(argv[1], "allreduce") && argc != 3)) {
        fprintf(stderr, "usage: bench_mpi allreduce N | bench_mpi finalize\n");
        return 2;
    }
    MPI_Init(&argc, &argv);
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    if (!strcmp(argv[1], "allreduce")) {
        long n = atol(argv[2]);
        double x = 1.0;
        for (int i = 0; i < 1000; i++)
            MPI_Allreduce(MPI_IN_PLACE, &x, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
        MPI_Barrier(MPI_COMM_WORLD);
        double t0 = now_s();
        for (long i = 0; i < n; i++)
            MPI_Allreduce(MPI_IN_PLACE, &x, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
        double t1 = now_s();
        if (rank == 0)
            printf("allreduce %.1f\n", (t1 - t0) / (double)n * 1e9);
        MPI_Finalize();
        return 0;
    }
    MPI_Barrier(MPI_COMM_WORLD);
    double t0 = now_s();
    MPI_Finalize();
    double t1 = now_s();
    if (rank == 0)
        printf("finalize %.2f\n", (t1 - t0) * 1e3);
    return 0;
}
