/* ptzip.h: a bounded reader of PyTorch zip checkpoints (what torch.save
 * writes since PyTorch 1.6): the zip's central directory (stored entries
 * only: torch.save never compresses), the pickle `<archive>/data.pkl` run by
 * a small opcode machine that knows only what torch.save (protocol 2) emits
 * and builds no Python object, and the tensors it names. Each tensor has the
 * path of keys that leads to it (a state dict's keys, nested dicts such as
 * {'model': state_dict, 'step': 0}), its dtype, shape, strides, storage
 * offset, and the storage `<archive>/data/<key>` that holds its bytes. No
 * Python, no code from the file is ever run. */
#ifndef TP_PTZIP_H
#define TP_PTZIP_H
#include <stddef.h>
#include <stdint.h>

#define TP_PT_PICKLE_MAX (256u << 20) /* data.pkl larger than this is refused */
#define TP_PT_ENTRIES_MAX 4000000     /* zip entries */
#define TP_PT_DIMS_MAX 16
#define TP_PT_DEPTH_MAX 32            /* containers nested deeper are refused */
#define TP_PT_NAME_MAX 4096           /* a tensor's key path */
#define TP_PT_TENSORS_MAX (1u << 18)  /* tensors (key paths) one checkpoint may name */
#define TP_PT_GATHER_MAX (256u << 20) /* bytes a non-contiguous tensor may span */
/* The tensors' bytes may add up to at most this many times the file's size
 * (plus TP_PT_SHARED_SLACK): views of one storage (tied weights) count for
 * each view, and hashing them all must stay proportional to the file. */
#define TP_PT_SHARED_FACTOR 4
#define TP_PT_SHARED_SLACK (64u << 20)

typedef struct {
    char *key;           /* the storage's record: <archive>/data/<key> */
    char dtype[8];       /* in safetensors' words: "F32", "BF16", "F16", "I64", ... */
    unsigned elem_size;
    uint64_t numel;      /* elements, as the pickle says */
    uint64_t offset;     /* where its bytes start in the file */
} tp_pt_storage;

typedef struct {
    char *name;          /* the keys leading to it, joined by '.': "model.fc.weight" */
    size_t key_at;       /* where the innermost key starts in name ("fc.weight") */
    size_t storage;      /* its index in tp_ptzip.storages */
    uint64_t shape[TP_PT_DIMS_MAX], stride[TP_PT_DIMS_MAX]; /* stride in elements */
    size_t ndim;
    uint64_t storage_offset; /* in elements */
} tp_pt_tensor;

typedef struct {
    int fd;
    uint64_t file_size;
    tp_pt_storage *storages;
    size_t n_storages;
    tp_pt_tensor *tensors; /* sorted by name */
    size_t n;
} tp_ptzip;

/* Reads and checks the whole structure: the zip's directory and local
 * headers, data.pkl, every storage inside the file and large enough for
 * the elements it declares, every tensor's elements inside its storage.
 * 0, or -1 with err naming the file and what is wrong (a compressed or
 * encrypted entry, a pickle opcode torch.save does not write, a length
 * beyond the file, ...). */
int tp_ptzip_open(const char *path, tp_ptzip *out, char *err, size_t errlen);
/* The tensor with this key path, or NULL. */
const tp_pt_tensor *tp_ptzip_find(const tp_ptzip *z, const char *name);
/* 1 when its elements lie row-major, one after the other, in the storage. */
int tp_ptzip_contiguous(const tp_pt_tensor *t);
/* The tensor's bytes as a contiguous row-major array, to fn in chunks of
 * whole elements (fn returns 0 to go on, -1 to stop with an error): read in
 * place when it is contiguous, gathered by its strides otherwise. 0; 1 when
 * it is not contiguous and spans more than TP_PT_GATHER_MAX bytes (*why says
 * so); -1 on a read error, out of memory or fn's error. */
typedef int (*tp_pt_bytes_fn)(void *ctx, const uint8_t *bytes, size_t n);
int tp_ptzip_bytes(const tp_ptzip *z, const tp_pt_tensor *t, tp_pt_bytes_fn fn, void *ctx,
                   const char **why);
/* SHA-256 of the tensor's bytes as a contiguous row-major array (what
 * tensor.contiguous().numpy().tobytes() hashes to): read in place when it is
 * contiguous, gathered by its strides otherwise. 0; 1 when it is not
 * contiguous and spans more than TP_PT_GATHER_MAX bytes (*why says so); -1
 * on a read error or out of memory. */
int tp_ptzip_sha256(const tp_ptzip *z, const tp_pt_tensor *t, uint8_t out[32], const char **why);
void tp_ptzip_close(tp_ptzip *z);

#endif
