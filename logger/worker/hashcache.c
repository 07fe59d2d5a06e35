/* hashcache.c: a fixed-size open-addressing table of file digests (see
 * hashcache.h). When full, new files simply are not cached: they get hashed
 * again next time, which costs time but never correctness. */
#include "logger/worker/hashcache.h"

#include <pthread.h>
#include <string.h>

#define SLOTS 8192 /* power of two */

typedef struct {
    tp_file_key key;
    uint8_t sha256[32];
    const char *format; /* a static string from classify.c, or NULL */
    int used;
} slot;

static slot table[SLOTS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static uint64_t mix(const tp_file_key *k)
{
    uint64_t h = (uint64_t)k->dev * 0x9E3779B97F4A7C15ull ^ (uint64_t)k->ino;
    h ^= k->size * 0xC2B2AE3D27D4EB4Full ^ (uint64_t)k->mtime_ns;
    h ^= (uint64_t)k->ctime_ns * 0x94D049BB133111EBull;
    h ^= h >> 29;
    return h * 0xBF58476D1CE4E5B9ull;
}

static int same(const tp_file_key *a, const tp_file_key *b) { return tp_file_key_same(a, b); }

int tp_hashcache_get(const tp_file_key *key, uint8_t sha256[32], const char **format)
{
    int found = 0;
    pthread_mutex_lock(&lock);
    for (uint64_t i = mix(key), probes = 0; probes < 32; i++, probes++) {
        slot *s = &table[i & (SLOTS - 1)];
        if (!s->used)
            break;
        if (same(&s->key, key)) {
            memcpy(sha256, s->sha256, 32);
            *format = s->format;
            found = 1;
            break;
        }
    }
    pthread_mutex_unlock(&lock);
    return found;
}

void tp_hashcache_put(const tp_file_key *key, const uint8_t sha256[32], const char *format)
{
    pthread_mutex_lock(&lock);
    for (uint64_t i = mix(key), probes = 0; probes < 32; i++, probes++) {
        slot *s = &table[i & (SLOTS - 1)];
        if (s->used && !same(&s->key, key))
            continue;
        s->key = *key;
        memcpy(s->sha256, sha256, 32);
        s->format = format;
        s->used = 1;
        break;
    }
    pthread_mutex_unlock(&lock);
}

void tp_hashcache_lock(void) { pthread_mutex_lock(&lock); }
void tp_hashcache_unlock(void) { pthread_mutex_unlock(&lock); }
