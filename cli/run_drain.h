/* run_drain.h: the processes of a job that outlive its main command (a
 * tensorboard, an uploader, a `sleep 600 &` the job left behind). The
 * wrapper waits TRAINPROV_DRAIN_SECONDS (default 2) for the descendants left
 * when the main command exits; whatever still runs then is outliving the
 * job: its stream goes into the log as far as it is signed and is marked so
 * in the signed manifest (docs/FORMAT.md section 3), and log.complete
 * accepts it (docs/CLAIMS.md). */
#ifndef TP_RUN_DRAIN_H
#define TP_RUN_DRAIN_H
#include <stddef.h>

#include "runlog/runlog.h"

/* Marks (tp_stream_data.outlived) every stream of log that did not end under
 * a final head and whose process (by its RunStart, or as its parent
 * announced it) is still a live descendant of this wrapper, and prints one
 * line for each. Returns how many. */
size_t tp_run_drain_mark_outliving(tp_runlog *log);

#endif
