/* sigpool.c: the signal-safe block pool (see sigpool.h). Each block starts
 * with a 16-byte header holding its index and, while it is free, the next
 * free block's index + 1. Slabs are mapped with the raw system call, so the
 * pool neither takes malloc's lock nor goes through the library's own mmap
 * wrapper. Under AddressSanitizer a free block's payload is poisoned, so a
 * use after free is still reported as with malloc. */
#define _GNU_SOURCE
#include "logger/job/sigpool.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TP_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(TP_ASAN)
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#define HEADER 16
#define INDEX_MASK 0xffffffffull

tp_sigpool tp_sigpool_paths = TP_SIGPOOL_INIT(PATH_MAX, 64);

static size_t stride(const tp_sigpool *pool) { return HEADER + pool->block_size; }

static char *block_at(tp_sigpool *pool, uint32_t index)
{
    char *slab = atomic_load_explicit(&pool->slabs[index / pool->blocks_per_slab],
                                      memory_order_acquire);
    return slab + (size_t)(index % pool->blocks_per_slab) * stride(pool);
}

static _Atomic uint32_t *next_word(char *block) { return (_Atomic uint32_t *)(block + 4); }

/* The slab holding index, mapped by whichever thread gets there first. */
static char *slab_for(tp_sigpool *pool, uint32_t index)
{
    _Atomic(char *) *slot = &pool->slabs[index / pool->blocks_per_slab];
    char *slab = atomic_load_explicit(slot, memory_order_acquire);
    if (slab)
        return slab;
    size_t bytes = (size_t)pool->blocks_per_slab * stride(pool);
    long p = syscall(SYS_mmap, NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                     -1, 0);
    if (p == -1)
        return NULL;
    char *fresh = (char *)p;
    if (atomic_compare_exchange_strong_explicit(slot, &slab, fresh, memory_order_acq_rel,
                                                memory_order_acquire))
        return fresh;
    syscall(SYS_munmap, fresh, bytes); /* another thread mapped it first */
    return slab;
}

/* A block never handed out before (zero, as mmap left it), or NULL. */
static char *carve(tp_sigpool *pool)
{
    uint32_t cap = TP_SIGPOOL_MAX_SLABS * pool->blocks_per_slab;
    uint32_t index = atomic_load_explicit(&pool->carved, memory_order_relaxed);
    do {
        if (index >= cap)
            return NULL;
    } while (!atomic_compare_exchange_weak_explicit(&pool->carved, &index, index + 1,
                                                    memory_order_relaxed, memory_order_relaxed));
    if (!slab_for(pool, index))
        return NULL; /* no memory: this index stays unused */
    char *block = block_at(pool, index);
    memcpy(block, &index, sizeof index);
    return block;
}

void *tp_sigpool_alloc(tp_sigpool *pool)
{
    int saved_errno = errno;
    uint64_t head = atomic_load_explicit(&pool->free_head, memory_order_acquire);
    char *block = NULL;
    while (head & INDEX_MASK) {
        char *top = block_at(pool, (uint32_t)(head & INDEX_MASK) - 1);
        /* may read a block another thread just popped: then the counter
         * has moved and the exchange below fails */
        uint64_t next = atomic_load_explicit(next_word(top), memory_order_relaxed);
        uint64_t desired = ((head >> 32) + 1) << 32 | next;
        if (atomic_compare_exchange_weak_explicit(&pool->free_head, &head, desired,
                                                  memory_order_acq_rel, memory_order_acquire)) {
            block = top;
            UNPOISON(block + HEADER, pool->block_size);
            memset(block + HEADER, 0, pool->block_size);
            break;
        }
    }
    if (!block)
        block = carve(pool);
    errno = saved_errno;
    return block ? block + HEADER : NULL;
}

void tp_sigpool_free(tp_sigpool *pool, void *payload)
{
    if (!payload)
        return;
    char *block = (char *)payload - HEADER;
    uint32_t index;
    memcpy(&index, block, sizeof index);
    POISON(payload, pool->block_size);
    uint64_t head = atomic_load_explicit(&pool->free_head, memory_order_relaxed);
    uint64_t desired;
    do {
        atomic_store_explicit(next_word(block), (uint32_t)(head & INDEX_MASK),
                              memory_order_relaxed);
        desired = ((head >> 32) + 1) << 32 | (uint64_t)(index + 1);
    } while (!atomic_compare_exchange_weak_explicit(&pool->free_head, &head, desired,
                                                    memory_order_release, memory_order_relaxed));
}
