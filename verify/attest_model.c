/* attest_model.c: lists and hashes the released model (attest_model.h):
 * a directory is walked with lstat (a symbolic link is refused, never
 * followed), each file opened with O_NOFOLLOW | O_NONBLOCK and checked to be
 * regular before it is hashed, so a FIFO or a swapped-in link cannot hang or
 * redirect the walk. */
#include "verify/attest_model.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/hashfile.h"

/* Left out at the top of a directory model, as `model_signing` does by
 * default (its --ignore-git-paths). */
static const char *const git_names[] = {".git", ".gitattributes", ".github", ".gitignore"};

int tp_model_name_cmp(const char *a, const char *b)
{
    for (;;) {
        size_t la = strcspn(a, "/"), lb = strcspn(b, "/");
        int c = memcmp(a, b, la < lb ? la : lb);
        if (c != 0)
            return c;
        if (la != lb)
            return la < lb ? -1 : 1;
        a += la;
        b += lb;
        if (!*a || !*b)
            return (*a != 0) - (*b != 0);
        a++;
        b++;
    }
}

static int cmp_files(const void *x, const void *y)
{
    return tp_model_name_cmp(((const tp_model_file *)x)->name, ((const tp_model_file *)y)->name);
}

typedef struct {
    tp_model *m;
    size_t cap;
    char *err;
    size_t errlen;
} walk_ctx;

/* Hashes the regular file at path into a new entry named name. */
static int add_file(walk_ctx *w, const char *path, const char *name)
{
    tp_model *m = w->m;
    if (m->n == TP_MODEL_FILES_MAX) {
        snprintf(w->err, w->errlen, "model %s holds more than %d files", m->root,
                 TP_MODEL_FILES_MAX);
        return -1;
    }
    if (m->n == w->cap) {
        size_t cap = w->cap ? 2 * w->cap : 16;
        tp_model_file *g = realloc(m->files, cap * sizeof *g);
        if (!g) {
            snprintf(w->err, w->errlen, "out of memory listing model %s", m->root);
            return -1;
        }
        m->files = g;
        w->cap = cap;
    }
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        snprintf(w->err, w->errlen, "cannot read model file %s: %s", path,
                 errno == ELOOP ? "it is a symbolic link" : strerror(errno));
        return -1;
    }
    struct stat st;
    tp_model_file *f = &m->files[m->n];
    memset(f, 0, sizeof *f);
    int rc = fstat(fd, &st) != 0 ? -errno : !S_ISREG(st.st_mode) ? -EINVAL
             : tp_sha256_fd(fd, pread, f->sha256, &f->size, NULL, 0, NULL);
    close(fd);
    if (rc != 0) {
        snprintf(w->err, w->errlen, "cannot hash model file %s: %s", path,
                 rc == -EINVAL ? "not a regular file" : strerror(-rc));
        return -1;
    }
    f->path = strdup(path);
    f->name = strdup(name);
    m->n++; /* counted before the check, so tp_model_free frees both */
    if (!f->path || !f->name) {
        snprintf(w->err, w->errlen, "out of memory listing model %s", m->root);
        return -1;
    }
    return 0;
}

static int is_git_name(const char *name)
{
    for (size_t i = 0; i < sizeof git_names / sizeof git_names[0]; i++)
        if (strcmp(name, git_names[i]) == 0)
            return 1;
    return 0;
}

/* Walks dir (full path), whose files are named rel/... (rel "" at the top). */
static int walk(walk_ctx *w, const char *dir, const char *rel, int depth)
{
    if (depth > TP_MODEL_DEPTH_MAX) {
        snprintf(w->err, w->errlen, "model %s is nested deeper than %d directories", w->m->root,
                 TP_MODEL_DEPTH_MAX);
        return -1;
    }
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(w->err, w->errlen, "cannot read model directory %s: %s", dir, strerror(errno));
        return -1;
    }
    int rc = 0;
    struct dirent *e;
    char path[PATH_MAX], name[PATH_MAX];
    while (rc == 0 && (errno = 0, e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        if (!rel[0] && is_git_name(e->d_name))
            continue;
        int lp = snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        int ln = snprintf(name, sizeof name, "%s%s%s", rel, rel[0] ? "/" : "", e->d_name);
        if (lp < 0 || (size_t)lp >= sizeof path || ln < 0 || (size_t)ln >= sizeof name) {
            snprintf(w->err, w->errlen, "a path in model %s is too long", w->m->root);
            rc = -1;
            break;
        }
        struct stat st;
        if (lstat(path, &st) != 0) {
            snprintf(w->err, w->errlen, "cannot read model file %s: %s", path, strerror(errno));
            rc = -1;
        } else if (S_ISDIR(st.st_mode)) {
            rc = walk(w, path, name, depth + 1);
        } else if (S_ISLNK(st.st_mode)) {
            snprintf(w->err, w->errlen, "model file %s is a symbolic link (copy the file it "
                     "points to into the model instead)", path);
            rc = -1;
        } else if (!S_ISREG(st.st_mode)) {
            snprintf(w->err, w->errlen, "model file %s is not a regular file", path);
            rc = -1;
        } else {
            rc = add_file(w, path, name);
        }
    }
    if (rc == 0 && errno != 0) {
        snprintf(w->err, w->errlen, "cannot read model directory %s: %s", dir, strerror(errno));
        rc = -1;
    }
    closedir(d);
    return rc;
}

int tp_model_load(const char *path, tp_model *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    walk_ctx w = {out, 0, err, errlen};
    struct stat st;
    char real[PATH_MAX], copy[PATH_MAX];
    if (stat(path, &st) != 0) {
        snprintf(err, errlen, "cannot read --model %s: %s", path, strerror(errno));
        return -1;
    }
    /* model_signing's model name: the last component, resolved for "." and "..". */
    snprintf(copy, sizeof copy, "%s", realpath(path, real) ? real : path);
    out->root = strdup(path);
    out->name = strdup(basename(copy));
    out->is_dir = S_ISDIR(st.st_mode);
    if (!out->root || !out->name) {
        snprintf(err, errlen, "out of memory");
        tp_model_free(out);
        return -1;
    }
    int rc = out->is_dir ? walk(&w, path, "", 0) : add_file(&w, path, out->name);
    if (rc == 0 && out->n == 0) {
        snprintf(err, errlen, "model directory %s holds no file", path);
        rc = -1;
    }
    if (rc != 0) {
        tp_model_free(out);
        return -1;
    }
    qsort(out->files, out->n, sizeof *out->files, cmp_files);
    return 0;
}

void tp_model_free(tp_model *m)
{
    for (size_t i = 0; i < m->n; i++) {
        free(m->files[i].name);
        free(m->files[i].path);
    }
    free(m->files);
    free(m->name);
    free(m->root);
    memset(m, 0, sizeof *m);
}

int tp_model_contains(const tp_model *m, const char *path)
{
    char root[PATH_MAX], dir[PATH_MAX], copy[PATH_MAX];
    if (!m->is_dir || !realpath(m->root, root))
        return 0;
    snprintf(copy, sizeof copy, "%s", path);
    if (!realpath(dirname(copy), dir))
        return 0;
    size_t n = strlen(root);
    return strncmp(dir, root, n) == 0 && (dir[n] == '\0' || dir[n] == '/' || n == 1);
}
