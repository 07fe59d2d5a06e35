/* fdtable.h: which file descriptors belong to recorded files, and the
 * per-open counters the hot-path wrappers (read/write) bump. A lookup is one
 * bounds check and one atomic load; no lock is ever taken on the read path. */
#ifndef TP_FDTABLE_H
#define TP_FDTABLE_H
#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>

#include "logger/classify.h"

/* One open-to-close session on a recorded regular file. Created by an open
 * wrapper, owned by the fd table until close, then by the background worker. */
typedef struct tp_file {
    struct tp_file *next_free;      /* worker: deferred-free list */
    char *path;                     /* absolute, symlinks resolved */
    dev_t dev;
    ino_t ino;
    int fd;
    int opened_for_read;
    int opened_for_write;
    int64_t opened_ns;
    _Atomic uint64_t bytes_read;
    _Atomic uint64_t bytes_written;
    _Atomic int64_t first_access_ns;
    atomic_int mapped;
    atomic_int written_via_map;
    int truncated;                  /* opened with O_TRUNC or O_CREAT for writing */
    /* Owned by the background worker once the open event is posted: */
    int hashed;                     /* sha256 below is valid */
    int hash_errno;
    uint8_t sha256[32];
    uint64_t hashed_size;
    int64_t hashed_mtime_ns;
    const char *format;             /* weights format of the first bytes, or NULL */
} tp_file;

/* Allocates the table (sized from RLIMIT_NOFILE, at most 1M entries). */
int tp_fdtable_init(void);
/* Installs f for fd; returns the file previously there (a leaked close), or
 * NULL. Returns f itself when fd is beyond the table (caller keeps it). */
tp_file *tp_fdtable_put(int fd, tp_file *f);
/* Removes and returns fd's file (NULL when untracked). */
tp_file *tp_fdtable_take(int fd);
/* The file for fd without removing it (NULL when untracked). */
static inline tp_file *tp_fdtable_get(int fd);
/* Calls fn for every tracked fd after removing it (used at stream end). */
void tp_fdtable_drain(void (*fn)(tp_file *f, void *arg), void *arg);
/* In a forked child: counters restart at zero for the child's own stream. */
void tp_fdtable_reset_counters(void);

tp_file *tp_file_new(const char *path, int fd, dev_t dev, ino_t ino, int rd, int wr);
void tp_file_free(tp_file *f);

/* Records an access in f's counters (first access time on the first call). */
void tp_file_note_read(tp_file *f, uint64_t n);
void tp_file_note_write(tp_file *f, uint64_t n);

extern _Atomic(tp_file *) *tp_fdtable_slots;
extern size_t tp_fdtable_size;

static inline tp_file *tp_fdtable_get(int fd)
{
    if (fd < 0 || (size_t)fd >= tp_fdtable_size)
        return NULL;
    return atomic_load_explicit(&tp_fdtable_slots[fd], memory_order_acquire);
}

#endif
