/* ptzip.c: the PyTorch zip checkpoint reader (ptzip.h). The zip part:
 * the end-of-central-directory record (zip64 when torch.save needed it), the
 * central directory read whole and bounded by the file, each entry stored
 * (method 0, not encrypted) with its local header checked and its data
 * inside the file before the directory. The archive is the one directory
 * holding `data.pkl`; its pickle is read by ptpickle.c, and each storage it
 * names must be the entry `<archive>/data/<key>` with at least the bytes its
 * elements need. Tensors are hashed from the file, in chunks. */
#include "verify/ptzip.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "verify/ptpickle.h"
#include "verify/pread_full.h"

#define READ_CHUNK (4u << 20)
#define EOCD_LEN 22
#define ZIP64_LOCATOR_LEN 20
#define ZIP64_EOCD_LEN 56
#define CENTRAL_LEN 46
#define LOCAL_LEN 30
#define COMMENT_MAX 65535
#define CD_MAX (256u << 20) /* a central directory larger than this is refused */

typedef struct {
    const uint8_t *name; /* in the central directory buffer, not NUL-terminated */
    size_t nlen;
    uint64_t size, local;
} zentry;

typedef struct {
    int fd;
    uint64_t size;
    uint8_t *cd;
    uint64_t cd_offset;
    zentry *e; /* sorted by name */
    size_t n;
} zip;

static uint64_t le(const uint8_t *b, unsigned n)
{
    uint64_t v = 0;
    for (unsigned k = n; k-- > 0;)
        v = v << 8 | b[k];
    return v;
}

static int cmp_entry(const void *a, const void *b)
{
    const zentry *x = a, *y = b;
    size_t n = x->nlen < y->nlen ? x->nlen : y->nlen;
    int c = memcmp(x->name, y->name, n);
    return c ? c : x->nlen < y->nlen ? -1 : x->nlen > y->nlen;
}

static const zentry *find_entry(const zip *z, const char *name)
{
    zentry key = {(const uint8_t *)name, strlen(name), 0, 0};
    return z->n ? bsearch(&key, z->e, z->n, sizeof key, cmp_entry) : NULL;
}

/* The directory's place and size from the end records; NULL or why not. */
static const char *end_records(zip *z, uint64_t *entries, uint64_t *cd_size)
{
    size_t tail = z->size < EOCD_LEN + COMMENT_MAX ? (size_t)z->size : EOCD_LEN + COMMENT_MAX;
    uint8_t *t = malloc(tail ? tail : 1);
    const char *why = NULL;
    if (!t)
        return "out of memory";
    if (tail < EOCD_LEN || tp_pread_full(z->fd, t, tail, z->size - tail) != 0) {
        free(t);
        return "too short for a zip file";
    }
    /* the last record whose comment ends exactly at the end of the file */
    size_t p = tail - EOCD_LEN + 1;
    int found = 0;
    while (p-- > 0)
        if (!memcmp(t + p, "PK\5\6", 4) && p + EOCD_LEN + le(t + p + 20, 2) == tail) {
            found = 1;
            break;
        }
    uint64_t eocd = z->size - tail + p, end = eocd;
    if (!found)
        why = "no end of central directory record: not a zip file";
    else if (le(t + p + 4, 2) != 0 || le(t + p + 6, 2) != 0)
        why = "a zip file split over several disks";
    else {
        *entries = le(t + p + 10, 2);
        *cd_size = le(t + p + 12, 4);
        z->cd_offset = le(t + p + 16, 4);
    }
    free(t);
    /* torch.save always adds zip64 end records; they hold the real values
     * and the classic record's fields must agree with them or be markers */
    uint8_t loc[ZIP64_LOCATOR_LEN], rec[ZIP64_EOCD_LEN];
    if (!why && eocd >= ZIP64_LOCATOR_LEN &&
        tp_pread_full(z->fd, loc, sizeof loc, eocd - ZIP64_LOCATOR_LEN) == 0 &&
        !memcmp(loc, "PK\6\7", 4)) {
        uint64_t at = le(loc + 8, 8);
        if (at > eocd - ZIP64_LOCATOR_LEN || eocd - ZIP64_LOCATOR_LEN - at < ZIP64_EOCD_LEN ||
            tp_pread_full(z->fd, rec, sizeof rec, at) != 0 || memcmp(rec, "PK\6\6", 4) != 0)
            return "its zip64 end record is missing or out of place";
        if (le(rec + 16, 4) != 0 || le(rec + 20, 4) != 0)
            return "a zip file split over several disks";
        uint64_t e64 = le(rec + 32, 8), s64 = le(rec + 40, 8), o64 = le(rec + 48, 8);
        if ((*entries != 0xffff && *entries != e64) ||
            (*cd_size != 0xffffffff && *cd_size != s64) ||
            (z->cd_offset != 0xffffffff && z->cd_offset != o64))
            return "its zip64 and classic end records disagree";
        *entries = e64;
        *cd_size = s64;
        z->cd_offset = o64;
        end = at;
    } else if (!why && (*entries == 0xffff || *cd_size == 0xffffffff ||
                        z->cd_offset == 0xffffffff)) {
        return "its zip64 end locator is missing";
    }
    if (!why && (z->cd_offset > end || *cd_size != end - z->cd_offset))
        why = "its central directory does not end where the end record is";
    if (!why && *cd_size > CD_MAX)
        why = "its central directory is larger than the verifier reads";
    if (!why && (*entries > TP_PT_ENTRIES_MAX || *entries > *cd_size / CENTRAL_LEN))
        why = "its entry count does not fit its central directory";
    return why;
}

/* The zip64 extra field's values for those that are 0xffffffff. */
static const char *zip64_extra(const uint8_t *x, size_t xlen, uint64_t *usize, uint64_t *csize,
                               uint64_t *local)
{
    while (xlen >= 4) {
        size_t id = (size_t)le(x, 2), len = (size_t)le(x + 2, 2);
        if (len > xlen - 4)
            return "an extra field runs past its entry";
        if (id == 1) {
            const uint8_t *v = x + 4;
            size_t left = len;
            uint64_t *want[3] = {usize, csize, local};
            for (int k = 0; k < 3; k++) {
                if (*want[k] != 0xffffffff)
                    continue;
                if (left < 8)
                    return "a zip64 extra field is too short";
                *want[k] = le(v, 8);
                v += 8;
                left -= 8;
            }
            return NULL;
        }
        x += 4 + len;
        xlen -= 4 + len;
    }
    return *usize == 0xffffffff || *csize == 0xffffffff || *local == 0xffffffff
               ? "an entry lacks its zip64 extra field"
               : NULL;
}

/* Reads the central directory into z->e. NULL, or why not (into buf). */
static const char *read_directory(zip *z, char *buf, size_t buflen)
{
    uint64_t entries = 0, cd_size = 0;
    const char *why = end_records(z, &entries, &cd_size);
    if (why)
        return why;
    if (!(z->cd = malloc(cd_size ? (size_t)cd_size : 1)) ||
        !(z->e = calloc(entries ? (size_t)entries : 1, sizeof *z->e)))
        return "out of memory";
    if (tp_pread_full(z->fd, z->cd, (size_t)cd_size, z->cd_offset) != 0)
        return "its central directory cannot be read";
    size_t at = 0;
    for (uint64_t k = 0; k < entries; k++) {
        const uint8_t *h = z->cd + at;
        if (cd_size - at < CENTRAL_LEN || memcmp(h, "PK\1\2", 4) != 0)
            return "its central directory is damaged";
        size_t nlen = (size_t)le(h + 28, 2), xlen = (size_t)le(h + 30, 2),
               clen = (size_t)le(h + 32, 2);
        if (cd_size - at - CENTRAL_LEN < (uint64_t)nlen + xlen + clen)
            return "a central directory entry runs past the directory";
        zentry *e = &z->e[z->n];
        e->name = h + CENTRAL_LEN;
        e->nlen = nlen;
        uint64_t csize = le(h + 20, 4);
        e->size = le(h + 24, 4);
        e->local = le(h + 42, 4);
        unsigned method = (unsigned)le(h + 10, 2), flags = (unsigned)le(h + 8, 2);
        if ((why = zip64_extra(h + CENTRAL_LEN + nlen, xlen, &e->size, &csize, &e->local)))
            return why;
        if (flags & 1) {
            snprintf(buf, buflen, "entry %.*s is encrypted", (int)(nlen < 200 ? nlen : 200),
                     (const char *)e->name);
            return buf;
        }
        if (method != 0 || csize != e->size) {
            snprintf(buf, buflen, "entry %.*s is compressed (method %u): torch.save stores "
                     "entries uncompressed, and the verifier reads only stored ones",
                     (int)(nlen < 200 ? nlen : 200), (const char *)e->name, method);
            return buf;
        }
        if (e->local > z->cd_offset || e->size > z->cd_offset - e->local)
            return "an entry's data lies outside the file before the central directory";
        z->n++;
        at += CENTRAL_LEN + nlen + xlen + clen;
    }
    qsort(z->e, z->n, sizeof *z->e, cmp_entry);
    for (size_t k = 1; k < z->n; k++)
        if (!cmp_entry(&z->e[k - 1], &z->e[k]))
            return "two entries have the same name";
    return NULL;
}

/* Where e's bytes begin, from its local header; 0 when the header is bad. */
static uint64_t entry_data(const zip *z, const zentry *e)
{
    uint8_t h[LOCAL_LEN];
    if (z->cd_offset - e->local < LOCAL_LEN || tp_pread_full(z->fd, h, sizeof h, e->local) != 0 ||
        memcmp(h, "PK\3\4", 4) != 0 || le(h + 26, 2) != e->nlen)
        return 0;
    uint64_t data = e->local + LOCAL_LEN + le(h + 26, 2) + le(h + 28, 2);
    uint8_t *name = malloc(e->nlen ? e->nlen : 1);
    int same = name && data <= z->cd_offset && e->size <= z->cd_offset - data &&
               tp_pread_full(z->fd, name, e->nlen, e->local + LOCAL_LEN) == 0 &&
               !memcmp(name, e->name, e->nlen);
    free(name);
    return same ? data : 0;
}

static int cmp_tensor(const void *a, const void *b)
{
    return strcmp(((const tp_pt_tensor *)a)->name, ((const tp_pt_tensor *)b)->name);
}

/* The archive's directory name ("archive", or the file's stem): the one
 * directory whose data.pkl is a top-level entry. */
static const char *archive_of(const zip *z, char *prefix, size_t cap)
{
    static const char tail[] = "/data.pkl";
    size_t tl = sizeof tail - 1;
    int found = 0;
    for (size_t k = 0; k < z->n; k++) {
        const zentry *e = &z->e[k];
        if (e->nlen <= tl || memcmp(e->name + e->nlen - tl, tail, tl) ||
            memchr(e->name, '/', e->nlen - tl) || memchr(e->name, '\0', e->nlen))
            continue;
        if (found++ || e->nlen - tl >= cap)
            return found > 1 ? "it holds two data.pkl records" : "its archive name is too long";
        memcpy(prefix, e->name, e->nlen - tl);
        prefix[e->nlen - tl] = '\0';
    }
    return found ? NULL : "it has no <archive>/data.pkl record: not a PyTorch zip checkpoint";
}

static uint64_t numel(const tp_pt_tensor *t);

/* Reads the whole structure into out; NULL or why not. */
static const char *parse(zip *z, tp_ptzip *out, char *buf, size_t buflen)
{
    const char *why = read_directory(z, buf, buflen);
    char prefix[128], name[256];
    if (why || (why = archive_of(z, prefix, sizeof prefix)))
        return why;
    snprintf(name, sizeof name, "%s/byteorder", prefix);
    const zentry *e = find_entry(z, name);
    if (e) {
        char order[8] = {0};
        uint64_t at = entry_data(z, e);
        if (!at || e->size >= sizeof order || tp_pread_full(z->fd, order, (size_t)e->size, at) != 0)
            return "its byteorder record cannot be read";
        if (strcmp(order, "little") != 0)
            return "it was written big-endian (its byteorder record is not \"little\")";
    }
    snprintf(name, sizeof name, "%s/data.pkl", prefix);
    e = find_entry(z, name);
    uint64_t at = e ? entry_data(z, e) : 0;
    if (!at)
        return "its data.pkl has a bad local header";
    if (e->size > TP_PT_PICKLE_MAX)
        return "its data.pkl is larger than the verifier reads";
    uint8_t *pkl = malloc(e->size ? (size_t)e->size : 1);
    if (!pkl)
        return "out of memory";
    if (tp_pread_full(z->fd, pkl, (size_t)e->size, at) != 0) {
        free(pkl);
        return "its data.pkl cannot be read";
    }
    tp_pickle_result r;
    int rc = tp_pickle_tensors(pkl, (size_t)e->size, &r, buf, buflen);
    free(pkl);
    if (rc != 0)
        return buf;
    out->storages = r.storages;
    out->n_storages = r.n_storages;
    out->tensors = r.tensors;
    out->n = r.n;
    for (size_t k = 0; k < out->n_storages; k++) {
        tp_pt_storage *st = &out->storages[k];
        snprintf(name, sizeof name, "%s/data/%s", prefix, st->key);
        e = find_entry(z, name);
        if (!e) {
            snprintf(buf, buflen, "storage %s has no record %.300s", st->key, name);
            return buf;
        }
        if (st->numel > e->size / st->elem_size) {
            snprintf(buf, buflen, "storage %s holds %" PRIu64 " bytes, fewer than its %" PRIu64
                     " elements need", st->key, e->size, st->numel);
            return buf;
        }
        if (!(st->offset = entry_data(z, e))) {
            snprintf(buf, buflen, "record %.300s has a bad local header", name);
            return buf;
        }
    }
    uint64_t total = 0, cap = z->size * TP_PT_SHARED_FACTOR + TP_PT_SHARED_SLACK;
    for (size_t k = 0; k < out->n && total <= cap; k++) {
        const tp_pt_tensor *t = &out->tensors[k];
        total += numel(t) * out->storages[t->storage].elem_size; /* each <= its storage */
    }
    if (total > cap)
        return "its tensors' bytes add up to more than the verifier reads for a file of its size "
               "(views of the same storage, many times over)";
    if (out->n)
        qsort(out->tensors, out->n, sizeof *out->tensors, cmp_tensor);
    for (size_t k = 1; k < out->n; k++)
        if (!strcmp(out->tensors[k - 1].name, out->tensors[k].name)) {
            snprintf(buf, buflen, "tensor %.200s appears twice", out->tensors[k].name);
            return buf;
        }
    return NULL;
}

int tp_ptzip_open(const char *path, tp_ptzip *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    out->fd = -1;
    zip z;
    memset(&z, 0, sizeof z);
    z.fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    if (z.fd < 0 || fstat(z.fd, &sb) != 0) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        if (z.fd >= 0)
            close(z.fd);
        return -1;
    }
    char buf[512];
    const char *why = S_ISREG(sb.st_mode) ? NULL : "not a regular file";
    z.size = (uint64_t)sb.st_size;
    if (!why)
        why = parse(&z, out, buf, sizeof buf);
    free(z.cd);
    free(z.e);
    if (why) {
        snprintf(err, errlen, "%s is not a PyTorch checkpoint the verifier reads: %s", path, why);
        close(z.fd);
        tp_ptzip_close(out);
        return -1;
    }
    out->fd = z.fd;
    out->file_size = z.size;
    return 0;
}

const tp_pt_tensor *tp_ptzip_find(const tp_ptzip *z, const char *name)
{
    tp_pt_tensor key = {.name = (char *)name};
    return z->n ? bsearch(&key, z->tensors, z->n, sizeof key, cmp_tensor) : NULL;
}

static uint64_t numel(const tp_pt_tensor *t)
{
    uint64_t n = 1;
    for (size_t d = 0; d < t->ndim; d++)
        n *= t->shape[d]; /* bounded when the pickle was read */
    return n;
}

int tp_ptzip_contiguous(const tp_pt_tensor *t)
{
    uint64_t want = 1;
    for (size_t d = t->ndim; d-- > 0;) {
        if (t->shape[d] > 1 && t->stride[d] != want)
            return 0;
        want *= t->shape[d];
    }
    return 1;
}

/* The elements of t in row-major order, from span (the storage bytes from
 * t's offset to its last element), to fn in chunks. */
static int gather(const tp_pt_tensor *t, const uint8_t *span, unsigned esz, tp_pt_bytes_fn fn,
                  void *ctx)
{
    uint64_t idx[TP_PT_DIMS_MAX] = {0}, n = numel(t), at = 0;
    uint8_t *out = malloc(READ_CHUNK);
    size_t used = 0;
    int rc = out ? 0 : -1;
    for (uint64_t k = 0; rc == 0 && k < n; k++) {
        memcpy(out + used, span + at * esz, esz);
        if ((used += esz) + esz > READ_CHUNK) {
            rc = fn(ctx, out, used);
            used = 0;
        }
        for (size_t d = t->ndim; d-- > 0;) { /* next index, odometer-wise */
            if (++idx[d] < t->shape[d]) {
                at += t->stride[d];
                break;
            }
            at -= (idx[d] - 1) * t->stride[d];
            idx[d] = 0;
        }
    }
    if (rc == 0 && used)
        rc = fn(ctx, out, used);
    free(out);
    return rc;
}

int tp_ptzip_bytes(const tp_ptzip *z, const tp_pt_tensor *t, tp_pt_bytes_fn fn, void *ctx,
                   const char **why)
{
    const tp_pt_storage *st = &z->storages[t->storage];
    uint64_t n = numel(t), start = st->offset + t->storage_offset * st->elem_size;
    int rc = 0;
    if (n && !tp_ptzip_contiguous(t)) {
        uint64_t last = 0;
        for (size_t d = 0; d < t->ndim; d++)
            last += (t->shape[d] - 1) * t->stride[d];
        uint64_t bytes = (last + 1) * st->elem_size;
        if (bytes > TP_PT_GATHER_MAX) {
            *why = "it is not contiguous and spans more than the verifier gathers";
            return 1;
        }
        uint8_t *span = malloc((size_t)bytes);
        rc = span && tp_pread_full(z->fd, span, (size_t)bytes, start) == 0 &&
                     gather(t, span, st->elem_size, fn, ctx) == 0
                 ? 0
                 : -1;
        free(span);
        return rc;
    }
    uint8_t *buf = malloc(READ_CHUNK);
    uint64_t total = n * st->elem_size;
    rc = buf ? 0 : -1;
    for (uint64_t at = 0; rc == 0 && at < total;) {
        size_t k = total - at < READ_CHUNK ? (size_t)(total - at) : READ_CHUNK;
        rc = tp_pread_full(z->fd, buf, k, start + at) == 0 && fn(ctx, buf, k) == 0 ? 0 : -1;
        at += k;
    }
    free(buf);
    return rc;
}

static int digest_chunk(void *ctx, const uint8_t *b, size_t n)
{
    return EVP_DigestUpdate(ctx, b, n) == 1 ? 0 : -1;
}

int tp_ptzip_sha256(const tp_ptzip *z, const tp_pt_tensor *t, uint8_t out[32], const char **why)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int rc = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 ? 0 : -1;
    if (rc == 0)
        rc = tp_ptzip_bytes(z, t, digest_chunk, md, why);
    unsigned len = 0;
    if (rc == 0 && (EVP_DigestFinal_ex(md, out, &len) != 1 || len != 32))
        rc = -1;
    EVP_MD_CTX_free(md);
    return rc;
}

void tp_ptzip_close(tp_ptzip *z)
{
    if (z->fd >= 0)
        close(z->fd);
    tp_pickle_result r = {z->storages, z->n_storages, z->tensors, z->n};
    tp_pickle_result_free(&r);
    memset(z, 0, sizeof *z);
    z->fd = -1;
}
