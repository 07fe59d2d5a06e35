/* claim_lineage_final.c: the claim lineage.final (docs/CLAIMS.md): the
 * --model file is byte-identical to a checkpoint this run wrote: authored
 * (it produced the bytes) and hashed as the job left it. In a resume chain
 * (verify --chain), a checkpoint any earlier segment authored counts too.
 * --model may be a directory (a distributed checkpoint, a Megatron iter_*
 * tree, a model directory): then every file in it must equal a file this run
 * (or an earlier segment) authored, and at least one of them a checkpoint; a
 * file the run did not write (an extra file, a changed one, a symbolic link)
 * fails, named. */
#define _GNU_SOURCE
#include "verify/claim.h"

#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/hashfile.h"
#include "core/hex.h"
#include "core/progress.h"
#include "core/vocab.h"

#define MODEL_DIR_MAX_FILES 100000
#define MODEL_DIR_MAX_DEPTH 32

/* The files this run authored, sorted by digest, checkpoints first among
 * equal digests: one pass over the log, then a binary search per file of
 * --model (a directory may hold thousands of files). */
typedef struct {
    const Trainprov__V1__FileEvent *f;
    size_t stream;
} authored_file;

typedef struct {
    authored_file *items;
    size_t n;
} authored_index;

static int cmp_authored(const void *a, const void *b)
{
    const Trainprov__V1__FileEvent *x = ((const authored_file *)a)->f;
    const Trainprov__V1__FileEvent *y = ((const authored_file *)b)->f;
    int c = memcmp(x->sha256.data, y->sha256.data, TP_HASH_LEN);
    if (c)
        return c;
    return (tp_role_parse(y->role) == TP_ROLE_CHECKPOINT) -
           (tp_role_parse(x->role) == TP_ROLE_CHECKPOINT);
}

static int index_authored(const tp_claim_ctx *c, authored_index *ix)
{
    size_t n = 0;
    for (size_t s = 0; s < c->log->n_streams; s++)
        for (size_t i = 0; i < c->dec[s].n; i++) {
            const Trainprov__V1__FileEvent *f = tp_file_event(c->dec[s].records[i]);
            n += f && tp_file_authored(f);
        }
    ix->n = 0;
    if (!(ix->items = calloc(n ? n : 1, sizeof *ix->items)))
        return -1;
    for (size_t s = 0; s < c->log->n_streams; s++)
        for (size_t i = 0; i < c->dec[s].n; i++) {
            const Trainprov__V1__FileEvent *f = tp_file_event(c->dec[s].records[i]);
            if (f && tp_file_authored(f)) /* a 32-byte sha256 */
                ix->items[ix->n++] = (authored_file){f, s};
        }
    qsort(ix->items, ix->n, sizeof *ix->items, cmp_authored);
    return 0;
}

/* The authored FileEvent with this digest (a checkpoint when there is one),
 * and its stream; NULL when the run authored no such content. */
static const Trainprov__V1__FileEvent *authored_with(const authored_index *ix,
                                                     const uint8_t digest[TP_HASH_LEN],
                                                     size_t *stream)
{
    size_t lo = 0, hi = ix->n;
    while (lo < hi) { /* the first item not below digest */
        size_t mid = lo + (hi - lo) / 2;
        if (memcmp(ix->items[mid].f->sha256.data, digest, TP_HASH_LEN) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == ix->n || memcmp(ix->items[lo].f->sha256.data, digest, TP_HASH_LEN) != 0)
        return NULL;
    *stream = ix->items[lo].stream;
    return ix->items[lo].f;
}

/* The file of an earlier segment of the chain with this digest (a
 * checkpoint when there is one), or NULL (verify --chain only). */
static const tp_prior_file *prior_with(const tp_claim_ctx *c, const uint8_t digest[TP_HASH_LEN])
{
    const tp_prior_file *any = NULL;
    for (size_t k = 0; k < c->opt->n_prior; k++)
        if (!memcmp(c->opt->prior[k].sha256, digest, TP_HASH_LEN)) {
            if (c->opt->prior[k].checkpoint)
                return &c->opt->prior[k];
            any = any ? any : &c->opt->prior[k];
        }
    return any;
}

static int lineage_file(const tp_claim_ctx *c, tp_claim *cl, const char *model, char *err,
                        size_t errlen)
{
    uint8_t digest[TP_HASH_LEN];
    uint64_t size;
    int rc = tp_sha256_path(model, digest, &size);
    if (rc != 0) {
        snprintf(err, errlen, "cannot read --model %s: %s", model, strerror(-rc));
        return -1;
    }
    char hex[2 * TP_HASH_LEN + 1];
    tp_hex_encode(digest, TP_HASH_LEN, hex);
    json_object_object_add(tp_claim_evidence(cl), "model", json_object_new_string(model));
    json_object_object_add(tp_claim_evidence(cl), "model_sha256", json_object_new_string(hex));
    size_t s = 0;
    authored_index ix;
    if (index_authored(c, &ix) != 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    const Trainprov__V1__FileEvent *f = authored_with(&ix, digest, &s);
    free(ix.items);
    if (f && tp_role_parse(f->role) == TP_ROLE_CHECKPOINT) {
        cl->status = TP_CLAIM_PASS;
        tp_claim_detail(cl, "sha256 %s of %s equals checkpoint %s written by %s", hex, model,
                        f->path, c->streams[s].name);
        json_object_object_add(tp_claim_evidence(cl), "checkpoint", json_object_new_string(f->path));
        return 0;
    }
    const tp_prior_file *pf = prior_with(c, digest);
    if (pf && pf->checkpoint) {
        cl->status = TP_CLAIM_PASS;
        tp_claim_detail(cl, "sha256 %s of %s equals checkpoint %s written by segment %zu of the "
                        "chain (%s)", hex, model, pf->path, pf->segment, pf->segment_path);
        json_object_object_add(tp_claim_evidence(cl), "checkpoint", json_object_new_string(pf->path));
        json_object_object_add(tp_claim_evidence(cl), "segment", json_object_new_uint64(pf->segment));
        return 0;
    }
    cl->status = TP_CLAIM_FAIL;
    tp_claim_detail(cl, "sha256 %s of %s matches no checkpoint this run%s wrote (a file the run "
                    "only modified, renamed without writing, or that changed after it closed it "
                    "does not count)", hex, model, c->opt->chained ? " or an earlier segment" : "");
    return 0;
}

/* ---- --model DIR ---- */

/* nftw has no argument for its callback: the walk in progress. */
static struct {
    char **paths;
    size_t n, cap;
    char *odd;          /* the first entry that is not a regular file or a directory */
    int too_many, too_deep, no_memory;
} walk;

static int model_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    if (type == FTW_D || type == FTW_DP) {
        /* a deeper file left out would be a file the verdict never saw */
        walk.too_deep = ftw->level >= MODEL_DIR_MAX_DEPTH;
        return walk.too_deep ? FTW_STOP : FTW_CONTINUE;
    }
    if (type != FTW_F || !S_ISREG(st->st_mode)) {
        if (!walk.odd)
            walk.odd = strdup(path);
        return FTW_CONTINUE;
    }
    if (walk.n == MODEL_DIR_MAX_FILES) {
        walk.too_many = 1;
        return FTW_STOP;
    }
    if (walk.n == walk.cap) {
        size_t cap = walk.cap ? 2 * walk.cap : 64;
        char **p = realloc(walk.paths, cap * sizeof *p);
        if (!p) {
            walk.no_memory = 1;
            return FTW_STOP;
        }
        walk.paths = p;
        walk.cap = cap;
    }
    if (!(walk.paths[walk.n] = strdup(path))) {
        walk.no_memory = 1;
        return FTW_STOP;
    }
    walk.n++;
    return FTW_CONTINUE;
}

static int cmp_path(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void walk_free(void)
{
    for (size_t i = 0; i < walk.n; i++)
        free(walk.paths[i]);
    free(walk.paths);
    free(walk.odd);
    memset(&walk, 0, sizeof walk);
}

static int lineage_dir(const tp_claim_ctx *c, tp_claim *cl, const char *model, char *err,
                       size_t errlen)
{
    memset(&walk, 0, sizeof walk);
    /* DIR itself may be a symbolic link the evaluator chose (models/latest);
     * links inside it are judged, not followed */
    char *root = realpath(model, NULL);
    if (!root || nftw(root, model_entry, 16, FTW_PHYS | FTW_ACTIONRETVAL) == -1 ||
        walk.no_memory) {
        snprintf(err, errlen, "cannot read --model %s: %s", model,
                 walk.no_memory ? "out of memory" : strerror(errno));
        free(root);
        walk_free();
        return -1;
    }
    free(root);
    if (walk.too_many || walk.too_deep) {
        if (walk.too_many)
            snprintf(err, errlen, "--model %s holds more than %d files", model, MODEL_DIR_MAX_FILES);
        else
            snprintf(err, errlen, "--model %s nests directories more than %d levels deep", model,
                     MODEL_DIR_MAX_DEPTH);
        walk_free();
        return -1;
    }
    qsort(walk.paths, walk.n, sizeof *walk.paths, cmp_path);
    struct json_object *files = json_object_new_array();
    json_object_object_add(tp_claim_evidence(cl), "model", json_object_new_string(model));
    json_object_object_add(tp_claim_evidence(cl), "model_files", files);
    cl->status = TP_CLAIM_FAIL;
    if (walk.odd) {
        tp_claim_detail(cl, "%s in --model %s is not a regular file (a symbolic link or a "
                        "special file): not a file this run wrote", walk.odd, model);
        walk_free();
        return 0;
    }
    if (walk.n == 0) {
        tp_claim_detail(cl, "--model %s holds no file", model);
        walk_free();
        return 0;
    }
    authored_index ix;
    if (index_authored(c, &ix) != 0) {
        snprintf(err, errlen, "out of memory");
        walk_free();
        return -1;
    }
    size_t checkpoints = 0;
    uint64_t bytes = 0;
    for (size_t k = 0; k < walk.n; k++) {
        uint8_t digest[TP_HASH_LEN];
        uint64_t size;
        int rc = tp_sha256_path(walk.paths[k], digest, &size);
        if (rc != 0) {
            snprintf(err, errlen, "cannot read %s in --model %s: %s", walk.paths[k], model,
                     strerror(-rc));
            free(ix.items);
            walk_free();
            return -1;
        }
        bytes += size;
        tp_progress_report("hashing --model files", TP_PROGRESS_ITEMS, k + 1, walk.n);
        char hex[2 * TP_HASH_LEN + 1];
        tp_hex_encode(digest, TP_HASH_LEN, hex);
        size_t s = 0;
        const Trainprov__V1__FileEvent *f = authored_with(&ix, digest, &s);
        const tp_prior_file *pf = f ? NULL : prior_with(c, digest);
        struct json_object *o = json_object_new_object();
        json_object_object_add(o, "path", json_object_new_string(walk.paths[k]));
        json_object_object_add(o, "sha256", json_object_new_string(hex));
        json_object_object_add(o, "written_as",
                               json_object_new_string(f ? f->path : pf ? pf->path : ""));
        if (pf)
            json_object_object_add(o, "segment", json_object_new_uint64(pf->segment));
        json_object_array_add(files, o);
        if (!f && !pf) {
            tp_claim_detail(cl, "%s in --model %s (sha256 %s) matches no file this run wrote "
                            "(a file the run did not write, only modified or renamed without "
                            "writing, or that changed after it closed it)", walk.paths[k], model,
                            hex);
            free(ix.items);
            walk_free();
            return 0;
        }
        checkpoints += f ? tp_role_parse(f->role) == TP_ROLE_CHECKPOINT : pf->checkpoint != 0;
    }
    if (!checkpoints) {
        tp_claim_detail(cl, "every file of --model %s is a file this run wrote, but none is a "
                        "checkpoint (weights)", model);
    } else {
        cl->status = TP_CLAIM_PASS;
        tp_claim_detail(cl, "all %zu files of %s (%" PRIu64 " bytes, %zu of them checkpoints) "
                        "equal files this run wrote", walk.n, model, bytes, checkpoints);
    }
    free(ix.items);
    walk_free();
    return 0;
}

int tp_claim_lineage_final(const tp_claim_ctx *c, tp_claim *cl, char *err, size_t errlen)
{
    const char *model = c->opt->model_path;
    if (!model) {
        cl->status = TP_CLAIM_UNKNOWN;
        tp_claim_detail(cl, "no --model given");
        return 0;
    }
    struct stat st;
    if (stat(model, &st) == 0 && S_ISDIR(st.st_mode))
        return lineage_dir(c, cl, model, err, errlen);
    return lineage_file(c, cl, model, err, errlen);
}
