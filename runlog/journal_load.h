/* journal_load.h: reads the journals a run left in RUN.h5.journal/ into a
 * tp_runlog, keeping every record up to each stream's last signed head. */
#ifndef TP_JOURNAL_LOAD_H
#define TP_JOURNAL_LOAD_H
#include <stddef.h>

#include "core/format.h" /* tp_journal_dir_for */
#include "runlog/runlog.h"

/* 0, or -1 when the directory is missing, empty or unreadable (err says which). */
int tp_journal_load_dir(const char *dir, tp_runlog *out, char *err, size_t errlen);
/* Deletes the journal files, the digest caches and the directory after a
 * complete log is in place. */
int tp_journal_remove_dir(const char *dir);

#endif
