/* sniff.c: reads the bounded samples of a file that logger/content.c judges
 * (see sniff.h). At most 4 KiB of head and 8 windows of 4 KiB (HDF5: 64 KiB
 * at each end instead of the head; a zip: its last 64 KiB too, for its
 * central directory, and the start of its 64 largest members: 64 KiB when
 * stored, 256 KiB of compressed bytes when deflated, decoded to 64 KiB by
 * core/inflate.c; a gzip file: 256 KiB after its header, its members
 * joined, likewise), with
 * pread on the worker's descriptor, right after hashing, so from the page
 * cache: never a second full read. Any other file's last 64 KiB are read too,
 * for a zip's end record behind a stub. The buffers are static: one worker
 * thread sniffs, and its stack is small. */
#define _GNU_SOURCE
#include "logger/worker/sniff.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "logger/content.h"

/* Reads up to len bytes at off; the count read (0 on error). */
static size_t read_at(tp_pread_fn pread_fn, int fd, uint8_t *buf, size_t len, uint64_t off)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = pread_fn(fd, buf + done, len - done, (off_t)(off + done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        done += (size_t)n;
    }
    return done;
}

static uint8_t stream_in[TP_CONTENT_STREAM_IN], stream_out[TP_CONTENT_STREAM_OUT];

/* The format of the stream of in_total compressed bytes at file offset at. */
static const char *stream_format(tp_pread_fn pread_fn, int fd, uint64_t at, uint64_t in_total,
                                 const tp_zip_member *m, int in_zip)
{
    size_t want = m->method == 0 ? TP_CONTENT_STREAM_OUT : m->method == 8 ? TP_CONTENT_STREAM_IN : 0;
    if (m->flags & 1)
        want = 0; /* encrypted */
    if (want > in_total)
        want = (size_t)in_total;
    size_t in_len = read_at(pread_fn, fd, stream_in, want, at);
    return tp_content_stream_format(stream_in, in_len, in_total, m->method, m->flags, m->usize,
                                    in_zip, stream_out, sizeof stream_out);
}

/* A zip's members, the largest first: the strongest format of their
 * decoded starts; *all = 1 when the directory lists no more members than
 * were decoded. The ranking is by declared sizes, which decoys can inflate
 * to push a member out of the decoded ones; but a member its reader reads
 * whole cannot declare less than it holds, so when the largest undecoded
 * member declares TP_CONTENT_RAW_MIN_SIZE or more it could hold weights
 * unseen: possible-compressed. */
static const char *zip_members_format(tp_pread_fn pread_fn, int fd, uint64_t size,
                                      const uint8_t *tail, size_t tail_len, int *all)
{
    tp_zip_member members[TP_CONTENT_MEMBERS + 1];
    long n = tp_content_zip_members(tail, tail_len, size, members, TP_CONTENT_MEMBERS + 1);
    *all = n >= 0 && n <= TP_CONTENT_MEMBERS;
    const char *fmt = n > TP_CONTENT_MEMBERS &&
                              members[TP_CONTENT_MEMBERS].usize >= TP_CONTENT_RAW_MIN_SIZE
                          ? TP_FORMAT_POSSIBLE_COMPRESSED
                          : NULL;
    for (long i = 0; i < n && i < TP_CONTENT_MEMBERS; i++) {
        const tp_zip_member *m = &members[i];
        uint8_t lh[30];
        uint64_t data;
        if (m->header > size || read_at(pread_fn, fd, lh, sizeof lh, m->header) != sizeof lh ||
            (data = tp_content_zip_data_offset(lh, m->header)) == 0 || data > size)
            continue; /* no member there: no reader finds one either */
        uint64_t avail = size - data;
        fmt = tp_content_stronger(fmt, stream_format(pread_fn, fd, data,
                                                     m->csize < avail ? m->csize : avail, m, 1));
    }
    return fmt;
}

const char *tp_sniff_format(int fd, uint64_t size, tp_pread_fn pread_fn, int raw)
{
    static uint8_t head[TP_CONTENT_HDF5_WINDOW], tail[TP_CONTENT_HDF5_WINDOW];
    static uint8_t body[TP_CONTENT_WINDOWS * TP_CONTENT_WINDOW];
    size_t window_len[TP_CONTENT_WINDOWS];
    tp_content c = {.size = size, .head = head, .body = body, .window_len = window_len};
    c.head_len = read_at(pread_fn, fd, head, TP_CONTENT_HEAD, 0);
    if (tp_content_is_hdf5(head, c.head_len)) {
        c.head_len = read_at(pread_fn, fd, head, TP_CONTENT_HDF5_WINDOW, 0);
        if (size > TP_CONTENT_HDF5_WINDOW) {
            c.tail = tail;
            c.tail_len = read_at(pread_fn, fd, tail, TP_CONTENT_HDF5_WINDOW, size - TP_CONTENT_HDF5_WINDOW);
        }
    }
    if (c.head_len >= 4 && !memcmp(head, "PK\x03\x04", 4) && size > 0) {
        /* a zip: its central directory, at the end, names its members */
        size_t want = size < TP_CONTENT_HDF5_WINDOW ? (size_t)size : TP_CONTENT_HDF5_WINDOW;
        c.tail = tail;
        c.tail_len = read_at(pread_fn, fd, tail, want, size - want);
        c.decoded = zip_members_format(pread_fn, fd, size, tail, c.tail_len, &c.decoded_all);
    } else if (size >= 22) {
        /* data before a zip (a stub, or an HDF5 file): Python's zipfile finds
         * a zip by its end record, whatever the file starts with */
        const uint8_t *t = c.tail;
        size_t tail_len = c.tail_len;
        if (!t) {
            size_t want = size < TP_CONTENT_HDF5_WINDOW ? (size_t)size : TP_CONTENT_HDF5_WINDOW;
            tail_len = read_at(pread_fn, fd, tail, want, size - want);
            t = tail;
        }
        tp_zip_member first;
        int all;
        if (tp_content_zip_members(t, tail_len, size, &first, 1) > 0)
            c.decoded = zip_members_format(pread_fn, fd, size, t, tail_len, &all);
    }
    size_t gz = tp_content_gzip_data_offset(head, c.head_len);
    if (gz) { /* a gzip file: the start of its members, joined */
        size_t want = size - gz < TP_CONTENT_STREAM_IN ? (size_t)(size - gz) : TP_CONTENT_STREAM_IN;
        size_t in_len = read_at(pread_fn, fd, stream_in, want, gz);
        c.decoded = tp_content_stronger(c.decoded,
                                        tp_content_gzip_format(stream_in, in_len, size - gz,
                                                               stream_out, sizeof stream_out));
    } else if (c.head_len >= 3 && !memcmp(head, "\x1f\x8b\x08", 3)) {
        c.decoded = TP_FORMAT_POSSIBLE_COMPRESSED; /* its header runs past the head */
    }
    if (raw && size >= TP_CONTENT_RAW_MIN_SIZE) {
        size_t off = 0;
        for (size_t w = 0; w < TP_CONTENT_WINDOWS; w++) {
            /* the middle of each eighth, 64-byte aligned */
            uint64_t at = (size * (2 * w + 1) / (2 * TP_CONTENT_WINDOWS)) & ~(uint64_t)63;
            size_t want = size - at < TP_CONTENT_WINDOW ? (size_t)(size - at) : TP_CONTENT_WINDOW;
            window_len[w] = read_at(pread_fn, fd, body + off, want, at);
            off += window_len[w];
        }
        c.n_windows = TP_CONTENT_WINDOWS;
    }
    return tp_content_format(&c);
}
