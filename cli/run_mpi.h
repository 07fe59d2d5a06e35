/* run_mpi.h: what `trainprov run` does differently under mpirun (one wrapper
 * per rank, all with the same --log): detect the job, derive the run id every
 * rank's wrapper agrees on without talking to the others, share one journal
 * directory, and let only rank 0's wrapper assemble the log, once every
 * rank's journals are final (docs/FORMAT.md section 8). */
#ifndef TP_RUN_MPI_H
#define TP_RUN_MPI_H
#include <stddef.h>
#include <stdint.h>

#define TP_RUN_MPI_JOB_MAX 256

typedef struct {
    int on;                        /* started by mpirun (OMPI_COMM_WORLD_RANK set) */
    int rank, world_size;
    char job[TP_RUN_MPI_JOB_MAX];  /* PMIX_NAMESPACE, else OMPI_MCA_ess_base_jobid */
} tp_run_mpi;

/* Fills m from the launcher's environment. 0 (m->on says whether under
 * mpirun), or -1 when the variables are there but malformed (err says which). */
int tp_run_mpi_detect(tp_run_mpi *m, char *err, size_t errlen);
/* The run id all ranks derive: SHA-256("trainprov/v1/mpi-run-id" NUL job NUL
 * log_path), first 16 bytes. */
void tp_run_mpi_run_id(const tp_run_mpi *m, const char *log_path, uint8_t out[16]);
/* Under mpirun the journal directory is shared: creates it unless another
 * rank already did, refuses one that is a symbolic link, not this user's or
 * open to others (tp_journal_dir_open), and refuses journals left by another
 * run (their first record carries another run id). Returns the directory's
 * descriptor, or -1 (err says what to do). */
int tp_run_mpi_journal_dir(const char *dir, const uint8_t run_id[16], char *err, size_t errlen);
/* Rank 0's wrapper, after its own job ended: waits, polling, until every
 * journal in dir ends with a final signed head and every rank 0..world-1 has
 * a stream, at most timeout_s seconds. 0 when so, -1 on timeout (err names the
 * ranks and streams still missing or unfinished). */
int tp_run_mpi_wait(const char *dir, int world_size, int timeout_s, char *err, size_t errlen);

#endif
