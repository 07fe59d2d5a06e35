/* nodecache.h: digests shared by every traced process of one run on one node,
 * so that a shard read by many ranks (or by DataLoader workers started with
 * exec) is hashed once per node, not once per process. Used by the worker
 * thread only: a lookup may wait, bounded, for another process's hash, and
 * the training thread never calls it. See nodecache.c. */
#ifndef TP_NODECACHE_H
#define TP_NODECACHE_H
#include <limits.h>
#include <stdint.h>

#include "core/sign.h"
#include "logger/config.h"
#include "logger/worker/hashcache.h"

/* Files below this size are hashed directly: the few file-system round
 * trips of the shared cache cost more than hashing them. */
#define TP_NODECACHE_MIN_BYTES (1u << 20)
/* The directory's name inside the journal directory: "digests-<host>". */
#define TP_NODECACHE_DIR_PREFIX "digests-"

/* What a lookup left to do: when claimed, this process hashes the file and
 * must call tp_nodecache_publish (or tp_nodecache_release on failure). */
typedef struct {
    char entry[PATH_MAX]; /* the result file; "" when the cache is not in use */
    int lock_fd;          /* >= 0: we hold the flock of the entry's ".lock" */
    const tp_config *cfg;
    tp_file_key key;
} tp_nodecache_claim;

/* 1 with the digest and the file's first bytes (head, up to head_cap; *head_len)
 * when some process of this run on this node hashed the file with this
 * identity and signed the entry with the run's key (signer; entries whose
 * signature does not verify are ignored); 0 when the caller must hash it (c
 * says whether to publish). Never fails otherwise: any problem with the
 * cache just means hashing. */
int tp_nodecache_lookup(const tp_config *cfg, const tp_key *signer, const tp_file_key *key,
                        uint8_t sha256[32], uint8_t *head, size_t head_cap, size_t *head_len,
                        tp_nodecache_claim *c);
/* Stores the digest and first bytes for the others (atomically, signed with
 * signer), releases the claim. */
void tp_nodecache_publish(tp_nodecache_claim *c, const tp_key *signer, const uint8_t sha256[32],
                          const uint8_t *head, size_t head_len);
/* Gives a claim up without a result (the hash failed). */
void tp_nodecache_release(tp_nodecache_claim *c);

#endif
