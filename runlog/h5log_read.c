/* h5log_read.c: reads an HDF5 run log (docs/FORMAT.md section 6) into a
 * tp_runlog and its /files index. The reader checks structure only (types,
 * shapes, offsets); what the bytes mean is for claims.c. Every length comes
 * from a dataset's own extent and is checked against its stored size before
 * anything is allocated; anything that is not the documented layout is an
 * error that names the file and the object.
 *
 * HDF5 itself is not hardened against hostile files: 1.10 crashes on a
 * damaged global heap (variable-length strings) or object header, and loops
 * forever or asks for gigabytes on others. So a forked child reads the file
 * first, with limits on its CPU time and memory, and dies with its parent;
 * only when it reads the file does this process read it, and a crash, an
 * endless loop or a huge allocation becomes a clean "corrupt file" error.
 *
 * Beyond that, what a file can make us decompress and allocate is bounded by
 * its size: every dataset is charged, before it is read, the bytes its
 * chunks expand to (and its variable-length strings take), against a budget
 * of a base plus a multiple of the file's size; only the filters the writer
 * uses (deflate, shuffle, fletcher32) are accepted, and no chunk may exceed
 * TP_CHUNK_MAX bytes; /files is charged once per member read, as HDF5
 * inflates the whole table for each. A file that is not a regular file (a FIFO, a device, a
 * directory) is refused before anything reads it: it is opened without
 * blocking and checked with fstat, and HDF5 then opens that very file through
 * /proc/self/fd. */
#include "runlog/h5log.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <hdf5.h>

#include "core/format.h"
#include "core/hex.h"
#include "core/progress.h"
#include "runlog/records.h"

#define TP_FORMAT_NAME "trainprov-log"
#define TP_FORMAT_VERSION 1
#define TP_ATTR_MAX 4096       /* longest string attribute or /files string we accept */
#define TP_STREAMS_MAX 1000000 /* more stream groups than any run can have */
#define TP_MAX_RATIO 1032      /* deflate's best ratio: no dataset holds more per stored byte */
/* What the probing child may spend: CPU seconds, a base plus one per MiB of
 * file, far more than reading a sound log takes (~50 MiB/s), so only a loop
 * hits it; and memory beyond what it already has, a base plus a multiple of
 * the file's size, more than a sound log's records take in memory. */
#define TP_PROBE_CPU_PER_MIB 1
#if defined(__SANITIZE_ADDRESS__)
/* An ASan build (./test.sh --sanitize) runs a few times slower, and its
 * quarantine alone holds 256 MiB of freed blocks: it gets that much more. */
#define TP_PROBE_CPU_BASE 8
#define TP_PROBE_MEM_BASE (1280ull << 20)
#else
#define TP_PROBE_CPU_BASE 2
#define TP_PROBE_MEM_BASE (256ull << 20)
#endif
#define TP_PROBE_MEM_PER_BYTE 16
/* What all the datasets of a file may expand to once read (decompressed
 * chunks, variable-length strings): a base plus a multiple of the file's
 * size. A sound log stores its records uncompressed and /files compresses
 * about 3:1, so it stays far below; a deflate bomb (1000:1) does not. */
#define TP_READ_BASE (64ull << 20)
#define TP_READ_PER_BYTE 16
#define TP_CHUNK_MAX (16ull << 20) /* bytes in one chunk; the writer's are < 1 MiB */

typedef struct {
    const char *path;      /* as the user named it, for messages */
    const char *h5path;    /* what HDF5 opens: /proc/self/fd/N of the checked file */
    char *err;
    size_t errlen;
    uint64_t size;         /* the file's size */
    uint64_t budget;       /* bytes the datasets not yet read may still expand to */
} reader;

static int failf(reader *rd, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (rd->err && rd->errlen)
        snprintf(rd->err, rd->errlen, "%s: %s", rd->path, msg);
    return -1;
}

/* Number of elements of a scalar or simple dataspace; ndims gets the rank,
 * dims up to 2 dimensions. -1 for any other shape. */
static int space_shape(hid_t space, int *ndims, hsize_t dims[2])
{
    H5S_class_t cls = H5Sget_simple_extent_type(space);
    dims[0] = dims[1] = 0;
    if (cls == H5S_NULL) {
        *ndims = 0;
        return 0;
    }
    if (cls == H5S_SCALAR) {
        *ndims = 0;
        dims[0] = 1;
        return 0;
    }
    int n = H5Sget_simple_extent_ndims(space);
    if (cls != H5S_SIMPLE || n < 1 || n > 2)
        return -1;
    *ndims = n;
    return H5Sget_simple_extent_dims(space, dims, NULL) == n ? 0 : -1;
}

/* 1 when the dataset stores enough bytes to hold logical_bytes: a damaged or
 * hostile file cannot make us allocate what it does not contain. */
static int stored_enough(hid_t d, uint64_t logical_bytes)
{
    uint64_t stored = H5Dget_storage_size(d);
    return stored > 0 && (stored > UINT64_MAX / TP_MAX_RATIO || logical_bytes <= stored * TP_MAX_RATIO);
}

/* Takes bytes from the reader's budget, or fails naming the object. */
static int charge(reader *rd, const char *where, const char *name, uint64_t bytes)
{
    if (bytes > rd->budget)
        return failf(rd, "%s/%s would expand to %" PRIu64 " bytes once read, more than a "
                         "file of this size may hold (a decompression bomb?)",
                     where, name, bytes);
    rd->budget -= bytes;
    return 0;
}

/* a * b, or UINT64_MAX when that overflows. */
static uint64_t mul_sat(uint64_t a, uint64_t b)
{
    return a && b > UINT64_MAX / a ? UINT64_MAX : a * b;
}

/* Why the dataset creation properties dcpl are not a layout we read (only
 * the writer's filters, chunks of the dataset's rank and at most
 * TP_CHUNK_MAX bytes), or NULL; *bytes gets what reading the whole dataset
 * decompresses: every chunk its extent touches, whole. */
static const char *chunked_cost(hid_t dcpl, uint64_t elem_size, int ndims, const hsize_t dims[2],
                                uint64_t *bytes)
{
    int nf = H5Pget_nfilters(dcpl);
    if (nf < 0)
        return "unreadable filters";
    for (int i = 0; i < nf; i++) {
        unsigned flags, cd[8];
        size_t ncd = 8;
        char fname[64];
        H5Z_filter_t id =
            H5Pget_filter2(dcpl, (unsigned)i, &flags, &ncd, cd, sizeof fname, fname, NULL);
        if (id != H5Z_FILTER_DEFLATE && id != H5Z_FILTER_SHUFFLE && id != H5Z_FILTER_FLETCHER32)
            return "a filter other than deflate, shuffle or fletcher32";
    }
    hsize_t cdims[2] = {0, 0};
    if (ndims < 1 || H5Pget_chunk(dcpl, 2, cdims) != ndims)
        return "a chunk shape that is not the dataset's";
    uint64_t chunk = elem_size, chunks = 1;
    for (int k = 0; k < ndims; k++) {
        if (cdims[k] == 0 || chunk > TP_CHUNK_MAX / cdims[k])
            return "chunks larger than 16 MiB";
        chunk *= cdims[k];
        chunks = mul_sat(chunks, dims[k] / cdims[k] + (dims[k] % cdims[k] != 0));
    }
    *bytes = mul_sat(chunk, chunks);
    return NULL;
}

/* Charges what reading dataset d will expand to against the reader's
 * budget, before it is read (chunked_cost, or its logical size when it is
 * not chunked). 0, or -1 (failf). */
static int charge_dataset(reader *rd, hid_t d, const char *where, const char *name,
                          uint64_t elem_size, int ndims, const hsize_t dims[2])
{
    hid_t dcpl = H5Dget_create_plist(d);
    if (dcpl < 0)
        return failf(rd, "%s/%s: cannot read its storage properties", where, name);
    uint64_t bytes = elem_size;
    const char *bad = NULL;
    if (H5Pget_layout(dcpl) == H5D_CHUNKED)
        bad = chunked_cost(dcpl, elem_size, ndims, dims, &bytes);
    else
        for (int k = 0; k < ndims; k++)
            bytes = mul_sat(bytes, dims[k]);
    H5Pclose(dcpl);
    if (bad)
        return failf(rd, "%s/%s has %s (not a trainprov log's layout)", where, name, bad);
    return charge(rd, where, name, bytes);
}

/* An attribute or dataset opened with its type and dataspace; an id is
 * negative when that step failed. */
typedef struct {
    hid_t id, type, space;
    int is_attr;
} item;

static item open_item(hid_t loc, const char *name, int is_attr)
{
    item it = {is_attr ? H5Aopen(loc, name, H5P_DEFAULT) : H5Dopen2(loc, name, H5P_DEFAULT), -1,
               -1, is_attr};
    if (it.id >= 0) {
        it.type = is_attr ? H5Aget_type(it.id) : H5Dget_type(it.id);
        it.space = is_attr ? H5Aget_space(it.id) : H5Dget_space(it.id);
    }
    return it;
}

/* Closes whichever of up to three datatype ids are open. */
static void close_types(hid_t a, hid_t b, hid_t c)
{
    hid_t t[] = {a, b, c};
    for (size_t i = 0; i < 3; i++)
        if (t[i] >= 0)
            H5Tclose(t[i]);
}

static void close_item(item *it)
{
    close_types(it->type, -1, -1);
    if (it->space >= 0)
        H5Sclose(it->space);
    if (it->id >= 0)
        (it->is_attr ? H5Aclose : H5Dclose)(it->id);
}

/* 1 when an attribute holds exactly one value of the class (a scalar, [1] or [1][1]). */
static int single(const item *a, H5T_class_t cls)
{
    int ndims;
    hsize_t dims[2];
    return a->type >= 0 && a->space >= 0 && H5Tget_class(a->type) == cls &&
           space_shape(a->space, &ndims, dims) == 0 && dims[0] == 1 &&
           (ndims < 2 || dims[1] == 1);
}

/* Copies s into out, or fails when it does not fit. */
static int take_string(reader *rd, const char *s, char *out, size_t cap, const char *where,
                       const char *name)
{
    if (strlen(s) >= cap)
        return failf(rd, "attribute %s of %s is too long", name, where);
    strcpy(out, s);
    return 0;
}

/* Reads a one-element string attribute (fixed or variable length) into out. */
static int attr_string(reader *rd, hid_t obj, const char *where, const char *name, char *out,
                       size_t cap)
{
    if (H5Aexists(obj, name) <= 0)
        return failf(rd, "%s has no attribute %s (not a trainprov log?)", where, name);
    item a = open_item(obj, name, 1);
    hid_t mt = -1;
    int rc = -1;
    char buf[TP_ATTR_MAX + 1] = {0};
    if (!single(&a, H5T_STRING)) {
        failf(rd, "attribute %s of %s is not a single string", name, where);
    } else if (H5Tis_variable_str(a.type) > 0) {
        char *s = NULL;
        mt = H5Tcopy(H5T_C_S1);
        if (mt >= 0 && H5Tset_size(mt, H5T_VARIABLE) >= 0 &&
            H5Tset_cset(mt, H5Tget_cset(a.type)) >= 0 && H5Aread(a.id, mt, &s) >= 0 && s) {
            rc = take_string(rd, s, out, cap, where, name);
            H5free_memory(s);
        } else {
            failf(rd, "cannot read attribute %s of %s", name, where);
        }
    } else if (H5Tget_size(a.type) > TP_ATTR_MAX) {
        failf(rd, "attribute %s of %s is too long", name, where);
    } else if ((mt = H5Tcopy(a.type)) >= 0 && H5Aread(a.id, mt, buf) >= 0) {
        rc = take_string(rd, buf, out, cap, where, name);
    } else {
        failf(rd, "cannot read attribute %s of %s", name, where);
    }
    close_types(mt, -1, -1);
    close_item(&a);
    return rc;
}

/* Reads a one-element unsigned integer attribute. */
static int attr_u64(reader *rd, hid_t obj, const char *where, const char *name, uint64_t *out)
{
    if (H5Aexists(obj, name) <= 0)
        return failf(rd, "%s has no attribute %s", where, name);
    item a = open_item(obj, name, 1);
    int rc = -1;
    if (!single(&a, H5T_INTEGER) || H5Tget_sign(a.type) != H5T_SGN_NONE)
        failf(rd, "attribute %s of %s is not a single unsigned integer", name, where);
    else if (H5Aread(a.id, H5T_NATIVE_UINT64, out) < 0)
        failf(rd, "cannot read attribute %s of %s", name, where);
    else
        rc = 0;
    close_item(&a);
    return rc;
}

/* Reads an unsigned integer dataset of elem_size-byte elements with rank 1
 * (cols == 0) or shape [rows][cols]. *rows gets the first dimension; *out a
 * fresh buffer (NULL when empty). */
static int read_uint_dataset(reader *rd, hid_t g, const char *where, const char *name,
                             size_t elem_size, hsize_t cols, void **out, size_t *rows)
{
    *out = NULL;
    *rows = 0;
    if (H5Lexists(g, name, H5P_DEFAULT) <= 0)
        return failf(rd, "%s has no dataset %s", where, name);
    item d = open_item(g, name, 0);
    int ndims, rc = -1;
    hsize_t dims[2];
    void *buf = NULL;
    if (d.type < 0 || d.space < 0 || H5Tget_class(d.type) != H5T_INTEGER ||
        H5Tget_sign(d.type) != H5T_SGN_NONE || H5Tget_size(d.type) != elem_size ||
        space_shape(d.space, &ndims, dims) != 0) {
        failf(rd, "%s/%s is not a dataset of uint%zu", where, name, 8 * elem_size);
        goto out;
    }
    int shape_ok = cols == 0 ? ndims <= 1 : (ndims == 0 || (ndims == 2 && dims[1] == cols));
    if (!shape_ok || (ndims == 0 && dims[0] != 0)) {
        if (cols)
            failf(rd, "%s/%s is not a [n][%" PRIu64 "] array", where, name, (uint64_t)cols);
        else
            failf(rd, "%s/%s is not a one-dimensional array", where, name);
        goto out;
    }
    hsize_t count = dims[0] * (cols ? cols : 1);
    if (count == 0) {
        rc = 0;
        goto out;
    }
    if (count / (cols ? cols : 1) != dims[0] || count > SIZE_MAX / elem_size ||
        !stored_enough(d.id, count * elem_size)) {
        failf(rd, "%s/%s declares %" PRIu64 " elements it does not store", where, name,
              (uint64_t)dims[0]);
        goto out;
    }
    if (charge_dataset(rd, d.id, where, name, elem_size, ndims, dims) != 0)
        goto out;
    if (!(buf = malloc((size_t)count * elem_size))) {
        failf(rd, "out of memory reading %s/%s (%" PRIu64 " elements)", where, name,
              (uint64_t)count);
        goto out;
    }
    hid_t mt = elem_size == 1 ? H5T_NATIVE_UINT8 : H5T_NATIVE_UINT64;
    if (H5Dread(d.id, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) {
        failf(rd, "cannot read %s/%s", where, name);
        goto out;
    }
    *out = buf;
    buf = NULL;
    *rows = (size_t)dims[0];
    rc = 0;
out:
    free(buf);
    close_item(&d);
    return rc;
}

/* Reads a concatenation (bytes + offsets[n+1]) and checks the offsets:
 * off[0] == 0, non-decreasing, off[n] == the number of bytes. */
static int read_concat(reader *rd, hid_t g, const char *where, const char *data_name,
                       const char *off_name, uint8_t **data, uint64_t **off, size_t *n)
{
    size_t len, n_off;
    *off = NULL;
    if (read_uint_dataset(rd, g, where, data_name, 1, 0, (void **)data, &len) != 0)
        return -1;
    if (read_uint_dataset(rd, g, where, off_name, 8, 0, (void **)off, &n_off) != 0)
        return -1;
    if (n_off == 0)
        return failf(rd, "%s/%s is empty (it needs at least the offset 0)", where, off_name);
    if ((*off)[0] != 0)
        return failf(rd, "%s/%s does not start at 0", where, off_name);
    for (size_t i = 0; i + 1 < n_off; i++)
        if ((*off)[i + 1] < (*off)[i] || (*off)[i + 1] > len)
            return failf(rd, "%s/%s[%zu] = %" PRIu64 " is %s", where, off_name, i + 1,
                         (*off)[i + 1],
                         (*off)[i + 1] > len ? "beyond the data" : "below the previous offset");
    if ((*off)[n_off - 1] != len)
        return failf(rd, "%s/%s ends at %" PRIu64 " but %s holds %zu bytes", where, off_name,
                     (*off)[n_off - 1], data_name, len);
    *n = n_off - 1;
    return 0;
}

static int is_hex(const char *s, size_t len)
{
    return strlen(s) == len && tp_hex_is_lower(s, len);
}

static int read_stream(reader *rd, hid_t streams, const char *name, tp_runlog *log)
{
    char where[64];
    snprintf(where, sizeof where, "/streams/%s", name);
    if (!is_hex(name, 16))
        return failf(rd, "%s: a stream group is named by 16 lowercase hex digits", where);
    tp_stream_data *s = tp_runlog_add_stream(log, strtoull(name, NULL, 16));
    if (!s)
        return failf(rd, "out of memory");
    hid_t g = H5Gopen2(streams, name, H5P_DEFAULT);
    if (g < 0)
        return failf(rd, "%s is not a group", where);
    uint8_t *rec = NULL, *heads = NULL, *sigs = NULL;
    uint64_t *rec_off = NULL, *head_off = NULL;
    size_t n_rec = 0, n_heads = 0, n_sigs = 0;
    int rc = -1;
    if (attr_string(rd, g, where, "journal_status", s->journal_status,
                    sizeof s->journal_status) != 0 ||
        attr_u64(rd, g, where, "dropped_unsigned_records", &s->dropped_unsigned) != 0 ||
        read_concat(rd, g, where, "records", "record_offsets", &rec, &rec_off, &n_rec) != 0 ||
        read_concat(rd, g, where, "head_bodies", "head_offsets", &heads, &head_off, &n_heads) !=
            0 ||
        read_uint_dataset(rd, g, where, "head_signatures", 1, TP_SIG_LEN, (void **)&sigs,
                          &n_sigs) != 0)
        goto out;
    if (n_sigs != n_heads) {
        failf(rd, "%s has %zu heads but %zu signatures", where, n_heads, n_sigs);
        goto out;
    }
    for (size_t i = 0; i < n_rec; i++)
        if (tp_stream_add_record(s, rec + rec_off[i], rec_off[i + 1] - rec_off[i]) != 0) {
            failf(rd, "out of memory");
            goto out;
        }
    for (size_t j = 0; j < n_heads; j++)
        if (tp_stream_add_head(s, heads + head_off[j], head_off[j + 1] - head_off[j],
                               sigs + j * TP_SIG_LEN) != 0) {
            failf(rd, "out of memory");
            goto out;
        }
    rc = 0;
out:
    free(rec);
    free(rec_off);
    free(heads);
    free(head_off);
    free(sigs);
    H5Gclose(g);
    return rc;
}

typedef struct {
    char **names;
    size_t n;
    int failed;
} name_list;

static herr_t collect_name(hid_t g, const char *name, const H5L_info_t *info, void *arg)
{
    name_list *l = arg;
    char **p = l->n < TP_STREAMS_MAX ? realloc(l->names, (l->n + 1) * sizeof *p) : NULL;
    if (!p) {
        l->failed = 1;
        return -1;
    }
    l->names = p;
    if (!(p[l->n] = strdup(name))) {
        l->failed = 1;
        return -1;
    }
    l->n++;
    return 0;
}

static int read_streams(reader *rd, hid_t f, tp_runlog *log)
{
    if (H5Lexists(f, "streams", H5P_DEFAULT) <= 0)
        return failf(rd, "no /streams group");
    hid_t g = H5Gopen2(f, "streams", H5P_DEFAULT);
    if (g < 0)
        return failf(rd, "/streams is not a group");
    name_list l = {0};
    hsize_t idx = 0;
    int rc = H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, &idx, collect_name, &l) < 0 || l.failed
                 ? failf(rd, "cannot list /streams")
                 : 0;
    for (size_t i = 0; rc == 0 && i < l.n; i++) {
        rc = read_stream(rd, g, l.names[i], log);
        tp_progress_report("reading streams", TP_PROGRESS_ITEMS, i + 1, l.n);
    }
    for (size_t i = 0; i < l.n; i++)
        free(l.names[i]);
    free(l.names);
    H5Gclose(g);
    return rc;
}

static int read_manifest(reader *rd, hid_t f, tp_runlog *log)
{
    if (H5Lexists(f, "manifest", H5P_DEFAULT) <= 0)
        return 0;
    hid_t g = H5Gopen2(f, "manifest", H5P_DEFAULT);
    if (g < 0)
        return failf(rd, "/manifest is not a group");
    uint8_t *sig = NULL;
    size_t len, n_sig;
    int rc = -1;
    if (read_uint_dataset(rd, g, "/manifest", "body", 1, 0, (void **)&log->manifest_body.data,
                          &len) == 0 &&
        read_uint_dataset(rd, g, "/manifest", "signature", 1, 0, (void **)&sig, &n_sig) == 0) {
        if (n_sig != TP_SIG_LEN) {
            failf(rd, "/manifest/signature has %zu bytes, not %d", n_sig, TP_SIG_LEN);
        } else {
            log->manifest_body.len = len;
            memcpy(log->manifest_sig, sig, TP_SIG_LEN);
            log->has_manifest = 1;
            rc = 0;
        }
    }
    free(sig);
    H5Gclose(g);
    return rc;
}

/* The /files columns (TP_FILES_COLUMNS, core/format.h), split into the
 * string ones and the integer ones; tp_file_row names its members alike. */
#define STRING_COL_STR(name) #name,
#define STRING_COL_HEX64(name) #name,
#define STRING_COL_HEX16(name) #name,
#define STRING_COL_U64(name)
#define STRING_COL(name, kind) STRING_COL_##kind(name)
#define UINT_COL_STR(name)
#define UINT_COL_HEX64(name)
#define UINT_COL_HEX16(name)
#define UINT_COL_U64(name) #name,
#define UINT_COL(name, kind) UINT_COL_##kind(name)
static const char *const string_cols[] = {TP_FILES_COLUMNS(STRING_COL)};
static const char *const uint_cols[] = {TP_FILES_COLUMNS(UINT_COL)};

#define STRING_PTR_STR(name) &r->name,
#define STRING_PTR_HEX64(name) &r->name,
#define STRING_PTR_HEX16(name) &r->name,
#define STRING_PTR_U64(name)
#define STRING_PTR(name, kind) STRING_PTR_##kind(name)
#define UINT_PTR_STR(name)
#define UINT_PTR_HEX64(name)
#define UINT_PTR_HEX16(name)
#define UINT_PTR_U64(name) &r->name,
#define UINT_PTR(name, kind) UINT_PTR_##kind(name)

static char **row_string(tp_file_row *r, size_t col)
{
    char **p[] = {TP_FILES_COLUMNS(STRING_PTR)};
    return p[col];
}

static uint64_t *row_uint(tp_file_row *r, size_t col)
{
    uint64_t *p[] = {TP_FILES_COLUMNS(UINT_PTR)};
    return p[col];
}

/* Charges one read of a /files member: HDF5 decompresses every chunk of
 * the table for each member read, so each read costs the whole table. */
static int charge_files(reader *rd, const item *d, size_t rows)
{
    hsize_t dims[2] = {rows, 0};
    return charge_dataset(rd, d->id, "", "files", H5Tget_size(d->type), 1, dims);
}

/* Reads one string member of /files (fixed or variable length) into every row. */
static int read_string_col(reader *rd, const item *d, size_t col, tp_file_table *t)
{
    const char *name = string_cols[col];
    int idx = H5Tget_member_index(d->type, name);
    hid_t mtype = idx >= 0 ? H5Tget_member_type(d->type, (unsigned)idx) : -1;
    hid_t st = -1, ct = -1;
    int rc = -1, var = mtype >= 0 && H5Tis_variable_str(mtype) > 0;
    size_t width = var ? sizeof(char *) : (mtype >= 0 ? H5Tget_size(mtype) + 1 : 0);
    void *buf = NULL;
    if (mtype < 0 || H5Tget_class(mtype) != H5T_STRING || width > TP_ATTR_MAX + 1) {
        failf(rd, "/files has no string member %s", name);
        goto out;
    }
    if (charge_files(rd, d, t->n) != 0)
        goto out;
    if (t->n > SIZE_MAX / width || !(buf = calloc(t->n, width))) {
        failf(rd, "out of memory reading /files");
        goto out;
    }
    st = H5Tcopy(H5T_C_S1);
    ct = H5Tcreate(H5T_COMPOUND, width);
    hsize_t strings = 0;
    if (st < 0 || ct < 0 || H5Tset_size(st, var ? H5T_VARIABLE : width) < 0 ||
        H5Tset_strpad(st, H5T_STR_NULLTERM) < 0 || H5Tset_cset(st, H5Tget_cset(mtype)) < 0 ||
        H5Tinsert(ct, name, 0, st) < 0 ||
        (var && H5Dvlen_get_buf_size(d->id, ct, d->space, &strings) < 0)) {
        failf(rd, "cannot read /files member %s", name);
        goto out;
    }
    if (charge(rd, "/files", name, strings) != 0) /* before HDF5 allocates them */
        goto out;
    if (H5Dread(d->id, ct, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) {
        failf(rd, "cannot read /files member %s", name);
        goto out;
    }
    rc = 0;
    for (size_t i = 0; i < t->n; i++) {
        const char *s = var ? ((char **)buf)[i] : (char *)buf + i * width;
        if (!(*row_string(&t->rows[i], col) = strdup(s ? s : "")))
            rc = failf(rd, "out of memory reading /files");
    }
    if (var)
        H5Dvlen_reclaim(ct, d->space, H5P_DEFAULT, buf);
out:
    free(buf);
    close_types(ct, st, mtype);
    return rc;
}

static int read_uint_col(reader *rd, const item *d, size_t col, tp_file_table *t)
{
    const char *name = uint_cols[col];
    int idx = H5Tget_member_index(d->type, name);
    hid_t mtype = idx >= 0 ? H5Tget_member_type(d->type, (unsigned)idx) : -1;
    hid_t ct = -1;
    uint64_t *buf = NULL;
    int rc = -1;
    if (mtype < 0 || H5Tget_class(mtype) != H5T_INTEGER || H5Tget_sign(mtype) != H5T_SGN_NONE) {
        failf(rd, "/files has no unsigned integer member %s", name);
    } else if (charge_files(rd, d, t->n) != 0) {
        /* failf'ed */
    } else if (!(buf = calloc(t->n, sizeof *buf))) {
        failf(rd, "out of memory reading /files");
    } else if ((ct = H5Tcreate(H5T_COMPOUND, sizeof *buf)) < 0 ||
               H5Tinsert(ct, name, 0, H5T_NATIVE_UINT64) < 0 ||
               H5Dread(d->id, ct, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) {
        failf(rd, "cannot read /files member %s", name);
    } else {
        for (size_t i = 0; i < t->n; i++)
            *row_uint(&t->rows[i], col) = buf[i];
        rc = 0;
    }
    free(buf);
    close_types(ct, mtype, -1);
    return rc;
}

static int read_files(reader *rd, hid_t f, tp_file_table *t)
{
    memset(t, 0, sizeof *t);
    if (H5Lexists(f, "files", H5P_DEFAULT) <= 0)
        return 0;
    item d = open_item(f, "files", 0);
    int ndims, rc = -1;
    hsize_t dims[2];
    size_t row_size = d.type >= 0 ? H5Tget_size(d.type) : 0;
    if (d.type < 0 || d.space < 0 || H5Tget_class(d.type) != H5T_COMPOUND || row_size == 0 ||
        space_shape(d.space, &ndims, dims) != 0 || ndims > 1 || (ndims == 0 && dims[0] != 0)) {
        failf(rd, "/files is not a one-dimensional compound dataset");
    } else if (dims[0] > 0 && (dims[0] > UINT64_MAX / row_size ||
                               !stored_enough(d.id, dims[0] * row_size))) {
        failf(rd, "/files declares %" PRIu64 " rows it does not store", (uint64_t)dims[0]);
    } else if (dims[0] > SIZE_MAX / sizeof *t->rows ||
               !(t->rows = calloc(dims[0] ? (size_t)dims[0] : 1, sizeof *t->rows))) {
        failf(rd, "out of memory reading /files");
    } else {
        t->n = (size_t)dims[0];
        t->present = 1;
        rc = 0;
    }
    for (size_t c = 0; rc == 0 && t->n && c < sizeof string_cols / sizeof *string_cols; c++)
        rc = read_string_col(rd, &d, c, t);
    for (size_t c = 0; rc == 0 && t->n && c < sizeof uint_cols / sizeof *uint_cols; c++)
        rc = read_uint_col(rd, &d, c, t);
    close_item(&d);
    return rc;
}

static int read_root(reader *rd, hid_t f, tp_runlog *log)
{
    char format[32];
    uint64_t version;
    if (attr_string(rd, f, "/", "trainprov_format", format, sizeof format) != 0)
        return -1;
    if (strcmp(format, TP_FORMAT_NAME) != 0)
        return failf(rd, "trainprov_format is \"%s\", not \"" TP_FORMAT_NAME "\"", format);
    if (attr_u64(rd, f, "/", "format_version", &version) != 0)
        return -1;
    if (version != TP_FORMAT_VERSION)
        return failf(rd, "format_version %" PRIu64 " is not supported (this trainprov reads %d)",
                     version, TP_FORMAT_VERSION);
    char run_id[2 * TP_RUN_ID_LEN + 1], key_id[2 * TP_KEY_ID_LEN + 1];
    if (attr_string(rd, f, "/", "run_id", run_id, sizeof run_id) != 0 ||
        attr_string(rd, f, "/", "key_id", key_id, sizeof key_id) != 0 ||
        attr_string(rd, f, "/", "library_version", log->library_version,
                    sizeof log->library_version) != 0 ||
        attr_string(rd, f, "/", "assembled_by", log->assembled_by, sizeof log->assembled_by) != 0)
        return -1;
    if (!is_hex(run_id, 2 * TP_RUN_ID_LEN))
        return failf(rd, "run_id \"%s\" is not %d lowercase hex digits", run_id, 2 * TP_RUN_ID_LEN);
    if (!is_hex(key_id, 2 * TP_KEY_ID_LEN))
        return failf(rd, "key_id \"%s\" is not %d lowercase hex digits", key_id, 2 * TP_KEY_ID_LEN);
    log->has_run_id = tp_hex_decode(run_id, log->run_id, TP_RUN_ID_LEN) == 0;
    log->has_key_id = tp_hex_decode(key_id, log->key_id, TP_KEY_ID_LEN) == 0;
    return 0;
}

static int read_log(reader *rd, tp_runlog *out, tp_file_table *t)
{
    memset(out, 0, sizeof *out);
    memset(t, 0, sizeof *t);
    rd->budget = TP_READ_BASE + mul_sat(rd->size, TP_READ_PER_BYTE);
    if (rd->budget < TP_READ_BASE)
        rd->budget = UINT64_MAX;
    hid_t f = H5Fopen(rd->h5path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0)
        return failf(rd, "cannot open as HDF5");
    int rc = read_root(rd, f, out);
    if (rc == 0)
        rc = read_streams(rd, f, out);
    if (rc == 0)
        rc = read_manifest(rd, f, out);
    if (rc == 0)
        rc = read_files(rd, f, t);
    H5Fclose(f);
    return rc;
}

/* The data segment's size now (Linux: /proc/self/statm's "data" field, in
 * pages), so the child's memory limit is what it has plus a budget. */
static rlim_t data_size_now(void)
{
    unsigned long pages[6] = {0};
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%lu %lu %lu %lu %lu %lu", &pages[0], &pages[1], &pages[2], &pages[3],
                   &pages[4], &pages[5]) != 6)
            pages[5] = 0;
        fclose(f);
    }
    return (rlim_t)pages[5] * (rlim_t)sysconf(_SC_PAGESIZE);
}

/* In the forked child: dies with its parent, the CPU-time and memory
 * limits, then our reader; its verdict (empty: the file reads) goes to fd.
 * Never returns. */
static void probe_child(const reader *rd, pid_t parent, rlim_t cpu, rlim_t data, int fd)
{
    /* a verify killed by its user or a time limit must not leave the
     * child reading on, up to its CPU limit */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
        _exit(4);
    int devnull = open("/dev/null", O_WRONLY);
    if (devnull >= 0)
        dup2(devnull, STDERR_FILENO); /* glibc's abort message is not ours to print */
    struct rlimit cpu_lim = {cpu, cpu + 1}; /* soft: SIGXCPU (default: die); hard: SIGKILL */
    struct rlimit data_lim = {data, data};  /* beyond it malloc fails, and so does HDF5 */
    setrlimit(RLIMIT_CPU, &cpu_lim);
    if (data != RLIM_INFINITY)
        setrlimit(RLIMIT_DATA, &data_lim);
    tp_runlog log;
    tp_file_table t;
    char msg[512] = "";
    reader child = *rd;
    child.err = msg;
    child.errlen = sizeof msg;
    int rc = read_log(&child, &log, &t);
    /* what this process will run at its exit after reading the file: some
     * damaged files corrupt HDF5's heap so that only its termination
     * crashes (a double free in H5_term_library) */
    H5close();
    ssize_t w = write(fd, msg, strlen(msg));
    (void)w;
    _exit(rc == 0 ? 0 : 3);
}

/* Reads the log in a forked child with limits on its CPU time and memory.
 * 0 when the child read it (this process then reads it for real), -1 when
 * the child found it broken (its message), or HDF5 crashed in it, or was
 * still at it when its CPU-time limit ran out (SIGXCPU). A file the child
 * rejected is not read again here: a file that makes HDF5 allocate without
 * bound fails in the child, under its memory limit, and only there. */
static int probe_in_child(reader *rd)
{
    uint64_t size = rd->size;
    rlim_t cpu = TP_PROBE_CPU_BASE + (rlim_t)(size >> 20) * TP_PROBE_CPU_PER_MIB;
    rlim_t budget = TP_PROBE_MEM_BASE + (rlim_t)size * TP_PROBE_MEM_PER_BYTE;
    rlim_t now = data_size_now();
    rlim_t data = now && now < RLIM_INFINITY - budget ? now + budget : RLIM_INFINITY;
    int fds[2];
    if (pipe(fds) != 0)
        return failf(rd, "cannot read the file safely: pipe: %s", strerror(errno));
    fflush(NULL);
    pid_t parent = getpid(), pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return failf(rd, "cannot fork to read the file safely: %s", strerror(errno));
    }
    if (pid == 0) {
        close(fds[0]);
        probe_child(rd, parent, cpu, data, fds[1]);
    }
    close(fds[1]);
    char msg[512];
    size_t got = 0;
    ssize_t n;
    while (got < sizeof msg - 1 &&
           ((n = read(fds[0], msg + got, sizeof msg - 1 - got)) > 0 || (n < 0 && errno == EINTR)))
        got += n > 0 ? (size_t)n : 0;
    msg[got] = '\0';
    close(fds[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return failf(rd, "cannot read the file safely: waitpid: %s", strerror(errno));
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGXCPU)
        return failf(rd, "corrupt HDF5 file: the HDF5 library was still reading it after %llu s"
                         " of CPU time (an endless loop)", (unsigned long long)cpu);
    if (WIFSIGNALED(status))
        return failf(rd, "corrupt HDF5 file: the HDF5 library crashed reading it (%s)",
                     strsignal(WTERMSIG(status)));
    if (WIFEXITED(status) && WEXITSTATUS(status) == 3 && got > 0) {
        if (rd->err && rd->errlen)
            snprintf(rd->err, rd->errlen, "%s", msg); /* already names the file */
        return -1;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return failf(rd, "corrupt HDF5 file: reading it failed (exit status %d)",
                     WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    return 0;
}

/* What a file that is not a regular one is, for the refusal. */
static const char *file_kind(mode_t m)
{
    return S_ISDIR(m) ? "a directory" : S_ISFIFO(m) ? "a FIFO" : S_ISSOCK(m) ? "a socket"
           : S_ISCHR(m) || S_ISBLK(m) ? "a device" : "not a regular file";
}

/* Opens path without blocking (a FIFO would wait for a writer) and refuses
 * anything but a regular file. The descriptor, or -1 (failf). */
static int open_regular(reader *rd)
{
    int fd = open(rd->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    struct stat st;
    if (fd < 0)
        return failf(rd, "cannot open (%s)", strerror(errno));
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        int e = errno;
        close(fd);
        return S_ISREG(st.st_mode) ? failf(rd, "cannot inspect: %s", strerror(e))
                                   : failf(rd, "is %s, not a run log file: refusing it",
                                           file_kind(st.st_mode));
    }
    rd->size = st.st_size > 0 ? (uint64_t)st.st_size : 0;
    return fd;
}

int tp_h5log_read_files(const char *path, tp_runlog *out, tp_file_table *files, char *err,
                        size_t errlen)
{
    reader rd = {path, path, err, errlen, 0, 0};
    tp_file_table ignored;
    tp_file_table *t = files ? files : &ignored;
    memset(out, 0, sizeof *out);
    memset(t, 0, sizeof *t);
    int fd = open_regular(&rd);
    if (fd < 0)
        return -1;
    /* HDF5 opens by name: the file just checked, not whatever path names now */
    char self[64];
    snprintf(self, sizeof self, "/proc/self/fd/%d", fd);
    if (access(self, R_OK) == 0)
        rd.h5path = self;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    int rc = H5Fis_hdf5(rd.h5path) > 0 ? 0 : failf(&rd, "not an HDF5 file, so not a trainprov log");
    if (rc == 0)
        rc = probe_in_child(&rd);
    if (rc == 0)
        rc = read_log(&rd, out, t);
    close(fd);
    if (rc != 0 || !files) {
        tp_files_free(t);
        if (rc != 0)
            tp_runlog_free(out);
    }
    return rc;
}

int tp_h5log_read(const char *path, tp_runlog *out, char *err, size_t errlen)
{
    return tp_h5log_read_files(path, out, NULL, err, errlen);
}
