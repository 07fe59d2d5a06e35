/* hashcache.h: digests of files already hashed by this process, keyed by
 * (device, inode, size, mtime, ctime), so a file read many times is hashed once.
 * Thread-safe; inherited by forked children (fork takes its lock). */
#ifndef TP_HASHCACHE_H
#define TP_HASHCACHE_H
#include <stdint.h>
#include <sys/types.h>

#include "logger/job/fdtable.h" /* tp_file_key */


/* 1 and the digest/format when cached, else 0. */
int tp_hashcache_get(const tp_file_key *key, uint8_t sha256[32], const char **format);
void tp_hashcache_put(const tp_file_key *key, const uint8_t sha256[32], const char *format);

void tp_hashcache_lock(void);
void tp_hashcache_unlock(void);

#endif
