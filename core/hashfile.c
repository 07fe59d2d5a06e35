/* hashfile.c: streamed whole-file SHA-256 with OpenSSL EVP (SHA-NI when the
 * CPU has it). The file is hashed straight from the page cache through
 * read-only mappings of 64 MiB windows (no copy into a buffer: a copy costs
 * a third of the hashing speed), then read to EOF in case it grew; files
 * that cannot be mapped, and every file when the caller asks for no
 * mappings (the preloaded library), are read in 1 MiB chunks. */
#include "core/hashfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/mman.h>
#include <sys/stat.h>

#include <openssl/evp.h>

#define HASH_CHUNK (1u << 20)
#define MAP_WINDOW ((size_t)64 << 20)

static tp_hash_hooks hooks;

void tp_sha256_set_hooks(const tp_hash_hooks *h) { hooks = *h; }

static void hook(void (*fn)(void))
{
    if (fn)
        fn();
}

static void keep_first(uint8_t *first_bytes, size_t first_cap, size_t *first_len,
                       const uint8_t *data, size_t n)
{
    if (!first_bytes || !first_len || *first_len >= first_cap)
        return;
    size_t take = first_cap - *first_len;
    if (take > n)
        take = n;
    memcpy(first_bytes + *first_len, data, take);
    *first_len += take;
}

/* Hashes [0, size) through mappings; returns the bytes hashed (stops early,
 * leaving the rest to the read loop, when a window cannot be mapped). */
static uint64_t hash_mapped(int fd, uint64_t size, EVP_MD_CTX *ctx, uint8_t *first_bytes,
                            size_t first_cap, size_t *first_len)
{
    uint64_t done = 0;
    while (done < size) {
        size_t len = size - done < MAP_WINDOW ? (size_t)(size - done) : MAP_WINDOW;
        void *p = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, (off_t)done);
        if (p == MAP_FAILED)
            break;
        madvise(p, len, MADV_SEQUENTIAL);
        keep_first(first_bytes, first_cap, first_len, p, len);
        int ok = EVP_DigestUpdate(ctx, p, len) == 1;
        munmap(p, len);
        hook(hooks.progress);
        if (!ok)
            break;
        done += len;
    }
    return done;
}

int tp_sha256_fd(int fd, tp_pread_fn pread_fn, uint8_t digest[32], uint64_t *size,
                 uint8_t *first_bytes, size_t first_cap, size_t *first_len)
{
    uint8_t *buf = malloc(HASH_CHUNK);
    uint64_t total = 0;
    int rc = 0;
    if (first_len)
        *first_len = 0;
    hook(hooks.lock);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ready = buf && ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1;
    hook(hooks.unlock);
    if (!ready) {
        rc = -ENOMEM;
        goto out;
    }
    posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    struct stat st;
    if (!hooks.no_mappings && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
        total = hash_mapped(fd, (uint64_t)st.st_size, ctx, first_bytes, first_cap, first_len);
    for (;;) {
        ssize_t n = pread_fn(fd, buf, HASH_CHUNK, (off_t)total);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            rc = -errno;
            goto out;
        }
        if (n == 0)
            break;
        keep_first(first_bytes, first_cap, first_len, buf, (size_t)n);
        if (EVP_DigestUpdate(ctx, buf, (size_t)n) != 1) {
            rc = -EIO;
            goto out;
        }
        total += (uint64_t)n;
        hook(hooks.progress);
    }
    if (EVP_DigestFinal_ex(ctx, digest, NULL) != 1)
        rc = -EIO;
    if (size)
        *size = total;
out:
    hook(hooks.lock);
    EVP_MD_CTX_free(ctx);
    hook(hooks.unlock);
    free(buf);
    return rc;
}

int tp_sha256_path(const char *path, uint8_t digest[32], uint64_t *size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    int rc = tp_sha256_fd(fd, pread, digest, size, NULL, 0, NULL);
    close(fd);
    return rc;
}
