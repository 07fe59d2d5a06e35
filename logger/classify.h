/* classify.h: decides whether a path is recorded at all and which role a
 * file plays (data / weights / checkpoint / code / other), the weights
 * formats recognised from a file's first bytes. Pure functions: no I/O. */
#ifndef TP_CLASSIFY_H
#define TP_CLASSIFY_H
#include <stddef.h>
#include <stdint.h>

#include "core/vocab.h"
#include "logger/config.h"

/* Bytes of a file's head that tp_classify_weights_format looks at. */
#define TP_MAGIC_BYTES 128

/* enum tp_role, tp_role_name and tp_role_parse: core/vocab.h */

/* 1 when the absolute path is outside every exclusion (or inside an
 * explicit inclusion), i.e. accesses to it are recorded. */
int tp_classify_recorded(const tp_config *cfg, const char *path);

/* The weights format named by a file's first bytes ("safetensors",
 * "pytorch-zip", "pytorch-legacy", "numpy", "numpy-npz", "gguf", "hdf5"), or
 * NULL when they are not model weights. */
const char *tp_classify_weights_format(const uint8_t *head, size_t len);

/* Role of a file the process read (opened for reading, never written). */
enum tp_role tp_classify_read(const tp_config *cfg, const char *path, const char *weights_format);
/* Role of a file the process wrote. */
enum tp_role tp_classify_written(const tp_config *cfg, const char *path,
                                 const char *weights_format);

#endif
