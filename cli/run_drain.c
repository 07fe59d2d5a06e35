/* run_drain.c: streams of processes that outlive the job (see run_drain.h).
 * "Outliving" is decided once, when the log is assembled: the main command
 * has exited and the wrapper (a child subreaper) has waited
 * TRAINPROV_DRAIN_SECONDS for the rest; a process that is still running then
 * has nobody left in the job to wait for it. Only a live descendant of this
 * wrapper counts, and only for a stream that has not ended: a stream whose
 * process is gone without a final head stays a killed stream. */
#define _GNU_SOURCE
#include "cli/run_drain.h"

#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/format.h"
#include "runlog/records.h"

typedef struct {
    pid_t pid, ppid;
    char comm[32];
} proc_entry;

/* Every live process of /proc with its parent and command name; NULL if none. */
static proc_entry *list_processes(size_t *n)
{
    DIR *d = opendir("/proc");
    size_t cap = 256;
    proc_entry *v = malloc(cap * sizeof *v);
    *n = 0;
    struct dirent *e;
    while (d && v && (e = readdir(d)) != NULL) {
        char *end, path[64], buf[512];
        long pid = strtol(e->d_name, &end, 10);
        if (*end || pid <= 0)
            continue;
        snprintf(path, sizeof path, "/proc/%ld/stat", pid);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        size_t len = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[len] = '\0';
        char *open = strchr(buf, '('), *close = strrchr(buf, ')');
        int ppid;
        char state;
        if (!open || !close || close < open || sscanf(close + 1, " %c %d", &state, &ppid) != 2 ||
            state == 'Z' || state == 'X')
            continue; /* a zombie has ended: a stream of it without an end was killed */
        if (*n == cap) {
            proc_entry *g = realloc(v, 2 * cap * sizeof *v);
            if (!g)
                break;
            v = g;
            cap *= 2;
        }
        proc_entry *p = &v[(*n)++];
        p->pid = (pid_t)pid;
        p->ppid = (pid_t)ppid;
        snprintf(p->comm, sizeof p->comm, "%.*s", (int)(close - open - 1), open + 1);
        for (char *c = p->comm; *c; c++) /* the job names its processes: print them safely */
            if (*c < ' ' || *c == 0x7f)
                *c = '?';
    }
    if (d)
        closedir(d);
    return v;
}

/* The entry of a live descendant of this process with this pid, or NULL. */
static const proc_entry *live_descendant(const proc_entry *v, size_t n, pid_t pid)
{
    const proc_entry *found = NULL;
    for (size_t i = 0; i < n && !found; i++)
        if (v[i].pid == pid)
            found = &v[i];
    pid_t self = getpid(), up = found ? found->ppid : 0;
    for (size_t depth = 0; up > 1 && depth <= n; depth++) {
        if (up == self)
            return found;
        size_t i = 0;
        while (i < n && v[i].pid != up)
            i++;
        up = i < n ? v[i].ppid : 0;
    }
    return NULL;
}

static int ended(const tp_stream_data *st)
{
    if (!st->n_heads)
        return 0;
    Trainprov__V1__TreeHead *h = tp_head_decode(&st->head_bodies[st->n_heads - 1], NULL, 0);
    int fin = h && h->final;
    if (h)
        trainprov__v1__tree_head__free_unpacked(h, NULL);
    return fin;
}

size_t tp_run_drain_mark_outliving(tp_runlog *log)
{
    size_t n_proc = 0, marked = 0;
    tp_decoded_stream *dec = NULL;
    pid_t *pid = calloc(log->n_streams ? log->n_streams : 1, sizeof *pid);
    proc_entry *procs = pid ? list_processes(&n_proc) : NULL;
    if (!procs || tp_records_decode_all(log, &dec) != 0)
        goto out;
    /* each stream's process: its RunStart, else the ChildStream announcing it */
    for (size_t s = 0; s < log->n_streams; s++) {
        const Trainprov__V1__Record *r0 = dec[s].n ? dec[s].records[0] : NULL;
        if (r0 && r0->body_case == TRAINPROV__V1__RECORD__BODY_RUN_START)
            pid[s] = r0->run_start->pid;
    }
    for (size_t s = 0; s < log->n_streams; s++)
        for (size_t i = 0; i < dec[s].n; i++) {
            const Trainprov__V1__Record *r = dec[s].records[i];
            if (!r || r->body_case != TRAINPROV__V1__RECORD__BODY_CHILD)
                continue;
            for (size_t k = 0; k < log->n_streams; k++)
                if (log->streams[k].stream_id == r->child->child_stream && !pid[k])
                    pid[k] = r->child->child_pid;
        }
    for (size_t s = 0; s < log->n_streams; s++) {
        tp_stream_data *st = &log->streams[s];
        const proc_entry *p = pid[s] > 0 ? live_descendant(procs, n_proc, pid[s]) : NULL;
        if (!p || ended(st))
            continue;
        st->outlived = 1;
        marked++;
        char hex[TP_STREAM_HEX_LEN + 1];
        tp_stream_hex(st->stream_id, hex);
        fprintf(stderr, "trainprov: pid %d (%s) outlived the job: its stream %s is in the log up "
                "to its last signed head (%zu records) and marked as outliving; what it does from "
                "now on is not recorded\n", (int)p->pid, p->comm, hex, st->n_records);
    }
out:
    if (dec)
        tp_records_free_all(dec, log->n_streams);
    free(procs);
    free(pid);
    return marked;
}
