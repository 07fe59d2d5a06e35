/* fdtable.h: which file descriptors belong to recorded files, and the
 * per-open counters the hot-path wrappers (read/write) bump.
 *
 * The table has two levels: a fixed array of chunk pointers covering fds
 * 0..TP_FDTABLE_MAX-1 and chunks of TP_FDTABLE_CHUNK slots allocated on
 * the first open that needs them (by the open wrapper, never on the read
 * path) and never freed or moved. So a job that raises RLIMIT_NOFILE after
 * load is tracked at any fd, and a lookup is one bounds check and two
 * atomic loads: no lock is ever taken on the read path.
 *
 * Reclamation: a closed file's tp_file is freed by the worker only when no
 * reader can still hold it. Every lookup runs between
 * tp_fdtable_reader_enter and tp_fdtable_reader_leave, which count the
 * thread's in-flight lookups in one of TP_FDTABLE_STRIPES padded counters;
 * a file is removed from the table before it is handed to the worker, so
 * once every stripe has been seen at zero after that removal, no thread
 * holds the pointer (tp_fdtable_readers_quiet). No timer is involved. */
#ifndef TP_FDTABLE_H
#define TP_FDTABLE_H
#include <limits.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "logger/classify.h"

/* A file's identity: which inode, and which content as far as stat can
 * tell. ctime is in it because nobody can set it back: an overwrite that
 * restores size and mtime still moves ctime. */
typedef struct {
    dev_t dev;
    ino_t ino;
    uint64_t size;
    int64_t mtime_ns;
    int64_t ctime_ns;
} tp_file_key;

/* What hashing a file found (filled by the worker). */
typedef struct {
    int hashed;                     /* sha256 below is valid */
    int hash_errno;
    int changed;                    /* another writer changed it around the hash */
    uint8_t sha256[32];
    tp_file_key key;                /* the identity that was hashed */
    const char *format;             /* weights format of the first bytes, or NULL */
} tp_digest;

/* One open-to-close session on a recorded regular file. Created by an open
 * wrapper, owned by the fd table until close, then by the background worker.
 * Allocated from a signal-safe pool (sigpool.h), path included: open() is
 * async-signal-safe, and a handler may call it while its thread is inside
 * malloc. */
typedef struct tp_file {
    struct tp_file *next_free;      /* worker: list of closed files to free */
    char path[PATH_MAX];            /* absolute, symlinks resolved */
    dev_t dev;
    ino_t ino;
    int fd;
    int opened_for_read;
    int opened_for_write;
    int64_t opened_ns;
    _Atomic uint64_t bytes_read;
    _Atomic uint64_t bytes_written;
    _Atomic uint64_t bytes_mapped;  /* lengths of the mappings made through this fd */
    _Atomic int64_t first_access_ns;
    atomic_int mapped;
    atomic_int written_via_map;
    int truncated;                  /* opened for writing with O_TRUNC, or empty */
    int fresh;                      /* for writing: truncated, or content this process
                                       produced and nobody changed since (ownfiles.h);
                                       for reading: such content */
    int has_prior;                  /* read-write on content found there: hash it at open */
    int recorder;                   /* the run's key file or journal directory */
    tp_file_key opened_id;          /* identity at open (job thread) */
    tp_file_key closed_id;          /* identity at close (job thread), when closed_id_ok */
    int closed_id_ok;
    uint64_t own_gen;               /* ownfiles generation of this close, 0 if none */
    /* Owned by the background worker once the open event is posted: */
    tp_digest content;              /* read: the content at open; written: at close */
    tp_digest prior;                /* has_prior: the content before the session wrote */
} tp_file;

/* The identity stat gives. */
tp_file_key tp_file_key_of(const struct stat *st);
/* Same inode and same content as far as stat can tell. */
int tp_file_key_same(const tp_file_key *a, const tp_file_key *b);

#define TP_FDTABLE_CHUNK_BITS 10
#define TP_FDTABLE_CHUNK (1u << TP_FDTABLE_CHUNK_BITS)
#define TP_FDTABLE_MAX (1u << 20) /* the kernel's default nr_open */
#define TP_FDTABLE_STRIPES 16

/* Installs f for fd; returns the file previously there (a leaked close), or
 * NULL. Returns f itself when fd cannot be tracked (beyond TP_FDTABLE_MAX,
 * or no memory for its chunk): the caller keeps it. */
tp_file *tp_fdtable_put(int fd, tp_file *f);
/* Removes and returns fd's file (NULL when untracked). */
tp_file *tp_fdtable_take(int fd);
/* Calls fn for every tracked fd after removing it (used at stream end). */
void tp_fdtable_drain(void (*fn)(tp_file *f, void *arg), void *arg);
/* In a forked child: counters restart at zero for the child's own stream,
 * and the reader counts of the parent's other threads (absent here) go. */
void tp_fdtable_atfork_child(void);

/* 1 when no lookup was in flight in any stripe, checked one stripe at a
 * time: every file removed from the table before the call may be freed. */
int tp_fdtable_readers_quiet(void);
/* Frees f now when no reader can hold it, else leaks it (only for files
 * closed when no worker runs to free them later). */
void tp_file_release(tp_file *f);

/* NULL when the pool is exhausted or path is longer than PATH_MAX - 1.
 * Both are async-signal-safe. */
tp_file *tp_file_new(const char *path, int fd, dev_t dev, ino_t ino, int rd, int wr);
void tp_file_free(tp_file *f);

/* Records an access in f's counters (first access time on the first call). */
void tp_file_note_read(tp_file *f, uint64_t n);
void tp_file_note_write(tp_file *f, uint64_t n);

/* ---- the lock-free read path ---- */

typedef struct {
    _Atomic long n;
    char pad[64 - sizeof(long)];
} tp_fdtable_stripe;

extern _Atomic(_Atomic(tp_file *) *) tp_fdtable_chunks[TP_FDTABLE_MAX / TP_FDTABLE_CHUNK];
extern tp_fdtable_stripe tp_fdtable_readers[TP_FDTABLE_STRIPES];
extern __thread int tp_fdtable_my_stripe __attribute__((tls_model("initial-exec")));
int tp_fdtable_assign_stripe(void);

static inline tp_fdtable_stripe *tp_fdtable_reader_enter(void)
{
    int i = tp_fdtable_my_stripe;
    if (__builtin_expect(i == 0, 0))
        i = tp_fdtable_assign_stripe();
    tp_fdtable_stripe *s = &tp_fdtable_readers[i - 1];
    atomic_fetch_add_explicit(&s->n, 1, memory_order_seq_cst);
    return s;
}

static inline void tp_fdtable_reader_leave(tp_fdtable_stripe *s)
{
    atomic_fetch_sub_explicit(&s->n, 1, memory_order_release);
}

/* The file for fd (NULL when untracked); only between enter and leave. */
static inline tp_file *tp_fdtable_get(int fd)
{
    if ((unsigned)fd >= TP_FDTABLE_MAX)
        return NULL;
    _Atomic(tp_file *) *chunk = atomic_load_explicit(
        &tp_fdtable_chunks[(unsigned)fd >> TP_FDTABLE_CHUNK_BITS], memory_order_acquire);
    if (!chunk)
        return NULL;
    return atomic_load_explicit(&chunk[(unsigned)fd & (TP_FDTABLE_CHUNK - 1)],
                                memory_order_seq_cst);
}

static inline void tp_fdtable_count_read(int fd, uint64_t n)
{
    tp_fdtable_stripe *s = tp_fdtable_reader_enter();
    tp_file *f = tp_fdtable_get(fd);
    if (f)
        tp_file_note_read(f, n);
    tp_fdtable_reader_leave(s);
}

static inline void tp_fdtable_count_write(int fd, uint64_t n)
{
    tp_fdtable_stripe *s = tp_fdtable_reader_enter();
    tp_file *f = tp_fdtable_get(fd);
    if (f)
        tp_file_note_write(f, n);
    tp_fdtable_reader_leave(s);
}

#endif
