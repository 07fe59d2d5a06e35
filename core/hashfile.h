/* hashfile.h: SHA-256 of a whole file, streamed in large reads (the digest
 * equals `sha256sum FILE`). Shared by the logger's background hasher and the
 * verifier (--model). */
#ifndef TP_HASHFILE_H
#define TP_HASHFILE_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef ssize_t (*tp_pread_fn)(int fd, void *buf, size_t n, off_t off);

/* Hashes fd from offset 0 to EOF with pread (the fd's offset is untouched).
 * first_bytes (may be NULL) receives up to first_cap leading bytes, for
 * format detection without a second read. Returns 0, or -errno. */
int tp_sha256_fd(int fd, tp_pread_fn pread_fn, uint8_t digest[32], uint64_t *size,
                 uint8_t *first_bytes, size_t first_cap, size_t *first_len);
/* Hooks for a caller that must know where hashing stands (the preloaded
 * library, to keep fork safe and to tell a slow hash from a stuck one):
 * lock/unlock bracket every call into OpenSSL that may take OpenSSL's own
 * locks (digest set-up and release), never the bulk updates, which take
 * none; progress is called after each window or chunk hashed. Any may be
 * NULL. Set once, before hashing starts. no_mappings makes every hash read
 * with pread: touching a mapping of a file that someone truncates raises
 * SIGBUS, and inside a host process (the job truncating a checkpoint it
 * rewrites while the last one is hashed) that signal would kill the job. */
typedef struct {
    void (*lock)(void);
    void (*unlock)(void);
    void (*progress)(void);
    int no_mappings;
} tp_hash_hooks;
void tp_sha256_set_hooks(const tp_hash_hooks *hooks);

/* Opens path read-only and hashes it. Returns 0, or -errno. */
int tp_sha256_path(const char *path, uint8_t digest[32], uint64_t *size);

#endif
