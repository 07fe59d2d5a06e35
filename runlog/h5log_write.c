/* h5log_write.c: writes a tp_runlog as the HDF5 run log of docs/FORMAT.md
 * section 6, with the plain HDF5 C API so h5py and h5dump read it as is.
 * The file is written to path.tmp, closed, fsync'ed and renamed into place, so
 * a reader never sees a half-written log.
 *
 * Choices a reader relies on (h5log_read.c reads exactly this):
 * - root and stream attributes and /files.path, .role and .access are
 *   variable-length UTF-8 strings; /files.sha256 is a fixed 64-byte string of
 *   lowercase hex (all NUL bytes, read as "", when the record has no digest)
 *   and /files.stream a fixed 16-byte string of lowercase hex: fixed widths
 *   keep the index small (no heap object per digest);
 * - /files is chunked and deflate-compressed (h5py and h5dump read it as is);
 * - integers are stored little-endian (uint8, uint32, uint64);
 * - datasets are contiguous; empty streams have zero-length datasets. */
#include "runlog/h5log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hdf5.h>

#include "proto/trainprov.pb-c.h"
#include "core/hex.h"

#define FORMAT_NAME "trainprov-log"
#define FORMAT_VERSION 1u
#define STAGE_BYTES (8u << 20) /* records are copied to HDF5 in 8 MiB slices */

typedef struct {
    const char *path;
    char *err;
    size_t errlen;
} h5w;

/* Error-stack walker: keeps the innermost HDF5 error description. */
static herr_t first_error(unsigned n, const H5E_error2_t *e, void *why)
{
    if (n == 0 && e->desc)
        snprintf(why, 256, "%s", e->desc);
    return 0;
}

static int h5fail(h5w *w, const char *what)
{
    char why[256] = "";
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, first_error, why);
    snprintf(w->err, w->errlen, "cannot write %s: %s%s%s", w->path, what, why[0] ? ": " : "",
             why);
    return -1;
}

static hid_t string_type(void)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t >= 0 && (H5Tset_size(t, H5T_VARIABLE) < 0 || H5Tset_cset(t, H5T_CSET_UTF8) < 0)) {
        H5Tclose(t);
        return -1;
    }
    return t;
}

/* A scalar attribute of file type ftype written from buf (memory type mtype). */
static int write_attr(h5w *w, hid_t obj, const char *name, hid_t ftype, hid_t mtype,
                      const void *buf)
{
    hid_t space = H5Screate(H5S_SCALAR);
    hid_t a = space < 0 ? -1 : H5Acreate2(obj, name, ftype, space, H5P_DEFAULT, H5P_DEFAULT);
    int ok = a >= 0 && H5Awrite(a, mtype, buf) >= 0;
    if (a >= 0)
        H5Aclose(a);
    if (space >= 0)
        H5Sclose(space);
    return ok ? 0 : h5fail(w, name);
}

static int attr_string(h5w *w, hid_t obj, const char *name, const char *value)
{
    hid_t t = string_type();
    if (t < 0)
        return h5fail(w, "string type");
    int rc = write_attr(w, obj, name, t, t, &value);
    H5Tclose(t);
    return rc;
}

/* A dataset of rank 1 or 2 written whole from buf (nothing written when empty). */
static int write_dataset(h5w *w, hid_t loc, const char *name, hid_t ftype, hid_t mtype,
                         int rank, const hsize_t *dims, const void *buf)
{
    hsize_t count = 1;
    for (int i = 0; i < rank; i++)
        count *= dims[i];
    hid_t space = H5Screate_simple(rank, dims, NULL);
    hid_t d = space < 0 ? -1
                        : H5Dcreate2(loc, name, ftype, space, H5P_DEFAULT, H5P_DEFAULT,
                                     H5P_DEFAULT);
    int ok = d >= 0 &&
             (count == 0 || H5Dwrite(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0);
    if (d >= 0)
        H5Dclose(d);
    if (space >= 0)
        H5Sclose(space);
    return ok ? 0 : h5fail(w, name);
}

/* Writes items[0..n) concatenated into uint8 dataset data_name, copied through
 * a bounded staging buffer, and their boundaries into uint64 off_name[n+1]. */
static int write_concat(h5w *w, hid_t g, const char *data_name, const char *off_name,
                        const tp_bytes *items, size_t n)
{
    uint64_t *off = n + 1 > SIZE_MAX / sizeof *off ? NULL : malloc((n + 1) * sizeof *off);
    if (!off) {
        snprintf(w->err, w->errlen, "cannot write %s: out of memory", w->path);
        return -1;
    }
    off[0] = 0;
    for (size_t i = 0; i < n; i++)
        off[i + 1] = off[i] + items[i].len;
    hsize_t total = off[n];
    size_t cap = total < STAGE_BYTES ? (size_t)total : STAGE_BYTES;
    uint8_t *stage = malloc(cap ? cap : 1);
    hid_t space = H5Screate_simple(1, &total, NULL);
    hid_t d = space < 0 ? -1
                        : H5Dcreate2(g, data_name, H5T_STD_U8LE, space, H5P_DEFAULT, H5P_DEFAULT,
                                     H5P_DEFAULT);
    int ok = stage && d >= 0;
    size_t i = 0, ipos = 0;
    for (hsize_t done = 0; ok && done < total;) {
        size_t fill = 0;
        while (fill < cap && i < n) {
            size_t take = items[i].len - ipos < cap - fill ? items[i].len - ipos : cap - fill;
            if (take)
                memcpy(stage + fill, items[i].data + ipos, take);
            fill += take;
            ipos += take;
            if (ipos == items[i].len) {
                i++;
                ipos = 0;
            }
        }
        hsize_t start = done, count = fill;
        hid_t mem = H5Screate_simple(1, &count, NULL);
        ok = mem >= 0 &&
             H5Sselect_hyperslab(space, H5S_SELECT_SET, &start, NULL, &count, NULL) >= 0 &&
             H5Dwrite(d, H5T_NATIVE_UINT8, mem, space, H5P_DEFAULT, stage) >= 0;
        if (mem >= 0)
            H5Sclose(mem);
        done += fill;
    }
    if (d >= 0)
        H5Dclose(d);
    if (space >= 0)
        H5Sclose(space);
    free(stage);
    int rc = ok ? 0 : h5fail(w, data_name);
    hsize_t noff = n + 1;
    if (rc == 0)
        rc = write_dataset(w, g, off_name, H5T_STD_U64LE, H5T_NATIVE_UINT64, 1, &noff, off);
    free(off);
    return rc;
}

static int write_stream(h5w *w, hid_t streams, const tp_stream_data *s)
{
    char name[17];
    snprintf(name, sizeof name, "%016llx", (unsigned long long)s->stream_id);
    hid_t g = H5Gcreate2(streams, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0)
        return h5fail(w, "a stream group");
    hsize_t sig_dims[2] = {s->n_heads, TP_SIG_LEN};
    uint64_t dropped = s->dropped_unsigned;
    int rc = write_concat(w, g, "records", "record_offsets", s->records, s->n_records);
    if (rc == 0)
        rc = write_concat(w, g, "head_bodies", "head_offsets", s->head_bodies, s->n_heads);
    if (rc == 0)
        rc = write_dataset(w, g, "head_signatures", H5T_STD_U8LE, H5T_NATIVE_UINT8, 2, sig_dims,
                           s->head_sigs);
    if (rc == 0)
        rc = attr_string(w, g, "journal_status", s->journal_status);
    if (rc == 0)
        rc = write_attr(w, g, "dropped_unsigned_records", H5T_STD_U64LE, H5T_NATIVE_UINT64,
                        &dropped);
    H5Gclose(g);
    return rc;
}

/* One /files row. The variable-length members point into decoded records;
 * the hex members are stored as fixed-width strings (their NUL is not). */
typedef struct { /* members in the documented column order */
    const char *path, *role;
    char sha256_hex[2 * 32 + 1];
    uint64_t size, bytes_read, bytes_written;
    const char *access;
    char stream_hex[17];
    uint64_t seq;
} file_row;

#define FILES_CHUNK_ROWS 4096

typedef struct {
    file_row *rows;
    Trainprov__V1__Record **recs; /* decoded FileEvent records the rows point into */
    size_t n, cap;
} file_table;

static void file_table_free(file_table *t)
{
    for (size_t i = 0; i < t->n; i++)
        trainprov__v1__record__free_unpacked(t->recs[i], NULL);
    free(t->rows);
    free(t->recs);
}

static const char *str_or_empty(const char *s)
{
    return s ? s : "";
}

/* Appends the row of a decoded FileEvent record, which t then owns.
 * 0, or -1 when out of memory (rec is freed). */
static int file_table_push(file_table *t, Trainprov__V1__Record *rec, uint64_t stream_id)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 64;
        file_row *rows =
            cap > SIZE_MAX / sizeof *rows ? NULL : realloc(t->rows, cap * sizeof *rows);
        if (rows)
            t->rows = rows;
        Trainprov__V1__Record **recs = rows ? realloc(t->recs, cap * sizeof *recs) : NULL;
        if (!recs) {
            trainprov__v1__record__free_unpacked(rec, NULL);
            return -1;
        }
        t->recs = recs;
        t->cap = cap;
    }
    const Trainprov__V1__FileEvent *f = rec->file;
    file_row *r = &t->rows[t->n];
    memset(r, 0, sizeof *r);
    r->path = str_or_empty(f->path);
    r->role = str_or_empty(f->role);
    r->access = str_or_empty(f->access);
    r->size = f->size;
    r->bytes_read = f->bytes_read;
    r->bytes_written = f->bytes_written;
    r->seq = rec->seq;
    if (f->sha256.len == 32)
        tp_hex_encode(f->sha256.data, 32, r->sha256_hex);
    snprintf(r->stream_hex, sizeof r->stream_hex, "%016llx", (unsigned long long)stream_id);
    t->recs[t->n++] = rec;
    return 0;
}

/* Decodes every record and keeps a row for each FileEvent; records that do
 * not decode are left to the verifier. 0 or -1 (out of memory). */
static int file_table_build(const tp_runlog *log, file_table *t)
{
    memset(t, 0, sizeof *t);
    for (size_t si = 0; si < log->n_streams; si++) {
        const tp_stream_data *s = &log->streams[si];
        for (size_t ri = 0; ri < s->n_records; ri++) {
            Trainprov__V1__Record *rec =
                trainprov__v1__record__unpack(NULL, s->records[ri].len, s->records[ri].data);
            if (rec && rec->body_case != TRAINPROV__V1__RECORD__BODY_FILE) {
                trainprov__v1__record__free_unpacked(rec, NULL);
                rec = NULL;
            }
            if (rec && file_table_push(t, rec, s->stream_id) != 0)
                return -1;
        }
    }
    return 0;
}

static hid_t fixed_string_type(size_t len)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t >= 0 && (H5Tset_size(t, len) < 0 || H5Tset_strpad(t, H5T_STR_NULLPAD) < 0)) {
        H5Tclose(t);
        return -1;
    }
    return t;
}

/* /files rows, chunked and compressed (an empty table is a plain empty dataset). */
static int write_files_dataset(h5w *w, hid_t file, hid_t ftype, hid_t mtype, const file_table *t)
{
    hsize_t n = t->n, chunk = t->n < FILES_CHUNK_ROWS ? t->n : FILES_CHUNK_ROWS;
    if (n == 0)
        return write_dataset(w, file, "files", ftype, mtype, 1, &n, t->rows);
    hid_t space = H5Screate_simple(1, &n, NULL);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    int ok = space >= 0 && dcpl >= 0 && H5Pset_chunk(dcpl, 1, &chunk) >= 0 &&
             H5Pset_deflate(dcpl, 6) >= 0;
    hid_t d = ok ? H5Dcreate2(file, "files", ftype, space, H5P_DEFAULT, dcpl, H5P_DEFAULT) : -1;
    ok = d >= 0 && H5Dwrite(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, t->rows) >= 0;
    if (d >= 0)
        H5Dclose(d);
    if (dcpl >= 0)
        H5Pclose(dcpl);
    if (space >= 0)
        H5Sclose(space);
    return ok ? 0 : h5fail(w, "files");
}

static int write_files(h5w *w, hid_t file, const tp_runlog *log)
{
    file_table t;
    if (file_table_build(log, &t) != 0) {
        file_table_free(&t);
        snprintf(w->err, w->errlen, "cannot write %s: out of memory building /files", w->path);
        return -1;
    }
    hid_t str = string_type(), hex64 = fixed_string_type(64), hex16 = fixed_string_type(16);
    hid_t ct = H5Tcreate(H5T_COMPOUND, sizeof(file_row));
    int rc = -1;
    if (str >= 0 && hex64 >= 0 && hex16 >= 0 && ct >= 0 &&
        H5Tinsert(ct, "path", HOFFSET(file_row, path), str) >= 0 &&
        H5Tinsert(ct, "role", HOFFSET(file_row, role), str) >= 0 &&
        H5Tinsert(ct, "sha256", HOFFSET(file_row, sha256_hex), hex64) >= 0 &&
        H5Tinsert(ct, "size", HOFFSET(file_row, size), H5T_NATIVE_UINT64) >= 0 &&
        H5Tinsert(ct, "bytes_read", HOFFSET(file_row, bytes_read), H5T_NATIVE_UINT64) >= 0 &&
        H5Tinsert(ct, "bytes_written", HOFFSET(file_row, bytes_written), H5T_NATIVE_UINT64) >= 0 &&
        H5Tinsert(ct, "access", HOFFSET(file_row, access), str) >= 0 &&
        H5Tinsert(ct, "stream", HOFFSET(file_row, stream_hex), hex16) >= 0 &&
        H5Tinsert(ct, "seq", HOFFSET(file_row, seq), H5T_NATIVE_UINT64) >= 0) {
        /* the file type drops the padding: only the listed members are stored */
        hid_t packed = H5Tcopy(ct);
        if (packed >= 0 && H5Tpack(packed) >= 0)
            rc = write_files_dataset(w, file, packed, ct, &t);
        else
            rc = h5fail(w, "/files type");
        if (packed >= 0)
            H5Tclose(packed);
    } else {
        rc = h5fail(w, "/files type");
    }
    if (ct >= 0)
        H5Tclose(ct);
    if (str >= 0)
        H5Tclose(str);
    if (hex64 >= 0)
        H5Tclose(hex64);
    if (hex16 >= 0)
        H5Tclose(hex16);
    file_table_free(&t);
    return rc;
}

static int write_manifest(h5w *w, hid_t file, const tp_runlog *log)
{
    hid_t g = H5Gcreate2(file, "manifest", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0)
        return h5fail(w, "/manifest");
    hsize_t body_len = log->manifest_body.len, sig_len = TP_SIG_LEN;
    int rc = write_dataset(w, g, "body", H5T_STD_U8LE, H5T_NATIVE_UINT8, 1, &body_len,
                           log->manifest_body.data);
    if (rc == 0)
        rc = write_dataset(w, g, "signature", H5T_STD_U8LE, H5T_NATIVE_UINT8, 1, &sig_len,
                           log->manifest_sig);
    H5Gclose(g);
    return rc;
}

static int write_contents(h5w *w, hid_t file, const tp_runlog *log)
{
    unsigned version = FORMAT_VERSION;
    if (attr_string(w, file, "trainprov_format", FORMAT_NAME) != 0 ||
        write_attr(w, file, "format_version", H5T_STD_U32LE, H5T_NATIVE_UINT, &version) != 0 ||
        attr_string(w, file, "run_id", log->run_id_hex) != 0 ||
        attr_string(w, file, "key_id", log->key_id_hex) != 0 ||
        attr_string(w, file, "library_version", log->library_version) != 0 ||
        attr_string(w, file, "assembled_by", log->assembled_by) != 0)
        return -1;
    hid_t streams = H5Gcreate2(file, "streams", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (streams < 0)
        return h5fail(w, "/streams");
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < log->n_streams; i++)
        rc = write_stream(w, streams, &log->streams[i]);
    H5Gclose(streams);
    if (rc == 0)
        rc = write_files(w, file, log);
    if (rc == 0 && log->has_manifest)
        rc = write_manifest(w, file, log);
    return rc;
}

/* fsync of a file or directory by path. */
static int sync_path(const char *path, int flags)
{
    int fd = open(path, flags | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

int tp_h5log_write(const char *path, const tp_runlog *log, char *err, size_t errlen)
{
    h5w w = {path, err, errlen};
    char tmp[4096], dir[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) {
        snprintf(err, errlen, "log path too long: %s", path);
        return -1;
    }
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t file = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (file < 0)
        return h5fail(&w, "cannot create the temporary file");
    int rc = write_contents(&w, file, log);
    if (H5Fclose(file) < 0 && rc == 0)
        rc = h5fail(&w, "closing the file failed");
    if (rc == 0 && sync_path(tmp, O_RDONLY) != 0) {
        snprintf(err, errlen, "cannot write %s: fsync of %s failed: %s", path, tmp,
                 strerror(errno));
        rc = -1;
    }
    if (rc == 0 && rename(tmp, path) != 0) {
        snprintf(err, errlen, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
        rc = -1;
    }
    if (rc != 0) {
        unlink(tmp);
        return -1;
    }
    /* make the rename durable: fsync the directory holding the log */
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash)
        slash == dir ? (void)(slash[1] = '\0') : (void)(*slash = '\0');
    sync_path(slash ? dir : ".", O_RDONLY | O_DIRECTORY);
    return 0;
}
