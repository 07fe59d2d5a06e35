/* ownfiles.c: the identities of files this process produced (see ownfiles.h).
 * Each slot is guarded by a sequence number: odd while a writer fills it,
 * and a reader retries (bounded) until it reads the same even number before
 * and after the fields. A writer takes a slot by moving its sequence from
 * even to odd with a compare-and-swap, so two writers never share a slot. */
#define _GNU_SOURCE
#include "logger/job/ownfiles.h"

#include <stdatomic.h>
#include <time.h>

#define SLOTS 256
#define READ_TRIES 64

typedef struct {
    _Atomic uint64_t seq;
    _Atomic uint64_t gen;
    _Atomic uint64_t dev, ino, size;
    _Atomic int64_t mtime_ns, ctime_ns;
    atomic_int renaming;
} slot;

static slot slots[SLOTS];
static _Atomic uint64_t next_slot;
static _Atomic uint64_t next_gen;

typedef struct {
    uint64_t gen;
    int renaming;
    tp_file_key key;
} entry;

/* 1: e holds the slot; 0: the slot is empty; -1: a writer kept it busy. */
static int read_slot(slot *s, entry *e)
{
    for (int i = 0; i < READ_TRIES; i++) {
        uint64_t a = atomic_load_explicit(&s->seq, memory_order_acquire);
        if (a & 1)
            continue;
        e->gen = atomic_load_explicit(&s->gen, memory_order_relaxed);
        e->renaming = atomic_load_explicit(&s->renaming, memory_order_relaxed);
        e->key.dev = (dev_t)atomic_load_explicit(&s->dev, memory_order_relaxed);
        e->key.ino = (ino_t)atomic_load_explicit(&s->ino, memory_order_relaxed);
        e->key.size = atomic_load_explicit(&s->size, memory_order_relaxed);
        e->key.mtime_ns = atomic_load_explicit(&s->mtime_ns, memory_order_relaxed);
        e->key.ctime_ns = atomic_load_explicit(&s->ctime_ns, memory_order_relaxed);
        atomic_thread_fence(memory_order_acquire);
        if (atomic_load_explicit(&s->seq, memory_order_relaxed) == a)
            return e->gen != 0;
    }
    return -1;
}

static int lock_slot(slot *s)
{
    uint64_t a = atomic_load_explicit(&s->seq, memory_order_relaxed);
    return !(a & 1) && atomic_compare_exchange_strong(&s->seq, &a, a + 1);
}

static void unlock_slot(slot *s) { atomic_fetch_add_explicit(&s->seq, 1, memory_order_release); }

static void store_key(slot *s, const tp_file_key *k)
{
    atomic_store_explicit(&s->dev, (uint64_t)k->dev, memory_order_relaxed);
    atomic_store_explicit(&s->ino, (uint64_t)k->ino, memory_order_relaxed);
    atomic_store_explicit(&s->size, k->size, memory_order_relaxed);
    atomic_store_explicit(&s->mtime_ns, k->mtime_ns, memory_order_relaxed);
    atomic_store_explicit(&s->ctime_ns, k->ctime_ns, memory_order_relaxed);
}

uint64_t tp_ownfiles_put(const tp_file_key *k)
{
    for (int tries = 0; tries < 4; tries++) {
        slot *s = &slots[atomic_fetch_add(&next_slot, 1) % SLOTS];
        if (!lock_slot(s))
            continue;
        uint64_t gen = atomic_fetch_add(&next_gen, 1) + 1;
        atomic_store_explicit(&s->gen, gen, memory_order_relaxed);
        atomic_store_explicit(&s->renaming, 0, memory_order_relaxed);
        store_key(s, k);
        unlock_slot(s);
        return gen;
    }
    return 0;
}

/* The slot holding the latest generation for (dev, ino), or -1. */
static int latest(dev_t dev, ino_t ino, entry *out)
{
    int best = -1;
    for (int i = 0; i < SLOTS; i++) {
        entry e;
        if (read_slot(&slots[i], &e) == 1 && e.key.dev == dev && e.key.ino == ino &&
            (best < 0 || e.gen > out->gen)) {
            *out = e;
            best = i;
        }
    }
    return best;
}

int tp_ownfiles_match(const tp_file_key *k)
{
    entry e;
    return latest(k->dev, k->ino, &e) >= 0 && tp_file_key_same(&e.key, k);
}

int tp_ownfiles_rename_begin(const tp_file_key *before, uint64_t *gen)
{
    entry e;
    int i = latest(before->dev, before->ino, &e);
    if (i < 0 || !tp_file_key_same(&e.key, before) || !lock_slot(&slots[i]))
        return -1;
    int ok = atomic_load_explicit(&slots[i].gen, memory_order_relaxed) == e.gen;
    if (ok)
        atomic_store_explicit(&slots[i].renaming, 1, memory_order_relaxed);
    unlock_slot(&slots[i]);
    *gen = e.gen;
    return ok ? i : -1;
}

void tp_ownfiles_rename_end(int token, uint64_t gen, const tp_file_key *after)
{
    if (token < 0 || token >= SLOTS)
        return;
    slot *s = &slots[token];
    for (int tries = 0; tries < READ_TRIES; tries++) {
        if (!lock_slot(s))
            continue;
        if (atomic_load_explicit(&s->gen, memory_order_relaxed) == gen) {
            /* a rename moves ctime only; anything else is not the same content */
            if (after && (uint64_t)after->dev == atomic_load(&s->dev) &&
                (uint64_t)after->ino == atomic_load(&s->ino) && after->size == atomic_load(&s->size) &&
                after->mtime_ns == atomic_load(&s->mtime_ns))
                atomic_store_explicit(&s->ctime_ns, after->ctime_ns, memory_order_relaxed);
            else if (after)
                atomic_store_explicit(&s->ctime_ns, -1, memory_order_relaxed);
            atomic_store_explicit(&s->renaming, 0, memory_order_relaxed);
        }
        unlock_slot(s);
        return;
    }
}

int tp_ownfiles_still(uint64_t gen, const tp_file_key *now)
{
    if (!gen)
        return 0;
    struct timespec tick = {0, 1000000};
    for (int waited = 0; waited <= 1000; waited++) {
        int pending = 0;
        for (int i = 0; i < SLOTS; i++) {
            entry e;
            int got = read_slot(&slots[i], &e);
            if (got < 0)
                pending = 1;
            if (got != 1 || e.gen != gen)
                continue;
            if (!e.renaming)
                return tp_file_key_same(&e.key, now);
            pending = 1;
        }
        if (!pending)
            return 0;
        nanosleep(&tick, NULL);
    }
    return 0;
}
