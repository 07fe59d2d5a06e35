/* trainprov.h: the public C API of libtrainprov.so.
 *
 * Everything the interposer records happens without these calls; they add what
 * only the job knows (its seeds, its progress, a file's role). Every function
 * is safe to call when logging is inactive (it then does nothing and returns
 * TP_INACTIVE), from any thread, and never blocks on I/O: records are written
 * by the library's background thread. Python reaches the same functions with
 * ctypes (the `trainprov` package). */
#ifndef TRAINPROV_H
#define TRAINPROV_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TP_OK 0
#define TP_INACTIVE 1   /* logging is off in this process: nothing recorded */
#define TP_EINVAL (-1)  /* a bad argument (NULL name, unknown role) */
#define TP_ENOMEM (-2)

/* 1 when this process is recording into a signed log, else 0. */
int tp_log_active(void);

/* Records a seed the job committed to. source says where it came from
 * ("torch.manual_seed", "config", ...; NULL means "api"). */
int tp_seed_record(const char *name, uint64_t value, const char *source);

/* Records a free key/value note, e.g. ("step", "1200") or ("loss", "2.31"). */
int tp_note_record(const char *key, const char *value);

/* Declares the role of a file before (or after) the job opens it:
 * "data", "weights", "checkpoint", "code" or "other". Applies to the path as
 * given, after resolving it to an absolute, symlink-free path. */
int tp_file_set_role(const char *path, const char *role);

/* The library version string, e.g. "0.1.0". */
const char *tp_version(void);

#ifdef __cplusplus
}
#endif
#endif
