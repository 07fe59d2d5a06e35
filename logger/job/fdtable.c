/* fdtable.c: the fd -> tp_file table and the reader counts that make freeing
 * closed files safe (see fdtable.h). */
#define _GNU_SOURCE
#include "logger/job/fdtable.h"

#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "logger/job/sigpool.h"

#define N_CHUNKS (TP_FDTABLE_MAX / TP_FDTABLE_CHUNK)
#define CHUNK_BYTES (TP_FDTABLE_CHUNK * sizeof(_Atomic(tp_file *)))
#define FILES_PER_SLAB 64 /* about 270 KiB */

static tp_sigpool file_pool = TP_SIGPOOL_INIT(sizeof(tp_file), FILES_PER_SLAB);

_Atomic(_Atomic(tp_file *) *) tp_fdtable_chunks[N_CHUNKS];
tp_fdtable_stripe tp_fdtable_readers[TP_FDTABLE_STRIPES];
/* 1 + the thread's stripe; 0 until its first lookup */
__thread int tp_fdtable_my_stripe __attribute__((tls_model("initial-exec")));
static atomic_uint next_stripe;

int tp_fdtable_assign_stripe(void)
{
    tp_fdtable_my_stripe =
        1 + (int)(atomic_fetch_add_explicit(&next_stripe, 1, memory_order_relaxed) %
                  TP_FDTABLE_STRIPES);
    return tp_fdtable_my_stripe;
}

int tp_fdtable_readers_quiet(void)
{
    for (int i = 0; i < TP_FDTABLE_STRIPES; i++)
        if (atomic_load_explicit(&tp_fdtable_readers[i].n, memory_order_seq_cst) != 0)
            return 0;
    return 1;
}

/* The slot for fd, allocating its chunk when create is set; NULL otherwise. */
static _Atomic(tp_file *) *slot(int fd, int create)
{
    if (fd < 0 || (unsigned)fd >= TP_FDTABLE_MAX)
        return NULL;
    _Atomic(_Atomic(tp_file *) *) *top = &tp_fdtable_chunks[(unsigned)fd >> TP_FDTABLE_CHUNK_BITS];
    _Atomic(tp_file *) *chunk = atomic_load_explicit(top, memory_order_acquire);
    if (!chunk && create) {
        /* mapped, not malloc'ed: the open wrapper may run in a signal handler */
        long p = syscall(SYS_mmap, NULL, CHUNK_BYTES, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == -1)
            return NULL;
        _Atomic(tp_file *) *fresh = (_Atomic(tp_file *) *)p;
        if (atomic_compare_exchange_strong(top, &chunk, fresh))
            chunk = fresh;
        else
            syscall(SYS_munmap, fresh, CHUNK_BYTES); /* another thread installed it first */
    }
    return chunk ? &chunk[(unsigned)fd & (TP_FDTABLE_CHUNK - 1)] : NULL;
}

tp_file *tp_fdtable_put(int fd, tp_file *f)
{
    _Atomic(tp_file *) *s = slot(fd, 1);
    if (!s)
        return f;
    return atomic_exchange_explicit(s, f, memory_order_seq_cst);
}

tp_file *tp_fdtable_take(int fd)
{
    _Atomic(tp_file *) *s = slot(fd, 0);
    if (!s || !atomic_load_explicit(s, memory_order_relaxed))
        return NULL;
    return atomic_exchange_explicit(s, NULL, memory_order_seq_cst);
}

void tp_fdtable_drain(void (*fn)(tp_file *f, void *arg), void *arg)
{
    for (unsigned c = 0; c < N_CHUNKS; c++) {
        if (!atomic_load_explicit(&tp_fdtable_chunks[c], memory_order_acquire))
            continue;
        for (unsigned i = 0; i < TP_FDTABLE_CHUNK; i++) {
            tp_file *f = tp_fdtable_take((int)(c * TP_FDTABLE_CHUNK + i));
            if (f)
                fn(f, arg);
        }
    }
}

void tp_fdtable_atfork_child(void)
{
    for (int i = 0; i < TP_FDTABLE_STRIPES; i++)
        atomic_store(&tp_fdtable_readers[i].n, 0);
    for (unsigned c = 0; c < N_CHUNKS; c++) {
        _Atomic(tp_file *) *chunk = atomic_load(&tp_fdtable_chunks[c]);
        for (unsigned i = 0; chunk && i < TP_FDTABLE_CHUNK; i++) {
            tp_file *f = atomic_load_explicit(&chunk[i], memory_order_relaxed);
            if (!f)
                continue;
            atomic_store(&f->bytes_read, 0);
            atomic_store(&f->bytes_written, 0);
            atomic_store(&f->first_access_ns, 0);
        }
    }
}

void tp_file_release(tp_file *f)
{
    if (f && tp_fdtable_readers_quiet())
        tp_file_free(f);
}

tp_file *tp_file_new(const char *path, int fd, dev_t dev, ino_t ino, int rd, int wr)
{
    size_t len = strlen(path);
    if (len >= sizeof ((tp_file *)0)->path)
        return NULL;
    tp_file *f = tp_sigpool_alloc(&file_pool);
    if (!f)
        return NULL;
    memcpy(f->path, path, len + 1);
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

tp_file_key tp_file_key_of(const struct stat *st)
{
    return (tp_file_key){st->st_dev, st->st_ino, (uint64_t)st->st_size,
                         (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec,
                         (int64_t)st->st_ctim.tv_sec * 1000000000 + st->st_ctim.tv_nsec};
}

int tp_file_key_same(const tp_file_key *a, const tp_file_key *b)
{
    return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
           a->mtime_ns == b->mtime_ns && a->ctime_ns == b->ctime_ns;
}

void tp_file_free(tp_file *f) { tp_sigpool_free(&file_pool, f); }

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
