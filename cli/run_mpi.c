/* run_mpi.c: the MPI side of the `trainprov run` wrapper (see run_mpi.h).
 *
 * Every rank's wrapper runs the same checks and derives the same run id from
 * the launcher's job id and the log path; rank 0 of the job draws fresh
 * randomness at MPI_Init on top of it (mpi_hooks/mpi_hooks.h). The wrappers
 * never talk to each other: the shared journal directory on the job's file
 * system is their only meeting point, and only rank 0's wrapper reads it,
 * after its own job ended, bounded in time. Each poll reloads the whole
 * directory: simple and right at tens of ranks; at thousands it is the cost
 * the planned per-node aggregation of journals (ARCHITECTURE.md) removes. */
#define _GNU_SOURCE
#include "cli/run_mpi.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "cli/parse_count.h"
#include "core/cursor.h"
#include "core/journal.h"
#include "core/vocab.h"
#include "runlog/journal_load.h"
#include "runlog/records.h"
#include "proto/trainprov.pb-c.h"

#define FIRST_FRAME_MAX (1u << 20) /* a RunStart is far smaller */
#define POLL_NS (200 * 1000 * 1000)

int tp_run_mpi_detect(tp_run_mpi *m, char *err, size_t errlen)
{
    memset(m, 0, sizeof *m);
    m->rank = -1;
    const char *rank = getenv("OMPI_COMM_WORLD_RANK");
    if (!rank)
        return 0;
    const char *size = getenv("OMPI_COMM_WORLD_SIZE");
    const char *job = getenv("PMIX_NAMESPACE");
    if (!job || !*job)
        job = getenv("OMPI_MCA_ess_base_jobid");
    if (tp_parse_count(rank, &m->rank) != 0 || tp_parse_count(size, &m->world_size) != 0 ||
        m->rank >= m->world_size) {
        snprintf(err, errlen, "under mpirun, but OMPI_COMM_WORLD_RANK=%s / "
                 "OMPI_COMM_WORLD_SIZE=%s are not a rank and a world size", rank,
                 size ? size : "(unset)");
        return -1;
    }
    if (!job || !*job || strlen(job) >= sizeof m->job) {
        snprintf(err, errlen, "under mpirun, but the job has no PMIX_NAMESPACE or "
                 "OMPI_MCA_ess_base_jobid (at most %d characters) to derive the run id from",
                 TP_RUN_MPI_JOB_MAX - 1);
        return -1;
    }
    strcpy(m->job, job);
    m->on = 1;
    return 0;
}

void tp_run_mpi_run_id(const tp_run_mpi *m, const char *log_path, uint8_t out[16])
{
    static const char domain[] = "trainprov/v1/mpi-run-id";
    uint8_t digest[32];
    unsigned int len = 0;
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    int ok = c && EVP_DigestInit_ex(c, EVP_sha256(), NULL) == 1 &&
             EVP_DigestUpdate(c, domain, sizeof domain) == 1 &&
             EVP_DigestUpdate(c, m->job, strlen(m->job) + 1) == 1 &&
             EVP_DigestUpdate(c, log_path, strlen(log_path)) == 1 &&
             EVP_DigestFinal_ex(c, digest, &len) == 1;
    EVP_MD_CTX_free(c);
    if (!ok) /* fail closed: an all-zero id never verifies as a run's */
        memset(digest, 0, sizeof digest);
    memcpy(out, digest, 16);
}

/* The run id of a journal's first record: 1 when read, 0 when the journal is
 * too young to tell (being written by a rank right now), -1 when unreadable. */
static int journal_run_id(int dirfd, const char *name, uint8_t out[16])
{
    int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    struct stat st;
    if (fd >= 0 && (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))) {
        close(fd);
        return -1;
    }
    if (fd < 0)
        return -1;
    uint8_t hdr[TP_JOURNAL_MAGIC_LEN + TP_FRAME_HEADER_LEN];
    ssize_t n = pread(fd, hdr, sizeof hdr, 0);
    int rc = 0;
    if (n == (ssize_t)sizeof hdr) {
        tp_cursor c = tp_cursor_make(hdr + TP_JOURNAL_MAGIC_LEN + 4, 4);
        uint32_t len = 0;
        tp_cursor_u32le(&c, &len);
        uint8_t *buf = len <= FIRST_FRAME_MAX ? malloc(sizeof hdr + len) : NULL;
        if (buf) {
            memcpy(buf, hdr, sizeof hdr);
            if (pread(fd, buf + sizeof hdr, len, sizeof hdr) == (ssize_t)len) {
                tp_journal_reader r;
                enum tp_frame_kind kind;
                const uint8_t *payload;
                uint32_t plen;
                Trainprov__V1__Record *rec = NULL;
                if (tp_journal_reader_init(&r, buf, sizeof hdr + len) == TP_JOURNAL_FRAME &&
                    tp_journal_next(&r, &kind, &payload, &plen) == TP_JOURNAL_FRAME &&
                    kind == TP_FRAME_RECORD &&
                    (rec = trainprov__v1__record__unpack(NULL, plen, payload)) != NULL &&
                    rec->run_id.len == 16) {
                    memcpy(out, rec->run_id.data, 16);
                    rc = 1;
                } else {
                    rc = -1;
                }
                if (rec)
                    trainprov__v1__record__free_unpacked(rec, NULL);
            }
            free(buf);
        } else {
            rc = -1;
        }
    }
    close(fd);
    return rc;
}

int tp_run_mpi_journal_dir(const char *dir, const uint8_t run_id[16], char *err, size_t errlen)
{
    int fd = tp_journal_dir_open(dir, TP_JDIR_NEW_OR_OURS, err, errlen);
    int scan = fd >= 0 ? dup(fd) : -1;
    DIR *d = scan >= 0 ? fdopendir(scan) : NULL;
    if (!d) {
        if (fd >= 0) {
            snprintf(err, errlen, "cannot open the journal directory %s: %s", dir,
                     strerror(errno));
            if (scan >= 0)
                close(scan);
            close(fd);
        }
        return -1;
    }
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len <= 4 || strcmp(e->d_name + len - 4, TP_JOURNAL_SUFFIX) != 0)
            continue;
        uint8_t other[16];
        int got = journal_run_id(dirfd(d), e->d_name, other);
        if (got < 0 || (got == 1 && memcmp(other, run_id, 16) != 0)) {
            snprintf(err, errlen, "%s holds journal %s of another run: a previous run left "
                     "journals; run `trainprov recover` on its log, or remove the directory",
                     dir, e->d_name);
            rc = -1;
        }
    }
    closedir(d);
    if (rc != 0)
        close(fd);
    return rc == 0 ? fd : -1;
}

/* 1 when the stream's journal is complete and ends with a final head over
 * all its records. */
static int stream_final(const tp_stream_data *s)
{
    if (s->n_heads == 0 || s->dropped_unsigned || tp_jstatus_parse(s->journal_status) != TP_JSTATUS_COMPLETE)
        return 0;
    Trainprov__V1__TreeHead *h = tp_head_decode(&s->head_bodies[s->n_heads - 1], NULL, 0);
    int fin = h && h->final && h->tree_size == s->n_records;
    if (h)
        trainprov__v1__tree_head__free_unpacked(h, NULL);
    return fin;
}

static int stream_rank(const tp_stream_data *s)
{
    Trainprov__V1__Record *r = s->n_records ? tp_record_decode(&s->records[0], NULL, 0) : NULL;
    int rank = r && r->body_case == TRAINPROV__V1__RECORD__BODY_RUN_START ? r->run_start->rank
                                                                            : -1;
    if (r)
        trainprov__v1__record__free_unpacked(r, NULL);
    return rank;
}

/* Checks once; 1 when everything is final, 0 otherwise (err says what is not). */
static int all_final(const char *dir, int world_size, uint8_t *seen, char *err, size_t errlen)
{
    tp_runlog log;
    if (tp_journal_load_dir(dir, &log, err, errlen) != 0)
        return 0;
    memset(seen, 0, (size_t)world_size);
    size_t unfinished = 0;
    char first[17] = "";
    for (size_t i = 0; i < log.n_streams; i++) {
        const tp_stream_data *s = &log.streams[i];
        int r = stream_rank(s);
        if (r >= 0 && r < world_size)
            seen[r] = 1;
        if (!stream_final(s) && unfinished++ == 0)
            tp_stream_hex(s->stream_id, first);
    }
    tp_runlog_free(&log);
    size_t missing = 0;
    int first_missing = -1;
    for (int r = 0; r < world_size; r++)
        if (!seen[r] && missing++ == 0)
            first_missing = r;
    if (!unfinished && !missing)
        return 1;
    if (missing)
        snprintf(err, errlen, "%zu rank(s) left no journal (first: rank %d)", missing,
                 first_missing);
    else
        snprintf(err, errlen, "%zu stream(s) did not end with a final signed head (first: "
                 "%s)", unfinished, first);
    return 0;
}

int tp_run_mpi_wait(const char *dir, int world_size, int timeout_s, char *err, size_t errlen)
{
    uint8_t *seen = malloc(world_size > 0 ? (size_t)world_size : 1);
    if (!seen) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    struct timespec start, now, tick = {0, POLL_NS};
    clock_gettime(CLOCK_MONOTONIC, &start);
    int done;
    while (!(done = all_final(dir, world_size, seen, err, errlen))) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - start.tv_sec >= timeout_s)
            break;
        nanosleep(&tick, NULL);
    }
    free(seen);
    return done ? 0 : -1;
}
