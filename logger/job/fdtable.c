/* fdtable.c: the fd -> tp_file table (see fdtable.h). Slots are atomics so
 * that read/write wrappers on any thread can look up without locking; the
 * table is allocated once and never resized. */
#define _GNU_SOURCE
#include "logger/job/fdtable.h"

#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#define TP_FDTABLE_MAX (1u << 20)
#define TP_FDTABLE_MIN 1024u

_Atomic(tp_file *) *tp_fdtable_slots;
size_t tp_fdtable_size;

int tp_fdtable_init(void)
{
    struct rlimit rl;
    size_t n = TP_FDTABLE_MIN * 64;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
        n = rl.rlim_cur;
    if (n < TP_FDTABLE_MIN)
        n = TP_FDTABLE_MIN;
    if (n > TP_FDTABLE_MAX)
        n = TP_FDTABLE_MAX;
    tp_fdtable_slots = calloc(n, sizeof *tp_fdtable_slots);
    if (!tp_fdtable_slots)
        return -1;
    tp_fdtable_size = n;
    return 0;
}

tp_file *tp_fdtable_put(int fd, tp_file *f)
{
    if (fd < 0 || (size_t)fd >= tp_fdtable_size)
        return f;
    return atomic_exchange_explicit(&tp_fdtable_slots[fd], f, memory_order_acq_rel);
}

tp_file *tp_fdtable_take(int fd)
{
    if (fd < 0 || (size_t)fd >= tp_fdtable_size)
        return NULL;
    if (!atomic_load_explicit(&tp_fdtable_slots[fd], memory_order_relaxed))
        return NULL;
    return atomic_exchange_explicit(&tp_fdtable_slots[fd], NULL, memory_order_acq_rel);
}

void tp_fdtable_drain(void (*fn)(tp_file *f, void *arg), void *arg)
{
    for (size_t fd = 0; fd < tp_fdtable_size; fd++) {
        tp_file *f = tp_fdtable_take((int)fd);
        if (f)
            fn(f, arg);
    }
}

void tp_fdtable_reset_counters(void)
{
    for (size_t fd = 0; fd < tp_fdtable_size; fd++) {
        tp_file *f = atomic_load_explicit(&tp_fdtable_slots[fd], memory_order_relaxed);
        if (!f)
            continue;
        atomic_store(&f->bytes_read, 0);
        atomic_store(&f->bytes_written, 0);
        atomic_store(&f->first_access_ns, 0);
    }
}

tp_file *tp_file_new(const char *path, int fd, dev_t dev, ino_t ino, int rd, int wr)
{
    tp_file *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->path = strdup(path);
    if (!f->path) {
        free(f);
        return NULL;
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    f->opened_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
    f->fd = fd;
    f->dev = dev;
    f->ino = ino;
    f->opened_for_read = rd;
    f->opened_for_write = wr;
    return f;
}

void tp_file_free(tp_file *f)
{
    if (!f)
        return;
    free(f->path);
    free(f);
}

static void note_first_access(tp_file *f)
{
    if (atomic_load_explicit(&f->first_access_ns, memory_order_relaxed))
        return;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t expected = 0;
    atomic_compare_exchange_strong(&f->first_access_ns, &expected,
                                   (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec);
}

void tp_file_note_read(tp_file *f, uint64_t n)
{
    note_first_access(f);
    atomic_fetch_add_explicit(&f->bytes_read, n, memory_order_relaxed);
}

void tp_file_note_write(tp_file *f, uint64_t n)
{
    note_first_access(f);
    atomic_fetch_add_explicit(&f->bytes_written, n, memory_order_relaxed);
}
