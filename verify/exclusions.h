/* exclusions.h: the path prefixes a run's logger did not hash, as the
 * signed RunStart records list them (docs/FORMAT.md section 1), and which of
 * them leave a blind spot: an exclusion a job could stage files in. Used by
 * init.no_foreign_weights and printed by the report. */
#ifndef TP_VERIFY_EXCLUSIONS_H
#define TP_VERIFY_EXCLUSIONS_H
#include <stddef.h>

#include "runlog/records.h"

typedef struct {
    const char *prefix; /* points into the decoded records */
    const char *source; /* "system", "python", "user", "trainprov", "launcher" */
    int blind;          /* outside the read-only system locations (and not trainprov's own) */
} tp_exclusion;

typedef struct {
    tp_exclusion *items;
    size_t n;
    size_t n_blind;
    int recorded; /* some RunStart lists exclusions (a log of an older logger does not) */
    int truncated; /* more than TP_EXCLUSIONS_MAX distinct ones: only those are kept */
} tp_exclusion_list;

/* A logger records a few dozen; a log listing more is not examined beyond
 * these (every file is compared with every exclusion), and a blind spot. */
#define TP_EXCLUSIONS_MAX 4096

/* The distinct (prefix, source) pairs of every stream's RunStart, in first
 * seen order, at most TP_EXCLUSIONS_MAX (truncated says when there were
 * more). 0, or -1 when out of memory. */
int tp_exclusions_collect(const tp_decoded_stream *dec, size_t n_streams, tp_exclusion_list *out);
void tp_exclusions_free(tp_exclusion_list *l);
/* The exclusion covering path (whole components), or NULL. */
const tp_exclusion *tp_exclusions_covering(const tp_exclusion_list *l, const char *path);

#endif
