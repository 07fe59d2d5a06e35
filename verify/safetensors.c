/* safetensors.c: the safetensors reader (safetensors.h). Every length and
 * offset comes from the file, so each is bounded before use: the header
 * length by TP_ST_HEADER_MAX and the file size, offsets by the data size,
 * shapes by overflow-checked products that must equal the byte count. */
#include "verify/safetensors.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>
#include <openssl/evp.h>

#include "core/cursor.h"
#include "verify/pread_full.h"

#define READ_CHUNK (4u << 20)

static const struct {
    const char *name;
    unsigned size;
} dtypes[] = {{"F64", 8}, {"F32", 4}, {"F16", 2}, {"BF16", 2}, {"I64", 8}, {"I32", 4},
              {"I16", 2}, {"I8", 1},  {"U64", 8}, {"U32", 4}, {"U16", 2},  {"U8", 1},
              {"BOOL", 1}, {"F8_E4M3", 1}, {"F8_E5M2", 1}};

static unsigned dtype_size(const char *name)
{
    for (size_t i = 0; i < sizeof dtypes / sizeof dtypes[0]; i++)
        if (!strcmp(dtypes[i].name, name))
            return dtypes[i].size;
    return 0;
}

static int cmp_tensor(const void *a, const void *b)
{
    return strcmp(((const tp_st_tensor *)a)->name, ((const tp_st_tensor *)b)->name);
}

static int cmp_begin(const void *a, const void *b)
{
    const tp_st_tensor *x = *(const tp_st_tensor *const *)a, *y = *(const tp_st_tensor *const *)b;
    return x->begin < y->begin ? -1 : x->begin > y->begin;
}

/* One header entry into t; NULL, or what is wrong with it. */
static const char *parse_entry(const char *name, struct json_object *v, uint64_t data_size,
                               tp_st_tensor *t)
{
    struct json_object *dt, *shape, *offs;
    if (strlen(name) == 0 || strlen(name) > TP_ST_NAME_MAX)
        return "a tensor name is empty or too long";
    if (!json_object_is_type(v, json_type_object) || !json_object_object_get_ex(v, "dtype", &dt) ||
        !json_object_object_get_ex(v, "shape", &shape) ||
        !json_object_object_get_ex(v, "data_offsets", &offs) ||
        !json_object_is_type(dt, json_type_string) || !json_object_is_type(shape, json_type_array) ||
        !json_object_is_type(offs, json_type_array) || json_object_array_length(offs) != 2)
        return "an entry lacks dtype, shape or data_offsets [begin, end]";
    unsigned esz = dtype_size(json_object_get_string(dt));
    if (!esz)
        return "an entry has an unknown dtype";
    snprintf(t->dtype, sizeof t->dtype, "%s", json_object_get_string(dt));
    t->ndim = json_object_array_length(shape);
    if (t->ndim > TP_ST_DIMS_MAX)
        return "an entry has too many dimensions";
    uint64_t elems = 1;
    for (size_t d = 0; d < t->ndim; d++) {
        struct json_object *x = json_object_array_get_idx(shape, d);
        if (!json_object_is_type(x, json_type_int) || json_object_get_int64(x) < 0)
            return "a shape entry is not a non-negative integer";
        t->shape[d] = (uint64_t)json_object_get_int64(x);
        if (t->shape[d] && elems > UINT64_MAX / 8 / t->shape[d])
            return "a shape is too large";
        elems *= t->shape[d];
    }
    for (int k = 0; k < 2; k++) {
        struct json_object *x = json_object_array_get_idx(offs, k);
        if (!json_object_is_type(x, json_type_int) || json_object_get_int64(x) < 0)
            return "data_offsets are not non-negative integers";
    }
    t->begin = (uint64_t)json_object_get_int64(json_object_array_get_idx(offs, 0));
    t->end = (uint64_t)json_object_get_int64(json_object_array_get_idx(offs, 1));
    if (t->begin > t->end || t->end > data_size)
        return "data_offsets lie outside the data section";
    if (t->end - t->begin != elems * esz)
        return "data_offsets do not span shape x dtype size bytes";
    if (!(t->name = strdup(name)))
        return "out of memory";
    return NULL;
}

static const char *parse_header(const char *json, size_t len, tp_safetensors *st)
{
    struct json_tokener *tok = json_tokener_new_ex(16);
    struct json_object *o = tok ? json_tokener_parse_ex(tok, json, (int)len) : NULL;
    const char *why = NULL;
    if (!o || json_tokener_get_error(tok) != json_tokener_success ||
        !json_object_is_type(o, json_type_object))
        why = "the header is not a JSON object";
    json_tokener_free(tok);
    size_t n = why ? 0 : (size_t)json_object_object_length(o);
    if (!why && n > TP_ST_TENSORS_MAX)
        why = "the header lists too many tensors";
    if (!why && !(st->tensors = calloc(n ? n : 1, sizeof *st->tensors)))
        why = "out of memory";
    if (!why) {
        json_object_object_foreach(o, key, val)
        {
            if (!strcmp(key, "__metadata__"))
                continue;
            if ((why = parse_entry(key, val, st->data_size, &st->tensors[st->n])))
                break;
            st->n++;
        }
    }
    json_object_put(o);
    if (why)
        return why;
    qsort(st->tensors, st->n, sizeof *st->tensors, cmp_tensor);
    for (size_t i = 1; i < st->n; i++)
        if (!strcmp(st->tensors[i - 1].name, st->tensors[i].name))
            return "a tensor name appears twice";
    const tp_st_tensor **by = malloc((st->n ? st->n : 1) * sizeof *by);
    if (!by)
        return "out of memory";
    for (size_t i = 0; i < st->n; i++)
        by[i] = &st->tensors[i];
    qsort(by, st->n, sizeof *by, cmp_begin);
    for (size_t i = 1; i < st->n; i++)
        if (by[i]->begin < by[i - 1]->end)
            why = "two tensors' data overlap";
    free(by);
    return why;
}

int tp_safetensors_open(const char *path, tp_safetensors *st, char *err, size_t errlen)
{
    memset(st, 0, sizeof *st);
    st->fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    if (st->fd < 0 || fstat(st->fd, &sb) != 0) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        tp_safetensors_close(st);
        return -1;
    }
    uint8_t le[8];
    uint64_t hlen = 0, size = (uint64_t)sb.st_size;
    const char *why = NULL;
    char *json = NULL;
    if (!S_ISREG(sb.st_mode) || size < 8 || tp_pread_full(st->fd, le, 8, 0) != 0)
        why = "shorter than a safetensors header";
    tp_cursor hc = tp_cursor_make(le, sizeof le);
    if (!why)
        tp_cursor_u64le(&hc, &hlen);
    if (!why && (hlen < 2 || hlen > TP_ST_HEADER_MAX || hlen > size - 8))
        why = "its header length is out of bounds";
    if (!why && !(json = malloc((size_t)hlen + 1)))
        why = "out of memory";
    if (!why && tp_pread_full(st->fd, json, (size_t)hlen, 8) != 0)
        why = "its header cannot be read";
    if (!why) {
        json[hlen] = '\0';
        st->data_offset = 8 + hlen;
        st->data_size = size - st->data_offset;
        why = memchr(json, '\0', (size_t)hlen) ? "its header contains a NUL byte"
                                                 : parse_header(json, (size_t)hlen, st);
    }
    free(json);
    if (why) {
        snprintf(err, errlen, "%s is not a valid safetensors file: %s", path, why);
        tp_safetensors_close(st);
        return -1;
    }
    return 0;
}

const tp_st_tensor *tp_safetensors_find(const tp_safetensors *st, const char *name)
{
    tp_st_tensor key = {.name = (char *)name};
    return st->n ? bsearch(&key, st->tensors, st->n, sizeof key, cmp_tensor) : NULL;
}

int tp_safetensors_sha256(const tp_safetensors *st, const tp_st_tensor *t, uint8_t out[32])
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    uint8_t *buf = malloc(READ_CHUNK);
    int rc = md && buf && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 ? 0 : -1;
    for (uint64_t at = t->begin; rc == 0 && at < t->end;) {
        size_t n = t->end - at < READ_CHUNK ? (size_t)(t->end - at) : READ_CHUNK;
        rc = tp_pread_full(st->fd, buf, n, st->data_offset + at) == 0 &&
                     EVP_DigestUpdate(md, buf, n) == 1
                 ? 0
                 : -1;
        at += n;
    }
    unsigned len = 0;
    if (rc == 0 && (EVP_DigestFinal_ex(md, out, &len) != 1 || len != 32))
        rc = -1;
    EVP_MD_CTX_free(md);
    free(buf);
    return rc;
}

int tp_safetensors_bytes(const tp_safetensors *st, const tp_st_tensor *t,
                         int (*fn)(void *ctx, const uint8_t *bytes, size_t n), void *ctx)
{
    uint8_t *buf = malloc(READ_CHUNK);
    int rc = buf ? 0 : -1;
    for (uint64_t at = t->begin; rc == 0 && at < t->end;) {
        size_t n = t->end - at < READ_CHUNK ? (size_t)(t->end - at) : READ_CHUNK;
        rc = tp_pread_full(st->fd, buf, n, st->data_offset + at) == 0 && fn(ctx, buf, n) == 0 ? 0 : -1;
        at += n;
    }
    free(buf);
    return rc;
}

/* IEEE binary16 to float32, exactly (every half is a float). */
static float half_to_float(uint16_t h)
{
    uint32_t sign = (uint32_t)(h >> 15) << 31, exp = (h >> 10) & 0x1f, man = h & 0x3ff, bits;
    if (exp == 0x1f) {
        bits = sign | 0x7f800000u | man << 13;
    } else if (exp != 0) {
        bits = sign | (exp + 112) << 23 | man << 13;
    } else if (man == 0) {
        bits = sign;
    } else { /* subnormal: normalise */
        exp = 113;
        while (!(man & 0x400)) {
            man <<= 1;
            exp--;
        }
        bits = sign | exp << 23 | (man & 0x3ff) << 13;
    }
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

int tp_safetensors_read_f32(const tp_safetensors *st, const tp_st_tensor *t, float **out,
                            uint64_t *n, const char **why)
{
    unsigned esz = !strcmp(t->dtype, "F32") ? 4 : !strcmp(t->dtype, "BF16") || !strcmp(t->dtype, "F16") ? 2 : 0;
    *out = NULL;
    *n = 0;
    if (!esz) {
        *why = "its dtype is not F32, BF16 or F16";
        return 1;
    }
    uint64_t count = (t->end - t->begin) / esz;
    if (count > TP_ST_READ_MAX) {
        *why = "it has more elements than the verifier reads at once";
        return 1;
    }
    float *f = malloc(count ? (size_t)count * sizeof *f : 1);
    if (!f || tp_pread_full(st->fd, f, (size_t)(count * esz), st->data_offset + t->begin) != 0) {
        free(f);
        return -1;
    }
    /* 2-byte values sit in the first half of f: widen from the end down. */
    const uint8_t *b = (const uint8_t *)f;
    for (uint64_t i = count; esz == 2 && i-- > 0;) {
        uint16_t h = (uint16_t)(b[2 * i] | b[2 * i + 1] << 8);
        if (t->dtype[0] == 'B') {
            uint32_t bits = (uint32_t)h << 16;
            memcpy(&f[i], &bits, 4);
        } else {
            f[i] = half_to_float(h);
        }
    }
    *out = f;
    *n = count;
    return 0;
}

void tp_safetensors_close(tp_safetensors *st)
{
    if (st->fd >= 0)
        close(st->fd);
    for (size_t i = 0; i < st->n; i++)
        free(st->tensors[i].name);
    free(st->tensors);
    memset(st, 0, sizeof *st);
    st->fd = -1;
}
