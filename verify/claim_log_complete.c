/* claim_log_complete.c: the claim log.complete (docs/CLAIMS.md): nothing
 * is missing. The signed run manifest lists every stream with its final
 * head, every stream ended under a final head, no journal was torn, no
 * stream reports records it could not write, every announced child stream is
 * present, and in an MPI run every rank's stream is there as rank 0 gathered
 * it at MPI_Finalize (mpi_facts.h), and in a torchrun / srun job every
 * rank's latest stream ended (launch_facts.h). A stream the manifest marks
 * as outliving the job (a helper still running when the wrapper signed it)
 * need not have ended: it counts up to its last signed head, and the detail
 * says so (what it did afterwards is not in the log). */
#include "verify/claim.h"

#include "core/vocab.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void check_manifest(const tp_claim_ctx *c, tp_problems *p, tp_claim *cl)
{
    const tp_runlog *log = c->log;
    if (!log->has_manifest) {
        tp_problems_add(p, "no signed run manifest (log was recovered after a crash)");
        return;
    }
    if (tp_key_verify(c->key, TP_PAYLOAD_MANIFEST, log->manifest_body.data,
                      log->manifest_body.len, log->manifest_sig, TP_SIG_LEN) != 0)
        tp_problems_add(p, "the run manifest's signature does not verify with --pubkey");
    Trainprov__V1__RunManifest *m = tp_manifest_decode(&log->manifest_body, NULL, 0);
    if (!m) {
        tp_problems_add(p, "the run manifest does not decode");
        return;
    }
    if (!tp_bytes_eq(&m->run_id, c->log->run_id, TP_RUN_ID_LEN))
        tp_problems_add(p, "the run manifest names another run");
    if (!tp_bytes_eq(&m->key_id, c->log->key_id, TP_KEY_ID_LEN))
        tp_problems_add(p, "the run manifest names another key");
    json_object_object_add(tp_claim_evidence(cl), "manifest_streams",
                           json_object_new_uint64(m->n_streams));
    uint8_t *listed = calloc(log->n_streams ? log->n_streams : 1, 1);
    for (size_t k = 0; listed && k < m->n_streams; k++) {
        const Trainprov__V1__ManifestStream *ms = m->streams[k];
        long s = tp_claim_find_stream(c, ms->stream_id);
        if (s < 0) {
            tp_problems_add(p, "the manifest lists stream %016" PRIx64 ", which is not in the log",
                        ms->stream_id);
            continue;
        }
        if (listed[s]++)
            tp_problems_add(p, "the manifest lists %s twice", c->streams[s].name);
        int no_head = ms->tree_size == 0 && ms->root.len == 0; /* nothing signed yet */
        if (ms->tree_size != log->streams[s].n_records ||
            (!no_head && !tp_bytes_eq(&ms->root, c->streams[s].root, TP_HASH_LEN)))
            tp_problems_add(p, "%s: the manifest signed %" PRIu64 " records, the log has %zu%s",
                        c->streams[s].name, ms->tree_size, log->streams[s].n_records,
                        ms->tree_size == log->streams[s].n_records ? " with another root" : "");
        if (!ms->final && !ms->outlived)
            tp_problems_add(p, "%s: the manifest's head for it is not final", c->streams[s].name);
    }
    for (size_t s = 0; listed && s < log->n_streams; s++)
        if (!listed[s])
            tp_problems_add(p, "%s is not in the run manifest", c->streams[s].name);
    if (!listed)
        tp_problems_add(p, "out of memory checking the manifest");
    free(listed);
    trainprov__v1__run_manifest__free_unpacked(m, NULL);
}

static void check_children(const tp_claim_ctx *c, size_t s, tp_problems *p)
{
    for (size_t i = 0; i < c->dec[s].n; i++) {
        const Trainprov__V1__Record *r = c->dec[s].records[i];
        if (!r || r->body_case != TRAINPROV__V1__RECORD__BODY_CHILD)
            continue;
        if (tp_claim_find_stream(c, r->child->child_stream) < 0)
            tp_problems_add(p, "%s announced child stream %016" PRIx64 " (%s, pid %d%s%s), which "
                        "is not in the log", c->streams[s].name, r->child->child_stream, r->child->how,
                        r->child->child_pid, r->child->exec_path[0] ? ", " : "",
                        r->child->exec_path);
    }
}

/* A stream that could not record everything says so in its StreamEnd: a
 * journal write that failed (disk full) or files opened beyond the fd table. */
static void check_reported_gaps(const tp_claim_ctx *c, size_t s, tp_problems *p)
{
    const tp_decoded_stream *d = &c->dec[s];
    const Trainprov__V1__Record *last = d->n ? d->records[d->n - 1] : NULL;
    if (!last || last->body_case != TRAINPROV__V1__RECORD__BODY_STREAM_END)
        return;
    if (last->stream_end->dropped_events)
        tp_problems_add(p, "%s: the logger could not write %" PRIu64 " records (journal write "
                    "failed, e.g. disk full)", c->streams[s].name, last->stream_end->dropped_events);
    if (last->stream_end->untracked_fds)
        tp_problems_add(p, "%s: %" PRIu64 " files were opened on descriptors beyond the logger's "
                    "table and not recorded", c->streams[s].name, last->stream_end->untracked_fds);
}

/* An outliving stream: its evidence entry and its name in *names. */
static void note_outlived(const tp_claim_ctx *c, size_t s, struct json_object *list,
                          tp_problems *names)
{
    const tp_stream_data *st = &c->log->streams[s];
    struct json_object *o = json_object_new_object();
    char hex[TP_STREAM_HEX_LEN + 1];
    tp_stream_hex(st->stream_id, hex);
    json_object_object_add(o, "stream_id", json_object_new_string(hex));
    json_object_object_add(o, "records", json_object_new_uint64(st->n_records));
    json_object_object_add(o, "unsigned_dropped", json_object_new_uint64(st->dropped_unsigned));
    json_object_object_add(o, "journal_status", json_object_new_string(st->journal_status));
    json_object_array_add(list, o);
    tp_problems_add(names, "%s", c->streams[s].name);
}

/* "; stream ... ended by SIGTERM (sealed on the signal)" for a stream sealed
 * on a signal, the job's main process (origin root) first; "" if none. */
static void ended_by_signal(const tp_claim_ctx *c, char *out, size_t len)
{
    out[0] = '\0';
    for (int roots_only = 1; roots_only >= 0; roots_only--)
        for (size_t s = 0; s < c->log->n_streams; s++) {
            const Trainprov__V1__RunStart *rs = c->streams[s].run_start;
            if (roots_only && !(rs && !strcmp(rs->origin, tp_origin_name(TP_ORIGIN_ROOT))))
                continue;
            if (c->streams[s].ended && !strncmp(c->streams[s].end, "signal ", 7)) {
                snprintf(out, len, "; %s ended by %s (sealed on the signal)",
                         c->streams[s].name, c->streams[s].end + 7);
                return;
            }
        }
}

int tp_claim_log_complete(const tp_claim_ctx *c, tp_claim *cl, char *err, size_t errlen)
{
    tp_problems p = {0}, ranks = {0}, outlived = {0};
    struct json_object *outlived_list = json_object_new_array();
    check_manifest(c, &p, cl);
    for (size_t s = 0; s < c->log->n_streams; s++) {
        const tp_stream_data *st = &c->log->streams[s];
        if (c->streams[s].outlived) { /* signed by the wrapper: not a truncation */
            note_outlived(c, s, outlived_list, &outlived);
            check_children(c, s, &p);
            continue;
        }
        if (!c->streams[s].ended && st->n_records == 0)
            tp_problems_add(&p, "%s was killed before its first signed head: it did not end, "
                        "and nothing it recorded is signed", c->streams[s].name);
        else if (!c->streams[s].ended)
            tp_problems_add(&p, "%s was killed: it did not end with a StreamEnd under a final "
                        "signed head; its %zu records up to its last signed head are kept",
                        c->streams[s].name, st->n_records);
        if (tp_jstatus_parse(st->journal_status) != TP_JSTATUS_COMPLETE)
            tp_problems_add(&p, "%s: its journal was %s", c->streams[s].name, st->journal_status);
        if (st->dropped_unsigned)
            tp_problems_add(&p, "%s: %" PRIu64 " unsigned records after its last head were lost",
                        c->streams[s].name, st->dropped_unsigned);
        check_reported_gaps(c, s, &p);
        check_children(c, s, &p);
    }
    char pass[sizeof outlived.text + 512];
    int n;
    if (outlived.count)
        n = snprintf(pass, sizeof pass, "all %zu streams are listed with their last heads in the "
                     "signed run manifest; %zu outlived the job (%s%s) and are recorded only up "
                     "to the manifest, the others ended", c->log->n_streams, outlived.count,
                     outlived.text, outlived.count > TP_DETAIL_PROBLEMS ? "; ..." : "");
    else
        n = snprintf(pass, sizeof pass, "all %zu streams ended and are listed with their final "
                     "heads in the signed run manifest", c->log->n_streams);
    if (n > 0 && (size_t)n < sizeof pass)
        ended_by_signal(c, pass + n, sizeof pass - (size_t)n);
    json_object_object_add(tp_claim_evidence(cl), "outlived_streams", outlived_list);
    json_object_put(outlived.list);
    if (c->mpi.world)
        tp_mpi_check_complete(&c->mpi, &ranks);
    tp_launch_check_complete(&c->launch, &ranks);
    tp_claim_conclude_ranks(cl, &p, &ranks, pass);
    return 0;
}
