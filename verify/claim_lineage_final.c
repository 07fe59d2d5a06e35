/* claim_lineage_final.c: the claim lineage.final (docs/CLAIMS.md): the
 * --model file is byte-identical to a checkpoint this run wrote: authored
 * (it produced the bytes) and hashed as the job left it. --model may be a
 * directory (a distributed checkpoint, a Megatron iter_* tree, a model
 * directory): then every file in it must equal a file this run authored,
 * and at least one of them a checkpoint; a file the run did not write (an
 * extra file, a changed one, a symbolic link) fails, named. */
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
#include "core/vocab.h"

#define MODEL_DIR_MAX_FILES 100000
#define MODEL_DIR_MAX_DEPTH 32

/* The authored FileEvent with this digest (a checkpoint when there is one),
 * and its stream; NULL when the run authored no such content. */
static const Trainprov__V1__FileEvent *authored_with(const tp_claim_ctx *c,
                                                     const uint8_t digest[TP_HASH_LEN],
                                                     size_t *stream)
{
    const Trainprov__V1__FileEvent *found = NULL;
    for (size_t s = 0; s < c->log->n_streams; s++)
        for (size_t i = 0; i < c->dec[s].n; i++) {
            const Trainprov__V1__FileEvent *f = tp_file_event(c->dec[s].records[i]);
            if (!f || !tp_file_authored(f) || !tp_bytes_eq(&f->sha256, digest, TP_HASH_LEN))
                continue;
            if (!found || tp_role_parse(f->role) == TP_ROLE_CHECKPOINT) {
                found = f;
                *stream = s;
            }
            if (tp_role_parse(f->role) == TP_ROLE_CHECKPOINT)
                return found;
        }
    return found;
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
    const Trainprov__V1__FileEvent *f = authored_with(c, digest, &s);
    if (f && tp_role_parse(f->role) == TP_ROLE_CHECKPOINT) {
        cl->status = TP_CLAIM_PASS;
        tp_claim_detail(cl, "sha256 %s of %s equals checkpoint %s written by %s", hex, model,
                        f->path, c->streams[s].name);
        json_object_object_add(tp_claim_evidence(cl), "checkpoint", json_object_new_string(f->path));
        return 0;
    }
    cl->status = TP_CLAIM_FAIL;
    tp_claim_detail(cl, "sha256 %s of %s matches no checkpoint this run wrote (a file the run "
                    "only modified, renamed without writing, or that changed after it closed it "
                    "does not count)", hex, model);
    return 0;
}

/* ---- --model DIR ---- */

/* nftw has no argument for its callback: the walk in progress. */
static struct {
    char **paths;
    size_t n, cap;
    char *odd;          /* the first entry that is not a regular file or a directory */
    int too_many, no_memory;
} walk;

static int model_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    if (type == FTW_D || type == FTW_DP)
        return ftw->level >= MODEL_DIR_MAX_DEPTH ? FTW_SKIP_SUBTREE : FTW_CONTINUE;
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
    if (nftw(model, model_entry, 16, FTW_PHYS | FTW_ACTIONRETVAL) == -1 || walk.no_memory) {
        snprintf(err, errlen, "cannot read --model %s: %s", model,
                 walk.no_memory ? "out of memory" : strerror(errno));
        walk_free();
        return -1;
    }
    if (walk.too_many) {
        snprintf(err, errlen, "--model %s holds more than %d files", model, MODEL_DIR_MAX_FILES);
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
    size_t checkpoints = 0;
    uint64_t bytes = 0;
    for (size_t k = 0; k < walk.n; k++) {
        uint8_t digest[TP_HASH_LEN];
        uint64_t size;
        int rc = tp_sha256_path(walk.paths[k], digest, &size);
        if (rc != 0) {
            snprintf(err, errlen, "cannot read %s in --model %s: %s", walk.paths[k], model,
                     strerror(-rc));
            walk_free();
            return -1;
        }
        bytes += size;
        char hex[2 * TP_HASH_LEN + 1];
        tp_hex_encode(digest, TP_HASH_LEN, hex);
        size_t s = 0;
        const Trainprov__V1__FileEvent *f = authored_with(c, digest, &s);
        struct json_object *o = json_object_new_object();
        json_object_object_add(o, "path", json_object_new_string(walk.paths[k]));
        json_object_object_add(o, "sha256", json_object_new_string(hex));
        json_object_object_add(o, "written_as", json_object_new_string(f ? f->path : ""));
        json_object_array_add(files, o);
        if (!f) {
            tp_claim_detail(cl, "%s in --model %s (sha256 %s) matches no file this run wrote "
                            "(a file the run did not write, only modified or renamed without "
                            "writing, or that changed after it closed it)", walk.paths[k], model,
                            hex);
            walk_free();
            return 0;
        }
        checkpoints += tp_role_parse(f->role) == TP_ROLE_CHECKPOINT;
    }
    if (!checkpoints) {
        tp_claim_detail(cl, "every file of --model %s is a file this run wrote, but none is a "
                        "checkpoint (weights)", model);
    } else {
        cl->status = TP_CLAIM_PASS;
        tp_claim_detail(cl, "all %zu files of %s (%" PRIu64 " bytes, %zu of them checkpoints) "
                        "equal files this run wrote", walk.n, model, bytes, checkpoints);
    }
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
