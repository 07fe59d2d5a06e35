/* fuzz_safetensors.c: libFuzzer target for the safetensors reader
 * (verify/safetensors.c): the input as a .safetensors file opened and, when
 * its header checks out, every tensor looked up, hashed and read as floats. */
#include <stdint.h>
#include <stdlib.h>

#include "fuzz/fuzz_input.h"
#include "verify/safetensors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = tp_fuzz_write_file("input.safetensors", data, size);
    tp_safetensors st;
    char err[512];
    if (tp_safetensors_open(path, &st, err, sizeof err) != 0)
        return 0;
    for (size_t i = 0; i < st.n; i++) {
        const tp_st_tensor *t = &st.tensors[i];
        if (t->end < t->begin || t->end > st.data_size)
            abort(); /* the header check let a tensor outside the data through */
        if (tp_safetensors_find(&st, t->name) == NULL)
            abort(); /* every listed tensor must be found by its name */
        uint8_t digest[32];
        tp_safetensors_sha256(&st, t, digest);
        float *values = NULL;
        uint64_t n = 0;
        const char *why = NULL;
        if (tp_safetensors_read_f32(&st, t, &values, &n, &why) == 0)
            free(values);
    }
    tp_safetensors_close(&st);
    return 0;
}
