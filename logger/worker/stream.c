/* stream.c: the journal writer behind one stream (see stream.h). Every
 * frame is written with one writev on an O_APPEND descriptor; a failed or
 * short write is rolled back with ftruncate so the journal never holds a
 * torn frame in its middle. The journal is fdatasync'ed at every head but
 * the first.
 *
 * The descriptor is checked (device, inode) before every use and reopened by
 * path when it is no longer the journal: jobs close descriptors they do not
 * own (Python's subprocess closes every fd above 2 before exec), and the
 * number may already belong to one of the job's files, which we must never
 * write to, truncate or close. */
#define _GNU_SOURCE
#include "logger/worker/stream.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "core/journal.h"
#include "core/vocab.h"
#include "logger/job/real.h"
#include "logger/worker/cryptogate.h"

#define MAX_ARGV_BYTES (64u << 10)
#define MAX_ARGS 1024

int64_t tp_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void warn_once(tp_stream *s, const char *what, int err)
{
    if (s->warned)
        return;
    s->warned = 1;
    fprintf(stderr, "trainprov: cannot write journal %s/%016llx.tpj (%s: %s); the job keeps "
            "running, the log will report the gap\n", s->cfg->journal_dir,
            (unsigned long long)s->id, what, strerror(err));
}

static int is_journal(const tp_stream *s, int fd)
{
    struct stat st;
    return fd >= 0 && fstat(fd, &st) == 0 && st.st_dev == s->dev && st.st_ino == s->ino;
}

/* The journal's descriptor, reopened by path if the job closed ours; -1 when
 * the journal is gone. The old number is never closed: it is the job's now. */
static int journal_fd(tp_stream *s)
{
    if (is_journal(s, s->fd))
        return s->fd;
    s->fd = -1;
    if (!s->path[0])
        return -1;
    int fd = tp_real_fd_above_std(TP_REAL(open)(s->path, O_WRONLY | O_APPEND | O_CLOEXEC));
    if (fd >= 0 && !is_journal(s, fd)) {
        TP_REAL(close)(fd);
        fd = -1;
    }
    s->fd = fd;
    return fd;
}

/* One writev of a whole frame; a short or failed write is rolled back. */
static int write_iov(tp_stream *s, const struct iovec *iov, int iovcnt, size_t want)
{
    int fd = journal_fd(s);
    ssize_t n = -1;
    if (fd >= 0) {
        do
            n = TP_REAL(writev)(fd, iov, iovcnt);
        while (n < 0 && errno == EINTR);
    }
    if (n == (ssize_t)want) {
        s->offset += want;
        return 0;
    }
    int err = fd < 0 ? EBADF : n < 0 ? errno : ENOSPC;
    if (fd >= 0 && ftruncate(fd, (off_t)s->offset) != 0) {
        /* cannot roll back: stop writing rather than leave frames after a torn one */
        TP_REAL(close)(fd);
        s->fd = -1;
        s->path[0] = '\0';
    }
    errno = err;
    return -1;
}

static int write_frame(tp_stream *s, enum tp_frame_kind kind, const uint8_t *payload, size_t len)
{
    uint8_t hdr[TP_FRAME_HEADER_LEN];
    tp_journal_frame_header(hdr, kind, (uint32_t)len);
    struct iovec iov[2] = {{hdr, sizeof hdr}, {(void *)payload, len}};
    if (write_iov(s, iov, 2, sizeof hdr + len) == 0)
        return 0;
    warn_once(s, kind == TP_FRAME_HEAD ? "tree head" : "record", errno);
    return -1;
}

void tp_stream_append(tp_stream *s, Trainprov__V1__Record *rec)
{
    uint8_t run_id[16];
    memcpy(run_id, s->cfg->run_id, sizeof run_id);
    rec->run_id.data = run_id;
    rec->run_id.len = sizeof run_id;
    rec->stream_id = s->id;
    rec->seq = s->seq;
    if (!rec->time_ns)
        rec->time_ns = tp_now_ns();
    size_t len = trainprov__v1__record__get_packed_size(rec);
    uint8_t small[2048];
    uint8_t *buf = len <= sizeof small ? small : malloc(len);
    if (!buf || len > TP_FRAME_MAX || !s->path[0]) {
        s->dropped++;
        if (buf != small)
            free(buf);
        return;
    }
    trainprov__v1__record__pack(rec, buf);
    if (write_frame(s, TP_FRAME_RECORD, buf, len) == 0) {
        tp_cryptogate_enter();
        tp_merkle_append(&s->tree, buf, len);
        tp_cryptogate_leave();
        s->seq++;
    } else {
        s->dropped++;
    }
    if (buf != small)
        free(buf);
}

static void sign_head(tp_stream *s, int final, int sync)
{
    if (!s->path[0])
        return;
    uint8_t root[TP_HASH_LEN], sig[TP_SIG_LEN], run_id[16];
    memcpy(run_id, s->cfg->run_id, sizeof run_id);
    tp_cryptogate_enter();
    tp_merkle_root(&s->tree, root);
    tp_cryptogate_leave();
    Trainprov__V1__TreeHead head = TRAINPROV__V1__TREE_HEAD__INIT;
    head.run_id.data = run_id;
    head.run_id.len = sizeof run_id;
    head.stream_id = s->id;
    head.tree_size = s->tree.size;
    head.root.data = root;
    head.root.len = sizeof root;
    head.time_ns = tp_now_ns();
    head.final = final;
    head.key_id.data = s->key_id;
    head.key_id.len = sizeof s->key_id;
    uint8_t body[256];
    size_t body_len = trainprov__v1__tree_head__get_packed_size(&head);
    if (body_len > sizeof body)
        return;
    trainprov__v1__tree_head__pack(&head, body);
    tp_cryptogate_enter();
    int signed_ok = tp_key_sign(s->key, TP_PAYLOAD_TREEHEAD, body, body_len, sig) == 0;
    tp_cryptogate_leave();
    if (!signed_ok) {
        warn_once(s, "signing tree head", EINVAL);
        return;
    }
    Trainprov__V1__SignedHead signed_head = TRAINPROV__V1__SIGNED_HEAD__INIT;
    signed_head.body.data = body;
    signed_head.body.len = body_len;
    signed_head.signature.data = sig;
    signed_head.signature.len = sizeof sig;
    uint8_t frame[512];
    size_t frame_len = trainprov__v1__signed_head__get_packed_size(&signed_head);
    if (frame_len > sizeof frame)
        return;
    trainprov__v1__signed_head__pack(&signed_head, frame);
    if (write_frame(s, TP_FRAME_HEAD, frame, frame_len) != 0)
        return;
    if (sync && fdatasync(journal_fd(s)) != 0)
        warn_once(s, "fdatasync", errno);
    s->signed_size = s->tree.size;
    s->last_head_ns = head.time_ns;
}

void tp_stream_sign_head(tp_stream *s, int final) { sign_head(s, final, 1); }

void tp_stream_sign_first_head(tp_stream *s)
{
    if (s->signed_size == 0 && s->tree.size > 0)
        sign_head(s, 0, 0);
}

int tp_stream_head_due(const tp_stream *s, int64_t now_ns)
{
    uint64_t pending = s->tree.size - s->signed_size;
    if (pending == 0)
        return 0;
    return pending >= s->cfg->head_every ||
           now_ns - s->last_head_ns >= (int64_t)s->cfg->head_interval_ms * 1000000;
}

/* argv from /proc/self/cmdline: NUL-separated, bounded in count and size. */
static size_t read_argv(char *buf, size_t cap, char **argv, size_t max_args)
{
    int fd = tp_real_fd_above_std(TP_REAL(open)("/proc/self/cmdline", O_RDONLY | O_CLOEXEC));
    if (fd < 0)
        return 0;
    size_t len = 0;
    ssize_t n;
    while (len < cap - 1 && (n = TP_REAL(read)(fd, buf + len, cap - 1 - len)) > 0)
        len += (size_t)n;
    TP_REAL(close)(fd);
    buf[len] = '\0';
    size_t argc = 0;
    for (size_t i = 0; i < len && argc < max_args; i += strlen(buf + i) + 1)
        argv[argc++] = buf + i;
    return argc;
}

static void write_run_start(tp_stream *s, uint64_t parent, const char *origin)
{
    Trainprov__V1__RunStart rs = TRAINPROV__V1__RUN_START__INIT;
    char host[256] = "", cwd[PATH_MAX] = "", exe[PATH_MAX] = "";
    static char argv_buf[MAX_ARGV_BYTES];
    static char *argv[MAX_ARGS];
    gethostname(host, sizeof host - 1);
    if (!getcwd(cwd, sizeof cwd))
        cwd[0] = '\0';
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[n > 0 ? n : 0] = '\0';
    rs.format_version = 1;
    rs.library_version = (char *)TP_VERSION;
    rs.key_id.data = s->key_id;
    rs.key_id.len = sizeof s->key_id;
    rs.host = host;
    rs.pid = getpid();
    rs.ppid = getppid();
    rs.n_argv = read_argv(argv_buf, sizeof argv_buf, argv, MAX_ARGS);
    rs.argv = argv;
    rs.cwd = cwd;
    rs.exe = exe;
    rs.start_time_ns = tp_now_ns();
    rs.parent_stream = parent;
    rs.origin = (char *)origin;
    rs.rank = s->cfg->mpi_rank;
    rs.world_size = s->cfg->mpi_world_size;
    Trainprov__V1__Launcher launcher = TRAINPROV__V1__LAUNCHER__INIT;
    const tp_launcher *l = &s->cfg->launcher;
    launcher.kind = (char *)l->kind;
    launcher.rank = l->rank;
    launcher.local_rank = l->local_rank;
    launcher.world_size = l->world_size;
    launcher.group_rank = l->group_rank;
    launcher.torchelastic_run_id = (char *)l->torchelastic_run_id;
    launcher.torchelastic_restart_count = l->torchelastic_restart_count;
    launcher.slurm_job_id = (char *)l->slurm_job_id;
    launcher.slurm_step_id = (char *)l->slurm_step_id;
    launcher.slurm_procid = l->slurm_procid;
    launcher.slurm_nodeid = l->slurm_nodeid;
    launcher.slurm_restart_count = l->slurm_restart_count;
    launcher.node = l->node;
    launcher.nodes = l->nodes;
    if (l->kind[0] || l->nodes || l->group_rank >= 0 || l->torchelastic_run_id[0] ||
        l->slurm_job_id[0])
        rs.launcher = &launcher;
    rs.n_data_globs = s->cfg->data_globs.n;
    rs.data_globs = (char **)s->cfg->data_globs.items;
    rs.n_checkpoint_globs = s->cfg->checkpoint_globs.n;
    rs.checkpoint_globs = (char **)s->cfg->checkpoint_globs.items;
    /* every exclusion in force, so the verifier sees what was not hashed */
    static Trainprov__V1__Exclusion excl[TP_MAX_PATTERNS];
    static Trainprov__V1__Exclusion *excl_ptr[TP_MAX_PATTERNS];
    for (size_t i = 0; i < s->cfg->exclude_prefixes.n; i++) {
        trainprov__v1__exclusion__init(&excl[i]);
        excl[i].prefix = s->cfg->exclude_prefixes.items[i];
        excl[i].source = (char *)tp_exclude_source_name(s->cfg->exclude_sources[i]);
        excl_ptr[i] = &excl[i];
    }
    rs.n_exclusions = s->cfg->exclude_prefixes.n;
    rs.exclusions = excl_ptr;
    rs.n_include_prefixes = s->cfg->include_prefixes.n;
    rs.include_prefixes = (char **)s->cfg->include_prefixes.items;
    rs.nonce.data = (uint8_t *)s->cfg->nonce;
    rs.nonce.len = s->cfg->nonce_len;
    rs.challenge.data = (uint8_t *)s->cfg->challenge;
    rs.challenge.len = s->cfg->challenge_len;
    rs.resume_from.data = (uint8_t *)s->cfg->resume_from;
    rs.resume_from.len = s->cfg->resume_from_len;
    Trainprov__V1__Record rec = TRAINPROV__V1__RECORD__INIT;
    rec.body_case = TRAINPROV__V1__RECORD__BODY_RUN_START;
    rec.run_start = &rs;
    tp_stream_append(s, &rec);
}

int tp_stream_open(tp_stream *s, const tp_config *cfg, const tp_key *key, uint64_t id,
                   uint64_t parent, const char *origin)
{
    memset(s, 0, sizeof *s);
    s->fd = -1;
    s->cfg = cfg;
    s->key = key;
    s->id = id;
    tp_cryptogate_enter();
    tp_key_id(key, s->key_id);
    tp_cryptogate_leave();
    tp_merkle_init(&s->tree);
    /* The journal directory is made by `trainprov run` and never here: once
     * it is gone the run's log is written, and a process that outlived the
     * run must not bring it back (a leftover would block the next run). */
    tp_journal_path(s->path, sizeof s->path, cfg->journal_dir, id);
    int fd = tp_real_fd_above_std(
        TP_REAL(open)(s->path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600));
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        int err = errno;
        if (fd >= 0)
            TP_REAL(close)(fd);
        s->path[0] = '\0';
        return -err;
    }
    s->fd = fd;
    s->dev = st.st_dev;
    s->ino = st.st_ino;
    struct iovec magic = {(void *)TP_JOURNAL_MAGIC, TP_JOURNAL_MAGIC_LEN};
    if (write_iov(s, &magic, 1, TP_JOURNAL_MAGIC_LEN) != 0) {
        int err = errno;
        s->path[0] = '\0';
        return -err;
    }
    s->last_head_ns = tp_now_ns();
    write_run_start(s, parent, origin);
    return 0;
}

void tp_stream_close(tp_stream *s)
{
    if (is_journal(s, s->fd))
        TP_REAL(close)(s->fd);
    s->fd = -1;
    s->path[0] = '\0';
}
