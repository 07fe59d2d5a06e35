/* claims.h: the claims the verifier reports over a run log (ARCHITECTURE.md, "The
 * claims the verifier reports"; docs/CLAIMS.md), each pass / fail / unknown
 * with a detail line, structured evidence and what it does not prove, and the
 * verdict over them. */
#ifndef TP_CLAIMS_H
#define TP_CLAIMS_H
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "runlog/records.h"
#include "runlog/runlog.h"
#include "core/merkle.h"
#include "core/sign.h"

/* n/a: the claim does not apply to this run (mpi.init_consistent for a job
 * that used no MPI); it never fails the verdict, unless --require names it. */
typedef enum { TP_CLAIM_PASS, TP_CLAIM_FAIL, TP_CLAIM_UNKNOWN, TP_CLAIM_NA } tp_claim_status;

/* log.integrity, log.complete, run.binding, init.no_foreign_weights,
 * data.accounted, lineage.final, mpi.init_consistent, init.random, in that
 * order (the registry in claims.c; one file per claim, claim_<id>.c). */
#define TP_CLAIM_COUNT 8

typedef struct {
    const char *id;
    tp_claim_status status;
    char *detail;                 /* owned */
    const char *does_not_prove;
    struct json_object *evidence; /* owned; NULL when there is none */
} tp_claim;

/* A file an earlier segment of a resume chain authored, with its digest
 * (verify --chain; verify/chain.h). */
typedef struct {
    uint8_t sha256[TP_HASH_LEN];
    int checkpoint;        /* recorded with role checkpoint */
    const char *path;      /* as that segment recorded it */
    size_t segment;        /* 1-based position in the chain */
    const char *segment_path; /* that segment's log */
} tp_prior_file;
/* --max-work's default: 10^10 tensor elements, a 10B-parameter model's
 * initialisation; regeneration runs at about 25 million elements per second
 * and core (normal, float32), so a few minutes on a small machine
 * (docs/CLAIMS.md). */
#define TP_MAX_WORK_DEFAULT 10000000000ull

typedef struct {
    const char *model_path;         /* --model, or NULL */
    const char *checkpoint_path;    /* --checkpoint STEP0.safetensors (init.random), or NULL */
    const char *evaluator_pubkey_path; /* --evaluator-pubkey (init.random), or NULL */
    const char *challenge_path;     /* --challenge: the one the evaluator issued, or NULL */
    const uint8_t *challenge_id;    /* --challenge-id: SHA-256 of its signed body (32 bytes), or NULL */
    const char *init_declare_path;  /* --init-declare FILE.json (statistical laws), or NULL */
    const char *reference_path;     /* --reference OTHER.safetensors (similarity), or NULL */
    const char *data_manifest_path; /* --data-manifest (sha256sum format), or NULL */
    uint64_t max_work;              /* --max-work: init.random regenerates at most this many
                                       tensor elements in all (0: TP_MAX_WORK_DEFAULT) */
    int strict;                     /* unknown fails the verdict; undeclared inputs fail */
    char *const *require;           /* --require CLAIM: these must pass (n/a fails) */
    size_t n_require;
    int chained;                    /* verified as a segment of --chain: reads of prior
                                       files are the campaign's own */
    const tp_prior_file *prior;     /* files the earlier segments authored */
    size_t n_prior;
} tp_claim_options;

/* One stream as the report shows it (from its records, verified or not). */
typedef struct {
    uint64_t stream_id;
    int32_t pid;             /* from its RunStart; -1 when it has none */
    int32_t rank;            /* MPI rank from its RunStart, else the launcher's; -1 */
    int32_t node;            /* the `trainprov run` wrapper's node; -1 for one wrapper */
    int32_t restart;         /* the launcher's restart count (torchrun, SLURM); -1 */
    const char *origin;      /* "root", "fork", "exec" or "?"; points into the records */
    uint64_t parent_stream;
    size_t records, heads, files;
    uint64_t bytes_read, bytes_written;
    size_t signed_records;   /* records under a head that verifies with --pubkey */
    int ended;               /* last head final and last record a StreamEnd */
    int outlived;            /* the signed manifest marks it outliving the job */
    char end[32];            /* how it ended ("signal SIGTERM", "exit 0"), "" if it did not */
    const char *journal_status; /* an HDF5 attribute: unsigned */
} tp_stream_summary;

typedef struct {
    tp_claim claims[TP_CLAIM_COUNT];
    int pass;                   /* the verdict */
    uint8_t pubkey_id[TP_KEY_ID_LEN]; /* id of the --pubkey key */
    int key_matches;            /* it equals the log's key_id */
    /* Signed facts about the run: "" when nothing signed says them (the HDF5
     * attributes of the same name are not signed, and are shown as such). */
    char assembled_by[16];      /* from the run manifest, when it verifies with --pubkey */
    char library_version[32];   /* from the first stream's RunStart, when signed */
    size_t n_records;
    tp_file_table files;        /* from the records, not from /files */
    tp_stream_summary *streams; /* one per log stream, in log order */
    size_t n_streams;
    tp_decoded_stream *decoded; /* the records, decoded once */
    /* a torchrun / srun / several-node job (verify/launch_facts.h); world and
     * nodes 0 otherwise; the texts point into decoded */
    const char *launch_kind, *launch_job;
    int launch_world, launch_nodes, launch_restarts;
} tp_verdict;

/* Evaluates every claim of log (with its /files index) against key.
 * 0, or -1 with err for a problem that is not a claim's: an unreadable
 * --model, a malformed --data-manifest (err says file:line), an unknown
 * --require, out of memory. */
int tp_claims_evaluate(const tp_runlog *log, const tp_file_table *index, const tp_key *key,
                       const tp_claim_options *opt, tp_verdict *out, char *err, size_t errlen);
/* Frees what tp_claims_evaluate filled in, after either result. */
void tp_verdict_free(tp_verdict *v);

/* "pass", "fail", "unknown", "n/a". */
const char *tp_claim_status_name(tp_claim_status s);
/* 1 when id names a claim this verifier checks. */
int tp_claim_known(const char *id);

/* Whether claim cl makes the verdict fail under opt: a failed claim, an
 * unknown one under --strict, a required one that did not pass (n/a
 * included). One rule for a log and for a resume chain. */
int tp_claim_fails_verdict(const tp_claim_options *opt, const tp_claim *cl);

#endif
