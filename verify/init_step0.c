/* init_step0.c: the step-0 checkpoint of init.random (init_step0.h;
 * docs/CLAIMS.md, "The step-0 checkpoint").
 *
 * Order in the log: every record carries the realtime clock of the process
 * that made it; an InitTensor is recorded after its fill; a FileEvent
 * records when its session first read or wrote (first_access_ns) and when
 * it ended (last_access_ns: the close or the rename). The step-0 checkpoint
 * is the checkpoint write session (write, read-write or rename, whoever's
 * content) that ended first after the initialiser's last fill, when no data
 * session of any stream may have read between that fill and its end (all
 * streams of one host share its clock; across hosts the order assumes
 * synchronised clocks, as the challenge validity does). Reads that ended
 * before the init (interpreter start-up, a data set loaded before the model
 * existed) do not count.
 *
 * The verifier opens that checkpoint where the run wrote it (any recorded
 * path of the same content, e.g. a rename's destination) and uses it only if
 * it is a regular file whose SHA-256 is the one the run recorded;
 * --checkpoint FILE is used only if its SHA-256 is that of a checkpoint the
 * run authored. The comparison: every InitTensor in the file with its
 * recorded dtype, shape and bytes, and no other tensor that can hold learned
 * values. In a PyTorch zip checkpoint the state dict may be nested
 * ({'model': sd, ...}): the dict whose keys match the most InitTensor names
 * is the state dict. */
#define _GNU_SOURCE /* vasprintf */
#include "verify/init_step0.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/hashfile.h"
#include "core/hex.h"
#include "core/vocab.h"
#include "verify/ptzip.h"
#include "verify/safetensors.h"

#define PATHS_TRIED 16 /* recorded paths of the step-0 content the verifier looks at */

typedef struct {
    const Trainprov__V1__FileEvent *f;
    int64_t done_ns; /* when the session ended */
} ckpt_write;

/* SHA-256 of the regular file at path (a FIFO or a device is refused, not
 * waited on). 0, or -errno. */
static int hash_regular(const char *path, uint8_t d[32])
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    struct stat sb;
    uint64_t size;
    if (fd < 0)
        return -errno;
    int rc = fstat(fd, &sb) != 0 ? -errno : !S_ISREG(sb.st_mode) ? -EINVAL : 0;
    if (rc == 0)
        rc = tp_sha256_fd(fd, pread, d, &size, NULL, 0, NULL);
    close(fd);
    return rc;
}

static int64_t or_time(int64_t t, const Trainprov__V1__Record *r) { return t ? t : r->time_ns; }

static int is_write(const Trainprov__V1__FileEvent *f)
{
    enum tp_access a = tp_access_parse(f->access);
    return a == TP_ACCESS_WRITE || a == TP_ACCESS_READWRITE || a == TP_ACCESS_RENAME;
}

/* When the initialiser's last fill was recorded: the latest InitTensor. */
static int64_t init_done(const tp_claim_ctx *c)
{
    int64_t last = 0;
    for (size_t s = 0; s < c->log->n_streams; s++)
        for (size_t i = 0; i < c->dec[s].n; i++) {
            const Trainprov__V1__Record *r = c->dec[s].records[i];
            if (r && r->body_case == TRAINPROV__V1__RECORD__BODY_INIT_TENSOR && r->time_ns > last)
                last = r->time_ns;
        }
    return last;
}

/* The checkpoint write that ended first after the init; found->f NULL when
 * none. */
static void first_checkpoint_write(const tp_claim_ctx *c, int64_t after, ckpt_write *found)
{
    found->f = NULL;
    found->done_ns = 0;
    for (size_t s = 0; s < c->log->n_streams; s++)
        for (size_t i = 0; i < c->dec[s].n; i++) {
            const Trainprov__V1__FileEvent *f = tp_file_event(c->dec[s].records[i]);
            if (!f || tp_role_parse(f->role) != TP_ROLE_CHECKPOINT || !is_write(f) ||
                !tp_record_signed(c, s, i)) /* never open a file only an unsigned record names */
                continue;
            int64_t t = or_time(f->last_access_ns, c->dec[s].records[i]);
            if (t > after && (!found->f || t < found->done_ns))
                *found = (ckpt_write){f, t};
        }
}

/* The data reads around the interval (from, to]: *between, a data session
 * (in any stream) that may have read during it, else NULL; *after, whether
 * one began reading after it. A session whose reads the logger did not time
 * (it saw none: numpy.fromfile reads through a duplicated descriptor) may
 * have read from its stream's start on: it counts as between when it ended
 * after from, and never as after. */
static void data_reads(const tp_claim_ctx *c, int64_t from, int64_t to, const char **between,
                       int *after)
{
    *between = NULL;
    *after = 0;
    for (size_t s = 0; s < c->log->n_streams; s++)
        for (size_t i = 0; i < c->dec[s].n; i++) {
            const Trainprov__V1__Record *r = c->dec[s].records[i];
            const Trainprov__V1__FileEvent *f = tp_file_event(r);
            if (!f || tp_role_parse(f->role) != TP_ROLE_DATA)
                continue;
            const Trainprov__V1__RunStart *rs = c->streams[s].run_start;
            int timed = (f->bytes_read || f->mapped) && f->first_access_ns;
            int64_t first = timed ? f->first_access_ns
                            : rs && rs->start_time_ns ? rs->start_time_ns
                                                      : 1;
            int64_t last = or_time(f->last_access_ns, r);
            if (first < to && last > from && !*between)
                *between = f->path;
            if (timed && first > to)
                *after = 1;
        }
}

/* The k-th (from 0) checkpoint the run authored with this content, in log
 * order; NULL past the last. */
static const Trainprov__V1__FileEvent *authored(const tp_claim_ctx *c, const uint8_t *digest,
                                                size_t k, int64_t *done_ns)
{
    for (size_t s = 0; s < c->log->n_streams; s++)
        for (size_t i = 0; i < c->dec[s].n; i++) {
            const Trainprov__V1__FileEvent *f = tp_file_event(c->dec[s].records[i]);
            if (f && tp_role_parse(f->role) == TP_ROLE_CHECKPOINT && tp_file_authored(f) &&
                tp_record_signed(c, s, i) && !memcmp(f->sha256.data, digest, TP_HASH_LEN) &&
                k-- == 0) {
                *done_ns = or_time(f->last_access_ns, c->dec[s].records[i]);
                return f;
            }
        }
    return NULL;
}

static const char *st_dtype(const char *dtype)
{
    return !strcmp(dtype, "float32") ? "F32" : !strcmp(dtype, "bfloat16") ? "BF16" : "F16";
}

/* One checkpoint, whatever its format: its tensors by name. */
typedef struct {
    int is_zip;
    tp_safetensors st;
    tp_ptzip pt;
    const char *prefix; /* the state dict's key path in a zip, "" or "model." */
    size_t prefix_len;
    char *prefix_buf;
} ckpt;

static size_t ckpt_count(const ckpt *k) { return k->is_zip ? k->pt.n : k->st.n; }

static const char *ckpt_name(const ckpt *k, size_t i)
{
    return k->is_zip ? k->pt.tensors[i].name : k->st.tensors[i].name;
}

/* Index of the tensor the InitTensor name is saved as, or -1. */
static long ckpt_find(const ckpt *k, const char *name)
{
    if (!k->is_zip) {
        const tp_st_tensor *t = tp_safetensors_find(&k->st, name);
        return t ? t - k->st.tensors : -1;
    }
    size_t n = strlen(name);
    char *full = malloc(k->prefix_len + n + 1);
    if (!full)
        return -1;
    memcpy(full, k->prefix, k->prefix_len);
    memcpy(full + k->prefix_len, name, n + 1);
    const tp_pt_tensor *t = tp_ptzip_find(&k->pt, full);
    free(full);
    return t ? t - k->pt.tensors : -1;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Orders tensors by their key path's prefix (the dict holding them). */
static int cmp_prefix(const void *a, const void *b)
{
    const tp_pt_tensor *x = *(const tp_pt_tensor *const *)a, *y = *(const tp_pt_tensor *const *)b;
    size_t n = x->key_at < y->key_at ? x->key_at : y->key_at;
    int c = memcmp(x->name, y->name, n);
    return c ? c : x->key_at < y->key_at ? -1 : x->key_at > y->key_at;
}

/* The state dict in a zip checkpoint: the key path whose keys match the
 * most InitTensor names (the shortest on a tie). */
static int choose_prefix(ckpt *k, Trainprov__V1__InitTensor **ts, size_t n)
{
    const char **names = malloc((n ? n : 1) * sizeof *names);
    const tp_pt_tensor **hits = malloc((k->pt.n ? k->pt.n : 1) * sizeof *hits);
    size_t nh = 0;
    if (!names || !hits) {
        free(names);
        free(hits);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        names[i] = ts[i]->name;
    qsort(names, n, sizeof *names, cmp_str);
    for (size_t i = 0; i < k->pt.n; i++) {
        const tp_pt_tensor *t = &k->pt.tensors[i];
        const char *key = t->name + t->key_at;
        if (n && bsearch(&key, names, n, sizeof *names, cmp_str))
            hits[nh++] = t;
    }
    free(names);
    if (nh)
        qsort(hits, nh, sizeof *hits, cmp_prefix);
    const tp_pt_tensor *best = NULL;
    size_t best_count = 0;
    for (size_t i = 0, run; i < nh; i += run) {
        for (run = 1; i + run < nh && !cmp_prefix(&hits[i], &hits[i + run]); run++)
            ;
        if (run > best_count || (run == best_count && hits[i]->key_at < best->key_at)) {
            best = hits[i];
            best_count = run;
        }
    }
    k->prefix_len = best ? best->key_at : 0;
    k->prefix_buf = strndup(best ? best->name : "", k->prefix_len);
    free(hits);
    if (!k->prefix_buf)
        return -1;
    k->prefix = k->prefix_buf;
    return 0;
}

static void ckpt_close(ckpt *k)
{
    if (k->is_zip)
        tp_ptzip_close(&k->pt);
    else
        tp_safetensors_close(&k->st);
    free(k->prefix_buf);
}

static int ckpt_open(const char *path, ckpt *k, Trainprov__V1__InitTensor **ts, size_t n,
                     char *err, size_t errlen)
{
    uint8_t magic[4] = {0};
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    ssize_t got = pread(fd, magic, sizeof magic, 0);
    close(fd);
    memset(k, 0, sizeof *k);
    k->prefix = "";
    k->is_zip = got == 4 && !memcmp(magic, "PK\3\4", 4);
    if (!k->is_zip)
        return tp_safetensors_open(path, &k->st, err, errlen);
    if (tp_ptzip_open(path, &k->pt, err, errlen) != 0)
        return -1;
    if (choose_prefix(k, ts, n) != 0) {
        snprintf(err, errlen, "out of memory");
        ckpt_close(k);
        return -1;
    }
    return 0;
}

/* The dtype and shape of tensor i match t's. */
static int same_layout(const ckpt *k, size_t i, const Trainprov__V1__InitTensor *t,
                       const char **dtype)
{
    const uint64_t *shape;
    size_t ndim;
    if (k->is_zip) {
        const tp_pt_tensor *x = &k->pt.tensors[i];
        *dtype = k->pt.storages[x->storage].dtype;
        shape = x->shape;
        ndim = x->ndim;
    } else {
        *dtype = k->st.tensors[i].dtype;
        shape = k->st.tensors[i].shape;
        ndim = k->st.tensors[i].ndim;
    }
    if (strcmp(*dtype, st_dtype(t->dtype)) != 0 || ndim != t->n_shape)
        return 0;
    for (size_t d = 0; d < ndim; d++)
        if (shape[d] != t->shape[d])
            return 0;
    return 1;
}

/* What plain_values learns from a tensor's bytes. */
typedef struct {
    unsigned esz;
    uint8_t first[8], one[8];
    int have_first, constant, zero_one;
} plainness;

static int scan_plain(void *ctx, const uint8_t *b, size_t n)
{
    plainness *pl = ctx;
    static const uint8_t zero[8];
    for (size_t at = 0; at + pl->esz <= n; at += pl->esz) {
        if (!pl->have_first) {
            memcpy(pl->first, b + at, pl->esz);
            pl->have_first = 1;
        }
        pl->constant &= !memcmp(b + at, pl->first, pl->esz);
        pl->zero_one &= !memcmp(b + at, zero, pl->esz) || !memcmp(b + at, pl->one, pl->esz);
    }
    return 0;
}

/* A tensor the initialiser did not fill may sit in a step-0 checkpoint
 * when it cannot carry learned weights: an integer or boolean tensor (a
 * step counter, indices), or floats that are all one value (BatchNorm's
 * running mean and variance) or only 0 and 1 (a causal mask). 1 when so,
 * 0 when not, -1 on a read error. */
static int plain_values(const ckpt *k, size_t i)
{
    const char *dtype = k->is_zip ? k->pt.storages[k->pt.tensors[i].storage].dtype
                                  : k->st.tensors[i].dtype;
    static const struct {
        const char *dtype;
        unsigned esz;
        uint8_t one[8]; /* 1.0, little-endian */
    } floats[] = {{"F32", 4, {0, 0, 0x80, 0x3f}}, {"F16", 2, {0, 0x3c}}, {"BF16", 2, {0x80, 0x3f}},
                  {"F64", 8, {0, 0, 0, 0, 0, 0, 0xf0, 0x3f}}};
    plainness pl = {0};
    for (size_t f = 0; f < sizeof floats / sizeof floats[0]; f++)
        if (!strcmp(dtype, floats[f].dtype)) {
            pl.esz = floats[f].esz;
            memcpy(pl.one, floats[f].one, sizeof pl.one);
        }
    if (!pl.esz) /* not a float: integers, bool; an 8-bit float is refused too */
        return strncmp(dtype, "F8", 2) != 0;
    pl.constant = pl.zero_one = 1;
    const char *why = NULL;
    int rc = k->is_zip ? tp_ptzip_bytes(&k->pt, &k->pt.tensors[i], scan_plain, &pl, &why)
                       : tp_safetensors_bytes(&k->st, &k->st.tensors[i], scan_plain, &pl);
    if (rc > 0)
        return 0;
    return rc < 0 ? -1 : pl.constant || pl.zero_one;
}

/* Tensors a and b are one view of one storage: the same bytes under two
 * names. */
static int same_view(const tp_pt_tensor *a, const tp_pt_tensor *b)
{
    if (a->storage != b->storage || a->storage_offset != b->storage_offset || a->ndim != b->ndim)
        return 0;
    for (size_t d = 0; d < a->ndim; d++)
        if (a->shape[d] != b->shape[d] || a->stride[d] != b->stride[d])
            return 0;
    return 1;
}

/* Orders tensors by where their elements start: storage, then offset. */
static int cmp_place(const void *a, const void *b)
{
    const tp_pt_tensor *x = *(const tp_pt_tensor *const *)a, *y = *(const tp_pt_tensor *const *)b;
    if (x->storage != y->storage)
        return x->storage < y->storage ? -1 : 1;
    return x->storage_offset < y->storage_offset ? -1 : x->storage_offset > y->storage_offset;
}

/* Marks (2) every tensor that is another name for a seen one (weight
 * tying: torch.save writes lm_head.weight and wte.weight as one storage):
 * its bytes are those already compared with an InitTensor. -1 when out of
 * memory. */
static int mark_aliases(const tp_ptzip *z, char *seen)
{
    const tp_pt_tensor **done = malloc((z->n ? z->n : 1) * sizeof *done);
    size_t nd = 0;
    if (!done)
        return -1;
    for (size_t i = 0; i < z->n; i++)
        if (seen[i] == 1)
            done[nd++] = &z->tensors[i];
    qsort(done, nd, sizeof *done, cmp_place);
    for (size_t i = 0; nd && i < z->n; i++) {
        if (seen[i])
            continue;
        const tp_pt_tensor *t = &z->tensors[i];
        size_t lo = 0, hi = nd; /* the first seen tensor not before t's place */
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (cmp_place(&done[mid], &t) < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        /* a few views start at one place (a hostile file: many, only costly) */
        for (size_t end = lo + 64; lo < nd && lo < end && !cmp_place(&done[lo], &t) && !seen[i];
             lo++)
            if (same_view(done[lo], t))
                seen[i] = 2;
    }
    free(done);
    return 0;
}

/* Compares the checkpoint at path with the InitTensors; problems to p.
 * *tensors: how many it holds. 0, or -1 with err (cannot be read). */
static int compare(const char *path, const char *label, Trainprov__V1__InitTensor **ts, size_t n,
                   tp_problems *p, size_t *tensors, size_t *plain, const char **format, char *err,
                   size_t errlen)
{
    ckpt k;
    if (ckpt_open(path, &k, ts, n, err, errlen) != 0)
        return -1;
    *format = k.is_zip ? "pytorch-zip" : "safetensors";
    size_t total = ckpt_count(&k);
    char *seen = calloc(total ? total : 1, 1);
    int rc = seen ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const Trainprov__V1__InitTensor *t = ts[i];
        long at = ckpt_find(&k, t->name);
        const char *dtype, *why = "";
        uint8_t digest[32];
        if (at < 0) {
            tp_problems_add(p, "tensor %s: not in %s %s", t->name, label, path);
            continue;
        }
        seen[at] = 1;
        if (!same_layout(&k, (size_t)at, t, &dtype)) {
            tp_problems_add(p, "tensor %s: %s %s holds it as %s of another shape or dtype than "
                               "the recorded %s", t->name, label, path, dtype, t->dtype);
            continue;
        }
        int h = k.is_zip ? tp_ptzip_sha256(&k.pt, &k.pt.tensors[at], digest, &why)
                         : tp_safetensors_sha256(&k.st, &k.st.tensors[at], digest);
        if (h < 0) {
            snprintf(err, errlen, "cannot read tensor %s of %s", t->name, path);
            rc = -1;
        } else if (h > 0) {
            tp_problems_add(p, "tensor %s: its copy in %s %s cannot be compared: %s", t->name,
                            label, path, why);
        } else if (t->sha256.len != 32 || memcmp(digest, t->sha256.data, 32) != 0) {
            tp_problems_add(p, "tensor %s: its bytes in %s %s differ from the initialised ones "
                               "(changed after init)", t->name, label, path);
        }
    }
    if (rc == 0 && k.is_zip && mark_aliases(&k.pt, seen) != 0) {
        snprintf(err, errlen, "out of memory");
        rc = -1;
    }
    *plain = 0;
    for (size_t i = 0; rc == 0 && i < total; i++) {
        int is_plain = seen[i] ? 1 : plain_values(&k, i);
        *plain += !seen[i] && is_plain > 0;
        if (is_plain < 0) {
            snprintf(err, errlen, "cannot read tensor %s of %s", ckpt_name(&k, i), path);
            rc = -1;
        } else if (!is_plain) {
            tp_problems_add(p, "tensor %s of %s %s was not filled by the initialiser and holds "
                               "values that may be learned weights",
                            ckpt_name(&k, i), label, path);
        }
    }
    if (!seen)
        snprintf(err, errlen, "out of memory");
    free(seen);
    *tensors = total;
    ckpt_close(&k);
    return rc;
}

static void ev_str(struct json_object *o, const char *key, const char *v)
{
    json_object_object_add(o, key, json_object_new_string(v ? v : ""));
}

static void ev_hex(struct json_object *o, const char *key, const uint8_t *b, size_t n)
{
    char *h = tp_hex_dup(b, n);
    ev_str(o, key, h);
    free(h);
}

__attribute__((format(printf, 2, 3))) static void say(char **why, const char *fmt, ...)
{
    va_list ap;
    char *s = NULL;
    va_start(ap, fmt);
    if (vasprintf(&s, fmt, ap) < 0)
        s = NULL;
    va_end(ap);
    free(*why);
    *why = s;
}

/* What an equal checkpoint holds besides the initialised tensors. */
static const char *plain_note(size_t plain)
{
    return plain ? " (its other tensors hold no learned values: integers, one value, or 0 and "
                   "1 only)"
                 : "";
}

/* Moves the problems of q to p (q's count beyond its list is kept). */
static void move_problems(tp_problems *q, tp_problems *p)
{
    size_t listed = q->list ? json_object_array_length(q->list) : 0;
    for (size_t k = 0; k < listed; k++)
        tp_problems_add(p, "%s", json_object_get_string(json_object_array_get_idx(q->list, k)));
    for (size_t k = listed; k < q->count; k++)
        tp_problems_add(p, "(a problem beyond the evidence limit)");
    json_object_put(q->list);
}

/* Opens the log's step-0 checkpoint where the run wrote its content (any
 * recorded path of that content) and compares it. A checkpoint that
 * differs fails the claim when the run read data after it (it was written
 * before training); without such a read it may be a trained checkpoint of
 * a job that trains on data it read before the init (or generates), and it
 * leaves the claim unknown, naming what differs. Sets *tie and *why. */
static int check_logged(const tp_claim_ctx *c, const ckpt_write *w, int after,
                        Trainprov__V1__InitTensor **ts, size_t n, tp_problems *p,
                        struct json_object *ev, tp_tie *tie, char **why)
{
    const Trainprov__V1__FileEvent *f = w->f, *g;
    char hex[17];
    int64_t t;
    if (!tp_file_authored(f)) {
        ev_str(ev, "result", "no digest of the run's own content");
        *tie = TP_TIE_UNCHECKED;
        say(why, "its step-0 checkpoint %s has no digest of content the run produced (%s): the "
                 "regenerated init cannot be tied to the training", f->path,
            f->hash_error && f->hash_error[0] ? f->hash_error : "not authored by the run");
        return 0;
    }
    tp_hex_encode(f->sha256.data, 8, hex);
    const char *changed = NULL;
    for (size_t k = 0; k < PATHS_TRIED && (g = authored(c, f->sha256.data, k, &t)); k++) {
        uint8_t d[32];
        int rc = hash_regular(g->path, d);
        if (rc == 0 && memcmp(d, f->sha256.data, 32) != 0)
            changed = g->path;
        if (rc != 0 || memcmp(d, f->sha256.data, 32) != 0)
            continue;
        size_t tensors = 0, plain = 0;
        const char *format = "";
        char why_open[512];
        tp_problems q = {0};
        ev_str(ev, "opened", g->path);
        if (compare(g->path, "the step-0 checkpoint", ts, n, &q, &tensors, &plain, &format,
                    why_open, sizeof why_open) != 0) {
            json_object_put(q.list);
            ev_str(ev, "result", "unreadable");
            *tie = TP_TIE_UNCHECKED;
            say(why, "its step-0 checkpoint cannot be read (%s): the regenerated init cannot be "
                     "tied to the training", why_open);
            return 0;
        }
        ev_str(ev, "format", format);
        json_object_object_add(ev, "tensors", json_object_new_int64((int64_t)tensors));
        json_object_object_add(ev, "plain_uninitialised", json_object_new_int64((int64_t)plain));
        ev_str(ev, "result", q.count ? "differs" : "equal");
        if (!q.count) {
            *tie = TP_TIE_EQUAL;
            say(why, "its step-0 checkpoint %s (its first checkpoint after the init, written "
                     "before %s) equals the regenerated init%s", g->path,
                after ? "its first data read" : "any data read", plain_note(plain));
        } else if (after) {
            *tie = TP_TIE_DIFFERS;
            move_problems(&q, p);
        } else {
            *tie = TP_TIE_UNCHECKED;
            say(why, "its first checkpoint after the init, %s, differs from the regenerated init "
                     "(%s%s) and the run read no data file after it: it may be a trained "
                     "checkpoint rather than step 0, so the regenerated init is not tied to the "
                     "training", g->path, q.text, q.count > TP_DETAIL_PROBLEMS ? "; ..." : "");
            json_object_put(q.list);
        }
        return 0;
    }
    *tie = TP_TIE_UNCHECKED;
    if (changed) {
        ev_str(ev, "result", "changed");
        say(why, "its step-0 checkpoint %s has changed since the run wrote it (the run wrote "
                 "sha256 %s...): the regenerated init cannot be tied to the training",
            changed, hex);
    } else {
        ev_str(ev, "result", "absent");
        say(why, "its step-0 checkpoint %s (sha256 %s...) is not on this machine: the regenerated "
                 "init cannot be tied to the training (give a copy with --checkpoint)",
            f->path, hex);
    }
    return 0;
}

int tp_step0_written_by_run(const tp_claim_ctx *c, const char *path, char *why, size_t whylen,
                            char *err, size_t errlen)
{
    uint8_t d[32];
    int64_t done;
    char hex[17];
    int rc = hash_regular(path, d);
    if (rc != 0) {
        snprintf(err, errlen, "cannot read --checkpoint %s: %s", path,
                 rc == -EINVAL ? "not a regular file" : strerror(-rc));
        return -1;
    }
    if (authored(c, d, 0, &done))
        return 1;
    tp_hex_encode(d, 8, hex);
    snprintf(why, whylen, "--checkpoint %s (sha256 %s...) is not a checkpoint this run wrote: no "
             "checkpoint the run authored has that content", path, hex);
    return 0;
}

/* --checkpoint FILE: a checkpoint this run authored, compared: the
 * evaluator offers it as the run's step-0 checkpoint, so any difference
 * fails. *covered when it is the content of the log's step-0 checkpoint. */
static int check_given(const tp_claim_ctx *c, const ckpt_write *step0, int is_step0,
                       Trainprov__V1__InitTensor **ts, size_t n, tp_problems *p,
                       struct json_object *evidence, tp_tie *tie, int *covered, char **why,
                       char *err, size_t errlen)
{
    const char *path = c->opt->checkpoint_path;
    struct json_object *ev = json_object_new_object();
    uint8_t d[32];
    int64_t done = 0;
    int rc = hash_regular(path, d);
    json_object_object_add(evidence, "checkpoint", json_object_new_string(path));
    json_object_object_add(evidence, "checkpoint_given", ev);
    if (rc != 0) {
        snprintf(err, errlen, "cannot read --checkpoint %s: %s", path,
                 rc == -EINVAL ? "not a regular file" : strerror(-rc));
        return -1;
    }
    ev_str(ev, "path", path);
    ev_hex(ev, "sha256", d, 32);
    const Trainprov__V1__FileEvent *a = authored(c, d, 0, &done);
    json_object_object_add(ev, "written_by_run", json_object_new_boolean(a != NULL));
    if (!a) {
        char hex[17];
        tp_hex_encode(d, 8, hex);
        tp_problems_add(p, "--checkpoint %s (sha256 %s...) is not a checkpoint this run wrote: "
                           "no checkpoint the run authored has that content", path, hex);
        *tie = TP_TIE_DIFFERS;
        return 0;
    }
    *covered = is_step0 && tp_file_authored(step0->f) && !memcmp(step0->f->sha256.data, d, 32);
    ev_str(ev, "written_as", a->path);
    json_object_object_add(ev, "written_ns", json_object_new_int64(done));
    json_object_object_add(ev, "is_step0", json_object_new_boolean(*covered));
    size_t tensors = 0, plain = 0, before = p->count;
    const char *format = "";
    if (compare(path, "the checkpoint", ts, n, p, &tensors, &plain, &format, err, errlen) != 0)
        return -1;
    json_object_object_add(evidence, "checkpoint_tensors", json_object_new_int64((int64_t)tensors));
    json_object_object_add(ev, "plain_uninitialised", json_object_new_int64((int64_t)plain));
    ev_str(ev, "format", format);
    ev_str(ev, "result", p->count > before ? "differs" : "equal");
    *tie = p->count > before ? TP_TIE_DIFFERS : TP_TIE_EQUAL;
    if (*tie == TP_TIE_EQUAL)
        say(why, "%s %s, which this run wrote as %s, equals the regenerated init%s",
            *covered ? "its step-0 checkpoint" : "the checkpoint", path, a->path,
            plain_note(plain));
    return 0;
}

int tp_step0_check(const tp_claim_ctx *c, Trainprov__V1__InitTensor **ts, size_t n,
                   tp_problems *p, struct json_object *evidence, tp_tie *tie, char **why,
                   char *err, size_t errlen)
{
    int64_t init_ns = init_done(c);
    ckpt_write first;
    first_checkpoint_write(c, init_ns, &first);
    const char *between = NULL;
    int after = 0;
    if (first.f)
        data_reads(c, init_ns, first.done_ns, &between, &after);
    int is_step0 = first.f && !between;
    struct json_object *ev = json_object_new_object();
    json_object_object_add(evidence, "step0", ev);
    json_object_object_add(ev, "init_done_ns", json_object_new_int64(init_ns));
    json_object_object_add(ev, "found", json_object_new_boolean(is_step0));
    if (first.f) {
        ev_str(ev, "path", first.f->path);
        if (first.f->sha256.len == TP_HASH_LEN)
            ev_hex(ev, "sha256", first.f->sha256.data, TP_HASH_LEN);
        json_object_object_add(ev, "written_ns", json_object_new_int64(first.done_ns));
        ev_str(ev, "data_read_before_it", between);
        json_object_object_add(ev, "data_read_after_it", json_object_new_boolean(after));
    }
    *why = NULL;
    tp_tie given = TP_TIE_NONE, logged = TP_TIE_NONE;
    int covered = 0;
    char *given_why = NULL;
    if (c->opt->checkpoint_path &&
        check_given(c, &first, is_step0, ts, n, p, evidence, &given, &covered, &given_why, err,
                    errlen) != 0) {
        free(given_why);
        return -1;
    }
    if (is_step0 && !covered &&
        check_logged(c, &first, after, ts, n, p, ev, &logged, why) != 0) {
        free(given_why);
        return -1;
    }
    if (covered)
        ev_str(ev, "result", given == TP_TIE_EQUAL ? "equal" : "differs");
    if (given == TP_TIE_DIFFERS || logged == TP_TIE_DIFFERS) {
        *tie = TP_TIE_DIFFERS;
    } else if (logged == TP_TIE_UNCHECKED) {
        *tie = TP_TIE_UNCHECKED;
    } else if (given == TP_TIE_EQUAL || logged == TP_TIE_EQUAL) {
        *tie = TP_TIE_EQUAL;
        if (given == TP_TIE_EQUAL) {
            free(*why);
            *why = given_why;
            given_why = NULL;
        }
    } else {
        *tie = TP_TIE_NONE;
        if (!first.f)
            say(why, "no checkpoint written after the init and before the first data read (the "
                     "run wrote no checkpoint after its init): the regenerated init is not tied "
                     "to the training");
        else
            say(why, "no checkpoint written before the first data read (%s was read between "
                     "the init and the first checkpoint, %s): the regenerated init is not tied "
                     "to the training", between, first.f->path);
    }
    free(given_why);
    if (!*why && *tie != TP_TIE_DIFFERS) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}
