/* classify.h: decides whether a path is recorded (hashed) at all, whether
 * the worker still looks at the bytes of an excluded one, and which role a
 * file plays (data / weights / checkpoint / code / other). Content beats
 * declarations: a file whose content is a weights format (logger/content.h)
 * is weights, or a checkpoint when written, whatever the job declared.
 * Pure functions: no I/O. */
#ifndef TP_CLASSIFY_H
#define TP_CLASSIFY_H
#include <stddef.h>
#include <stdint.h>

#include "core/vocab.h"
#include "logger/config.h"

/* Bytes of a file's head the per-node digest cache keeps. */
#define TP_MAGIC_BYTES 128

/* enum tp_role, tp_role_name and tp_role_parse: core/vocab.h */

/* 1 when the absolute path is outside every exclusion (or inside an
 * explicit inclusion), i.e. accesses to it are recorded and hashed.
 * Prefixes match whole path components. */
int tp_classify_recorded(const tp_config *cfg, const char *path);

/* How the worker looks at the content of a file read where nothing is
 * recorded (an exclusion only skips hashing; the file is recorded when its
 * content is weights): */
enum tp_peek {
    TP_PEEK_NONE,    /* recorded anyway, or trainprov's own files, /proc, /sys */
    TP_PEEK_HEAD,    /* a read-only system location: the head's magic and dtype */
    TP_PEEK_CONTENT, /* elsewhere (--exclude, a Python installation): the raw-float test too */
};
enum tp_peek tp_classify_peeked(const tp_config *cfg, const char *path);

/* 1 when format (FileEvent.format) is a recognised weights format, 0 for
 * none (NULL, "") or a "possible-" one. */
int tp_classify_format_certain(const char *format);

/* The role the job declared for path: api_role (trainprov_file_set_role)
 * when set, else the --data or --checkpoint glob it matches, else
 * TP_ROLE_NONE. Recorded as FileEvent.declared_role. */
enum tp_role tp_classify_declared(const tp_config *cfg, const char *path, enum tp_role api_role);

/* Role of a file the process read (opened for reading, never written). */
enum tp_role tp_classify_read(const tp_config *cfg, const char *path, const char *format,
                              enum tp_role api_role);
/* Role of a file the process wrote. */
enum tp_role tp_classify_written(const tp_config *cfg, const char *path, const char *format,
                                 enum tp_role api_role);

#endif
