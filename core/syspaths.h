/* syspaths.h: the read-only system locations (the logger's built-in
 * exclusions, which a job cannot use to stage files) and whole-component
 * prefix matching. The logger excludes these from hashing; the verifier uses
 * the same list to judge every exclusion a log records (docs/CLAIMS.md,
 * init.no_foreign_weights). */
#ifndef TP_SYSPATHS_H
#define TP_SYSPATHS_H

/* NULL-terminated; each ends in '/'. Not /usr/local, /usr/src, /run,
 * /var/cache, /dev/shm or /tmp: a job (or its user) can write there. */
extern const char *const tp_system_prefixes[];

/* 1 when prefix covers path as whole components: prefix is a directory
 * ending in '/' that path lies under, or path itself, or a directory of
 * path ("/a/RUN.h5" covers "/a/RUN.h5" and "/a/RUN.h5/x", not "/a/RUN.h5.x").
 * A prefix ending in '*' covers the files of its directory whose names
 * start with the rest ("/dev/shm/vader_segment.*": the MPI launcher's
 * shared-memory segments, and nothing in a subdirectory). */
int tp_syspath_covers(const char *prefix, const char *path);

/* 1 when every path under prefix is in a read-only system location. */
int tp_syspath_is_system(const char *prefix);

/* 1 for the kernel's pseudo-file systems (/proc, /sys): their regular files
 * are never weights, so the logger does not look at their bytes. */
int tp_syspath_is_pseudo(const char *path);

#endif
