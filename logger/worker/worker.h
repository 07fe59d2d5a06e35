/* worker.h: the background thread that owns a process's stream. Wrappers
 * and the API post small events; the worker hashes files (off the training
 * thread), turns events into records and signs heads. Posting and asking
 * for the seal take no lock and never wait for I/O: the worker holds no
 * lock a job thread needs while it writes, signs or fsyncs. */
#ifndef TP_WORKER_H
#define TP_WORKER_H
#include <stdint.h>

#include "logger/config.h"
#include "logger/job/fdtable.h"
#include "core/sign.h"

typedef enum {
    TP_EV_FILE_OPEN,   /* file opened for reading: hash it now (fd = a dup to hash) */
    TP_EV_FILE_CLOSE,  /* session ended: record it (fd = a dup when it was written) */
    TP_EV_FILE_PEEK,   /* opened for reading under an exclusion: text = path, fd = a dup */
    TP_EV_RENAME,      /* text = old path, text2 = new path, u64 = 1 for a directory */
    TP_EV_DELETE,      /* text = the path of a file the process produced, key = its identity */
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
    int texts_pooled; /* text, text2 are tp_sigpool_paths buffers, not malloc'ed */
    tp_file_key key;  /* TP_EV_RENAME: the identity the rename left, when has_key;
                        TP_EV_DELETE: the identity deleted */
    int has_key;
    tp_file_key key2; /* TP_EV_DELETE: the identity after the unlink (its ctime moved);
                         TP_EV_RENAME of the process's own file: the identity before */
} tp_event;

/* Allocates an event with copies of the strings (NULL allowed). Without
 * strings it allocates from a signal-safe pool and may be called from a
 * signal handler (the close and open wrappers' events). */
tp_event *tp_event_new(tp_event_kind kind, const char *text, const char *text2);
/* Frees an event, its strings and its body (NULL is ignored). */
void tp_event_free(tp_event *ev);

/* Starts the worker thread. The stream (journal + RunStart) is opened at
 * once, on the calling thread before the worker exists, or, when lazy, by
 * the worker at its first event or at the seal (a forked child
 * that execs at once then leaves no journal: the new image takes over its
 * stream id). 0, or -errno. */
int tp_worker_start(const tp_config *cfg, const tp_key *key, uint64_t stream_id,
                    uint64_t parent, const char *origin, int lazy);
/* 1 while a worker thread owns this process's stream. */
int tp_worker_running(void);
/* Queues an event (the worker must have been started). Lock-free. */
void tp_worker_post(tp_event *ev);
/* Asks the worker to seal: close out the files still open, StreamEnd(reason,
 * status), final head, fsync. reason must be a static string. Then waits
 * until the stream is sealed, at most max_wait_s, and at most stall_s
 * without the worker making progress (a worker blocked by the interrupted
 * code of a signal handler). Async-signal-safe: no lock, no allocation,
 * only atomics, futex waits and clock reads. 0 when sealed. */
int tp_worker_finish(const char *reason, int status, uint64_t untracked_fds, uint64_t max_wait_s,
                     uint64_t stall_s);

/* Waits, as tp_worker_finish does, for a seal another thread asked for. 0
 * when sealed, -1 when no seal is under way or it did not end in time. */
int tp_worker_wait_sealed(uint64_t max_wait_s, uint64_t stall_s);

/* After a successful tp_worker_finish: the final head's tree size and root.
 * 0, or -1 when the stream was not sealed under a final signed head. */
int tp_worker_final_head(uint64_t *tree_size, uint8_t root[32]);

/* fork: in the child, forget the parent's thread, queue and stream. */
void tp_worker_atfork_child(void);

#endif
