/* worker.c: the background thread that owns the stream (see worker.h).
 *
 * Job threads hand events over through a lock-free stack (a compare-and-swap
 * push; the worker takes the whole stack with one exchange and restores its
 * order) and wake the worker through a futex word, only when the stack was
 * empty. The seal is requested the same way (atomics, a futex wake) and the
 * requester waits on another futex word, with a deadline: nothing a job
 * thread does here takes a lock, allocates or can wait without bound, so
 * _exit can ask for the seal from a signal handler.
 *
 * The worker owns everything else: the stream, hashing, signing, fsync, and
 * at the seal the files still open (it takes them from the fd table). A
 * closed file's tp_file is freed once the fd table's readers were all seen
 * quiet after it was removed from the table (see fdtable.h), never by a
 * timer. */
#define _GNU_SOURCE
#include "logger/worker/worker.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "core/hashfile.h"
#include "logger/job/guard.h"
#include "logger/job/real.h"
#include "logger/job/sigpool.h"
#include "logger/worker/coalesce.h"
#include "logger/worker/cryptogate.h"
#include "logger/worker/filerec.h"
#include "logger/worker/peek.h"
#include "logger/worker/stream.h"

#define RECLAIM_RETRY_NS (50 * 1000000LL) /* retry freeing closed files */

/* Shared with job threads: atomics only. */
static _Atomic(tp_event *) inbox;    /* newest first */
static atomic_uint wake;             /* futex: bumped when there is work */
static atomic_int end_requested;     /* the seal was asked for (end_* set before) */
static atomic_uint sealed;           /* futex: 1 once the worker is done */
static atomic_ullong progress;       /* bumped by the worker as it works */
static atomic_int running;
static const char *end_reason;
static int end_status;
static uint64_t end_untracked;

/* Worker-only state (set by tp_worker_start before the thread exists). */
static tp_stream stream;
static int stream_rc = -1;           /* 0 once the journal is open */
static int stream_opened;
static struct {
    uint64_t id, parent;
    char origin[16];
    const tp_config *cfg;
    const tp_key *key;
} start_args;
static tp_file *retired;             /* closed files waiting for quiet readers */
static int final_ok;                 /* the seal's final head was signed: */
static uint64_t final_size;          /* its tree size */
static uint8_t final_root[TP_HASH_LEN];

static long futex(atomic_uint *word, int op, unsigned val, const struct timespec *rel)
{
    return syscall(SYS_futex, (unsigned *)word, op | FUTEX_PRIVATE_FLAG, val, rel, NULL, 0);
}

static void wake_worker(void)
{
    atomic_fetch_add_explicit(&wake, 1, memory_order_release);
    futex(&wake, FUTEX_WAKE, 1, NULL);
}

#define EVENTS_PER_SLAB 1024

static tp_sigpool event_pool = TP_SIGPOOL_INIT(sizeof(tp_event), EVENTS_PER_SLAB);

tp_event *tp_event_new(tp_event_kind kind, const char *text, const char *text2)
{
    tp_event *ev = tp_sigpool_alloc(&event_pool);
    if (!ev)
        return NULL;
    ev->kind = kind;
    ev->fd = -1;
    ev->time_ns = tp_now_ns();
    if ((text && !(ev->text = strdup(text))) || (text2 && !(ev->text2 = strdup(text2)))) {
        tp_event_free(ev);
        return NULL;
    }
    return ev;
}

void tp_event_free(tp_event *ev)
{
    if (!ev)
        return;
    if (ev->texts_pooled) {
        tp_sigpool_free(&tp_sigpool_paths, ev->text);
        tp_sigpool_free(&tp_sigpool_paths, ev->text2);
    } else {
        free(ev->text);
        free(ev->text2);
    }
    free(ev->body);
    tp_sigpool_free(&event_pool, ev);
}

void tp_worker_post(tp_event *ev)
{
    tp_event *head = atomic_load_explicit(&inbox, memory_order_relaxed);
    do
        ev->next = head;
    while (!atomic_compare_exchange_weak_explicit(&inbox, &head, ev, memory_order_release,
                                                  memory_order_relaxed));
    if (!head) /* otherwise the poster of the first event woke the worker */
        wake_worker();
}

int tp_worker_running(void) { return atomic_load(&running); }

/* The posted events, oldest first. */
static tp_event *take_inbox(void)
{
    tp_event *ev = atomic_exchange_explicit(&inbox, NULL, memory_order_acquire), *fifo = NULL;
    while (ev) {
        tp_event *next = ev->next;
        ev->next = fifo;
        fifo = ev;
        ev = next;
    }
    return fifo;
}

static void made_progress(void) { atomic_fetch_add_explicit(&progress, 1, memory_order_relaxed); }

/* Set while the worker waits on the journal's file system (creating it,
 * fdatasync at a head): that wait is bounded by the disk, not by a lock the
 * job holds, so a waiting _exit does not count it as a stall (a loaded node
 * can take seconds to fsync). Only the overall bound applies then. */
static atomic_int in_journal_io;

static void journal_io_begin(void) { atomic_store_explicit(&in_journal_io, 1, memory_order_relaxed); }

static void journal_io_end(void)
{
    atomic_store_explicit(&in_journal_io, 0, memory_order_relaxed);
    made_progress();
}

static void retire(tp_file *f)
{
    f->next_free = retired;
    retired = f;
}

static void reclaim(void)
{
    if (!retired || !tp_fdtable_readers_quiet())
        return;
    while (retired) {
        tp_file *next = retired->next_free;
        tp_file_free(retired);
        retired = next;
    }
}

static void write_simple(Trainprov__V1__Record *rec, int64_t time_ns)
{
    rec->time_ns = time_ns;
    tp_stream_append(&stream, rec);
}

static void process(tp_event *ev)
{
    Trainprov__V1__Record rec = TRAINPROV__V1__RECORD__INIT;
    switch (ev->kind) {
    case TP_EV_FILE_OPEN:
        tp_filerec_opened(&stream, ev->file, ev->fd);
        break;
    case TP_EV_FILE_CLOSE:
        tp_filerec_closed(&stream, ev->file, ev->fd, ev->time_ns);
        retire(ev->file);
        break;
    case TP_EV_FILE_PEEK:
        tp_peek_excluded(&stream, ev->text, ev->fd, (enum tp_peek)ev->i32, ev->time_ns);
        break;
    case TP_EV_RENAME:
        if (ev->u64)
            tp_filerec_renamed_dir(&stream, ev->text, ev->text2, ev->time_ns);
        else
            tp_filerec_renamed(&stream, ev->text, ev->text2, ev->i32 ? &ev->key2 : NULL,
                               ev->has_key ? &ev->key : NULL, ev->time_ns);
        break;
    case TP_EV_DELETE:
        tp_filerec_deleted(&stream, ev->text, &ev->key, &ev->key2, ev->time_ns);
        break;
    case TP_EV_SEED: {
        Trainprov__V1__Seed seed = TRAINPROV__V1__SEED__INIT;
        seed.name = ev->text;
        seed.source = ev->text2;
        seed.value = ev->u64;
        rec.body_case = TRAINPROV__V1__RECORD__BODY_SEED;
        rec.seed = &seed;
        write_simple(&rec, ev->time_ns);
        break;
    }
    case TP_EV_NOTE: {
        Trainprov__V1__Note note = TRAINPROV__V1__NOTE__INIT;
        note.key = ev->text;
        note.value = ev->text2;
        rec.body_case = TRAINPROV__V1__RECORD__BODY_NOTE;
        rec.note = &note;
        write_simple(&rec, ev->time_ns);
        break;
    }
    case TP_EV_CHILD: {
        Trainprov__V1__ChildStream child = TRAINPROV__V1__CHILD_STREAM__INIT;
        child.child_stream = ev->u64;
        child.child_pid = ev->i32;
        child.how = ev->text;
        child.exec_path = ev->text2 ? ev->text2 : (char *)"";
        rec.body_case = TRAINPROV__V1__RECORD__BODY_CHILD;
        rec.child = &child;
        write_simple(&rec, ev->time_ns);
        break;
    }
    case TP_EV_INIT_TENSOR:
        rec.body_case = TRAINPROV__V1__RECORD__BODY_INIT_TENSOR;
        rec.init_tensor = ev->body;
        write_simple(&rec, ev->time_ns);
        break;
    case TP_EV_MPI:
        rec.body_case = TRAINPROV__V1__RECORD__BODY_MPI_EVENT;
        rec.mpi_event = ev->body;
        write_simple(&rec, ev->time_ns);
        break;
    }
    tp_event_free(ev);
}

static void process_batch(tp_event *batch)
{
    while (batch) {
        tp_event *next = batch->next;
        if (stream_rc == 0) {
            process(batch);
        } else {
            if (batch->kind == TP_EV_FILE_PEEK && batch->fd >= 0)
                tp_peek_release_fd(batch->fd);
            tp_event_free(batch);
        }
        made_progress();
        batch = next;
    }
}

static void open_stream(void)
{
    if (stream_opened)
        return;
    stream_opened = 1;
    journal_io_begin();
    stream_rc = tp_stream_open(&stream, start_args.cfg, start_args.key, start_args.id,
                               start_args.parent, start_args.origin);
    journal_io_end();
    if (stream_rc == -ENOENT)
        fprintf(stderr, "trainprov: the run's journal directory %s is gone (its log was "
                "written, this process outlived the run): this process is not recorded\n",
                start_args.cfg->journal_dir);
    else if (stream_rc != 0)
        fprintf(stderr, "trainprov: cannot create journal %s/%016llx.tpj: %s; this process "
                "is not recorded\n", start_args.cfg->journal_dir,
                (unsigned long long)start_args.id, strerror(-stream_rc));
}

/* A file still open at the seal, recorded as if it were closed now. */
static void close_out(tp_file *f, void *unused)
{
    (void)unused;
    if (stream_rc == 0)
        tp_filerec_closed(&stream, f, fcntl(f->fd, F_DUPFD_CLOEXEC, TP_FD_MIN), tp_now_ns());
    retire(f);
    made_progress();
}

static void seal(void)
{
    tp_fdtable_drain(close_out, NULL);
    process_batch(take_inbox());
    if (stream_rc != 0)
        return;
    tp_coalesce_flush(&stream, tp_now_ns(), 1);
    Trainprov__V1__StreamEnd end = TRAINPROV__V1__STREAM_END__INIT;
    Trainprov__V1__Record rec = TRAINPROV__V1__RECORD__INIT;
    end.reason = (char *)end_reason;
    end.status = end_status;
    end.dropped_events = stream.dropped;
    end.untracked_fds = end_untracked;
    struct timespec cpu;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu) == 0)
        end.logger_cpu_ns = (uint64_t)cpu.tv_sec * 1000000000u + (uint64_t)cpu.tv_nsec;
    end.bytes_hashed = tp_filerec_bytes_hashed();
    rec.body_case = TRAINPROV__V1__RECORD__BODY_STREAM_END;
    rec.stream_end = &end;
    write_simple(&rec, 0);
    journal_io_begin();
    tp_stream_sign_head(&stream, 1);
    journal_io_end();
    final_ok = stream.path[0] && stream.signed_size == stream.tree.size;
    final_size = stream.tree.size;
    tp_cryptogate_enter();
    tp_merkle_root(&stream.tree, final_root);
    tp_cryptogate_leave();
    tp_stream_close(&stream);
    reclaim();
}

/* How long to sleep: until a periodic head is due, or until closed files
 * can be freed; NULL to sleep until woken. */
static const struct timespec *sleep_for(struct timespec *ts)
{
    int64_t ns = -1;
    if (stream_rc == 0 && stream.tree.size > stream.signed_size) {
        ns = stream.last_head_ns + (int64_t)stream.cfg->head_interval_ms * 1000000 - tp_now_ns();
        if (ns < 1000000)
            ns = 1000000;
    }
    int64_t sums_due = stream_rc == 0 ? tp_coalesce_next_due() : -1;
    if (sums_due >= 0) {
        int64_t until = sums_due - tp_now_ns();
        if (until < 1000000)
            until = 1000000;
        if (ns < 0 || until < ns)
            ns = until;
    }
    if (retired && (ns < 0 || ns > RECLAIM_RETRY_NS))
        ns = RECLAIM_RETRY_NS;
    if (ns < 0)
        return NULL;
    ts->tv_sec = (time_t)(ns / 1000000000);
    ts->tv_nsec = (long)(ns % 1000000000);
    return ts;
}

static void *worker_main(void *unused)
{
    (void)unused;
    tp_guard_enter(); /* everything this thread does is trainprov's own I/O */
    for (;;) {
        unsigned seen = atomic_load_explicit(&wake, memory_order_acquire);
        int ending = atomic_load_explicit(&end_requested, memory_order_acquire);
        tp_event *batch = take_inbox();
        if (batch || ending)
            open_stream();
        if (stream_rc == 0 && !ending)
            tp_stream_sign_first_head(&stream);
        process_batch(batch);
        if (ending)
            break;
        if (stream_rc == 0)
            tp_coalesce_flush(&stream, tp_now_ns(), 0);
        if (stream_rc == 0 && tp_stream_head_due(&stream, tp_now_ns())) {
            journal_io_begin();
            tp_stream_sign_head(&stream, 0);
            journal_io_end();
        }
        reclaim();
        struct timespec ts;
        futex(&wake, FUTEX_WAIT, seen, sleep_for(&ts));
    }
    seal();
    atomic_store(&running, 0);
    /* the last thing this thread touches: the process may end right after */
    atomic_store_explicit(&sealed, 1, memory_order_release);
    futex(&sealed, FUTEX_WAKE, INT_MAX, NULL);
    return NULL;
}

int tp_worker_start(const tp_config *cfg, const tp_key *key, uint64_t stream_id, uint64_t parent,
                    const char *origin, int lazy)
{
    /* no mappings: the job may truncate a file while it is hashed, and the
     * SIGBUS of a mapping would kill the job */
    static const tp_hash_hooks hooks = {tp_cryptogate_enter, tp_cryptogate_leave, made_progress, 1};
    if (atomic_load(&running))
        return -EBUSY; /* a previous worker has not finished its seal */
    tp_sha256_set_hooks(&hooks);
    start_args.cfg = cfg;
    start_args.key = key;
    start_args.id = stream_id;
    start_args.parent = parent;
    snprintf(start_args.origin, sizeof start_args.origin, "%s", origin);
    memset(&stream, 0, sizeof stream);
    stream.fd = -1;
    stream_rc = -1;
    stream_opened = 0;
    final_ok = 0;
    atomic_store(&inbox, NULL);
    atomic_store(&end_requested, 0);
    atomic_store(&sealed, 0);
    if (!lazy) {
        /* at load, before the job runs: the journal's descriptor is made
         * while no job thread can be opening a file (a job started with
         * fd 0, 1 or 2 closed must get that number from its own open) */
        tp_guard_enter();
        open_stream();
        tp_guard_leave();
    }
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 256 << 10);
    /* nobody joins it: the seal is waited for on `sealed` */
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    /* the worker must not take signals meant for the job */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    atomic_store(&running, 1);
    pthread_t thread;
    int rc = pthread_create(&thread, &attr, worker_main, NULL);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    pthread_attr_destroy(&attr);
    if (rc != 0)
        atomic_store(&running, 0);
    return -rc;
}

static int64_t monotonic_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* "trainprov: stream <hex> not sealed ..." without stdio (signal-safe). */
static void warn_not_sealed(void)
{
    char msg[160] = "trainprov: stream ", *p = msg + strlen(msg);
    for (int shift = 60; shift >= 0; shift -= 4)
        *p++ = "0123456789abcdef"[(start_args.id >> shift) & 15];
    const char *tail = " not sealed in time (still hashing?); its log will be incomplete "
                       "(TRAINPROV_EXIT_TIMEOUT sets the wait at exit)\n";
    size_t n = strlen(tail);
    memcpy(p, tail, n);
    p += n;
    ssize_t w = TP_REAL(write)(2, msg, (size_t)(p - msg));
    (void)w;
}

int tp_worker_finish(const char *reason, int status, uint64_t untracked_fds, uint64_t max_wait_s,
                     uint64_t stall_s)
{
    if (!atomic_load(&running))
        return -1;
    end_reason = reason;
    end_status = status;
    end_untracked = untracked_fds;
    atomic_store_explicit(&end_requested, 1, memory_order_release);
    wake_worker();
    return tp_worker_wait_sealed(max_wait_s, stall_s);
}

int tp_worker_wait_sealed(uint64_t max_wait_s, uint64_t stall_s)
{
    if (!atomic_load(&running) && !atomic_load_explicit(&sealed, memory_order_acquire))
        return -1;
    int64_t start = monotonic_ns(), last_move = start;
    unsigned long long last = atomic_load(&progress);
    while (!atomic_load_explicit(&sealed, memory_order_acquire)) {
        int64_t now = monotonic_ns();
        unsigned long long p = atomic_load(&progress);
        if (p != last || atomic_load_explicit(&in_journal_io, memory_order_relaxed)) {
            last = p;
            last_move = now;
        }
        if (now - start >= (int64_t)max_wait_s * 1000000000 ||
            now - last_move >= (int64_t)stall_s * 1000000000) {
            warn_not_sealed();
            return -1;
        }
        struct timespec tick = {0, 20 * 1000000};
        futex(&sealed, FUTEX_WAIT, 0, &tick);
    }
    return 0;
}

int tp_worker_final_head(uint64_t *tree_size, uint8_t root[TP_HASH_LEN])
{
    if (!atomic_load_explicit(&sealed, memory_order_acquire) || !final_ok)
        return -1;
    *tree_size = final_size;
    memcpy(root, final_root, TP_HASH_LEN);
    return 0;
}

void tp_worker_atfork_child(void)
{
    /* The parent's worker thread does not exist here; its queue and journal
     * belong to the parent. Queued events and closed files are leaked, not
     * freed: they may reference files the parent still owns. */
    atomic_store(&in_journal_io, 0);
    tp_stream_close(&stream);
    memset(&stream, 0, sizeof stream);
    stream.fd = -1;
    stream_rc = -1;
    stream_opened = 0;
    tp_filerec_atfork_child();
    tp_coalesce_atfork_child();
    atomic_store(&inbox, NULL);
    atomic_store(&wake, 0);
    atomic_store(&end_requested, 0);
    atomic_store(&sealed, 0);
    atomic_store(&running, 0);
    retired = NULL;
    final_ok = 0;
}
