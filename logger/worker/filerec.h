/* filerec.h: turns file events into FileEvent records on the worker thread:
 * hashing (through the digest cache), role classification, renames. */
#ifndef TP_FILEREC_H
#define TP_FILEREC_H
#include "logger/job/fdtable.h"
#include "logger/worker/stream.h"

/* A file was opened for reading: hash it now, from hash_fd (a dup of the
 * job's descriptor, closed here) or, when -1, by path. */
void tp_filerec_opened(tp_stream *s, tp_file *f, int hash_fd);
/* The session ended: hash written content (from hash_fd as above) and write
 * the FileEvent record. f stays owned by the caller. */
void tp_filerec_closed(tp_stream *s, tp_file *f, int hash_fd, int64_t time_ns);
/* A rename succeeded: a file this stream wrote, or weights, now live at
 * new_path; record it there. authored: the identity the job's own content
 * had before the rename (ownfiles.h: unchanged since it closed it; its
 * digest is taken from the cache, so a file deleted right after the rename
 * keeps it), NULL when the content is not the run's; after: the identity the
 * rename left (NULL when unknown). */
void tp_filerec_renamed(tp_stream *s, const char *old_path, const char *new_path,
                        const tp_file_key *authored, const tp_file_key *after, int64_t time_ns);
/* A directory was renamed from old_dir to new_dir: every regular file in it
 * (at most 10,000, 16 levels deep, symlinks not followed) is recorded at its
 * new path as tp_filerec_renamed records a file, authored when its identity
 * is content this process produced (the rename of the directory leaves the
 * files' identities as they were). */
void tp_filerec_renamed_dir(tp_stream *s, const char *old_dir, const char *new_dir,
                            int64_t time_ns);
/* The job deleted path, content this process produced with identity key
 * (after: the identity the unlink left, its ctime moved): recorded with
 * access "delete" and the digest it had (an old checkpoint removed is part
 * of the record, not a failure). */
void tp_filerec_deleted(tp_stream *s, const char *path, const tp_file_key *key,
                        const tp_file_key *after, int64_t time_ns);
/* Bytes this process hashed itself so far (not taken from a digest cache). */
uint64_t tp_filerec_bytes_hashed(void);
/* In a forked child: its stream has hashed nothing yet. */
void tp_filerec_atfork_child(void);

#endif
