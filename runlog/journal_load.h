/* journal_load.h: reads the journals a run left in RUN.h5.journal/ into a
 * tp_runlog, keeping every record up to each stream's last signed head. */
#ifndef TP_JOURNAL_LOAD_H
#define TP_JOURNAL_LOAD_H
#include <stddef.h>

#include "core/format.h" /* tp_journal_dir_for */
#include "runlog/runlog.h"

/* The run's lock file in the journal directory (journal_load.c,
 * tp_journal_lock). */
#define TP_JOURNAL_LOCK_NAME "run.lock"

enum tp_journal_dir_open {
    TP_JDIR_NEW,         /* create it; an existing one is refused */
    TP_JDIR_NEW_OR_OURS, /* create it, or accept one that passes the checks (MPI ranks) */
    TP_JDIR_EXISTING,    /* it must exist and pass the checks (recover) */
};
/* Opens the journal directory without following a symbolic link, creating
 * it with mode 0700 as how says. An existing one must be a directory (not a
 * symbolic link), owned by this user, with no permission for group or
 * others. Returns its descriptor, or -1 with err naming dir and the fix. */
int tp_journal_dir_open(const char *dir, enum tp_journal_dir_open how, char *err,
                        size_t errlen);
/* The run's lock: every live `trainprov run` wrapper of the run (one per
 * rank under mpirun) holds TP_JOURNAL_LOCK_NAME shared, from before its job
 * starts until it has finished (assembly included); `trainprov recover`
 * takes it exclusive without waiting, so it cannot assemble a running run's
 * journals. Returns the lock's descriptor (closing it releases the lock), or
 * -1 with err; exclusive and held by a live run: errno is EWOULDBLOCK. */
int tp_journal_lock(int dirfd, const char *dir, int exclusive, char *err, size_t errlen);

/* Loads every journal of dir. Refuses (-1, err naming the entry) anything in
 * dir that is not a regular file or a digest-cache directory (a FIFO, a
 * device, a symbolic link: never opened), and journals of another run id or
 * signing key than the first journal's. -1 too when the directory is
 * missing, empty or unreadable. */
int tp_journal_load_dir(const char *dir, tp_runlog *out, char *err, size_t errlen);
/* Deletes the journal files of the streams in log (those that went into a
 * complete log, and no other), the digest caches, the lock file and, when
 * nothing else is left, the directory. 0, or -1 with errno. */
int tp_journal_remove_dir(const char *dir, const tp_runlog *log);
/* Removes dir when it holds nothing but the lock file (a job that wrote no
 * journal). 0 when removed, else -1. */
int tp_journal_remove_empty_dir(const char *dir);

#endif
