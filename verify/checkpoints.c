/* checkpoints.c: the run's checkpoints grouped for the report (see
 * checkpoints.h). The run's writes, renames and deletes are replayed in
 * record time order into a table of the paths that hold content the run
 * produced; the checkpoints among them are then grouped by directory where
 * the directory is one checkpoint. */
#define _GNU_SOURCE
#include "verify/checkpoints.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/hex.h"
#include "core/vocab.h"
#include "verify/claim.h"

#define PRINT_MAX 20
#define MAX_RENAMED_DIRS 256

typedef struct {
    const Trainprov__V1__Record *r;
    size_t stream;
} event;

typedef struct {
    const char *path;
    const ProtobufCBinaryData *sha256;
    uint64_t size;
    int checkpoint, deleted, live;
} state;

typedef struct {
    state *states;
    size_t n, cap;
    size_t *slots;               /* index + 1 into states, 0 = empty */
    size_t n_slots;              /* a power of two */
    char **renamed_dirs;         /* "DIR/" renamed into place by the run */
    size_t n_renamed;
} replay;

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    while (*s)
        h = (h ^ (unsigned char)*s++) * 1099511628211ull;
    return h;
}

static state *lookup(const replay *p, const char *path)
{
    for (size_t i = hash_str(path) & (p->n_slots - 1);; i = (i + 1) & (p->n_slots - 1)) {
        if (!p->slots[i])
            return NULL;
        if (strcmp(p->states[p->slots[i] - 1].path, path) == 0)
            return &p->states[p->slots[i] - 1];
    }
}

/* The state of path, made when absent (there is room: one per event). */
static state *put(replay *p, const char *path)
{
    size_t i = hash_str(path) & (p->n_slots - 1);
    for (; p->slots[i]; i = (i + 1) & (p->n_slots - 1))
        if (strcmp(p->states[p->slots[i] - 1].path, path) == 0)
            return &p->states[p->slots[i] - 1];
    state *s = &p->states[p->n++];
    memset(s, 0, sizeof *s);
    s->path = path;
    p->slots[i] = p->n;
    return s;
}

static void set_content(state *s, const Trainprov__V1__FileEvent *f, int deleted)
{
    s->sha256 = &f->sha256;
    s->size = f->size;
    s->checkpoint = tp_role_parse(f->role) == TP_ROLE_CHECKPOINT;
    s->deleted = deleted;
    s->live = 1;
}

static const char *base_of(const char *p)
{
    const char *b = strrchr(p, '/');
    return b ? b + 1 : p;
}

/* A directory the run renamed into place (its new path, given by the
 * records of the files that moved with it). */
static int note_renamed_dir(replay *p, const char *dir)
{
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    for (size_t i = 0; i < p->n_renamed; i++)
        if (strlen(p->renamed_dirs[i]) == n + 1 && !strncmp(p->renamed_dirs[i], dir, n))
            return 0;
    if (p->n_renamed == MAX_RENAMED_DIRS)
        return 0; /* more are shown file by file: the report stays linear in the log */
    char **d = realloc(p->renamed_dirs, (p->n_renamed + 1) * sizeof *d);
    if (!d)
        return -1;
    p->renamed_dirs = d;
    if (asprintf(&d[p->n_renamed], "%.*s/", (int)n, dir) < 0)
        return -1;
    p->n_renamed++;
    return 0;
}

static int apply(replay *p, const Trainprov__V1__FileEvent *f)
{
    state *s;
    switch (tp_access_parse(f->access)) {
    case TP_ACCESS_WRITE:
    case TP_ACCESS_READWRITE:
        if (tp_file_authored(f))
            set_content(put(p, f->path), f, 0);
        else if ((s = lookup(p, f->path)))
            s->live = 0; /* no longer content the run produced */
        return 0;
    case TP_ACCESS_RENAME:
        if (f->renamed_from && (s = lookup(p, f->renamed_from)))
            s->live = 0;
        if (tp_file_authored(f)) {
            set_content(put(p, f->path), f, 0);
            return f->renamed_dir && f->renamed_dir[0] ? note_renamed_dir(p, f->renamed_dir) : 0;
        }
        if ((s = lookup(p, f->path)))
            s->live = 0;
        return 0;
    case TP_ACCESS_DELETE:
        s = lookup(p, f->path);
        if (s && s->live)
            s->deleted = 1;
        else if (f->authored && f->sha256.len == TP_HASH_LEN)
            set_content(put(p, f->path), f, 1);
        return 0;
    default:
        return 0;
    }
}

static int cmp_event(const void *a, const void *b)
{
    const event *x = a, *y = b;
    if (x->r->time_ns != y->r->time_ns)
        return x->r->time_ns < y->r->time_ns ? -1 : 1;
    if (x->stream != y->stream)
        return x->stream < y->stream ? -1 : 1;
    return x->r->seq < y->r->seq ? -1 : x->r->seq > y->r->seq;
}

static int starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The directory (with its '/') that makes path part of a multi-file
 * checkpoint, and its kind; NULL when path is a checkpoint on its own. */
static char *group_dir(const replay *p, const char *path, const char **kind)
{
    const char *b = base_of(path);
    if (b == path)
        return NULL;
    char *dir = strndup(path, (size_t)(b - path)); /* "/x/ckpt/" */
    if (!dir)
        return NULL;
    size_t n = strlen(dir);
    dir[n - 1] = '\0';
    const char *name = base_of(dir);
    if (starts_with(name, "mp_rank_") && name != dir) {
        dir[name - dir - 1] = '\0'; /* the iter_* above the model-parallel ranks */
        name = base_of(dir);
    }
    if (starts_with(name, "iter_")) {
        *kind = "megatron iteration";
        strcat(dir, "/");
        return dir;
    }
    if (starts_with(name, "global_step") || starts_with(name, "checkpoint-")) {
        *kind = "checkpoint directory"; /* DeepSpeed's global_stepN, Hugging Face's checkpoint-N */
        strcat(dir, "/");
        return dir;
    }
    char meta[4200];
    snprintf(meta, sizeof meta, "%s/.metadata", dir);
    const state *m = lookup(p, meta);
    strcat(dir, "/");
    if (m && m->live) {
        *kind = "distributed checkpoint";
        return dir;
    }
    for (size_t i = 0; i < p->n_renamed; i++)
        if (starts_with(path, p->renamed_dirs[i])) {
            free(dir);
            *kind = "directory renamed into place";
            return strdup(p->renamed_dirs[i]);
        }
    free(dir);
    return NULL;
}

static int cmp_file(const void *a, const void *b)
{
    return strcmp(((const tp_checkpoint_file *)a)->path, ((const tp_checkpoint_file *)b)->path);
}

static int cmp_group(const void *a, const void *b)
{
    return strcmp(((const tp_checkpoint *)a)->path, ((const tp_checkpoint *)b)->path);
}

typedef struct {
    char *key;                   /* the group it would belong to */
    const char *kind;
    const state *s;
} member;

static int cmp_member(const void *a, const void *b)
{
    return strcmp(((const member *)a)->key, ((const member *)b)->key);
}

static int add_file(tp_checkpoint *g, const state *s)
{
    tp_checkpoint_file *f = realloc(g->files, (g->n_files + 1) * sizeof *f);
    if (!f)
        return -1;
    g->files = f;
    f[g->n_files++] = (tp_checkpoint_file){s->path, s->sha256, s->size, s->checkpoint, s->deleted};
    g->bytes += s->size;
    return 0;
}

/* Every live file gets the key of the group it would belong to: its
 * checkpoint directory, else (a checkpoint) its own path. Sorted by key,
 * the files make the groups in one pass, a group being a key with a
 * checkpoint among its files: O(n log n) whatever the log holds. */
static int build_groups(const replay *p, tp_checkpoint_list *out)
{
    member *m = calloc(p->n ? p->n : 1, sizeof *m);
    out->items = calloc(p->n ? p->n : 1, sizeof *out->items);
    size_t n = 0;
    int rc = -1;
    if (!m || !out->items)
        goto done;
    for (size_t i = 0; i < p->n; i++) {
        const state *s = &p->states[i];
        if (!s->live)
            continue;
        const char *kind = "file";
        char *key = group_dir(p, s->path, &kind);
        if (!key && s->checkpoint && !(key = strdup(s->path)))
            goto done;
        if (key) /* else a file of the run that is no checkpoint, in no checkpoint directory */
            m[n++] = (member){key, kind, s};
    }
    qsort(m, n, sizeof *m, cmp_member);
    for (size_t i = 0; i < n;) {
        size_t end = i, checkpoints = 0;
        while (end < n && strcmp(m[end].key, m[i].key) == 0)
            checkpoints += m[end++].s->checkpoint;
        if (checkpoints) {
            tp_checkpoint *g = &out->items[out->n++];
            *g = (tp_checkpoint){.path = m[i].key, .kind = m[i].kind};
            m[i].key = NULL; /* the group's now */
            for (size_t k = i; k < end; k++)
                if (add_file(g, m[k].s) != 0)
                    goto done;
            qsort(g->files, g->n_files, sizeof *g->files, cmp_file);
            g->deleted = g->n_files > 0;
            for (size_t k = 0; k < g->n_files; k++)
                g->deleted &= g->files[k].deleted;
        }
        i = end;
    }
    qsort(out->items, out->n, sizeof *out->items, cmp_group);
    rc = 0;
done:
    for (size_t i = 0; m && i < n; i++)
        free(m[i].key);
    free(m);
    return rc;
}

int tp_checkpoints_collect(const tp_decoded_stream *dec, size_t n_streams, tp_checkpoint_list *out)
{
    memset(out, 0, sizeof *out);
    size_t n = 0;
    for (size_t s = 0; s < n_streams; s++)
        for (size_t i = 0; i < dec[s].n; i++)
            n += tp_file_event(dec[s].records[i]) != NULL;
    replay p = {0};
    event *ev = calloc(n ? n : 1, sizeof *ev);
    p.states = calloc(n ? n : 1, sizeof *p.states);
    for (p.n_slots = 16; p.n_slots < 2 * n; p.n_slots *= 2)
        ;
    p.slots = calloc(p.n_slots, sizeof *p.slots);
    int rc = -1;
    if (!ev || !p.states || !p.slots)
        goto out;
    size_t m = 0;
    for (size_t s = 0; s < n_streams; s++)
        for (size_t i = 0; i < dec[s].n; i++)
            if (tp_file_event(dec[s].records[i]))
                ev[m++] = (event){dec[s].records[i], s};
    qsort(ev, m, sizeof *ev, cmp_event);
    for (size_t i = 0; i < m; i++)
        if (apply(&p, ev[i].r->file) != 0)
            goto out;
    rc = build_groups(&p, out);
out:
    for (size_t i = 0; i < p.n_renamed; i++)
        free(p.renamed_dirs[i]);
    free(p.renamed_dirs);
    free(p.slots);
    free(p.states);
    free(ev);
    if (rc != 0)
        tp_checkpoints_free(out);
    return rc;
}

void tp_checkpoints_free(tp_checkpoint_list *l)
{
    for (size_t i = 0; l->items && i < l->n; i++) {
        free(l->items[i].path);
        free(l->items[i].files);
    }
    free(l->items);
    memset(l, 0, sizeof *l);
}

void tp_checkpoints_print(FILE *out, const tp_checkpoint_list *l)
{
    size_t deleted = 0;
    for (size_t i = 0; i < l->n; i++)
        deleted += l->items[i].deleted;
    fprintf(out, "  checkpoints  %zu written by the run", l->n);
    if (deleted)
        fprintf(out, " (%zu deleted by the job since)", deleted);
    fputc('\n', out);
    for (size_t i = 0; i < l->n && i < PRINT_MAX; i++) {
        const tp_checkpoint *c = &l->items[i];
        fputs("    ", out);
        tp_print_safe(out, c->path);
        if (strcmp(c->kind, "file") != 0)
            fprintf(out, "  %s, %zu files,", c->kind, c->n_files);
        fprintf(out, " %" PRIu64 " bytes%s\n", c->bytes, c->deleted ? ", deleted by the job" : "");
    }
    if (l->n > PRINT_MAX)
        fprintf(out, "    ... %zu more (--json lists every one)\n", l->n - PRINT_MAX);
}

struct json_object *tp_checkpoints_json(const tp_checkpoint_list *l)
{
    struct json_object *a = json_object_new_array();
    for (size_t i = 0; i < l->n; i++) {
        const tp_checkpoint *c = &l->items[i];
        struct json_object *o = json_object_new_object(), *files = json_object_new_array();
        json_object_object_add(o, "path", json_object_new_string(c->path));
        json_object_object_add(o, "kind", json_object_new_string(c->kind));
        json_object_object_add(o, "bytes", json_object_new_uint64(c->bytes));
        json_object_object_add(o, "deleted", json_object_new_boolean(c->deleted));
        json_object_object_add(o, "authored", json_object_new_boolean(1));
        for (size_t k = 0; k < c->n_files; k++) {
            const tp_checkpoint_file *f = &c->files[k];
            struct json_object *j = json_object_new_object();
            char *hex = tp_hex_dup(f->sha256->data, f->sha256->len);
            json_object_object_add(j, "path", json_object_new_string(f->path));
            json_object_object_add(j, "sha256", json_object_new_string(hex ? hex : ""));
            json_object_object_add(j, "size", json_object_new_uint64(f->size));
            json_object_object_add(j, "checkpoint", json_object_new_boolean(f->checkpoint));
            json_object_object_add(j, "deleted", json_object_new_boolean(f->deleted));
            json_object_array_add(files, j);
            free(hex);
        }
        json_object_object_add(o, "files", files);
        json_object_array_add(a, o);
    }
    return a;
}
