/* filerec.c: FileEvent records (see filerec.h). Read files are hashed when
 * opened, written files when closed; either way through the digest caches, so
 * an identity (device, inode, size, mtime, ctime) is hashed once per process
 * tree (hashcache.c) and, for files of TP_NODECACHE_MIN_BYTES or more, once
 * per node for the whole run (nodecache.c).
 *
 * A digest belongs to the identity the job left: the one taken at open for a
 * read, at close for a write. The file is stat'ed before and after hashing;
 * when another writer changed it in between, the record says so (changed,
 * no sha256): what the job read, or what it wrote, is then unknown. The
 * job's own rename moves ctime too; ownfiles.h tells that apart.
 *
 * Authorship (docs/FORMAT.md section 1): a written file is the run's only
 * when the session started from nothing or from the process's own content
 * (tp_file.fresh, decided at open on the job's thread). A read-write session
 * on content found there is a read of that content, hashed at open (prior). */
#define _GNU_SOURCE
#include "logger/worker/filerec.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/hashfile.h"
#include "logger/classify.h"
#include "logger/job/ownfiles.h"
#include "logger/job/real.h"
#include "logger/job/roles.h"
#include "logger/worker/coalesce.h"
#include "logger/worker/hashcache.h"
#include "logger/worker/nodecache.h"
#include "logger/worker/sniff.h"

#define WRITTEN_RING 1024
#define CHANGED_ERROR "changed by another writer before it was hashed"
#define RECORDER_ERROR "trainprov's own file: not hashed"

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

static void test_delay(const tp_config *cfg)
{
    if (!cfg->test_hash_delay_ms)
        return;
    struct timespec t = {(time_t)(cfg->test_hash_delay_ms / 1000),
                         (long)(cfg->test_hash_delay_ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

/* Hashes the content of the identity `expect` (NULL: whatever the file is
 * now) into d, from fd (a duplicate of the job's descriptor, closed here) or,
 * when -1, by path; or takes the digest from a cache. own_gen: the ownfiles
 * generation the job gave this content at close (its own renames keep it). */
static void hash_into(tp_stream *s, const char *path, int fd, const tp_file_key *expect,
                      uint64_t own_gen, tp_digest *d)
{
    memset(d, 0, sizeof *d);
    if (expect && tp_hashcache_get(expect, d->sha256, &d->format)) {
        /* this exact content was hashed already: whatever happened since */
        d->hashed = 1;
        d->key = *expect;
        if (fd >= 0)
            TP_REAL(close)(fd);
        return;
    }
    fd = fd < 0 ? tp_real_fd_above_std(TP_REAL(open)(path, O_RDONLY | O_CLOEXEC))
                : readable_fd(fd);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        d->hash_errno = errno;
        if (fd >= 0)
            TP_REAL(close)(fd);
        return;
    }
    tp_file_key key = tp_file_key_of(&st);
    d->key = key;
    if (expect && !tp_file_key_same(&key, expect) && !tp_ownfiles_still(own_gen, &key)) {
        d->changed = 1;
        TP_REAL(close)(fd);
        return;
    }
    /* tests: the identity is taken, the bytes not read yet; whatever the job
     * (or another writer) does to the file now happens while it is hashed */
    test_delay(s->cfg);
    uint8_t head[TP_MAGIC_BYTES];
    size_t head_len = 0;
    tp_nodecache_claim claim;
    if (tp_hashcache_get(&key, d->sha256, &d->format)) {
        d->hashed = 1;
    } else if (tp_nodecache_lookup(s->cfg, s->key, &key, d->sha256, head, sizeof head, &head_len,
                                   &claim)) {
        d->hashed = 1;
        d->format = tp_sniff_format(fd, key.size, TP_REAL(pread), 1);
        tp_hashcache_put(&key, d->sha256, d->format);
    } else {
        uint64_t size = 0;
        int rc = tp_sha256_fd(fd, TP_REAL(pread), d->sha256, &size, head, sizeof head, &head_len);
        bytes_hashed += size;
        struct stat after;
        tp_file_key now = key;
        if (fstat(fd, &after) == 0)
            now = tp_file_key_of(&after);
        else
            now.ctime_ns = -1;
        if (rc != 0) {
            d->hash_errno = -rc;
            tp_nodecache_release(&claim);
        } else if (size != key.size ||
                   (!tp_file_key_same(&now, &key) && !tp_ownfiles_still(own_gen, &now))) {
            /* it changed while we hashed it: the digest is of no one content
             * (the job's own rename or unlink meanwhile moved ctime only) */
            d->changed = 1;
            tp_nodecache_release(&claim);
        } else {
            d->hashed = 1;
            d->format = tp_sniff_format(fd, size, TP_REAL(pread), 1);
            tp_hashcache_put(&key, d->sha256, d->format);
            /* the job's own renames or deletes moved ctime since it closed
             * the file (before or while it was hashed): the same content
             * under the identities it left, for the records of those renames
             * and deletes */
            if (expect && !tp_file_key_same(&key, expect))
                tp_hashcache_put(expect, d->sha256, d->format);
            if (!tp_file_key_same(&now, &key))
                tp_hashcache_put(&now, d->sha256, d->format);
            tp_nodecache_publish(&claim, s->key, d->sha256, head, head_len);
        }
    }
    TP_REAL(close)(fd);
}

void tp_filerec_opened(tp_stream *s, tp_file *f, int hash_fd)
{
    hash_into(s, f->path, hash_fd, &f->opened_id, 0, f->has_prior ? &f->prior : &f->content);
}

uint64_t tp_filerec_bytes_hashed(void) { return bytes_hashed; }

void tp_filerec_atfork_child(void) { bytes_hashed = 0; }

static void set_digest(const tp_digest *d, ProtobufCBinaryData *sha, char **error)
{
    if (d->hashed) {
        sha->data = (uint8_t *)d->sha256;
        sha->len = 32;
    } else {
        *error = d->changed ? (char *)CHANGED_ERROR
                            : strerror(d->hash_errno ? d->hash_errno : EIO);
    }
}

/* coalesce: a read session, which a repeat of an earlier one's record
 * (coalesce.h) only adds to a sum. */
static void write_file_record(tp_stream *s, const char *path, const tp_file *f, enum tp_role role,
                              enum tp_role declared, const char *access, const char *renamed_from,
                              int authored, int64_t time_ns, int coalesce,
                              const char *renamed_dir)
{
    Trainprov__V1__FileEvent fe = TRAINPROV__V1__FILE_EVENT__INIT;
    const tp_digest *d = &f->content;
    fe.path = (char *)path;
    fe.role = (char *)tp_role_name(role);
    fe.declared_role = (char *)(declared == TP_ROLE_NONE ? "" : tp_role_name(declared));
    fe.device = (uint64_t)f->dev;
    fe.inode = (uint64_t)f->ino;
    fe.size = d->key.size;
    fe.mtime_ns = d->key.mtime_ns;
    fe.ctime_ns = d->key.ctime_ns;
    if (f->recorder)
        fe.hash_error = (char *)RECORDER_ERROR;
    else
        set_digest(d, &fe.sha256, &fe.hash_error);
    fe.changed = d->changed != 0;
    fe.bytes_read = atomic_load(&f->bytes_read);
    fe.bytes_written = atomic_load(&f->bytes_written);
    fe.first_access_ns = atomic_load(&f->first_access_ns);
    fe.last_access_ns = time_ns;
    fe.access = (char *)access;
    fe.format = (char *)(d->format ? d->format : "");
    fe.renamed_from = (char *)(renamed_from ? renamed_from : "");
    fe.renamed_dir = (char *)(renamed_dir ? renamed_dir : "");
    fe.mapped = atomic_load(&f->mapped) != 0;
    fe.bytes_mapped = atomic_load(&f->bytes_mapped);
    fe.authored = authored != 0;
    fe.recorder_file = f->recorder != 0;
    if (f->has_prior) {
        set_digest(&f->prior, &fe.prior_sha256, &fe.prior_hash_error);
        fe.prior_size = f->prior.key.size;
        fe.prior_format = (char *)(f->prior.format ? f->prior.format : "");
    }
    if (coalesce && tp_coalesce_read(s, &fe, time_ns))
        return;
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
    if (!wrote && !f->opened_for_read && !f->recorder) {
        /* a write-only descriptor nothing was written to: no session to record */
        if (hash_fd >= 0)
            TP_REAL(close)(hash_fd);
        return;
    }
    enum tp_role api_role = tp_roles_lookup(f->path), role; /* declared through the API */
    const tp_file_key *closed = f->closed_id_ok ? &f->closed_id : NULL;
    const char *access;
    int authored = 0;
    if (f->recorder) {
        /* the job touched the run's key or journals: recorded, never hashed */
        if (hash_fd >= 0)
            TP_REAL(close)(hash_fd);
        role = api_role != TP_ROLE_NONE ? api_role : TP_ROLE_OTHER;
        access = tp_access_name(wrote ? TP_ACCESS_WRITE : TP_ACCESS_READ);
    } else if (wrote) {
        hash_into(s, f->path, hash_fd, closed, f->own_gen, &f->content);
        authored = f->fresh;
        const char *found = f->prior.format ? f->prior.format : f->content.format;
        role = f->has_prior ? tp_classify_read(s->cfg, f->path, found, api_role)
                            : tp_classify_written(s->cfg, f->path, f->content.format, api_role);
        access = tp_access_name(atomic_load(&f->bytes_read) > 0 ? TP_ACCESS_READWRITE : TP_ACCESS_WRITE);
        remember_written(f->path, role);
    } else {
        /* not hashed at open (no event, an error, or a forked child that
         * copied the parent's file mid-hash): hash it now */
        if (!f->content.hashed && !f->content.changed)
            hash_into(s, f->path, hash_fd, &f->opened_id, 0, &f->content);
        else if (hash_fd >= 0)
            TP_REAL(close)(hash_fd);
        /* the job read until close: if the file changed meanwhile, what it read is unknown */
        if (closed && f->content.hashed && !tp_file_key_same(closed, &f->opened_id)) {
            f->content.hashed = 0;
            f->content.changed = 1;
        }
        authored = f->fresh; /* it read content this process produced */
        role = tp_classify_read(s->cfg, f->path, f->content.format, api_role);
        access = tp_access_name(TP_ACCESS_READ);
    }
    write_file_record(s, f->path, f, role, tp_classify_declared(s->cfg, f->path, api_role), access,
                      NULL, authored, time_ns, !wrote && !f->recorder, NULL);
}

/* The weights format of path's content (logger/content.c), or NULL. */
static const char *peek_format(const char *path)
{
    struct stat st;
    int fd = tp_real_fd_above_std(TP_REAL(open)(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK));
    if (fd < 0)
        return NULL;
    const char *format = fstat(fd, &st) == 0 && S_ISREG(st.st_mode)
                             ? tp_sniff_format(fd, (uint64_t)st.st_size, TP_REAL(pread), 1)
                             : NULL;
    TP_REAL(close)(fd);
    return format;
}

/* before: the identity of the process's own content before the rename
 * (NULL: not the run's content); renamed_dir: the directory whose rename
 * moved the file, or NULL */
static void renamed(tp_stream *s, const char *old_path, const char *new_path,
                    const tp_file_key *before, const tp_file_key *after, int64_t time_ns,
                    const char *renamed_dir)
{
    int authored = before != NULL;
    enum tp_role role = written_role(old_path);
    if (role == TP_ROLE_NONE && !authored &&
        tp_classify_read(s->cfg, new_path, peek_format(new_path), TP_ROLE_NONE) != TP_ROLE_WEIGHTS)
        return; /* neither the run's nor weights: nothing any claim asks about */
    tp_file probe;
    memset(&probe, 0, sizeof probe);
    snprintf(probe.path, sizeof probe.path, "%s", new_path);
    tp_digest *d = &probe.content;
    if (before && after && tp_hashcache_get(before, d->sha256, &d->format)) {
        /* its own content, hashed at its close: the rename moved ctime only
         * (and the job may have deleted it since) */
        d->hashed = 1;
        d->key = *after;
    } else {
        hash_into(s, new_path, -1, after, 0, d);
    }
    probe.dev = d->key.dev;
    probe.ino = d->key.ino;
    /* the role it was written with, unless its content says weights */
    if (role == TP_ROLE_NONE || tp_classify_format_certain(d->format))
        role = authored ? tp_classify_written(s->cfg, new_path, d->format, role)
                        : tp_classify_read(s->cfg, new_path, d->format, role);
    if (authored)
        remember_written(new_path, role);
    /* a rename of content the run did not produce is a read of it */
    write_file_record(s, new_path, &probe, role, tp_classify_declared(s->cfg, new_path, TP_ROLE_NONE),
                      tp_access_name(TP_ACCESS_RENAME), old_path, authored, time_ns, 0,
                      renamed_dir);
}

void tp_filerec_renamed(tp_stream *s, const char *old_path, const char *new_path,
                        const tp_file_key *authored, const tp_file_key *after, int64_t time_ns)
{
    renamed(s, old_path, new_path, authored, after, time_ns, NULL);
}

/* ---- a directory renamed into place ---- */

#define DIR_RENAME_MAX_FILES 10000
#define DIR_RENAME_MAX_DEPTH 16

typedef struct {
    tp_stream *s;
    const char *new_dir;
    int64_t time_ns;
    size_t files;
    char new_path[PATH_MAX], old_path[PATH_MAX]; /* extended in place as the walk descends */
} dir_walk;

/* Records the regular files under dfd (closed here), whose paths are
 * w->new_path[0..new_len) now and w->old_path[0..old_len) before the
 * rename. Every descriptor is moved above the standard numbers, as all of
 * the worker's (opendir or nftw would take the lowest free number, which a
 * job that closed stdin may be about to get from its own open). */
static void walk_renamed(dir_walk *w, int dfd, size_t new_len, size_t old_len, int depth)
{
    DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
    if (!d) {
        if (dfd >= 0)
            TP_REAL(close)(dfd);
        return;
    }
    struct dirent *e;
    while (w->files < DIR_RENAME_MAX_FILES && (e = readdir(d))) {
        size_t n = strlen(e->d_name);
        struct stat st;
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") || new_len + 1 + n >= PATH_MAX ||
            old_len + 1 + n >= PATH_MAX ||
            fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
            continue;
        w->new_path[new_len] = w->old_path[old_len] = '/';
        memcpy(w->new_path + new_len + 1, e->d_name, n + 1);
        memcpy(w->old_path + old_len + 1, e->d_name, n + 1);
        if (S_ISREG(st.st_mode)) {
            /* the files keep their identities: the process's own content stays its own */
            tp_file_key key = tp_file_key_of(&st);
            w->files++;
            renamed(w->s, w->old_path, w->new_path, tp_ownfiles_match(&key) ? &key : NULL, &key,
                    w->time_ns, w->new_dir);
        } else if (S_ISDIR(st.st_mode) && depth + 1 < DIR_RENAME_MAX_DEPTH) {
            int sub = tp_real_fd_above_std(TP_REAL(openat)(
                dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
            walk_renamed(w, sub, new_len + 1 + n, old_len + 1 + n, depth + 1);
        }
        w->new_path[new_len] = w->old_path[old_len] = '\0';
    }
    closedir(d);
}

void tp_filerec_renamed_dir(tp_stream *s, const char *old_dir, const char *new_dir,
                            int64_t time_ns)
{
    dir_walk *w = calloc(1, sizeof *w);
    size_t new_len = strlen(new_dir), old_len = strlen(old_dir);
    if (!w || new_len >= PATH_MAX || old_len >= PATH_MAX) {
        free(w);
        return;
    }
    w->s = s;
    w->new_dir = new_dir;
    w->time_ns = time_ns;
    memcpy(w->new_path, new_dir, new_len + 1);
    memcpy(w->old_path, old_dir, old_len + 1);
    walk_renamed(w, tp_real_fd_above_std(TP_REAL(open)(new_dir, O_RDONLY | O_DIRECTORY |
                                                                O_NOFOLLOW | O_CLOEXEC)),
                 new_len, old_len, 0);
    free(w);
}

/* ---- a file the process produced, deleted ---- */

void tp_filerec_deleted(tp_stream *s, const char *path, const tp_file_key *key,
                        const tp_file_key *after, int64_t time_ns)
{
    tp_file probe;
    memset(&probe, 0, sizeof probe);
    snprintf(probe.path, sizeof probe.path, "%s", path);
    probe.dev = key->dev;
    probe.ino = key->ino;
    tp_digest *d = &probe.content;
    d->key = *key;
    /* its content was hashed when the job closed it: the digest is cached
     * (else "No such file or directory": deleted before it was hashed) */
    if (tp_hashcache_get(key, d->sha256, &d->format) ||
        tp_hashcache_get(after, d->sha256, &d->format)) /* hashed after the unlink */
        d->hashed = 1;
    else
        d->hash_errno = ENOENT;
    enum tp_role role = written_role(path);
    if (role == TP_ROLE_NONE || tp_classify_format_certain(d->format))
        role = tp_classify_written(s->cfg, path, d->format, role);
    write_file_record(s, path, &probe, role, tp_classify_declared(s->cfg, path, TP_ROLE_NONE),
                      tp_access_name(TP_ACCESS_DELETE), NULL, 1, time_ns, 0, NULL);
}
