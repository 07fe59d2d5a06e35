/* exclusions.c: a run's recorded exclusions and their blind spots (see
 * exclusions.h). An exclusion hides nothing when a job cannot write there:
 * a read-only system location (core/syspaths.h), whether the logger called
 * it "system" or "python" (the verifier checks the prefix itself, it does
 * not take the word for it), trainprov's own journal, log and key (whose use
 * by the job other claims watch), or the MPI launcher's session directory,
 * which the launcher makes fresh for each job, and its shared-memory
 * segment files (a donor given such a name is still looked at: only a
 * format the content test does not know would pass there unseen). Everything else (--exclude,
 * a Python installation outside the system locations, an unknown source) is
 * a blind spot. */
#include "verify/exclusions.h"

#include <stdlib.h>
#include <string.h>

#include "core/syspaths.h"
#include "core/vocab.h"

static int is_blind(const char *prefix, const char *source)
{
    switch (tp_exclude_source_parse(source)) {
    case TP_EXCLUDE_TRAINPROV:
    case TP_EXCLUDE_LAUNCHER:
        return 0;
    case TP_EXCLUDE_SYSTEM:
    case TP_EXCLUDE_PYTHON:
        return !tp_syspath_is_system(prefix);
    default:
        return 1;
    }
}

int tp_exclusions_collect(const tp_decoded_stream *dec, size_t n_streams, tp_exclusion_list *out)
{
    memset(out, 0, sizeof *out);
    size_t cap = 0;
    for (size_t s = 0; s < n_streams; s++) {
        if (dec[s].n == 0 || !dec[s].records[0] || /* a record that does not decode */
            dec[s].records[0]->body_case != TRAINPROV__V1__RECORD__BODY_RUN_START)
            continue;
        const Trainprov__V1__RunStart *rs = dec[s].records[0]->run_start;
        out->recorded |= rs->n_exclusions > 0;
        for (size_t i = 0; i < rs->n_exclusions; i++) {
            const Trainprov__V1__Exclusion *e = rs->exclusions[i];
            if (!e->prefix || !e->source)
                continue;
            size_t k = 0;
            while (k < out->n && (strcmp(out->items[k].prefix, e->prefix) != 0 ||
                                  strcmp(out->items[k].source, e->source) != 0))
                k++;
            if (k < out->n)
                continue;
            if (out->n == TP_EXCLUSIONS_MAX) { /* a hostile log: n^2 beyond this */
                out->truncated = 1;
                out->n_blind++;
                return 0;
            }
            if (out->n == cap) {
                size_t ncap = cap ? 2 * cap : 32;
                tp_exclusion *g = realloc(out->items, ncap * sizeof *g);
                if (!g) {
                    tp_exclusions_free(out);
                    return -1;
                }
                out->items = g;
                cap = ncap;
            }
            tp_exclusion *x = &out->items[out->n++];
            x->prefix = e->prefix;
            x->source = e->source;
            x->blind = is_blind(e->prefix, e->source);
            out->n_blind += x->blind;
        }
    }
    return 0;
}

void tp_exclusions_free(tp_exclusion_list *l)
{
    free(l->items);
    memset(l, 0, sizeof *l);
}

const tp_exclusion *tp_exclusions_covering(const tp_exclusion_list *l, const char *path)
{
    for (size_t i = 0; path && i < l->n; i++)
        if (tp_syspath_covers(l->items[i].prefix, path))
            return &l->items[i];
    return NULL;
}
