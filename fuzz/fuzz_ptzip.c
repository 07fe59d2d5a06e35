/* fuzz_ptzip.c: libFuzzer target for the PyTorch zip checkpoint reader
 * (verify/ptzip.c, verify/ptpickle.c): the input as a .pt file opened and,
 * when its structure checks out, every tensor found by its name and hashed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/fuzz_input.h"
#include "verify/ptzip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = tp_fuzz_write_file("input.pt", data, size);
    tp_ptzip z;
    char err[512];
    if (tp_ptzip_open(path, &z, err, sizeof err) != 0)
        return 0;
    for (size_t i = 0; i < z.n; i++) {
        const tp_pt_tensor *t = &z.tensors[i];
        if (t->storage >= z.n_storages || t->key_at > strlen(t->name))
            abort(); /* the reader let a tensor without its storage through */
        if (tp_ptzip_find(&z, t->name) != t)
            abort(); /* every listed tensor must be found by its name */
        uint8_t digest[32];
        const char *why = NULL;
        tp_ptzip_sha256(&z, t, digest, &why);
    }
    tp_ptzip_close(&z);
    return 0;
}
