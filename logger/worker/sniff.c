/* sniff.c: reads the bounded samples of a file that logger/content.c judges
 * (see sniff.h). At most 4 KiB of head and 8 windows of 4 KiB (HDF5: 64 KiB
 * at each end instead of the head; a zip: its last 64 KiB too, for its
 * central directory), with pread on the worker's descriptor,
 * right after hashing, so from the page cache: never a second full read. */
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
