/* sigpool.h: fixed-size blocks that a signal handler may allocate and free.
 *
 * open(), close() and dup2() are async-signal-safe, and jobs call them from
 * signal handlers, possibly while the interrupted thread is inside malloc
 * (whose arena lock is then held: calling malloc again deadlocks). So what
 * the open and close wrappers allocate (a tp_file, an event) comes from
 * here: blocks carved from mmap'd slabs (never unmapped), handed out and
 * taken back through a lock-free stack. An allocation is a compare-and-swap,
 * plus an mmap system call once per slab; nothing takes a lock, so it is
 * safe from a handler, across fork and on any thread.
 *
 * The stack's head packs a block index with a counter that every pop and
 * push bumps, so a compare-and-swap cannot succeed on a head that was
 * popped and pushed back in between (the ABA problem). */
#ifndef TP_SIGPOOL_H
#define TP_SIGPOOL_H
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define TP_SIGPOOL_MAX_SLABS 4096

typedef struct {
    size_t block_size;        /* bytes per block, a multiple of 16 */
    uint32_t blocks_per_slab;
    _Atomic uint64_t free_head; /* counter << 32 | (index + 1); index + 1 == 0: empty */
    atomic_uint carved;         /* blocks handed out from slabs so far */
    _Atomic(char *) slabs[TP_SIGPOOL_MAX_SLABS];
} tp_sigpool;

#define TP_SIGPOOL_INIT(size, per_slab) \
    { .block_size = ((size) + 15) & ~(size_t)15, .blocks_per_slab = (per_slab) }

/* PATH_MAX-byte buffers for the wrappers' paths: kept off the job thread's
 * stack, which may be as small as PTHREAD_STACK_MIN. */
extern tp_sigpool tp_sigpool_paths;

/* A zeroed block, or NULL when the pool is exhausted or mmap failed.
 * Async-signal-safe; preserves errno. */
void *tp_sigpool_alloc(tp_sigpool *pool);
/* Gives a block back (NULL is ignored). Async-signal-safe. */
void tp_sigpool_free(tp_sigpool *pool, void *block);

#endif
