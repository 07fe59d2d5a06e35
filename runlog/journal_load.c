/* journal_load.c: turns the journals a run left in RUN.h5.journal/ into a
 * tp_runlog (docs/FORMAT.md section 5), and guards that directory: created
 * 0700 and never followed through a symbolic link, locked by the live run's
 * wrappers. Each `<16 hex>.tpj` file is one stream,
 * its frames walked with the bounded reader of journal.h; the other regular
 * files (the run's lock) and the loggers' per-node digest caches
 * `digests-<host>/` are ignored when loading and removed with the journals;
 * anything else is refused. Records are kept
 * up to the last signed head's tree_size: anything after it was never signed
 * (the process died first) and is only counted. Heads are decoded here only to
 * learn their tree_size; whether they verify is the verifier's job. */
#include "runlog/journal_load.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/journal.h"
#include "core/vocab.h"
#include "core/progress.h"
#include "proto/trainprov.pb-c.h"

#define JOURNAL_MAX_BYTES (64ull << 30) /* refuse journals above 64 GiB */
#define DIGEST_DIR_PREFIX "digests-"   /* logger/worker/nodecache.h TP_NODECACHE_DIR_PREFIX */

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* 1 (err set) when entry name of directory d is neither a regular file nor
 * a digest-cache directory: looked at with lstat, never opened, so a FIFO
 * cannot hang the loader and a symbolic link cannot lead it elsewhere. */
static int entry_refused(DIR *d, const char *dir, const char *name, char *err, size_t errlen)
{
    struct stat st;
    if (!strcmp(name, ".") || !strcmp(name, ".."))
        return 0;
    if (fstatat(dirfd(d), name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno == ENOENT) /* removed while listing (a cache's temporary file) */
            return 0;
        snprintf(err, errlen, "cannot inspect %s/%s: %s", dir, name, strerror(errno));
        return 1;
    }
    if (S_ISREG(st.st_mode) ||
        (S_ISDIR(st.st_mode) && !strncmp(name, DIGEST_DIR_PREFIX, sizeof DIGEST_DIR_PREFIX - 1)))
        return 0;
    snprintf(err, errlen, "%s/%s is %s, not a regular file: a journal directory holds only "
             "journals and digest caches; refusing it (remove %s/%s)", dir, name,
             S_ISLNK(st.st_mode) ? "a symbolic link" : S_ISFIFO(st.st_mode) ? "a FIFO"
             : S_ISSOCK(st.st_mode) ? "a socket" : S_ISDIR(st.st_mode) ? "a directory"
             : "a device", dir, name);
    return 1;
}

/* Lists the stream ids of the journal files in dir, sorted. */
static int list_journals(const char *dir, uint64_t **ids, size_t *n, char *err, size_t errlen)
{
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(err, errlen, "cannot open journal directory %s: %s", dir, strerror(errno));
        return -1;
    }
    size_t cap = 0;
    *ids = NULL;
    *n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        uint64_t id;
        if (entry_refused(d, dir, e->d_name, err, errlen)) {
            closedir(d);
            free(*ids);
            *ids = NULL;
            return -1;
        }
        if (tp_journal_name_parse(e->d_name, &id) != 0)
            continue;
        if (*n == cap) {
            cap = cap ? 2 * cap : 16;
            uint64_t *p = cap > SIZE_MAX / sizeof *p ? NULL : realloc(*ids, cap * sizeof *p);
            if (!p) {
                closedir(d);
                snprintf(err, errlen, "out of memory listing %s", dir);
                return -1;
            }
            *ids = p;
        }
        (*ids)[(*n)++] = id;
    }
    closedir(d);
    if (*n == 0) {
        snprintf(err, errlen, "no journals (<16 hex digits>%s files) in %s", TP_JOURNAL_SUFFIX,
                 dir);
        return -1;
    }
    qsort(*ids, *n, sizeof **ids, cmp_u64);
    return 0;
}

/* Adds a SignedHead frame to s and returns its TreeHead's tree_size.
 * 0; -1 when the head or its body does not decode or the signature is not
 * 64 bytes (the journal is bad from here on); -2 when out of memory. */
static int add_head_frame(tp_stream_data *s, const uint8_t *payload, size_t len,
                          uint64_t *tree_size)
{
    Trainprov__V1__SignedHead *sh = trainprov__v1__signed_head__unpack(NULL, len, payload);
    if (!sh)
        return -1;
    int rc = -1;
    Trainprov__V1__TreeHead *th = NULL;
    if (sh->signature.len == TP_SIG_LEN &&
        (th = trainprov__v1__tree_head__unpack(NULL, sh->body.len, sh->body.data)) != NULL) {
        *tree_size = th->tree_size;
        rc = tp_stream_add_head(s, sh->body.data, sh->body.len, sh->signature.data) == 0 ? 0 : -2;
        trainprov__v1__tree_head__free_unpacked(th, NULL);
    }
    trainprov__v1__signed_head__free_unpacked(sh, NULL);
    return rc;
}

/* Drops the records after the last signed head, counting them. */
static void drop_unsigned(tp_stream_data *s, uint64_t signed_size)
{
    size_t keep = signed_size < s->n_records ? (size_t)signed_size : s->n_records;
    for (size_t i = keep; i < s->n_records; i++)
        free(s->records[i].data);
    s->dropped_unsigned = s->n_records - keep;
    s->n_records = keep;
}

/* Fills the root attributes from record 0 of s when it is a RunStart. Called
 * before unsigned records are dropped, so that a log recovered from streams
 * that never signed a head still says which run it was. */
static void root_attributes(tp_runlog *log, const tp_stream_data *s)
{
    Trainprov__V1__Record *rec =
        s->n_records ? trainprov__v1__record__unpack(NULL, s->records[0].len, s->records[0].data)
                     : NULL;
    if (!rec)
        return;
    if (rec->body_case == TRAINPROV__V1__RECORD__BODY_RUN_START) {
        const Trainprov__V1__RunStart *rs = rec->run_start;
        if ((log->has_run_id = rec->run_id.len == TP_RUN_ID_LEN))
            memcpy(log->run_id, rec->run_id.data, TP_RUN_ID_LEN);
        if ((log->has_key_id = rs->key_id.len == TP_KEY_ID_LEN))
            memcpy(log->key_id, rs->key_id.data, TP_KEY_ID_LEN);
        snprintf(log->library_version, sizeof log->library_version, "%s",
                 rs->library_version ? rs->library_version : "");
    }
    trainprov__v1__record__free_unpacked(rec, NULL);
}

/* 1 (err set) when record 0 of s names another run id, or its RunStart
 * another signing key, than the log's root attributes: journals of two runs
 * are never assembled into one log. */
static int other_run(const tp_runlog *log, const tp_stream_data *s, const char *path,
                     char *err, size_t errlen)
{
    Trainprov__V1__Record *rec =
        s->n_records ? trainprov__v1__record__unpack(NULL, s->records[0].len, s->records[0].data)
                     : NULL;
    if (!rec)
        return 0;
    const char *what = NULL;
    if (rec->run_id.len != TP_RUN_ID_LEN || memcmp(rec->run_id.data, log->run_id, TP_RUN_ID_LEN))
        what = "run id";
    else if (rec->body_case == TRAINPROV__V1__RECORD__BODY_RUN_START && log->has_key_id &&
             (rec->run_start->key_id.len != TP_KEY_ID_LEN ||
              memcmp(rec->run_start->key_id.data, log->key_id, TP_KEY_ID_LEN)))
        what = "signing key";
    trainprov__v1__record__free_unpacked(rec, NULL);
    if (what)
        snprintf(err, errlen, "journal %s has another %s than the run's other journals: it "
                 "belongs to another run; refusing to mix runs (move it away)", path, what);
    return what != NULL;
}

/* Walks one journal's frames into s, takes the root attributes from it if no
 * earlier stream gave them, then drops the unsigned tail. A torn or bad
 * journal is not an error (journal_status says how it ended); lack of memory is. */
static int walk_frames(const char *path, const uint8_t *data, size_t len, tp_runlog *log,
                       tp_stream_data *s, char *err, size_t errlen)
{
    tp_journal_reader r;
    int st = tp_journal_reader_init(&r, data, len);
    uint64_t signed_size = 0;
    while (st == TP_JOURNAL_FRAME) {
        enum tp_frame_kind kind;
        const uint8_t *payload;
        uint32_t n;
        st = tp_journal_next(&r, &kind, &payload, &n);
        if (st != TP_JOURNAL_FRAME)
            break;
        int rc = kind == TP_FRAME_RECORD ? tp_stream_add_record(s, payload, n) == 0 ? 0 : -2
                                         : add_head_frame(s, payload, n, &signed_size);
        if (rc == -2) {
            snprintf(err, errlen, "out of memory reading journal %s", path);
            return -1;
        }
        if (rc == -1)
            st = TP_JOURNAL_BAD;
    }
    strcpy(s->journal_status, tp_jstatus_name(st == TP_JOURNAL_END    ? TP_JSTATUS_COMPLETE
                                                     : st == TP_JOURNAL_TORN ? TP_JSTATUS_TORN
                                                                             : TP_JSTATUS_BAD));
    if (!log->has_run_id)
        root_attributes(log, s);
    else if (other_run(log, s, path, err, errlen))
        return -1;
    drop_unsigned(s, signed_size);
    return 0;
}

/* Maps the journal of stream id in dir and loads it into a new stream of out. */
static int load_journal(const char *dir, uint64_t id, tp_runlog *out, char *err, size_t errlen)
{
    char path[4096];
    if (tp_journal_path(path, sizeof path, dir, id) != 0) {
        snprintf(err, errlen, "journal directory path too long: %s", dir);
        return -1;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        snprintf(err, errlen, "cannot read journal %s: %s", path,
                 errno == ELOOP ? "it is a symbolic link (refused)" : strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > JOURNAL_MAX_BYTES) {
        snprintf(err, errlen, "journal %s is %s", path,
                 S_ISREG(st.st_mode) ? "larger than 64 GiB, refusing to load it"
                                     : "not a regular file");
        close(fd);
        return -1;
    }
    size_t len = (size_t)st.st_size;
    void *map = NULL;
    if (len > 0 && (map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0)) == MAP_FAILED) {
        snprintf(err, errlen, "cannot map journal %s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    close(fd);
    tp_stream_data *s = tp_runlog_add_stream(out, id);
    int rc = -1;
    if (!s)
        snprintf(err, errlen, "out of memory reading journal %s", path);
    else
        rc = walk_frames(path, map, len, out, s, err, errlen);
    if (map)
        munmap(map, len);
    return rc;
}

int tp_journal_load_dir(const char *dir, tp_runlog *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    uint64_t *ids;
    size_t n;
    if (list_journals(dir, &ids, &n, err, errlen) != 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (load_journal(dir, ids[i], out, err, errlen) != 0) {
            free(ids);
            tp_runlog_free(out);
            return -1;
        }
        tp_progress_report("reading journals", TP_PROGRESS_ITEMS, i + 1, n);
    }
    free(ids);
    return 0;
}

/* Removes one "digests-<host>" directory of the logger's per-node digest
 * cache (logger/worker/nodecache.c) and its entries, locks and temporary files;
 * 0 or an errno. */
static int remove_digest_dir(int parent, const char *name)
{
    int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        int err = errno;
        if (fd >= 0)
            close(fd);
        return err;
    }
    int saved = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
            unlinkat(dirfd(d), e->d_name, 0) != 0)
            saved = errno;
    closedir(d);
    return unlinkat(parent, name, AT_REMOVEDIR) != 0 ? errno : saved;
}

static int loaded(const tp_runlog *log, uint64_t id)
{
    for (size_t i = 0; i < log->n_streams; i++)
        if (log->streams[i].stream_id == id)
            return 1;
    return 0;
}

int tp_journal_remove_dir(const char *dir, const tp_runlog *log)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int saved = 0, kept = 0;
    struct dirent *e;
    uint64_t id;
    while ((e = readdir(d)) != NULL) {
        int err = 0;
        if (tp_journal_name_parse(e->d_name, &id) == 0) {
            if (loaded(log, id))
                err = unlinkat(dirfd(d), e->d_name, 0) != 0 ? errno : 0;
            else
                kept = 1;
        } else if (strncmp(e->d_name, DIGEST_DIR_PREFIX, sizeof DIGEST_DIR_PREFIX - 1) == 0) {
            err = remove_digest_dir(dirfd(d), e->d_name);
        }
        if (err)
            saved = err;
    }
    /* a journal left behind keeps its directory and lock for a later recover */
    if (!kept)
        unlinkat(dirfd(d), TP_JOURNAL_LOCK_NAME, 0);
    closedir(d);
    if (rmdir(dir) != 0)
        return -1; /* errno says why, e.g. other files left in it */
    errno = saved;
    return saved ? -1 : 0;
}

int tp_journal_remove_empty_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    struct dirent *e;
    int other = 0;
    while ((e = readdir(d)) != NULL)
        other |= strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
                 strcmp(e->d_name, TP_JOURNAL_LOCK_NAME);
    if (!other)
        unlinkat(dirfd(d), TP_JOURNAL_LOCK_NAME, 0);
    closedir(d);
    return !other && rmdir(dir) == 0 ? 0 : -1;
}

int tp_journal_dir_open(const char *dir, enum tp_journal_dir_open how, char *err,
                        size_t errlen)
{
    struct stat st;
    if (how != TP_JDIR_EXISTING && mkdir(dir, 0700) != 0 &&
        (errno != EEXIST || how == TP_JDIR_NEW)) {
        snprintf(err, errlen, "cannot create the journal directory %s: %s", dir, strerror(errno));
        return -1;
    }
    if (lstat(dir, &st) != 0) {
        snprintf(err, errlen, "cannot open the journal directory %s: %s", dir, strerror(errno));
        return -1;
    }
    if (S_ISLNK(st.st_mode) || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "the journal directory %s is %s: refusing to follow it (remove "
                 "it)", dir, S_ISLNK(st.st_mode) ? "a symbolic link" : "not a directory");
        return -1;
    }
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) != 0) {
        snprintf(err, errlen, "cannot open the journal directory %s: %s", dir,
                 errno == ELOOP ? "it became a symbolic link" : strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    const char *bad = st.st_uid != geteuid() ? "belongs to another user"
                      : (st.st_mode & 077) ? "is open to group or others (trainprov makes it 0700)"
                                           : NULL;
    if (bad) {
        snprintf(err, errlen, "the journal directory %s %s (uid %u, mode %04o): not made by "
                 "trainprov for this user; refusing it (remove it)", dir, bad,
                 (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
        close(fd);
        return -1;
    }
    return fd;
}

int tp_journal_lock(int dirfd, const char *dir, int exclusive, char *err, size_t errlen)
{
    int fd = openat(dirfd, TP_JOURNAL_LOCK_NAME,
                    O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        int e = fd < 0 ? errno : EINVAL;
        snprintf(err, errlen, "cannot open the lock %s/%s: %s", dir, TP_JOURNAL_LOCK_NAME,
                 e == ELOOP ? "it is a symbolic link" : e == EINVAL ? "not a regular file"
                                                          : strerror(e));
        if (fd >= 0)
            close(fd);
        errno = e;
        return -1;
    }
    while (flock(fd, (exclusive ? LOCK_EX | LOCK_NB : LOCK_SH)) != 0) {
        if (errno == EINTR)
            continue;
        int e = errno;
        if (e == EWOULDBLOCK)
            snprintf(err, errlen, "the run is still running: a live `trainprov run` holds "
                     "%s/%s; wait for it to finish (it writes the log itself)", dir,
                     TP_JOURNAL_LOCK_NAME);
        else
            snprintf(err, errlen, "cannot lock %s/%s: %s", dir, TP_JOURNAL_LOCK_NAME,
                     strerror(e));
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}
