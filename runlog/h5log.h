/* h5log.h: the HDF5 run log (docs/FORMAT.md section 6) written from and read
 * into a tp_runlog. Only the CLI links HDF5; the training process never does. */
#ifndef TP_H5LOG_H
#define TP_H5LOG_H
#include <stddef.h>

#include "runlog/runlog.h"

/* Writes path + ".tmp", closes it, renames it to path. 0 or -1 (err says why). */
int tp_h5log_write(const char *path, const tp_runlog *log, char *err, size_t errlen);
/* Reads a log, bounding every length by the dataset sizes. 0, or -1 when the
 * file is not HDF5, not a trainprov log, or structurally broken (err says
 * which file and what is wrong; the CLI exits 2). */
int tp_h5log_read(const char *path, tp_runlog *out, char *err, size_t errlen);

#endif
