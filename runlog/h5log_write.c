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
#include "core/format.h"
#include "core/hex.h"
#include "core/progress.h"
#include "runlog/records.h"

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
    char name[TP_STREAM_HEX_LEN + 1];
    tp_stream_hex(s->stream_id, name);
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

/* One /files row as stored, its members the columns of TP_FILES_COLUMNS
 * (core/format.h): strings point into the tp_file_table the rows are made
 * from; the hex columns are fixed-width strings (their NUL is not stored). */
#define ROW_MEMBER_STR(name) const char *name;
#define ROW_MEMBER_HEX64(name) char name[2 * 32 + 1];
#define ROW_MEMBER_HEX16(name) char name[TP_STREAM_HEX_LEN + 1];
#define ROW_MEMBER_U64(name) uint64_t name;
#define ROW_MEMBER(name, kind) ROW_MEMBER_##kind(name)
typedef struct {
    TP_FILES_COLUMNS(ROW_MEMBER)
} file_row;

#define ROW_SET_STR(r, f, name) r->name = f->name;
#define ROW_SET_HEX64(r, f, name) snprintf(r->name, sizeof r->name, "%s", f->name);
#define ROW_SET_HEX16(r, f, name) snprintf(r->name, sizeof r->name, "%s", f->name);
#define ROW_SET_U64(r, f, name) r->name = f->name;
#define ROW_SET(name, kind) ROW_SET_##kind(r, f, name)

#define FILES_CHUNK_ROWS 4096

/* The rows of the file table the records say (runlog/records.h, the one
 * derivation of /files). NULL when out of memory. */
static file_row *file_rows(const tp_file_table *t)
{
    file_row *rows = calloc(t->n ? t->n : 1, sizeof *rows);
    for (size_t i = 0; rows && i < t->n; i++) {
        file_row *r = &rows[i];
        const tp_file_row *f = &t->rows[i];
        TP_FILES_COLUMNS(ROW_SET)
    }
    return rows;
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
static int write_files_dataset(h5w *w, hid_t file, hid_t ftype, hid_t mtype,
                               const file_row *rows, size_t n_rows)
{
    hsize_t n = n_rows, chunk = n_rows < FILES_CHUNK_ROWS ? n_rows : FILES_CHUNK_ROWS;
    if (n == 0)
        return write_dataset(w, file, "files", ftype, mtype, 1, &n, rows);
    hid_t space = H5Screate_simple(1, &n, NULL);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    int ok = space >= 0 && dcpl >= 0 && H5Pset_chunk(dcpl, 1, &chunk) >= 0 &&
             H5Pset_deflate(dcpl, 6) >= 0;
    hid_t d = ok ? H5Dcreate2(file, "files", ftype, space, H5P_DEFAULT, dcpl, H5P_DEFAULT) : -1;
    ok = d >= 0 && H5Dwrite(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows) >= 0;
    if (d >= 0)
        H5Dclose(d);
    if (dcpl >= 0)
        H5Pclose(dcpl);
    if (space >= 0)
        H5Sclose(space);
    return ok ? 0 : h5fail(w, "files");
}

#define COLUMN_INSERT(name, kind) &&H5Tinsert(ct, #name, HOFFSET(file_row, name), type_##kind) >= 0

static int write_files(h5w *w, hid_t file, const tp_runlog *log)
{
    tp_decoded_stream *dec = NULL;
    tp_file_table t = {0};
    file_row *rows = NULL;
    if (tp_records_decode_all(log, &dec) != 0 || tp_files_from_records(log, dec, &t) != 0 ||
        !(rows = file_rows(&t))) {
        tp_files_free(&t);
        tp_records_free_all(dec, log->n_streams);
        snprintf(w->err, w->errlen, "cannot write %s: out of memory building /files", w->path);
        return -1;
    }
    hid_t type_STR = string_type(), type_HEX64 = fixed_string_type(64),
          type_HEX16 = fixed_string_type(TP_STREAM_HEX_LEN), type_U64 = H5T_NATIVE_UINT64;
    hid_t ct = H5Tcreate(H5T_COMPOUND, sizeof(file_row));
    int rc = -1;
    if (type_STR >= 0 && type_HEX64 >= 0 && type_HEX16 >= 0 && ct >= 0
        TP_FILES_COLUMNS(COLUMN_INSERT)) {
        /* the file type drops the padding: only the listed members are stored */
        hid_t packed = H5Tcopy(ct);
        if (packed >= 0 && H5Tpack(packed) >= 0)
            rc = write_files_dataset(w, file, packed, ct, rows, t.n);
        else
            rc = h5fail(w, "/files type");
        if (packed >= 0)
            H5Tclose(packed);
    } else {
        rc = h5fail(w, "/files type");
    }
    hid_t types[] = {ct, type_STR, type_HEX64, type_HEX16};
    for (size_t i = 0; i < sizeof types / sizeof *types; i++)
        if (types[i] >= 0)
            H5Tclose(types[i]);
    free(rows);
    tp_files_free(&t);
    tp_records_free_all(dec, log->n_streams);
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
    tp_runlog_ids_hex ids = tp_runlog_ids(log);
    if (attr_string(w, file, "trainprov_format", FORMAT_NAME) != 0 ||
        write_attr(w, file, "format_version", H5T_STD_U32LE, H5T_NATIVE_UINT, &version) != 0 ||
        attr_string(w, file, "run_id", ids.run_id) != 0 ||
        attr_string(w, file, "key_id", ids.key_id) != 0 ||
        attr_string(w, file, "library_version", log->library_version) != 0 ||
        attr_string(w, file, "assembled_by", log->assembled_by) != 0)
        return -1;
    hid_t streams = H5Gcreate2(file, "streams", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (streams < 0)
        return h5fail(w, "/streams");
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < log->n_streams; i++) {
        rc = write_stream(w, streams, &log->streams[i]);
        tp_progress_report("writing streams", TP_PROGRESS_ITEMS, i + 1, log->n_streams);
    }
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
    /* RUN.h5.tmp is this function's own name: whatever is there (a file a
     * crashed assembly left, or a symbolic link someone planted) is removed,
     * never written through, and the file is created with O_EXCL, which
     * fails rather than follow a link planted in between. */
    if (unlink(tmp) != 0 && errno != ENOENT) {
        snprintf(err, errlen, "cannot write %s: cannot remove %s: %s", path, tmp,
                 strerror(errno));
        return -1;
    }
    hid_t file = H5Fcreate(tmp, H5F_ACC_EXCL, H5P_DEFAULT, H5P_DEFAULT);
    if (file < 0)
        return h5fail(&w, "cannot create the temporary file (exclusively)");
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
