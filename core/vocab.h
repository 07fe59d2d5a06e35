/* vocab.h: the words of the record format, each defined once. A record
 * carries them as strings (proto/trainprov.proto), so logs stay readable by
 * any protobuf tool; the programs name them through these enums. Each table
 * is an X-macro list of (enum constant, word) whose first entry is its
 * "none"/unknown value; tp_<vocab>_name gives the word (header-inline, so
 * every library can use it without linking core) and tp_<vocab>_parse the
 * constant (vocab.c), or that first entry for any other word.
 * python/trainprov keeps its own copy of the roles (another language):
 * keep it in step with TP_ROLE_LIST. */
#ifndef TP_VOCAB_H
#define TP_VOCAB_H
#include <stddef.h>

/* FileEvent.role: which part a file plays (logger/classify.c decides). */
#define TP_ROLE_LIST(X)                                                                            \
    X(TP_ROLE_NONE, "none")                                                                        \
    X(TP_ROLE_DATA, "data")                                                                        \
    X(TP_ROLE_WEIGHTS, "weights")                                                                  \
    X(TP_ROLE_CHECKPOINT, "checkpoint")                                                            \
    X(TP_ROLE_CODE, "code")                                                                        \
    X(TP_ROLE_OTHER, "other")

/* Exclusion.source (RunStart.exclusions): why a path prefix is not hashed. */
#define TP_EXCLUDE_SOURCE_LIST(X)                                                                  \
    X(TP_EXCLUDE_UNKNOWN, "")                                                                      \
    X(TP_EXCLUDE_SYSTEM, "system")                                                                 \
    X(TP_EXCLUDE_PYTHON, "python")                                                                 \
    X(TP_EXCLUDE_USER, "user")                                                                     \
    X(TP_EXCLUDE_TRAINPROV, "trainprov")                                                           \
    X(TP_EXCLUDE_LAUNCHER, "launcher")

/* FileEvent.format: a format word with this prefix says the content may be
 * weights (a guess, not a recognised format): "possible-raw-float16". */
#define TP_FORMAT_POSSIBLE_PREFIX "possible-"

/* FileEvent.access: what the session did with the file. */
#define TP_ACCESS_LIST(X)                                                                          \
    X(TP_ACCESS_UNKNOWN, "")                                                                       \
    X(TP_ACCESS_READ, "read")                                                                      \
    X(TP_ACCESS_WRITE, "write")                                                                    \
    X(TP_ACCESS_READWRITE, "readwrite")                                                            \
    X(TP_ACCESS_RENAME, "rename")                                                                  \
    X(TP_ACCESS_DELETE, "delete")

/* RunStart.origin (how a stream's process image began) and ChildStream.how
 * (how a process started the image of another stream). */
#define TP_ORIGIN_LIST(X)                                                                          \
    X(TP_ORIGIN_UNKNOWN, "")                                                                       \
    X(TP_ORIGIN_ROOT, "root")                                                                      \
    X(TP_ORIGIN_FORK, "fork")                                                                      \
    X(TP_ORIGIN_EXEC, "exec")                                                                      \
    X(TP_ORIGIN_SPAWN, "spawn")

/* StreamEnd.reason: why the process image ended. */
#define TP_END_LIST(X)                                                                             \
    X(TP_END_UNKNOWN, "")                                                                          \
    X(TP_END_EXIT, "exit")                                                                         \
    X(TP_END__EXIT, "_exit")                                                                       \
    X(TP_END_EXEC, "exec")                                                                         \
    X(TP_END_SIGNAL, "signal")                                                                     \
    X(TP_END_MPI_FINALIZE, "mpi_finalize")                                                         \
    X(TP_END_MPI_ABORT, "mpi_abort")                                                               \
    X(TP_END_TIMEOUT, "timeout")

/* MpiEvent.kind (docs/FORMAT.md section 8). */
#define TP_MPI_KIND_LIST(X)                                                                        \
    X(TP_MPI_UNKNOWN, "")                                                                          \
    X(TP_MPI_INIT, "init")                                                                         \
    X(TP_MPI_BCAST, "bcast")                                                                       \
    X(TP_MPI_COUNTERS, "counters")                                                                 \
    X(TP_MPI_FINALIZE, "finalize")                                                                 \
    X(TP_MPI_ABORT, "abort")

/* MpiEvent.op of a "counters" record: the counted collectives. */
#define TP_MPI_OP_LIST(X)                                                                          \
    X(TP_MPI_OP_UNKNOWN, "")                                                                       \
    X(TP_MPI_OP_ALLREDUCE, "allreduce")                                                            \
    X(TP_MPI_OP_REDUCE, "reduce")                                                                  \
    X(TP_MPI_OP_ALLGATHER, "allgather")

/* How a stream's journal ended when it was loaded (the HDF5 journal_status
 * attribute; tp_jstatus_*: core/journal.h has the frame reader's status). */
#define TP_JOURNAL_STATUS_LIST(X)                                                                  \
    X(TP_JSTATUS_UNKNOWN, "")                                                                      \
    X(TP_JSTATUS_COMPLETE, "complete")                                                             \
    X(TP_JSTATUS_TORN, "torn")                                                                     \
    X(TP_JSTATUS_BAD, "bad")

/* RunManifest.assembled_by / the HDF5 assembled_by attribute: which command
 * built the log. */
#define TP_ASSEMBLED_LIST(X)                                                                       \
    X(TP_ASSEMBLED_UNKNOWN, "")                                                                    \
    X(TP_ASSEMBLED_RUN, "run")                                                                     \
    X(TP_ASSEMBLED_MPI, "mpi")                                                                     \
    X(TP_ASSEMBLED_NODES, "nodes")                                                                 \
    X(TP_ASSEMBLED_RECOVER, "recover")

#define TP_VOCAB_ENUM(id, word) id,
#define TP_VOCAB_WORD(id, word) word,

/* enum, tp_<name>_name (inline) and tp_<name>_parse (vocab.c); an
 * out-of-range value's name is the first entry's. */
#define TP_VOCAB_DECLARE(name, list)                                                               \
    enum tp_##name { list(TP_VOCAB_ENUM) TP_##name##_count };                                      \
    static inline const char *tp_##name##_name(enum tp_##name v)                                   \
    {                                                                                              \
        static const char *const words[] = {list(TP_VOCAB_WORD)};                                  \
        return (unsigned)v < sizeof words / sizeof words[0] ? words[v] : words[0];                 \
    }                                                                                              \
    enum tp_##name tp_##name##_parse(const char *word);

TP_VOCAB_DECLARE(role, TP_ROLE_LIST)
TP_VOCAB_DECLARE(access, TP_ACCESS_LIST)
TP_VOCAB_DECLARE(exclude_source, TP_EXCLUDE_SOURCE_LIST)
TP_VOCAB_DECLARE(origin, TP_ORIGIN_LIST)
TP_VOCAB_DECLARE(end, TP_END_LIST)
TP_VOCAB_DECLARE(mpi_kind, TP_MPI_KIND_LIST)
TP_VOCAB_DECLARE(mpi_op, TP_MPI_OP_LIST)
TP_VOCAB_DECLARE(jstatus, TP_JOURNAL_STATUS_LIST)
TP_VOCAB_DECLARE(assembled, TP_ASSEMBLED_LIST)

#endif
