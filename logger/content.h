/* content.h: which weights format a file's content is, from bounded samples
 * of its bytes (the worker reads them, logger/worker/sniff.c): magic numbers
 * of the known formats, NumPy and HDF5 by their declared dtype, and raw
 * arrays of float32 / bfloat16 / float16 values in any other file (a C
 * trainer's own .bin model, raw dumps, custom formats). Pure functions: no
 * I/O. The detector's error rates are in docs/CLAIMS.md (measured by
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

typedef struct {
    uint64_t size;         /* the file's size */
    const uint8_t *head;   /* its first head_len bytes */
    size_t head_len;
    const uint8_t *tail;   /* HDF5 and zip: its last tail_len bytes (NULL otherwise) */
    size_t tail_len;
    const uint8_t *body;   /* body samples, concatenated; each window's length in */
    const size_t *window_len; /* window_len[i] (a multiple of 4 bytes, or the rest) */
    size_t n_windows;
} tp_content;

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
 * be weights but the evidence is weaker: an object or structured .npy, a
 * compressed .npz member, an HDF5 file with no datatype found in the windows,
 * samples that pass the raw-float test's loose thresholds only. */
const char *tp_content_format(const tp_content *c);

/* The raw-float test alone on one buffer (exposed for the tests and the
 * benchmark): "raw-float32", ..., "possible-raw-...", or NULL. */
const char *tp_content_raw_floats(const uint8_t *buf, const size_t *window_len, size_t n_windows);

#endif
