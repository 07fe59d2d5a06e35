/* launch_facts.c: the ranks and nodes of a job started without MPI, and
 * their checks (launch_facts.h). Fails closed: a missing rank or node, a
 * rank stream of another job, a rank whose latest stream did not end is a
 * problem, never a pass. Sizes named by the records are bounded by what a
 * log of this many streams can hold, so a forged world size cannot exhaust
 * memory. */
#include "verify/launch_facts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    uint64_t id;
    size_t index;
} stream_ref;

static int cmp_ref(const void *a, const void *b)
{
    uint64_t x = ((const stream_ref *)a)->id, y = ((const stream_ref *)b)->id;
    return x < y ? -1 : x > y;
}

static const Trainprov__V1__RunStart *run_start(const tp_decoded_stream *d)
{
    const Trainprov__V1__Record *r = d->n ? d->records[0] : NULL;
    return r && r->body_case == TRAINPROV__V1__RECORD__BODY_RUN_START ? r->run_start : NULL;
}

const Trainprov__V1__Launcher *tp_launch_of(const tp_decoded_stream *d)
{
    const Trainprov__V1__RunStart *rs = run_start(d);
    return rs ? rs->launcher : NULL;
}

int tp_launch_restart(const Trainprov__V1__Launcher *l)
{
    if (!l)
        return -1;
    return l->torchelastic_restart_count >= 0 ? l->torchelastic_restart_count
                                              : l->slurm_restart_count;
}

/* The launcher record when it names a rank of this kind and world. */
static const Trainprov__V1__Launcher *ranked(const tp_launch_facts *f, size_t s)
{
    const Trainprov__V1__Launcher *l = tp_launch_of(&f->dec[s]);
    return l && l->rank >= 0 && l->rank < l->world_size && l->world_size == f->world &&
                   !strcmp(l->kind, f->kind)
               ? l
               : NULL;
}

static const char *job_of(const tp_launch_facts *f, const Trainprov__V1__Launcher *l)
{
    return !strcmp(f->kind, "torchrun") ? l->torchelastic_run_id
           : !strcmp(f->kind, "slurm")  ? l->slurm_job_id
                                        : "";
}

/* The node a launcher record places its rank on (for restart counts). */
static int node_of(const tp_launch_facts *f, const Trainprov__V1__Launcher *l)
{
    return !strcmp(f->kind, "slurm") ? l->slurm_nodeid : l->group_rank;
}

static int restart_of(const Trainprov__V1__Launcher *l)
{
    int r = tp_launch_restart(l);
    return r > 0 ? r : 0;
}

static long find(const stream_ref *refs, size_t n, uint64_t id)
{
    stream_ref key = {id, 0};
    const stream_ref *r = n ? bsearch(&key, refs, n, sizeof *refs, cmp_ref) : NULL;
    return r ? (long)r->index : -1;
}

/* torchrun's (or a plain RANK launcher's) ranks when any stream has them,
 * else srun's; the world is the largest that kind names, bounded. */
static void choose_world(tp_launch_facts *f)
{
    static const char *const kinds[] = {"torchrun", "env", "slurm"};
    size_t bound = f->log->n_streams + 1024;
    for (size_t k = 0; k < sizeof kinds / sizeof *kinds && !f->world; k++) {
        for (size_t s = 0; s < f->log->n_streams; s++) {
            const Trainprov__V1__Launcher *l = tp_launch_of(&f->dec[s]);
            if (l && !strcmp(l->kind, kinds[k]) && l->rank >= 0 && l->rank < l->world_size &&
                l->world_size > f->world)
                f->world = (size_t)l->world_size > bound ? (int)bound : l->world_size;
        }
        if (f->world)
            f->kind = kinds[k];
    }
}

static int collect_ranks(tp_launch_facts *f, const stream_ref *refs)
{
    f->ranks = calloc((size_t)f->world, sizeof *f->ranks);
    if (!f->ranks)
        return -1;
    for (int r = 0; r < f->world; r++)
        f->ranks[r].latest = -1;
    for (size_t s = 0; s < f->log->n_streams; s++) {
        const Trainprov__V1__Launcher *l = ranked(f, s);
        if (!l)
            continue;
        const Trainprov__V1__RunStart *rs = run_start(&f->dec[s]);
        long parent = rs->parent_stream ? find(refs, f->log->n_streams, rs->parent_stream) : -1;
        const Trainprov__V1__Launcher *pl = parent >= 0 ? ranked(f, (size_t)parent) : NULL;
        if (pl && pl->rank == l->rank)
            continue; /* a child of the rank's process (a DataLoader worker) */
        tp_launch_rank *ri = &f->ranks[l->rank];
        ri->attempts++;
        int restart = restart_of(l);
        if (ri->latest < 0 || restart > ri->restart ||
            (restart == ri->restart &&
             rs->start_time_ns >= run_start(&f->dec[ri->latest])->start_time_ns)) {
            ri->latest = (long)s;
            ri->restart = restart;
        }
    }
    /* each node's latest restart, over its ranks (node numbers below world) */
    int *node_max = calloc((size_t)f->world, sizeof *node_max);
    if (!node_max)
        return -1;
    for (int r = 0; r < f->world; r++) {
        const Trainprov__V1__Launcher *l =
            f->ranks[r].latest >= 0 ? tp_launch_of(&f->dec[f->ranks[r].latest]) : NULL;
        int node = l ? node_of(f, l) : -1;
        if (node >= 0 && node < f->world && f->ranks[r].restart > node_max[node])
            node_max[node] = f->ranks[r].restart;
    }
    for (int r = 0; r < f->world; r++) {
        const Trainprov__V1__Launcher *l =
            f->ranks[r].latest >= 0 ? tp_launch_of(&f->dec[f->ranks[r].latest]) : NULL;
        int node = l ? node_of(f, l) : -1;
        f->ranks[r].node_restart = node >= 0 && node < f->world ? node_max[node]
                                                                : f->ranks[r].restart;
    }
    free(node_max);
    if (f->ranks[0].latest >= 0)
        f->job = job_of(f, tp_launch_of(&f->dec[f->ranks[0].latest]));
    return 0;
}

/* Each node's wrapper starts one root stream (no parent) naming the node. */
static int collect_nodes(tp_launch_facts *f)
{
    size_t bound = f->log->n_streams + 1024;
    for (size_t s = 0; s < f->log->n_streams; s++) {
        const Trainprov__V1__Launcher *l = tp_launch_of(&f->dec[s]);
        if (l && l->nodes > f->nodes)
            f->nodes = (size_t)l->nodes > bound ? (int)bound : l->nodes;
    }
    if (!f->nodes)
        return 0;
    f->node_root = malloc((size_t)f->nodes * sizeof *f->node_root);
    if (!f->node_root)
        return -1;
    for (int n = 0; n < f->nodes; n++)
        f->node_root[n] = -1;
    for (size_t s = 0; s < f->log->n_streams; s++) {
        const Trainprov__V1__RunStart *rs = run_start(&f->dec[s]);
        const Trainprov__V1__Launcher *l = rs ? rs->launcher : NULL;
        if (l && !rs->parent_stream && l->node >= 0 && l->node < f->nodes &&
            f->node_root[l->node] < 0)
            f->node_root[l->node] = (long)s;
    }
    return 0;
}

int tp_launch_facts_init(tp_launch_facts *f, const tp_runlog *log, const tp_decoded_stream *dec)
{
    memset(f, 0, sizeof *f);
    f->log = log;
    f->dec = dec;
    f->kind = f->job = "";
    f->restarts = 0;
    for (size_t s = 0; s < log->n_streams; s++) {
        int r = tp_launch_restart(tp_launch_of(&dec[s]));
        if (r > f->restarts)
            f->restarts = r;
    }
    choose_world(f);
    if (collect_nodes(f) != 0)
        return -1;
    if (!f->world)
        return 0;
    stream_ref *refs = malloc((log->n_streams ? log->n_streams : 1) * sizeof *refs);
    if (!refs)
        return -1;
    for (size_t s = 0; s < log->n_streams; s++)
        refs[s] = (stream_ref){log->streams[s].stream_id, s};
    qsort(refs, log->n_streams, sizeof *refs, cmp_ref);
    int rc = collect_ranks(f, refs);
    free(refs);
    return rc;
}

void tp_launch_facts_free(tp_launch_facts *f)
{
    free(f->ranks);
    free(f->node_root);
    memset(f, 0, sizeof *f);
}

void tp_launch_check_binding(const tp_launch_facts *f, tp_problems *p)
{
    for (int r = 0; r < f->world; r++) {
        const tp_launch_rank *ri = &f->ranks[r];
        if (ri->latest < 0)
            tp_problems_add(p, "rank %d of %d (%s): no stream of it in the log (missing rank)", r,
                            f->world, f->kind);
        else if (ri->restart < ri->node_restart)
            tp_problems_add(p, "rank %d of %d (%s): no stream of its node's restart %d in the "
                            "log, only of restart %d (missing rank)", r, f->world, f->kind,
                            ri->node_restart, ri->restart);
    }
    for (size_t s = 0; f->world && f->job[0] && s < f->log->n_streams; s++) {
        const Trainprov__V1__Launcher *l = ranked(f, s);
        char hex[17];
        if (!l || !strcmp(job_of(f, l), f->job))
            continue;
        tp_stream_hex(f->log->streams[s].stream_id, hex);
        tp_problems_add(p, "stream %s (rank %d) belongs to %s job '%s', rank 0's to '%s' (a stream "
                        "of another job)", hex, l->rank, f->kind, job_of(f, l), f->job);
    }
    for (int n = 0; n < f->nodes; n++)
        if (f->node_root[n] < 0)
            tp_problems_add(p, "node %d of %d: no stream of its `trainprov run` in the log "
                            "(missing node)", n, f->nodes);
}

void tp_launch_check_complete(const tp_launch_facts *f, tp_problems *p)
{
    for (int r = 0; r < f->world; r++) {
        const tp_launch_rank *ri = &f->ranks[r];
        if (ri->latest < 0) {
            tp_problems_add(p, "rank %d of %d (%s) has no stream in the log", r, f->world,
                            f->kind);
            continue;
        }
        const tp_decoded_stream *d = &f->dec[ri->latest];
        const Trainprov__V1__Record *last = d->n ? d->records[d->n - 1] : NULL;
        if (last && last->body_case == TRAINPROV__V1__RECORD__BODY_STREAM_END)
            continue;
        char hex[17];
        tp_stream_hex(f->log->streams[ri->latest].stream_id, hex);
        tp_problems_add(p, "rank %d (stream %s) did not end: killed or lost", r, hex);
    }
}
