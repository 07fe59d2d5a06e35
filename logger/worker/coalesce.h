/* coalesce.h: repeated reads of one file cost O(1) records. A data loader
 * that opens its token file once per batch (nanoGPT's np.memmap) would
 * otherwise write one FileEvent per batch. The first read session on an
 * identity is recorded at once, as any session (so the file and its digest
 * are in the journal, and signed at the next head, as soon as it was read);
 * later sessions on the same identity (the same record but for its
 * counters) are summed and written as one record with FileEvent.sessions,
 * when the sum is TP_COALESCE_FLUSH_S seconds old, when its slot is needed
 * for another file, and at the seal (docs/FORMAT.md section 1, "Repeated
 * reads"). Worker thread only. */
#ifndef TP_COALESCE_H
#define TP_COALESCE_H
#include <stdint.h>

#include "logger/worker/stream.h"
#include "proto/trainprov.pb-c.h"

/* How long summed sessions wait before they are written: the counters a
 * SIGKILL can lose beyond the records after the last head (the sessions'
 * file and digest are never among them). */
#define TP_COALESCE_FLUSH_S 60

/* fe: a read session's record, ready to be written. 1 when it was summed
 * into an earlier session's (nothing to write now); 0 when the caller
 * writes it (the first session on that identity, remembered from now on). */
int tp_coalesce_read(tp_stream *s, const Trainprov__V1__FileEvent *fe, int64_t now_ns);
/* Writes the sums that are due at now_ns; every pending sum when all. */
void tp_coalesce_flush(tp_stream *s, int64_t now_ns, int all);
/* When the next sum is due (tp_now_ns clock), or -1 when none is pending. */
int64_t tp_coalesce_next_due(void);
/* In a forked child: the parent's sums are the parent's (forgotten, not freed). */
void tp_coalesce_atfork_child(void);

#endif
