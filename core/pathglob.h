/* pathglob.h: the one definition of how a --data / --checkpoint glob
 * matches a recorded path (docs/FORMAT.md section 1, "Declared roles"). The
 * logger classifies with it, the verifier and the `run` wrapper read the log
 * with it, so a glob means the same everywhere. Recorded paths are absolute
 * and canonical (symbolic links resolved, no "." or ".."); `trainprov run`
 * resolves a glob's directory part the same way before the job starts
 * (cli/run_globs.c), so the matcher itself never touches the file system.
 *
 * Syntax, over '/'-separated components, byte for byte (no locale):
 *   *      any run of bytes inside one component
 *   ?      one byte inside one component
 *   [...]  one byte of a set: ranges a-z, a leading ! or ^ negates, a ] first
 *          is literal, [:alpha:] [:digit:] [:alnum:] [:upper:] [:lower:]
 *          [:space:] [:xdigit:] [:punct:] classes (ASCII); a '[' that opens
 *          no complete set is a literal '['
 *   \c     the byte c itself
 *   **     as a whole component: any number of components, none included
 * A component's leading '.' is matched only by a literal '.' (fnmatch's
 * FNM_PERIOD), except by **, which matches every component below it.
 * Pure, allocation-free and linear in pattern times path components. */
#ifndef TP_PATHGLOB_H
#define TP_PATHGLOB_H
#include <stddef.h>

/* 1 when the absolute pattern matches the absolute path, else 0. A relative
 * pattern or path never matches. */
int tp_pathglob_match(const char *pattern, const char *path);

/* 1 when s contains a character the syntax above gives a meaning to
 * (*, ?, [ or \), i.e. it is not a literal path. */
int tp_pathglob_is_magic(const char *s, size_t len);

#endif
