/* coalesce.c: repeated read sessions on one identity summed into one record
 * (see coalesce.h). A fixed-size table, allocated at the first read, of
 * TP_COALESCE_SLOTS entries found by hashing (device, inode) and probing
 * TP_COALESCE_PROBE slots; when all of them hold other files the least
 * recently used one is written out (if it has a sum) and replaced. So
 * memory is bounded whatever the job reads, and a job reading more distinct
 * files than the table holds, round-robin, gets at worst one record per
 * session, as without coalescing. */
#define _GNU_SOURCE
#include "logger/worker/coalesce.h"

#include <stdlib.h>
#include <string.h>

#include "core/vocab.h"

#define TP_COALESCE_SLOTS 4096
#define TP_COALESCE_PROBE 8
#define FLUSH_NS ((int64_t)TP_COALESCE_FLUSH_S * 1000000000)

typedef struct {
    int used;
    uint64_t last_use;
    /* every field of the record but the summed ones: sessions are summed only
     * when these are equal (same path, identity, digest, role, authorship) */
    char *path, *role, *declared_role, *format, *hash_error;
    uint64_t device, inode, size;
    int64_t mtime_ns, ctime_ns;
    uint8_t sha256[32];
    size_t sha256_len;
    int changed, authored;
    /* the sessions since this file's last record */
    uint64_t sessions, bytes_read, bytes_mapped;
    int64_t first_access_ns, last_access_ns, due_ns;
    int mapped;
} entry;

static entry *table;
static uint64_t uses;
static size_t pending;         /* entries with sessions > 0 */
static int64_t earliest_due;   /* no pending sum is due before this */

static uint64_t slot_of(uint64_t dev, uint64_t ino)
{
    uint64_t h = (dev * 0x9e3779b97f4a7c15ull) ^ (ino + 0x632be59bd9b4e019ull);
    h ^= h >> 31;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 29;
    return h % TP_COALESCE_SLOTS;
}

static int same_str(const char *a, const char *b) { return strcmp(a ? a : "", b ? b : "") == 0; }

static int same_record(const entry *e, const Trainprov__V1__FileEvent *fe)
{
    return e->device == fe->device && e->inode == fe->inode && e->size == fe->size &&
           e->mtime_ns == fe->mtime_ns && e->ctime_ns == fe->ctime_ns &&
           e->changed == (fe->changed != 0) && e->authored == (fe->authored != 0) &&
           e->sha256_len == fe->sha256.len &&
           (!fe->sha256.len || memcmp(e->sha256, fe->sha256.data, fe->sha256.len) == 0) &&
           same_str(e->path, fe->path) && same_str(e->role, fe->role) &&
           same_str(e->declared_role, fe->declared_role) && same_str(e->format, fe->format) &&
           same_str(e->hash_error, fe->hash_error);
}

/* Only plain reads are summed: no writes, no prior content, not the run's own files. */
static int summable(const Trainprov__V1__FileEvent *fe)
{
    return tp_access_parse(fe->access) == TP_ACCESS_READ && fe->bytes_written == 0 &&
           !fe->recorder_file && !fe->prior_sha256.len && !(fe->prior_hash_error &&
           fe->prior_hash_error[0]) && fe->sha256.len <= sizeof ((entry *)0)->sha256;
}

static void write_sum(tp_stream *s, entry *e, int64_t now_ns)
{
    if (!e->sessions)
        return;
    Trainprov__V1__FileEvent fe = TRAINPROV__V1__FILE_EVENT__INIT;
    fe.path = e->path;
    fe.role = e->role;
    fe.declared_role = e->declared_role;
    fe.format = e->format;
    fe.hash_error = e->hash_error;
    fe.device = e->device;
    fe.inode = e->inode;
    fe.size = e->size;
    fe.mtime_ns = e->mtime_ns;
    fe.ctime_ns = e->ctime_ns;
    fe.sha256.data = e->sha256;
    fe.sha256.len = e->sha256_len;
    fe.changed = e->changed;
    fe.authored = e->authored;
    fe.access = (char *)tp_access_name(TP_ACCESS_READ);
    fe.renamed_from = (char *)"";
    fe.prior_format = (char *)"";
    fe.prior_hash_error = (char *)"";
    fe.bytes_read = e->bytes_read;
    fe.bytes_mapped = e->bytes_mapped;
    fe.mapped = e->mapped;
    fe.first_access_ns = e->first_access_ns;
    fe.last_access_ns = e->last_access_ns;
    fe.sessions = e->sessions;
    Trainprov__V1__Record rec = TRAINPROV__V1__RECORD__INIT;
    rec.time_ns = now_ns;
    rec.body_case = TRAINPROV__V1__RECORD__BODY_FILE;
    rec.file = &fe;
    tp_stream_append(s, &rec);
    e->sessions = e->bytes_read = e->bytes_mapped = 0;
    e->mapped = 0;
    pending--;
}

static void forget(entry *e)
{
    free(e->path);
    free(e->role);
    free(e->declared_role);
    free(e->format);
    free(e->hash_error);
    memset(e, 0, sizeof *e);
}

static int remember(entry *e, const Trainprov__V1__FileEvent *fe)
{
    e->path = strdup(fe->path ? fe->path : "");
    e->role = strdup(fe->role ? fe->role : "");
    e->declared_role = strdup(fe->declared_role ? fe->declared_role : "");
    e->format = strdup(fe->format ? fe->format : "");
    e->hash_error = strdup(fe->hash_error ? fe->hash_error : "");
    if (!e->path || !e->role || !e->declared_role || !e->format || !e->hash_error) {
        forget(e);
        return -1;
    }
    e->used = 1;
    e->device = fe->device;
    e->inode = fe->inode;
    e->size = fe->size;
    e->mtime_ns = fe->mtime_ns;
    e->ctime_ns = fe->ctime_ns;
    e->sha256_len = fe->sha256.len;
    if (fe->sha256.len)
        memcpy(e->sha256, fe->sha256.data, fe->sha256.len);
    e->changed = fe->changed != 0;
    e->authored = fe->authored != 0;
    return 0;
}

static void add_session(entry *e, const Trainprov__V1__FileEvent *fe, int64_t now_ns)
{
    if (!e->sessions) {
        pending++;
        e->due_ns = now_ns + FLUSH_NS;
        if (pending == 1 || e->due_ns < earliest_due)
            earliest_due = e->due_ns;
        e->first_access_ns = fe->first_access_ns;
        e->last_access_ns = fe->last_access_ns;
    }
    e->sessions++;
    e->bytes_read += fe->bytes_read;
    e->bytes_mapped += fe->bytes_mapped;
    e->mapped |= fe->mapped != 0;
    if (fe->first_access_ns && (!e->first_access_ns || fe->first_access_ns < e->first_access_ns))
        e->first_access_ns = fe->first_access_ns;
    if (fe->last_access_ns > e->last_access_ns)
        e->last_access_ns = fe->last_access_ns;
}

int tp_coalesce_read(tp_stream *s, const Trainprov__V1__FileEvent *fe, int64_t now_ns)
{
    if (!summable(fe))
        return 0;
    if (!table && !(table = calloc(TP_COALESCE_SLOTS, sizeof *table)))
        return 0;
    uint64_t first = slot_of(fe->device, fe->inode);
    entry *free_slot = NULL, *oldest = NULL;
    for (uint64_t k = 0; k < TP_COALESCE_PROBE; k++) {
        entry *e = &table[(first + k) % TP_COALESCE_SLOTS];
        if (!e->used) {
            if (!free_slot)
                free_slot = e;
            continue;
        }
        if (same_record(e, fe)) {
            e->last_use = ++uses;
            add_session(e, fe, now_ns);
            return 1;
        }
        if (!oldest || e->last_use < oldest->last_use)
            oldest = e;
    }
    entry *e = free_slot;
    if (!e) {
        /* the oldest file here makes room: its sum is written first */
        e = oldest;
        write_sum(s, e, now_ns);
        forget(e);
    }
    if (remember(e, fe) == 0)
        e->last_use = ++uses;
    return 0;
}

void tp_coalesce_flush(tp_stream *s, int64_t now_ns, int all)
{
    if (!table || !pending || (!all && now_ns < earliest_due))
        return;
    int64_t next = INT64_MAX;
    for (size_t i = 0; i < TP_COALESCE_SLOTS && pending; i++) {
        entry *e = &table[i];
        if (!e->sessions)
            continue;
        if (all || e->due_ns <= now_ns)
            write_sum(s, e, now_ns);
        else if (e->due_ns < next)
            next = e->due_ns;
    }
    earliest_due = next;
}

int64_t tp_coalesce_next_due(void) { return pending ? earliest_due : -1; }

void tp_coalesce_atfork_child(void)
{
    table = NULL;
    pending = 0;
    uses = 0;
}
