/* mpi_c_job.c: a C MPI program linked against libtrainprov-mpi.so (not
 * preloaded), for e2e_mpi_c_linked.sh. Rank 0 fills a parameter array and
 * broadcasts it; every rank reads its data file DIR/shard_<rank>.bin,
 * Allreduces a sum and finalizes. Usage: mpi_c_job DIR */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

#define N_PARAMS 4096

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    static float params[N_PARAMS];
    if (rank == 0)
        for (int i = 0; i < N_PARAMS; i++)
            params[i] = (float)i / N_PARAMS;
    MPI_Bcast(params, N_PARAMS, MPI_FLOAT, 0, MPI_COMM_WORLD);
    char path[4096];
    snprintf(path, sizeof path, "%s/shard_%03d.bin", argc > 1 ? argv[1] : ".", rank);
    FILE *f = fopen(path, "rb");
    double sum = 0;
    unsigned char buf[4096];
    size_t n;
    while (f && (n = fread(buf, 1, sizeof buf, f)) > 0)
        for (size_t i = 0; i < n; i++)
            sum += buf[i];
    if (f)
        fclose(f);
    MPI_Allreduce(MPI_IN_PLACE, &sum, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    if (rank == 0)
        printf("sum %.0f\n", sum);
    MPI_Finalize();
    return f ? 0 : 1;
}
