/* classify.c: path exclusion and file roles (ARCHITECTURE.md "What the interposer
 * sees"). Magic numbers only recognise known formats; a run that declares
 * its data (--data) turns every other read into an undeclared input. */
#include "logger/classify.h"

#include <fnmatch.h>
#include <string.h>

static int has_prefix(const tp_pattern_list *l, const char *path)
{
    for (size_t i = 0; i < l->n; i++) {
        size_t n = strlen(l->items[i]);
        if (strncmp(path, l->items[i], n) == 0)
            return 1;
    }
    return 0;
}

static int matches_glob(const tp_pattern_list *l, const char *path)
{
    for (size_t i = 0; i < l->n; i++)
        if (fnmatch(l->items[i], path, FNM_PATHNAME | FNM_PERIOD) == 0)
            return 1;
    return 0;
}

int tp_classify_recorded(const tp_config *cfg, const char *path)
{
    if (path[0] != '/')
        return 0;
    return has_prefix(&cfg->include_prefixes, path) || !has_prefix(&cfg->exclude_prefixes, path);
}

static uint64_t le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

/* A zip's first local file header names its first entry: PyTorch archives
 * start with "<name>/data.pkl" (or ".../version"), NumPy .npz with "*.npy". */
static const char *zip_format(const uint8_t *h, size_t len)
{
    if (len < 30)
        return NULL;
    size_t name_len = le16(h + 26);
    if (name_len == 0 || 30 + name_len > len)
        return NULL;
    const char *name = (const char *)h + 30;
    static const char *const torch_tails[] = {"/data.pkl", "/version", "/.format_version",
                                              "/byteorder", NULL};
    for (const char *const *t = torch_tails; *t; t++) {
        size_t tl = strlen(*t);
        if (name_len >= tl && memcmp(name + name_len - tl, *t, tl) == 0)
            return "pytorch-zip";
    }
    if (name_len > 4 && memcmp(name + name_len - 4, ".npy", 4) == 0)
        return "numpy-npz";
    return NULL;
}

const char *tp_classify_weights_format(const uint8_t *h, size_t len)
{
    static const uint8_t torch_legacy[] = {0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c,
                                           0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19};
    static const uint8_t hdf5[] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
    if (len >= 4 && memcmp(h, "PK\x03\x04", 4) == 0)
        return zip_format(h, len);
    if (len >= sizeof torch_legacy && memcmp(h, torch_legacy, sizeof torch_legacy) == 0)
        return "pytorch-legacy";
    if (len >= 6 && memcmp(h, "\x93NUMPY", 6) == 0)
        return "numpy";
    if (len >= 4 && memcmp(h, "GGUF", 4) == 0)
        return "gguf";
    if (len >= sizeof hdf5 && memcmp(h, hdf5, sizeof hdf5) == 0)
        return "hdf5";
    /* safetensors: u64 LE JSON header length, then the JSON object */
    if (len >= 10) {
        uint64_t n = le64(h);
        if (n >= 2 && n <= (100u << 20) && h[8] == '{' && (h[9] == '"' || h[9] == '}'))
            return "safetensors";
    }
    return NULL;
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

enum tp_role tp_classify_read(const tp_config *cfg, const char *path, const char *weights_format)
{
    if (matches_glob(&cfg->data_globs, path))
        return TP_ROLE_DATA;
    /* Reading a checkpoint is loading weights: the verifier then asks whether
     * this run wrote them, whatever their format. */
    if (weights_format || matches_glob(&cfg->checkpoint_globs, path))
        return TP_ROLE_WEIGHTS;
    if (is_code_path(path))
        return TP_ROLE_CODE;
    return cfg->data_globs.n ? TP_ROLE_OTHER : TP_ROLE_DATA;
}

enum tp_role tp_classify_written(const tp_config *cfg, const char *path,
                                 const char *weights_format)
{
    if (weights_format || matches_glob(&cfg->checkpoint_globs, path))
        return TP_ROLE_CHECKPOINT;
    return TP_ROLE_OTHER;
}
