/* worker.c: the background thread that owns the stream (see worker.h).
 *
 * Events go through one mutex-protected FIFO. The worker takes the whole
 * queue at once, processes it without the lock, signs a head when one is due
 * (count or age) and sleeps on a condition variable otherwise. Closed files
 * are freed only after a grace period, because a read wrapper on another
 * thread may still be bumping the counters of a file whose fd just closed. */
#define _GNU_SOURCE
#include "logger/worker/worker.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "logger/worker/filerec.h"
#include "logger/job/guard.h"
#include "logger/job/real.h"
#include "logger/worker/stream.h"

#define FREE_GRACE_NS 2000000000LL

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;  /* events or end posted */
static pthread_cond_t ended = PTHREAD_COND_INITIALIZER; /* worker sealed the stream */
static tp_event *queue_head, *queue_tail;
static int end_requested, end_done, running;
static const char *end_reason;
static int end_status;
static uint64_t end_untracked;
static pthread_t thread;

/* Worker-only state. */
static tp_stream stream;
static struct {
    uint64_t id, parent;
    char origin[16];
    const tp_config *cfg;
    const tp_key *key;
} start_args;
static tp_file *graveyard; /* closed files waiting out the grace period */
static int final_ok;       /* the seal's final head was signed: */
static uint64_t final_size; /* its tree size */
static uint8_t final_root[TP_HASH_LEN];
static int64_t graveyard_since;

tp_event *tp_event_new(tp_event_kind kind, const char *text, const char *text2)
{
    tp_event *ev = calloc(1, sizeof *ev);
    if (!ev)
        return NULL;
    ev->kind = kind;
    ev->fd = -1;
    ev->time_ns = tp_now_ns();
    if ((text && !(ev->text = strdup(text))) || (text2 && !(ev->text2 = strdup(text2)))) {
        free(ev->text);
        free(ev);
        return NULL;
    }
    return ev;
}

static void event_free(tp_event *ev)
{
    free(ev->text);
    free(ev->text2);
    free(ev->body);
    free(ev);
}

void tp_worker_post(tp_event *ev)
{
    pthread_mutex_lock(&lock);
    if (queue_tail)
        queue_tail->next = ev;
    else
        queue_head = ev;
    queue_tail = ev;
    pthread_cond_signal(&wake);
    pthread_mutex_unlock(&lock);
}

static void bury(tp_file *f)
{
    if (!graveyard)
        graveyard_since = tp_now_ns();
    f->next_free = graveyard;
    graveyard = f;
}

static void free_graveyard(int force)
{
    if (!graveyard || (!force && tp_now_ns() - graveyard_since < FREE_GRACE_NS))
        return;
    while (graveyard) {
        tp_file *next = graveyard->next_free;
        tp_file_free(graveyard);
        graveyard = next;
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
        bury(ev->file);
        break;
    case TP_EV_RENAME:
        tp_filerec_renamed(&stream, ev->text, ev->text2, ev->time_ns);
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
    event_free(ev);
}

static void seal(void)
{
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
    tp_stream_sign_head(&stream, 1);
    final_ok = stream.path[0] && stream.signed_size == stream.tree.size;
    final_size = stream.tree.size;
    tp_merkle_root(&stream.tree, final_root);
    tp_stream_close(&stream);
}

static void *worker_main(void *unused)
{
    tp_guard_enter(); /* everything this thread does is trainprov's own I/O */
    int rc = tp_stream_open(&stream, start_args.cfg, start_args.key, start_args.id,
                            start_args.parent, start_args.origin);
    if (rc != 0)
        fprintf(stderr, "trainprov: cannot create journal %s/%016llx.tpj: %s; this process "
                "is not recorded\n", start_args.cfg->journal_dir,
                (unsigned long long)start_args.id, strerror(-rc));
    pthread_mutex_lock(&lock);
    for (;;) {
        while (!queue_head && !end_requested) {
            if (stream.tree.size > stream.signed_size) {
                struct timespec until;
                clock_gettime(CLOCK_REALTIME, &until);
                until.tv_sec += (time_t)stream.cfg->head_seconds;
                if (pthread_cond_timedwait(&wake, &lock, &until) == ETIMEDOUT)
                    break;
            } else {
                pthread_cond_wait(&wake, &lock);
            }
        }
        tp_event *batch = queue_head;
        queue_head = queue_tail = NULL;
        int ending = end_requested && !batch;
        pthread_mutex_unlock(&lock);

        while (batch) {
            tp_event *next = batch->next;
            if (rc == 0)
                process(batch);
            else
                event_free(batch);
            batch = next;
        }
        if (rc == 0 && !ending && tp_stream_head_due(&stream, tp_now_ns()))
            tp_stream_sign_head(&stream, 0);
        free_graveyard(0);

        pthread_mutex_lock(&lock);
        if (ending) {
            if (rc == 0)
                seal();
            end_done = 1;
            pthread_cond_broadcast(&ended);
            break;
        }
    }
    pthread_mutex_unlock(&lock);
    return NULL;
}

int tp_worker_start(const tp_config *cfg, const tp_key *key, uint64_t stream_id, uint64_t parent,
                    const char *origin)
{
    start_args.cfg = cfg;
    start_args.key = key;
    start_args.id = stream_id;
    start_args.parent = parent;
    snprintf(start_args.origin, sizeof start_args.origin, "%s", origin);
    end_requested = end_done = 0;
    final_ok = 0;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 256 << 10);
    /* the worker must not take signals meant for the job */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(&thread, &attr, worker_main, NULL);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    pthread_attr_destroy(&attr);
    running = rc == 0;
    return rc == 0 ? 0 : -rc;
}

int tp_worker_finish(const char *reason, int status, uint64_t untracked_fds, uint64_t timeout_s)
{
    if (!running)
        return -1;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += (time_t)timeout_s;
    int rc = 0;
    pthread_mutex_lock(&lock);
    end_reason = reason;
    end_status = status;
    end_untracked = untracked_fds;
    end_requested = 1;
    pthread_cond_signal(&wake);
    while (!end_done && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&ended, &lock, &until);
    int done = end_done;
    pthread_mutex_unlock(&lock);
    if (done) {
        pthread_join(thread, NULL);
        running = 0;
        free_graveyard(1);
        return 0;
    }
    fprintf(stderr, "trainprov: stream %016llx not sealed within %llus (still hashing?); its "
            "log will be incomplete (set TRAINPROV_EXIT_TIMEOUT to wait longer)\n",
            (unsigned long long)start_args.id, (unsigned long long)timeout_s);
    return -1;
}

int tp_worker_final_head(uint64_t *tree_size, uint8_t root[TP_HASH_LEN])
{
    if (running || !final_ok)
        return -1;
    *tree_size = final_size;
    memcpy(root, final_root, TP_HASH_LEN);
    return 0;
}

void tp_worker_atfork_prepare(void) { pthread_mutex_lock(&lock); }

void tp_worker_atfork_parent(void) { pthread_mutex_unlock(&lock); }

void tp_worker_atfork_child(void)
{
    /* The parent's worker thread does not exist here; its queue and journal
     * belong to the parent. The queued events are leaked, not freed: they may
     * reference files the parent still owns. */
    tp_stream_close(&stream);
    memset(&stream, 0, sizeof stream);
    stream.fd = -1;
    tp_filerec_atfork_child();
    queue_head = queue_tail = NULL;
    graveyard = NULL;
    running = 0;
    end_requested = end_done = 0;
    final_ok = 0;
    pthread_cond_init(&wake, NULL);
    pthread_cond_init(&ended, NULL);
    pthread_mutex_unlock(&lock);
}
