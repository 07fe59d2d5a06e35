/* chain.h: resume chains (docs/CLAIMS.md, "Resume chains"). A campaign is
 * trained as segments, each a run whose RunStart.resume_from names the
 * previous segment's digest (`trainprov run --resume-from PREV.h5`).
 * `trainprov verify LAST.h5 --chain A.h5 B.h5 ...` checks every segment's own
 * claims, every link, and the claims across the campaign. */
#ifndef TP_CHAIN_H
#define TP_CHAIN_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <json-c/json.h>

#include "core/merkle.h"
#include "core/sign.h"
#include "runlog/records.h"
#include "runlog/runlog.h"
#include "verify/claims.h"

/* A segment's digest, what the next segment's RunStart.resume_from names:
 * SHA-256 of the signed run manifest's body; for a log without a manifest
 * (rebuilt by `trainprov recover` after a kill) SHA-256 over
 * "trainprov/segment/v1 recovered", the run id, the key id and, for every
 * stream by ascending id, its id and its last signed head's body (each
 * length-prefixed, big-endian): every record the log holds, as signed. 0, or
 * -1 when out of memory. */
int tp_chain_segment_digest(const tp_runlog *log, uint8_t out[TP_HASH_LEN]);

/* For `trainprov run --resume-from PREV.h5`: reads PREV.h5, checks that it is
 * a trainprov log signed with key (the run's own: a chain keeps one trainer
 * key) whose records are intact and bound to one run (log.integrity and
 * run.binding) and whose manifest, if it has one, verifies (a log sealed on
 * a signal or recovered after a kill is a valid previous segment), and
 * computes its digest. 0, or -1 with err naming the
 * file and the problem. */
int tp_chain_check_previous(const char *path, const tp_key *key, uint8_t digest[TP_HASH_LEN],
                            char *err, size_t errlen);

typedef struct {
    const char *path;          /* as given */
    tp_runlog log;
    tp_file_table index;       /* its /files as read */
    tp_verdict v;              /* its own claims, with the earlier segments' files */
    uint8_t digest[TP_HASH_LEN];
    const Trainprov__V1__RunStart *run_start; /* of its first stream, or NULL */
    const char *verdict;       /* "pass", "fail", or "recovered": killed, rebuilt by
                                  `recover`, resumed by the next segment; its only
                                  failing claim is log.complete */
} tp_chain_segment;

typedef struct {
    tp_chain_segment *seg;     /* in campaign order; the last is LAST.h5 */
    size_t n;
    char **link_problem;       /* link k (0-based) into segment k: NULL when it holds */
    tp_claim claims[TP_CLAIM_COUNT]; /* across the campaign */
    tp_prior_file *prior;      /* files every segment authored, in order */
    size_t n_prior;
    int links_ok;
    int pass;                  /* the campaign's verdict: links and claims */
} tp_chain;

/* Reads the n logs (campaign order) and evaluates segments, links and the
 * campaign's claims. opt: the evaluator's options; --model is judged on the
 * last segment against every segment's checkpoints, the init.random options
 * on the first. 0, or -1 with err (a file that is not a log names the file:
 * the CLI exits 2). */
int tp_chain_verify(tp_chain *ch, const char *const *paths, size_t n, const tp_key *key,
                    const tp_claim_options *opt, char *err, size_t errlen);
void tp_chain_free(tp_chain *ch);

/* A view of the last segment's verdict with the campaign's claims and
 * verdict, for tp_report_text / tp_report_json. Not to be freed. */
tp_verdict tp_chain_campaign_view(const tp_chain *ch);
/* The "chain" section of the text report: segments and links. */
void tp_chain_report_text(FILE *out, const tp_chain *ch);
/* {"segments": [{"index", "path", "run_id", "key_id", "digest", "resume_from",
 *   "assembled_by", "verdict", "claims": {id: status}}],
 *  "links": [{"index", "into", "ok", "problem"}], "links_ok", "verdict"} */
struct json_object *tp_chain_json(const tp_chain *ch);

#endif
