/* safetensors.h: a bounds-checked reader of safetensors files (8-byte
 * little-endian header length, a JSON header parsed with json-c, then the
 * tensor data): the tensor table, and the SHA-256 of one tensor's bytes. */
#ifndef TP_SAFETENSORS_H
#define TP_SAFETENSORS_H
#include <stddef.h>
#include <stdint.h>

#define TP_ST_HEADER_MAX (100u << 20) /* the format's own limit: 100 MB */
#define TP_ST_DIMS_MAX 16
#define TP_ST_NAME_MAX 4096
#define TP_ST_TENSORS_MAX 1000000

typedef struct {
    char *name;
    char dtype[8];                   /* "F32", "BF16", ... */
    uint64_t shape[TP_ST_DIMS_MAX];
    size_t ndim;
    uint64_t begin, end;             /* offsets in the data section */
} tp_st_tensor;

typedef struct {
    int fd;
    uint64_t data_offset, data_size;
    tp_st_tensor *tensors;           /* sorted by name */
    size_t n;
} tp_safetensors;

/* Opens and checks the whole header: every tensor's dtype known, its offsets
 * inside the data section, its size = elements x dtype size, no overlaps.
 * 0, or -1 with err naming the file and the problem. */
int tp_safetensors_open(const char *path, tp_safetensors *out, char *err, size_t errlen);
const tp_st_tensor *tp_safetensors_find(const tp_safetensors *st, const char *name);
/* SHA-256 of a tensor's bytes. 0, or -1 on a read error. */
int tp_safetensors_sha256(const tp_safetensors *st, const tp_st_tensor *t, uint8_t out[32]);
/* A tensor's bytes to fn in chunks of whole elements (fn returns 0 to go
 * on, -1 to stop). 0, or -1 on a read error, out of memory or fn's error. */
int tp_safetensors_bytes(const tp_safetensors *st, const tp_st_tensor *t,
                         int (*fn)(void *ctx, const uint8_t *bytes, size_t n), void *ctx);
/* A floating-point tensor (F32, BF16 or F16) as float32 values in a new
 * array of *n elements (at most TP_ST_READ_MAX elements). 0; 1 when its dtype
 * is not one of those or it is too large (why says which); -1 on a read
 * error or out of memory. */
#define TP_ST_READ_MAX (1ull << 31)
int tp_safetensors_read_f32(const tp_safetensors *st, const tp_st_tensor *t, float **out,
                            uint64_t *n, const char **why);
void tp_safetensors_close(tp_safetensors *st);

#endif
