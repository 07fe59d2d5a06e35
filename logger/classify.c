/* classify.c: path exclusion and file roles (ARCHITECTURE.md "What the
 * interposer sees"). Content first: a recognised weights format is weights
 * (or a checkpoint, when written) whatever the job declared; then the job's
 * declaration (the API, then --data / --checkpoint globs); data-order files
 * (Megatron's *_idx.npy, *_index.npy) are data; a run that declares its
 * data turns every other read into an undeclared input. */
#include "logger/classify.h"

#include <string.h>

#include "core/pathglob.h"
#include "core/syspaths.h"

static int covered(const tp_pattern_list *l, const char *path)
{
    for (size_t i = 0; i < l->n; i++)
        if (tp_syspath_covers(l->items[i], path))
            return 1;
    return 0;
}

/* core/pathglob.h: the same matcher the verifier and `trainprov run` use */
static int matches_glob(const tp_pattern_list *l, const char *path)
{
    for (size_t i = 0; i < l->n; i++)
        if (tp_pathglob_match(l->items[i], path))
            return 1;
    return 0;
}

int tp_classify_recorded(const tp_config *cfg, const char *path)
{
    if (path[0] != '/')
        return 0;
    return covered(&cfg->include_prefixes, path) || !covered(&cfg->exclude_prefixes, path);
}

enum tp_peek tp_classify_peeked(const tp_config *cfg, const char *path)
{
    if (path[0] != '/' || tp_syspath_is_pseudo(path) || tp_classify_recorded(cfg, path))
        return TP_PEEK_NONE;
    for (size_t i = 0; i < cfg->exclude_prefixes.n; i++)
        if (cfg->exclude_sources[i] == TP_EXCLUDE_TRAINPROV &&
            tp_syspath_covers(cfg->exclude_prefixes.items[i], path))
            return TP_PEEK_NONE;
    return tp_syspath_is_system(path) ? TP_PEEK_HEAD : TP_PEEK_CONTENT;
}

int tp_classify_format_certain(const char *format)
{
    return format && *format &&
           strncmp(format, TP_FORMAT_POSSIBLE_PREFIX, sizeof TP_FORMAT_POSSIBLE_PREFIX - 1) != 0;
}

static int is_code_path(const char *path)
{
    static const char *const exts[] = {".py", ".pyc", ".pyi", ".pyx", ".so", ".sh", ".bash",
                                       ".pl", ".rb", ".lua", ".js", ".R", ".jl", ".ipynb", NULL};
    const char *base = strrchr(path, '/');
    const char *dot = strrchr(base ? base : path, '.');
    if (!dot)
        return 0;
    for (const char *const *e = exts; *e; e++)
        if (strcmp(dot, *e) == 0)
            return 1;
    return 0;
}

enum tp_role tp_classify_declared(const tp_config *cfg, const char *path, enum tp_role api_role)
{
    if (api_role != TP_ROLE_NONE)
        return api_role;
    if (matches_glob(&cfg->data_globs, path))
        return TP_ROLE_DATA;
    if (matches_glob(&cfg->checkpoint_globs, path))
        return TP_ROLE_CHECKPOINT;
    return TP_ROLE_NONE;
}

/* A data-order file: the sample, document and shuffle orders a framework
 * derives from its data and caches beside it (Megatron-LM's
 * *_doc_idx.npy, *_sample_idx.npy, *_shuffle_idx.npy; Megatron-Core's
 * *-document_index.npy, *-sample_index.npy, *-shuffle_index.npy). */
static int is_data_order_path(const char *path)
{
    static const char *const tails[] = {"_idx.npy", "_index.npy", NULL};
    size_t n = strlen(path);
    for (const char *const *t = tails; *t; t++) {
        size_t k = strlen(*t);
        if (n > k && strcmp(path + n - k, *t) == 0)
            return 1;
    }
    return 0;
}

enum tp_role tp_classify_read(const tp_config *cfg, const char *path, const char *format,
                              enum tp_role api_role)
{
    if (tp_classify_format_certain(format))
        return TP_ROLE_WEIGHTS;
    enum tp_role declared = tp_classify_declared(cfg, path, api_role);
    /* Reading a checkpoint is loading weights: the verifier then asks whether
     * this run wrote them, whatever their format. */
    if (declared == TP_ROLE_CHECKPOINT)
        return TP_ROLE_WEIGHTS;
    if (declared != TP_ROLE_NONE)
        return declared;
    /* the order the data was read in is part of the data (content that is
     * weights never gets here) */
    if (is_data_order_path(path))
        return TP_ROLE_DATA;
    if (is_code_path(path))
        return TP_ROLE_CODE;
    return cfg->data_globs.n ? TP_ROLE_OTHER : TP_ROLE_DATA;
}

enum tp_role tp_classify_written(const tp_config *cfg, const char *path, const char *format,
                                 enum tp_role api_role)
{
    if (tp_classify_format_certain(format))
        return TP_ROLE_CHECKPOINT;
    if (api_role != TP_ROLE_NONE)
        return api_role;
    return matches_glob(&cfg->checkpoint_globs, path) ? TP_ROLE_CHECKPOINT : TP_ROLE_OTHER;
}
