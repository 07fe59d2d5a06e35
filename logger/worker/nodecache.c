/* nodecache.c: the per-node digest cache (see nodecache.h).
 *
 * Layout: RUN.h5.journal/digests-<host>/ holds, per file identity (device,
 * inode, size, mtime, ctime), one entry "<dev>-<ino>-<size>-<mtime>-<ctime>"
 * (hex) of at most ENTRY_MAX bytes: a magic, the SHA-256, the file's first
 * bytes (from which the reader re-derives the weights format, as if it had
 * hashed the file) and an Ed25519 signature by the run's key.
 * Entries are written to a temporary name and renamed into place, so a reader
 * sees a whole entry or none. The host is part of the name because device
 * and inode numbers only mean something on one node, and the directory sits
 * on the job's shared file system. `trainprov run` and `recover` remove it
 * with the journals; the journal loader ignores it.
 *
 * Who hashes: the worker thread that misses takes an exclusive flock() on
 * "<entry>.lock" (created if absent, never removed while the run lasts: that
 * would let two processes lock two different inodes), hashes, publishes,
 * unlocks. A worker that finds the lock held polls for the entry, at most
 * WAIT_BASE_NS + size / WAIT_MIN_RATE (and never more than half of
 * TRAINPROV_EXIT_TIMEOUT), then hashes the file itself. The kernel drops the
 * lock of a process that is killed, so a stale claim cannot exist; a lock
 * released without an entry (the holder's hash failed) is taken over at the
 * next poll. The lock is held only while hashing, never while waiting, so no
 * two workers can wait on each other. Only processes of one node use one
 * directory, so flock() needs no cluster-wide locking from the file system.
 *
 * Trust: the job runs as the same user, so it can write here. An entry is
 * taken only when its signature verifies with the run's key over the
 * identity, the digest and the first bytes (payload type NODECACHE_TYPE,
 * which no other document uses): a job writing files here cannot plant a
 * digest without the key, and a job that opens the key file or anything in
 * the journal directory is recorded and fails log.integrity (track.c). A
 * malformed or unsigned entry is ignored: the file is hashed. */
#define _GNU_SOURCE
#include "logger/worker/nodecache.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "logger/classify.h"
#include "logger/job/real.h"
#include "logger/worker/cryptogate.h"

#define HOST_MAX 64
#define MAGIC "TPNC2\n"
#define MAGIC_LEN 6
#define ENTRY_MAX (MAGIC_LEN + 32 + 1 + TP_MAGIC_BYTES + TP_SIG_LEN)
#define NODECACHE_TYPE "application/vnd.trainprov.nodecache.v1"
#define SIGNED_MAX (5 * 8 + 32 + 1 + TP_MAGIC_BYTES)
#define POLL_NS (10 * 1000 * 1000LL)
#define WAIT_BASE_NS (2 * 1000000000LL)
#define WAIT_MIN_RATE (50ull << 20) /* bytes/s a busy holder hashes at least */

/* RUN.h5.journal/digests-<host>, created if needed; -1 when unusable. */
static int cache_dir(const tp_config *cfg, char *out, size_t cap)
{
    char host[HOST_MAX + 1] = "";
    if (gethostname(host, sizeof host) != 0)
        return -1;
    host[HOST_MAX] = '\0';
    for (char *p = host; *p; p++) /* a file name, whatever the host name holds */
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '.' || *p == '-' || *p == '_'))
            *p = '_';
    if (!host[0] || host[0] == '.')
        return -1;
    int n = snprintf(out, cap, "%s/" TP_NODECACHE_DIR_PREFIX "%s", cfg->journal_dir, host);
    if (n < 0 || (size_t)n >= cap)
        return -1;
    if (mkdir(out, 0700) != 0 && errno != EEXIST)
        return -1;
    return 0;
}

static uint8_t *put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        *p++ = (uint8_t)(v >> (8 * i));
    return p;
}

/* The bytes an entry's signature covers: the identity, the digest, the first
 * bytes. A signed entry is a statement by the run's key that this identity
 * (ctime included, which nobody can set back) has this content: true in
 * any run, so no run id is needed. */
static size_t signed_bytes(const tp_config *cfg, const tp_file_key *key, const uint8_t sha256[32],
                           const uint8_t *head, size_t head_len, uint8_t out[SIGNED_MAX])
{
    (void)cfg;
    uint8_t *p = out;
    p = put_u64(p, (uint64_t)key->dev);
    p = put_u64(p, (uint64_t)key->ino);
    p = put_u64(p, key->size);
    p = put_u64(p, (uint64_t)key->mtime_ns);
    p = put_u64(p, (uint64_t)key->ctime_ns);
    memcpy(p, sha256, 32);
    p += 32;
    *p++ = (uint8_t)head_len;
    memcpy(p, head, head_len);
    return (size_t)(p - out) + head_len;
}

/* Reads a whole entry: 1 when valid and signed with the run's key, 0 when
 * absent, malformed or not signed. */
static int read_entry(const tp_config *cfg, const tp_key *signer, const tp_file_key *key,
                      const char *path, uint8_t sha256[32], uint8_t *head, size_t head_cap,
                      size_t *head_len)
{
    int fd = tp_real_fd_above_std(TP_REAL(open)(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (fd < 0)
        return 0;
    uint8_t buf[ENTRY_MAX + 1];
    ssize_t n = TP_REAL(pread)(fd, buf, sizeof buf, 0);
    TP_REAL(close)(fd);
    if (n < MAGIC_LEN + 33 || n > ENTRY_MAX || memcmp(buf, MAGIC, MAGIC_LEN) != 0)
        return 0;
    size_t len = buf[MAGIC_LEN + 32];
    if (len > TP_MAGIC_BYTES || (size_t)n != MAGIC_LEN + 33 + len + TP_SIG_LEN)
        return 0;
    uint8_t body[SIGNED_MAX];
    size_t body_len = signed_bytes(cfg, key, buf + MAGIC_LEN, buf + MAGIC_LEN + 33, len, body);
    tp_cryptogate_enter();
    int ok = tp_key_verify(signer, NODECACHE_TYPE, body, body_len, buf + MAGIC_LEN + 33 + len,
                           TP_SIG_LEN) == 0;
    tp_cryptogate_leave();
    if (!ok)
        return 0;
    memcpy(sha256, buf + MAGIC_LEN, 32);
    *head_len = len < head_cap ? len : head_cap;
    memcpy(head, buf + MAGIC_LEN + 33, *head_len);
    return 1;
}

/* Takes "<entry>.lock": the lock's fd when taken, -1 when another process
 * holds it, -2 when the cache is unusable. */
static int try_claim(const char *entry)
{
    char lock[PATH_MAX + 8];
    snprintf(lock, sizeof lock, "%s.lock", entry);
    int fd =
        tp_real_fd_above_std(TP_REAL(open)(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (fd < 0)
        return -2;
    if (flock(fd, LOCK_EX | LOCK_NB) == 0)
        return fd;
    int err = errno;
    TP_REAL(close)(fd);
    return err == EWOULDBLOCK ? -1 : -2;
}

static int64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

int tp_nodecache_lookup(const tp_config *cfg, const tp_key *signer, const tp_file_key *key,
                        uint8_t sha256[32], uint8_t *head, size_t head_cap, size_t *head_len,
                        tp_nodecache_claim *c)
{
    c->entry[0] = '\0';
    c->lock_fd = -1;
    char dir[PATH_MAX];
    if (!signer || key->size < TP_NODECACHE_MIN_BYTES || cache_dir(cfg, dir, sizeof dir) != 0)
        return 0;
    c->cfg = cfg;
    c->key = *key;
    int n = snprintf(c->entry, sizeof c->entry, "%s/%llx-%llx-%llx-%llx-%llx", dir,
                     (unsigned long long)key->dev, (unsigned long long)key->ino,
                     (unsigned long long)key->size, (unsigned long long)key->mtime_ns,
                     (unsigned long long)key->ctime_ns);
    if (n < 0 || (size_t)n >= sizeof c->entry - 8) {
        c->entry[0] = '\0';
        return 0;
    }
    int64_t budget = WAIT_BASE_NS + (int64_t)(key->size / WAIT_MIN_RATE) * 1000000000LL;
    int64_t cap = (int64_t)(cfg->exit_timeout_s / 2) * 1000000000LL;
    if (budget > cap)
        budget = cap;
    int64_t deadline = now_ns() + budget;
    struct timespec tick = {0, POLL_NS};
    for (;;) {
        if (read_entry(cfg, signer, key, c->entry, sha256, head, head_cap, head_len))
            return 1;
        int got = try_claim(c->entry);
        if (got != -1) {
            c->lock_fd = got;
            /* an entry published between our read and our claim */
            if (got >= 0 && read_entry(cfg, signer, key, c->entry, sha256, head, head_cap, head_len)) {
                tp_nodecache_release(c);
                return 1;
            }
            return 0;
        }
        if (now_ns() >= deadline)
            return 0; /* the holder is too slow: hash it ourselves */
        nanosleep(&tick, NULL);
    }
}

void tp_nodecache_publish(tp_nodecache_claim *c, const tp_key *signer, const uint8_t sha256[32],
                          const uint8_t *head, size_t head_len)
{
    if (!c->entry[0] || !signer)
        return;
    uint8_t buf[ENTRY_MAX];
    if (head_len > TP_MAGIC_BYTES)
        head_len = TP_MAGIC_BYTES;
    memcpy(buf, MAGIC, MAGIC_LEN);
    memcpy(buf + MAGIC_LEN, sha256, 32);
    buf[MAGIC_LEN + 32] = (uint8_t)head_len;
    memcpy(buf + MAGIC_LEN + 33, head, head_len);
    uint8_t body[SIGNED_MAX];
    size_t body_len = signed_bytes(c->cfg, &c->key, sha256, head, head_len, body);
    tp_cryptogate_enter();
    int signed_ok = tp_key_sign(signer, NODECACHE_TYPE, body, body_len,
                                buf + MAGIC_LEN + 33 + head_len) == 0;
    tp_cryptogate_leave();
    if (!signed_ok) {
        tp_nodecache_release(c);
        return;
    }
    size_t len = MAGIC_LEN + 33 + head_len + TP_SIG_LEN;
    char tmp[PATH_MAX + 32];
    snprintf(tmp, sizeof tmp, "%s.%ld.tmp", c->entry, (long)getpid());
    int fd = tp_real_fd_above_std(
        TP_REAL(open)(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (fd >= 0) {
        ssize_t w = TP_REAL(write)(fd, buf, len);
        TP_REAL(close)(fd);
        if (w != (ssize_t)len || TP_REAL(rename)(tmp, c->entry) != 0)
            unlink(tmp);
    }
    tp_nodecache_release(c);
}

void tp_nodecache_release(tp_nodecache_claim *c)
{
    if (c->lock_fd >= 0) {
        /* explicitly: a child forked meanwhile shares the lock's open file */
        flock(c->lock_fd, LOCK_UN);
        TP_REAL(close)(c->lock_fd);
        c->lock_fd = -1;
    }
}
