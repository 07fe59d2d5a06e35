/* filerec.c: FileEvent records (see filerec.h). Read files are hashed when
 * opened, written files when closed; either way through the digest caches, so
 * a (device, inode, size, mtime) is hashed once per process tree (hashcache.c)
 * and, for files of TP_NODECACHE_MIN_BYTES or more, once per node for the
 * whole run (nodecache.c). */
#define _GNU_SOURCE
#include "logger/worker/filerec.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "logger/classify.h"
#include "logger/worker/hashcache.h"
#include "core/hashfile.h"
#include "logger/worker/nodecache.h"
#include "logger/job/real.h"
#include "logger/job/roles.h"
#include "logger/worker/sniff.h"

#define WRITTEN_RING 1024

/* Bytes this process's stream hashed itself (StreamEnd.bytes_hashed). */
static uint64_t bytes_hashed;

/* Paths this stream wrote, with their roles, so a later rename keeps the role. */
static struct {
    char *path;
    enum tp_role role;
} written[WRITTEN_RING];
static size_t written_next;

static void remember_written(const char *path, enum tp_role role)
{
    size_t i = written_next++ % WRITTEN_RING;
    free(written[i].path);
    written[i].path = strdup(path);
    written[i].role = role;
}

static enum tp_role written_role(const char *path)
{
    for (size_t i = 0; i < WRITTEN_RING; i++)
        if (written[i].path && strcmp(written[i].path, path) == 0)
            return written[i].role;
    return TP_ROLE_NONE;
}

/* A duplicate of a write-only descriptor cannot be read: reopen the same
 * inode for reading through /proc, which also survives rename and unlink. */
static int readable_fd(int fd)
{
    int mode = fcntl(fd, F_GETFL);
    if (mode < 0 || (mode & O_ACCMODE) != O_WRONLY)
        return fd;
    char link[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    int rfd = tp_real_fd_above_std(TP_REAL(open)(link, O_RDONLY | O_CLOEXEC));
    TP_REAL(close)(fd);
    return rfd;
}

/* Hashes the file's content as (device, inode, size, mtime) says it is now,
 * or takes the digest from a cache; the node cache is published to only when
 * the file did not change while we hashed it. */
static void hash_file(const tp_config *cfg, tp_file *f, int fd)
{
    fd = fd < 0 ? tp_real_fd_above_std(TP_REAL(open)(f->path, O_RDONLY | O_CLOEXEC))
                : readable_fd(fd);
    if (fd < 0) {
        f->hashed = 0;
        f->hash_errno = errno;
        return;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        f->hashed = 0;
        f->hash_errno = errno;
        TP_REAL(close)(fd);
        return;
    }
    tp_file_key key = {st.st_dev, st.st_ino, (uint64_t)st.st_size,
                       (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec};
    f->hashed_size = key.size;
    f->hashed_mtime_ns = key.mtime_ns;
    uint8_t head[TP_MAGIC_BYTES];
    size_t head_len = 0;
    tp_nodecache_claim claim;
    if (tp_hashcache_get(&key, f->sha256, &f->format)) {
        f->hashed = 1;
    } else if (tp_nodecache_lookup(cfg, &key, f->sha256, head, sizeof head, &head_len, &claim)) {
        f->hashed = 1;
        f->format = tp_sniff_format(fd, key.size, TP_REAL(pread), 1);
        tp_hashcache_put(&key, f->sha256, f->format);
    } else {
        uint64_t size = 0;
        int rc = tp_sha256_fd(fd, TP_REAL(pread), f->sha256, &size, head, sizeof head, &head_len);
        bytes_hashed += size;
        f->hashed = rc == 0;
        f->hash_errno = -rc;
        struct stat after;
        int unchanged = rc == 0 && size == key.size && fstat(fd, &after) == 0 &&
                        (uint64_t)after.st_size == key.size &&
                        (int64_t)after.st_mtim.tv_sec * 1000000000 + after.st_mtim.tv_nsec ==
                            key.mtime_ns;
        if (rc == 0) {
            f->format = tp_sniff_format(fd, size, TP_REAL(pread), 1);
            f->hashed_size = size;
        }
        /* cache only when the file did not change while we hashed it */
        if (unchanged) {
            tp_hashcache_put(&key, f->sha256, f->format);
            tp_nodecache_publish(&claim, f->sha256, head, head_len);
        } else {
            tp_nodecache_release(&claim);
        }
    }
    TP_REAL(close)(fd);
}

void tp_filerec_opened(tp_stream *s, tp_file *f, int hash_fd)
{
    hash_file(s->cfg, f, hash_fd);
}

uint64_t tp_filerec_bytes_hashed(void) { return bytes_hashed; }

void tp_filerec_atfork_child(void) { bytes_hashed = 0; }

static void write_file_record(tp_stream *s, const char *path, const tp_file *f, enum tp_role role,
                              enum tp_role declared, const char *access, const char *renamed_from,
                              int64_t time_ns)
{
    Trainprov__V1__FileEvent fe = TRAINPROV__V1__FILE_EVENT__INIT;
    fe.path = (char *)path;
    fe.role = (char *)tp_role_name(role);
    fe.declared_role = (char *)(declared == TP_ROLE_NONE ? "" : tp_role_name(declared));
    fe.device = (uint64_t)f->dev;
    fe.inode = (uint64_t)f->ino;
    fe.size = f->hashed_size;
    fe.mtime_ns = f->hashed_mtime_ns;
    if (f->hashed) {
        fe.sha256.data = (uint8_t *)f->sha256;
        fe.sha256.len = 32;
    } else {
        fe.hash_error = strerror(f->hash_errno ? f->hash_errno : EIO);
    }
    fe.bytes_read = atomic_load(&f->bytes_read);
    fe.bytes_written = atomic_load(&f->bytes_written);
    fe.first_access_ns = atomic_load(&f->first_access_ns);
    fe.last_access_ns = time_ns;
    fe.access = (char *)access;
    fe.format = (char *)(f->format ? f->format : "");
    fe.renamed_from = (char *)(renamed_from ? renamed_from : "");
    fe.mapped = atomic_load(&f->mapped) != 0;
    Trainprov__V1__Record rec = TRAINPROV__V1__RECORD__INIT;
    rec.time_ns = time_ns;
    rec.body_case = TRAINPROV__V1__RECORD__BODY_FILE;
    rec.file = &fe;
    tp_stream_append(s, &rec);
}

void tp_filerec_closed(tp_stream *s, tp_file *f, int hash_fd, int64_t time_ns)
{
    int wrote = atomic_load(&f->bytes_written) > 0 || atomic_load(&f->written_via_map) ||
                (f->opened_for_write && f->truncated);
    if (!wrote && !f->opened_for_read) {
        /* a write-only descriptor nothing was written to: no session to record */
        if (hash_fd >= 0)
            TP_REAL(close)(hash_fd);
        return;
    }
    enum tp_role api_role = tp_roles_lookup(f->path), role;
    const char *access;
    if (wrote) {
        hash_file(s->cfg, f, hash_fd);
        role = tp_classify_written(s->cfg, f->path, f->format, api_role);
        access = tp_access_name(atomic_load(&f->bytes_read) > 0 ? TP_ACCESS_READWRITE : TP_ACCESS_WRITE);
        remember_written(f->path, role);
    } else {
        if (!f->hashed)
            hash_file(s->cfg, f, hash_fd);
        else if (hash_fd >= 0)
            TP_REAL(close)(hash_fd);
        role = tp_classify_read(s->cfg, f->path, f->format, api_role);
        access = tp_access_name(TP_ACCESS_READ);
    }
    write_file_record(s, f->path, f, role, tp_classify_declared(s->cfg, f->path, api_role),
                      access, NULL, time_ns);
}

void tp_filerec_renamed(tp_stream *s, const char *old_path, const char *new_path,
                        int64_t time_ns)
{
    enum tp_role role = written_role(old_path);
    tp_file probe;
    memset(&probe, 0, sizeof probe);
    snprintf(probe.path, sizeof probe.path, "%s", new_path);
    if (role == TP_ROLE_NONE) {
        /* not written by this stream: only a declared checkpoint is worth a record */
        if (tp_classify_written(s->cfg, new_path, NULL, TP_ROLE_NONE) != TP_ROLE_CHECKPOINT)
            return;
    }
    hash_file(s->cfg, &probe, -1);
    struct stat st;
    if (stat(new_path, &st) == 0) {
        probe.dev = st.st_dev;
        probe.ino = st.st_ino;
    }
    if (role == TP_ROLE_NONE || tp_classify_format_certain(probe.format))
        role = tp_classify_written(s->cfg, new_path, probe.format, role);
    remember_written(new_path, role);
    write_file_record(s, new_path, &probe, role, tp_classify_declared(s->cfg, new_path, TP_ROLE_NONE),
                      tp_access_name(TP_ACCESS_RENAME), old_path, time_ns);
}
