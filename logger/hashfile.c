/* hashfile.c: streamed whole-file SHA-256 with OpenSSL EVP (SHA-NI when the
 * CPU has it). 1 MiB reads keep syscall overhead far below hashing cost. */
#include "hashfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#define HASH_CHUNK (1u << 20)

int tp_sha256_fd(int fd, tp_pread_fn pread_fn, uint8_t digest[32], uint64_t *size,
                 uint8_t *first_bytes, size_t first_cap, size_t *first_len)
{
    uint8_t *buf = malloc(HASH_CHUNK);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    uint64_t total = 0;
    int rc = 0;
    if (first_len)
        *first_len = 0;
    if (!buf || !ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
        rc = -ENOMEM;
        goto out;
    }
    posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
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
        if (first_bytes && first_len && *first_len < first_cap) {
            size_t take = first_cap - *first_len;
            if (take > (size_t)n)
                take = (size_t)n;
            memcpy(first_bytes + *first_len, buf, take);
            *first_len += take;
        }
        if (EVP_DigestUpdate(ctx, buf, (size_t)n) != 1) {
            rc = -EIO;
            goto out;
        }
        total += (uint64_t)n;
    }
    if (EVP_DigestFinal_ex(ctx, digest, NULL) != 1)
        rc = -EIO;
    if (size)
        *size = total;
out:
    EVP_MD_CTX_free(ctx);
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
