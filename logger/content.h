/* content.h: which weights format a file's content is, from bounded samples
 * of its bytes (the worker reads them, logger/worker/sniff.c): magic numbers
 * of the known formats, NumPy and HDF5 by their declared dtype, and raw
 * arrays of float32 / bfloat16 / float16 values in any other file (a C
 * trainer's own .bin model, raw dumps, custom formats); a zip's members
 * and a gzip file by the start of their decoded content (core/inflate.c
 * decodes DEFLATE), judged the same way. Pure functions: no I/O. The detector's error rates are in docs/CLAIMS.md (measured by
 * bench/classify_rates.py). */
#ifndef TP_CONTENT_H
#define TP_CONTENT_H
#include <stddef.h>
#include <stdint.h>

/* What the worker reads of a file (at most, each). */
#define TP_CONTENT_HEAD 4096             /* first bytes: magic, .npy / .npz headers */
#define TP_CONTENT_HDF5_WINDOW 65536     /* HDF5: first and last bytes, for datatypes */
#define TP_CONTENT_WINDOWS 8             /* body samples, evenly spread */
#define TP_CONTENT_WINDOW 4096           /* bytes per body sample */
#define TP_CONTENT_RAW_MIN_SIZE 32768    /* smaller files are not tested for raw floats */
#define TP_CONTENT_MEMBERS 64            /* zip members decoded: the largest */
#define TP_CONTENT_STREAM_IN (256 << 10) /* compressed bytes read of each (and of a gzip file) */
#define TP_CONTENT_STREAM_OUT 65536      /* decoded bytes judged of each */

/* The format word of a compressed stream (a zip member, a gzip file) whose
 * start could not be judged: a method not decoded (bzip2, lzma, zstd),
 * encryption, a compressed container inside it, a stream padded so that
 * its start lies beyond the bytes read. */
#define TP_FORMAT_POSSIBLE_COMPRESSED "possible-compressed"

typedef struct {
    uint64_t size;         /* the file's size */
    const uint8_t *head;   /* its first head_len bytes */
    size_t head_len;
    const uint8_t *tail;   /* HDF5 and zip: its last tail_len bytes (NULL otherwise) */
    size_t tail_len;
    const uint8_t *body;   /* body samples, concatenated; each window's length in */
    const size_t *window_len; /* window_len[i] (a multiple of 4 bytes, or the rest) */
    size_t n_windows;
    const char *decoded;   /* zip and gzip: the strongest format of their decoded streams */
    int decoded_all;       /* zip: 1 when every member was decoded (none beyond the caps) */
} tp_content;

/* A member of a zip, from its central directory entry. */
typedef struct {
    uint64_t header;       /* the file offset of its local file header */
    uint64_t csize, usize; /* compressed and uncompressed sizes */
    uint16_t method, flags;
} tp_zip_member;

/* The members of a zip whose central directory lies whole in tail (the
 * file's last tail_len bytes; size: the file's): the n_max largest by
 * uncompressed size into out, largest first. Returns how many members the
 * directory lists (when more than n_max, the smaller rest are not in out),
 * -1 when the directory is not seen whole. */
long tp_content_zip_members(const uint8_t *tail, size_t tail_len, uint64_t size,
                            tp_zip_member *out, size_t n_max);

/* The file offset of a member's data from the first 30 bytes of its local
 * file header lh, read at file offset header; 0 when lh is no local header. */
uint64_t tp_content_zip_data_offset(const uint8_t *lh, uint64_t header);

/* gzip (RFC 1952): the offset of the DEFLATE stream in a file whose first
 * len bytes are h, after the header and its optional fields; 0 when h is
 * no gzip header or its fields do not end inside h. */
size_t tp_content_gzip_data_offset(const uint8_t *h, size_t len);

/* The format of a compressed stream from its start: in[0..in_len), the
 * first bytes of its in_total compressed bytes; method 0 (stored), 8
 * (deflated) or another zip method; usize its uncompressed size (0 when
 * unknown: gzip); in_zip 1 for a zip member (a NumPy array there is
 * "numpy-npz"). At most out_cap bytes are decoded into out and judged
 * like a file's content (magic, dtype, raw floats over all their 4 KiB
 * windows). A zip or gzip inside, a method not decoded or an encrypted
 * member of TP_CONTENT_RAW_MIN_SIZE or more, and a stream that produced
 * less than out_cap bytes from in_len < in_total bytes (deflate never needs
 * that much: padding) are TP_FORMAT_POSSIBLE_COMPRESSED. */
const char *tp_content_stream_format(const uint8_t *in, size_t in_len, uint64_t in_total,
                                     unsigned method, unsigned flags, uint64_t usize, int in_zip,
                                     uint8_t *out, size_t out_cap);

/* A gzip file's decoded start: in[0..in_len), the first bytes of the
 * in_total bytes after its first header, decoded across its members as
 * gzip readers join them (zeros between members skipped), at most out_cap
 * bytes, judged as tp_content_stream_format judges one stream. A member
 * whose header lies beyond in_len while out is not full, and padding that
 * pushes the start out of sight, are TP_FORMAT_POSSIBLE_COMPRESSED. */
const char *tp_content_gzip_format(const uint8_t *in, size_t in_len, uint64_t in_total,
                                   uint8_t *out, size_t out_cap);

/* The stronger of two verdicts: a format beats a possible one beats NULL. */
const char *tp_content_stronger(const char *a, const char *b);

/* 1 when the head says HDF5: the worker then reads TP_CONTENT_HDF5_WINDOW
 * bytes at both ends of the file as head and tail. */
int tp_content_is_hdf5(const uint8_t *head, size_t len);

/* The weights format of the content, or NULL when it is not weights:
 *   "safetensors", "pytorch-zip", "pytorch-legacy", "gguf": by magic number;
 *   "numpy", "numpy-npz": a float (or complex) array by its declared dtype
 *     (an .npz by its first member); integer, bool and string arrays are not
 *     weights;
 *   "hdf5": a floating-point datatype message in the file's first or last
 *     64 KiB;
 *   "raw-float32", "raw-bfloat16", "raw-float16", "raw-float64": body samples that are
 *     values of that type distributed like weights (see content.c).
 * "possible-" + one of these (TP_FORMAT_POSSIBLE_PREFIX) when the content may
 * be weights but the evidence is weaker: an object or structured .npy, an
 * .npy-named member of a zip with more members than were decoded, an HDF5
 * file with no datatype found in the windows, samples that pass the
 * raw-float test's loose thresholds only; TP_FORMAT_POSSIBLE_COMPRESSED.
 * A zip or gzip file is, besides, what its decoded streams are (decoded). */
const char *tp_content_format(const tp_content *c);

/* The raw-float test alone on one buffer (exposed for the tests and the
 * benchmark): "raw-float32", ..., "possible-raw-...", or NULL. */
const char *tp_content_raw_floats(const uint8_t *buf, const size_t *window_len, size_t n_windows);

#endif
