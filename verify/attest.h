/* attest.h: the in-toto attestation of a verified run (docs/ATTEST.md): an
 * in-toto Statement v1 whose subjects are the released model files and whose
 * predicate is SLSA provenance v1, built from a run log and the verdict the
 * claims reached over it. Signing and the DSSE envelope are dsse.h's; this
 * file only says what the statement holds. */
#ifndef TP_ATTEST_H
#define TP_ATTEST_H
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "runlog/runlog.h"
#include "verify/attest_model.h"
#include "verify/claims.h"

#define TP_INTOTO_STATEMENT_V1 "https://in-toto.io/Statement/v1"
#define TP_SLSA_PROVENANCE_V1 "https://slsa.dev/provenance/v1"
/* What buildDefinition.externalParameters and internalParameters mean:
 * defined in docs/ATTEST.md ("The build type"). */
#define TP_ATTEST_BUILD_TYPE "https://trainprov.dev/attestation/training-run/v1"
/* runDetails.builder.id: the `trainprov run` wrapper, whose key signs. */
#define TP_ATTEST_BUILDER_ID "https://trainprov.dev/attestation/builder/trainprov-run/v1"
/* byproducts: the run log and the claims (docs/ATTEST.md). */
#define TP_ATTEST_LOG_MEDIA_TYPE "application/x-hdf5"
#define TP_ATTEST_CLAIMS_NAME "trainprov-claims"
#define TP_ATTEST_CLAIMS_MEDIA_TYPE "application/vnd.trainprov.claims+json"

typedef struct {
    const char *log_path;            /* the run log as shown (absolute when known) */
    uint8_t log_sha256[TP_HASH_LEN]; /* of the log file's bytes */
    const tp_claim_options *opt;     /* the verify options the claims ran with */
} tp_attest_input;

/* For each model file, the path of a checkpoint this run wrote (authored,
 * hashed as the job left it) with the same SHA-256, or NULL: out has m->n
 * entries pointing into v's records. Returns how many matched. */
size_t tp_attest_match_checkpoints(const tp_verdict *v, const tp_model *m, const char **out);

/* The statement (a new json object), NULL when out of memory. checkpoints is
 * what tp_attest_match_checkpoints found (one per model file). */
struct json_object *tp_attest_statement(const tp_runlog *log, const tp_verdict *v,
                                        const tp_model *m, const char *const *checkpoints,
                                        const tp_attest_input *in);

/* "file://" and the path with every byte outside [A-Za-z0-9-._~/] as %XX:
 * exact for any bytes, ASCII always (a fresh string; NULL when out of memory). */
char *tp_file_uri(const char *path);

#endif
