/* worker.h: the background thread that owns a process's stream. Wrappers
 * and the API post small events; the worker hashes files (off the training
 * thread), turns events into records and signs heads. Posting takes one
 * short lock and never waits for I/O. */
#ifndef TP_WORKER_H
#define TP_WORKER_H
#include <stdint.h>

#include "logger/config.h"
#include "logger/job/fdtable.h"
#include "core/sign.h"

typedef enum {
    TP_EV_FILE_OPEN,   /* file opened for reading: hash it now (fd = a dup to hash) */
    TP_EV_FILE_CLOSE,  /* session ended: record it (fd = a dup when it was written) */
    TP_EV_RENAME,      /* text = old path, text2 = new path */
    TP_EV_SEED,        /* text = name, text2 = source, u64 = value */
    TP_EV_NOTE,        /* text = key, text2 = value */
    TP_EV_CHILD,       /* u64 = child stream, i32 = pid, text = how, text2 = exec path */
    TP_EV_INIT_TENSOR, /* body = a Trainprov__V1__InitTensor in one malloc block */
    TP_EV_MPI,         /* body = a Trainprov__V1__MpiEvent in one malloc block */
} tp_event_kind;

typedef struct tp_event {
    struct tp_event *next;
    tp_event_kind kind;
    int64_t time_ns;
    tp_file *file;
    int fd;
    char *text;
    char *text2;
    uint64_t u64;
    int32_t i32;
    void *body; /* freed with the event */
} tp_event;

/* Allocates an event with copies of the strings (NULL allowed). */
tp_event *tp_event_new(tp_event_kind kind, const char *text, const char *text2);

/* Starts the worker, which opens the stream (journal + RunStart) first. */
int tp_worker_start(const tp_config *cfg, const tp_key *key, uint64_t stream_id,
                    uint64_t parent, const char *origin);
/* Queues an event (the worker must have been started). */
void tp_worker_post(tp_event *ev);
/* Ends the stream: StreamEnd(reason, status), final head, fsync. Waits at
 * most timeout_s for the worker to finish pending hashes. 0 when sealed. */
int tp_worker_finish(const char *reason, int status, uint64_t untracked_fds, uint64_t timeout_s);

/* After a successful tp_worker_finish: the final head's tree size and root.
 * 0, or -1 when the stream was not sealed under a final signed head. */
int tp_worker_final_head(uint64_t *tree_size, uint8_t root[32]);

/* fork handling: prepare takes the worker's locks, parent releases them,
 * child releases them and forgets the parent's thread, queue and stream. */
void tp_worker_atfork_prepare(void);
void tp_worker_atfork_parent(void);
void tp_worker_atfork_child(void);

#endif
