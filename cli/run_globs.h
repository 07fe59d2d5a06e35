/* run_globs.h: what `trainprov run` does with the --data and --checkpoint
 * globs: resolves them like recorded paths before the job starts, refuses a
 * glob the shell already expanded, and after the log is written warns about
 * a glob that matched nothing the job touched. Matching is core/pathglob.h. */
#ifndef TP_RUN_GLOBS_H
#define TP_RUN_GLOBS_H
#include <stddef.h>

#include "runlog/runlog.h"

/* Resolves one glob as given (relative to cwd) into the absolute pattern the
 * logger matches recorded paths with: the components before the first
 * wildcard through realpath (symbolic links and ".." resolved as far as they
 * exist; a part that does not exist yet is normalised lexically), "." and
 * empty components dropped, and a directory (an existing one, or any glob
 * ending in '/') followed by a ** component: everything below it. 0, or -1 with err (".." after a wildcard, ':'
 * in the result, too long). */
int tp_run_glob_resolve(const char *given, const char *cwd, char *out, size_t cap, char *err,
                        size_t errlen);

/* The shell expands an unquoted glob before trainprov sees it: --data with
 * the glob "data/" "*.bin" and then "-- CMD" arrives as `--data data/a.bin
 * data/b.bin -- CMD`, and the command would be data/b.bin. cmd is what follows the options; flag and
 * value the list option just before it (flag NULL when the last option was
 * another one, or when cmd came after an explicit "--"). The words of cmd
 * taken for the glob's other files: every word before a later "--" when each
 * names an existing file or directory, else the leading words that name an
 * existing directory or a file that is not executable. None: 0. Some: the
 * message (how many files, the quoted glob to use) is printed, and 2. */
int tp_run_globs_refuse_expanded(const char *flag, const char *value, char *const *cmd);

/* After the log is written: a warning on stderr for each --data glob that
 * matched no file the job read and each --checkpoint glob that matched no
 * file it read or wrote. resolved and given are the ':'-joined lists, in the
 * same order (given: as the user wrote them). */
void tp_run_globs_warn_unmatched(const tp_runlog *log, const char *data_resolved,
                                 const char *data_given, const char *ckpt_resolved,
                                 const char *ckpt_given);

#endif
