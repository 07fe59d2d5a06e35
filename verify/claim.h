/* claim.h: what every claim is given and how it concludes. Before the claims
 * run, the facts they share are derived once into a tp_claim_ctx: the decoded
 * records and heads, each stream's name, RunStart, Merkle roots and end, the
 * file table and the MPI ranks (mpi_facts.h). A claim reads the context,
 * fills only its own tp_claim and never touches another's. Adding a claim:
 * a claim_<id>.c with its evaluate function, declared here, and a row in the
 * registry (claims.c). */
#ifndef TP_CLAIM_H
#define TP_CLAIM_H
#include <stddef.h>
#include <stdint.h>

#include "core/format.h"
#include "core/merkle.h"
#include "verify/claims.h"
#include "verify/launch_facts.h"
#include "verify/mpi_facts.h"
#include "verify/problems.h"

/* What claim.c found of a head: not checked (it does not decode, does not
 * grow or lies beyond the records: log.integrity says which), signed over
 * these records, its signature does not verify, or it verifies but names
 * another stream, run or key or another root. */
enum { TP_HEAD_UNCHECKED, TP_HEAD_OK, TP_HEAD_BAD_SIGNATURE, TP_HEAD_NOT_THESE_RECORDS };

/* One stream's derived facts. */
typedef struct {
    char name[64];                            /* "stream <hex> (pid N)" */
    const Trainprov__V1__RunStart *run_start; /* record 0 when it is one, else NULL */
    Trainprov__V1__TreeHead **heads;          /* decoded once; NULL where one does not */
    uint8_t (*head_roots)[TP_HASH_LEN];       /* root of the first tree_size records ... */
    uint8_t *head_root_ok;                    /* ... when the head's size could be hashed */
    uint8_t *head_ok;                         /* TP_HEAD_*: whether the key signed the head
                                                 over these records (only heads that grow
                                                 are checked, each once) */
    size_t signed_records;                    /* records 0..signed_records-1 are under a head_ok */
    uint8_t root[TP_HASH_LEN];                /* root over all its records */
    int ended;                                /* last head final, last record a StreamEnd */
    int outlived;                             /* the manifest marks it outliving the job */
    char end[32];                             /* how: "exit 0", "signal SIGTERM", ...; "" */
} tp_stream_facts;

typedef struct {
    uint64_t id;
    size_t index;
} tp_stream_ref;

typedef struct {
    const tp_runlog *log;
    const tp_file_table *index;      /* the log's /files as read */
    const tp_key *key;               /* --pubkey */
    const tp_claim_options *opt;
    const tp_decoded_stream *dec;    /* the records, decoded once */
    const tp_file_table *files;      /* the file table the records say */
    int key_matches;                 /* --pubkey is the key the log names */
    const uint8_t *pubkey_id;
    int ids_ok;                      /* the log knows its run id and key id */
    size_t n_records;
    tp_stream_facts *streams;        /* one per log stream */
    tp_stream_ref *by_id;            /* streams sorted by id */
    tp_mpi_facts mpi;
    tp_launch_facts launch;          /* torchrun / srun / several nodes (launch_facts.h) */
} tp_claim_ctx;

int tp_claim_ctx_init(tp_claim_ctx *c, const tp_runlog *log, const tp_file_table *index,
                      const tp_key *key, const tp_claim_options *opt,
                      const tp_decoded_stream *dec, const tp_file_table *files,
                      const uint8_t pubkey_id[TP_KEY_ID_LEN]);
void tp_claim_ctx_free(tp_claim_ctx *c);

/* Record i of stream s is covered by a head that verifies with --pubkey.
 * Anything expensive a record asks for (regenerating an InitTensor, reading
 * a file it names) is done only for such records. */
int tp_record_signed(const tp_claim_ctx *c, size_t s, size_t i);

/* How a stream ended, from its StreamEnd: "signal SIGTERM", "exit 0",
 * "exec". The reason is the job's own bytes: printed safely by the caller. */
void tp_stream_end_text(const Trainprov__V1__StreamEnd *e, char *out, size_t len);
/* Index of the stream with this id, or -1. */
long tp_claim_find_stream(const tp_claim_ctx *c, uint64_t id);
const Trainprov__V1__FileEvent *tp_file_event(const Trainprov__V1__Record *r);
int tp_file_wrote(const Trainprov__V1__FileEvent *f);
int tp_file_was_read(const Trainprov__V1__FileEvent *f);
/* The run produced this content (FileEvent.authored, on a write or a rename)
 * and it has a digest of that content (nobody changed it before the hash). */
int tp_file_authored(const Trainprov__V1__FileEvent *f);
/* 1 when the session read content the run did not produce: a read, a
 * read-write session on content found there (prior_*), a rename of content
 * the run did not produce. *digest is that content's SHA-256 (possibly
 * empty: *hash_error says why). */
int tp_file_foreign_read(const Trainprov__V1__FileEvent *f, const ProtobufCBinaryData **digest,
                         const char **hash_error);
/* The job opened the run's key file or its journal directory. */
int tp_file_recorder(const Trainprov__V1__FileEvent *f);
/* b holds exactly the n bytes want. */
int tp_bytes_eq(const ProtobufCBinaryData *b, const uint8_t *want, size_t n);

/* ---- writing a claim ---- */
__attribute__((format(printf, 2, 3))) void tp_claim_detail(tp_claim *c, const char *fmt, ...);
struct json_object *tp_claim_evidence(tp_claim *c);
/* Fail with the problems (their list under "problems"), or pass. */
void tp_claim_conclude(tp_claim *c, tp_problems *p, const char *pass_detail);
/* The same with a second list of problems, found by the MPI rank checks,
 * joined to the detail and kept under "mpi_problems". */
void tp_claim_conclude_ranks(tp_claim *c, tp_problems *p, tp_problems *ranks,
                             const char *pass_detail);

/* ---- the claims, in report order (the registry is in claims.c) ---- */
typedef int (*tp_claim_fn)(const tp_claim_ctx *c, tp_claim *cl, char *err, size_t errlen);
int tp_claim_log_integrity(const tp_claim_ctx *c, tp_claim *cl, char *err, size_t errlen);
int tp_claim_log_complete(const tp_claim_ctx *c, tp_claim *cl, char *err, size_t errlen);
int tp_claim_run_binding(const tp_claim_ctx *c, tp_claim *cl, char *err, size_t errlen);
int tp_claim_init_no_foreign_weights(const tp_claim_ctx *c, tp_claim *cl, char *err,
                                     size_t errlen);
int tp_claim_data_accounted(const tp_claim_ctx *c, tp_claim *cl, char *err, size_t errlen);
int tp_claim_lineage_final(const tp_claim_ctx *c, tp_claim *cl, char *err, size_t errlen);
int tp_claim_mpi_init_consistent(const tp_claim_ctx *c, tp_claim *cl, char *err, size_t errlen);
int tp_claim_init_random(const tp_claim_ctx *c, tp_claim *cl, char *err, size_t errlen);

#endif
