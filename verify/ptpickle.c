/* ptpickle.c: a minimal pickle machine for PyTorch's data.pkl (ptpickle.h).
 * It understands the opcodes torch.save writes at protocol 2 (and the few
 * protocol 3-4 ones a newer pickler may add) and three kinds of globals:
 * collections.OrderedDict (a dict), torch.<Type>Storage (the class named in
 * a storage's persistent id) and torch._utils._rebuild_tensor_v2 /
 * _rebuild_parameter (a tensor). Any other global is an opaque object whose
 * arguments are still walked for tensors; nothing is ever called. Every
 * length is checked against the bytes left, memo ids against the puts so
 * far, the objects created against TP_PICKLE_VALUES_MAX, and the walk that
 * names the tensors against TP_PT_DEPTH_MAX and a visit budget (memo
 * references can make a small pickle a deep or wide graph). */
#include "verify/ptpickle.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { V_NONE, V_BOOL, V_INT, V_FLOAT, V_STR, V_TUPLE, V_LIST, V_DICT, V_GLOBAL,
               V_STORAGE, V_TENSOR, V_OBJECT } vkind;

typedef enum { G_OTHER, G_ORDERED_DICT, G_REBUILD_TENSOR, G_REBUILD_PARAMETER, G_STORAGE } gkind;

typedef struct pv pv;
struct pv {
    vkind kind;
    int64_t i;            /* V_INT, V_BOOL; V_GLOBAL: gkind; V_STORAGE, V_TENSOR: index */
    int dtype;            /* V_GLOBAL of G_STORAGE: index in storage_types */
    const uint8_t *s;     /* V_STR: its bytes in the pickle */
    size_t len;
    pv **items;           /* V_TUPLE, V_LIST, V_OBJECT; V_DICT: key, value, key, ... */
    size_t n, cap;
};

static const struct {
    const char *cls, *dtype;
    unsigned size;
} storage_types[] = {
    {"FloatStorage", "F32", 4},  {"DoubleStorage", "F64", 8}, {"HalfStorage", "F16", 2},
    {"BFloat16Storage", "BF16", 2}, {"LongStorage", "I64", 8}, {"IntStorage", "I32", 4},
    {"ShortStorage", "I16", 2},  {"CharStorage", "I8", 1},   {"ByteStorage", "U8", 1},
    {"BoolStorage", "BOOL", 1},
};

#define BLOCK 4096 /* values per arena block */

typedef struct {
    const uint8_t *p;
    size_t len, pos;
    pv **stack;
    size_t sp, scap;
    size_t *marks;
    size_t nm, mcap;
    pv **memo;
    size_t n_memo;
    pv **blocks; /* the arena: blocks of BLOCK values */
    size_t n_blocks, n_values;
    tp_pickle_result *r;
    size_t cap_storages, cap_tensors;
    size_t *slots;   /* open-addressed table of storage indices + 1, by key */
    size_t n_slots;
    char *why;
    size_t whylen;
} pm;

__attribute__((format(printf, 2, 3))) static int refuse(pm *m, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m->why, m->whylen, fmt, ap);
    va_end(ap);
    return -1;
}

static int grow(void **arr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap : 16;
    while (c < need)
        c *= 2;
    void *g = realloc(*arr, c * elem);
    if (!g)
        return -1;
    *arr = g;
    *cap = c;
    return 0;
}

static pv *new_value(pm *m, vkind kind)
{
    if (m->n_values >= TP_PICKLE_VALUES_MAX) {
        refuse(m, "data.pkl creates more than %u objects", TP_PICKLE_VALUES_MAX);
        return NULL;
    }
    if (m->n_values % BLOCK == 0) {
        pv **b = realloc(m->blocks, (m->n_blocks + 1) * sizeof *b);
        if (b)
            m->blocks = b;
        pv *block = b ? calloc(BLOCK, sizeof *block) : NULL;
        if (!block) {
            refuse(m, "out of memory");
            return NULL;
        }
        m->blocks[m->n_blocks++] = block;
    }
    pv *v = &m->blocks[m->n_values / BLOCK][m->n_values % BLOCK];
    m->n_values++;
    v->kind = kind;
    return v;
}

static int add_item(pm *m, pv *c, pv *item)
{
    if (grow((void **)&c->items, &c->cap, c->n + 1, sizeof *c->items) != 0)
        return refuse(m, "out of memory");
    c->items[c->n++] = item;
    return 0;
}

static int push(pm *m, pv *v)
{
    if (!v)
        return -1;
    if (grow((void **)&m->stack, &m->scap, m->sp + 1, sizeof *m->stack) != 0)
        return refuse(m, "out of memory");
    m->stack[m->sp++] = v;
    return 0;
}

static size_t base(const pm *m) { return m->nm ? m->marks[m->nm - 1] : 0; }

static pv *pop(pm *m, size_t at)
{
    if (m->sp <= base(m)) {
        refuse(m, "data.pkl pops an empty stack at offset %zu", at);
        return NULL;
    }
    return m->stack[--m->sp];
}

static pv *top(pm *m, size_t at)
{
    if (m->sp <= base(m)) {
        refuse(m, "data.pkl uses an empty stack at offset %zu", at);
        return NULL;
    }
    return m->stack[m->sp - 1];
}

/* The items since the last MARK: *first and *n; drops the mark. */
static int pop_mark(pm *m, size_t at, pv ***first, size_t *n)
{
    if (!m->nm)
        return refuse(m, "data.pkl has no MARK for the opcode at offset %zu", at);
    size_t b = m->marks[--m->nm];
    *first = m->stack + b;
    *n = m->sp - b;
    m->sp = b;
    return 0;
}

/* n bytes of argument, bounded by what is left. */
static const uint8_t *take(pm *m, uint64_t n, size_t at)
{
    if (n > m->len - m->pos) {
        refuse(m, "data.pkl's opcode at offset %zu needs %" PRIu64 " bytes, %zu are left", at, n,
               m->len - m->pos);
        return NULL;
    }
    const uint8_t *b = m->p + m->pos;
    m->pos += (size_t)n;
    return b;
}

static uint64_t le(const uint8_t *b, unsigned n)
{
    uint64_t v = 0;
    for (unsigned k = n; k-- > 0;)
        v = v << 8 | b[k];
    return v;
}

static pv *int_value(pm *m, int64_t i)
{
    pv *v = new_value(m, V_INT);
    if (v)
        v->i = i;
    return v;
}

static pv *tuple_of(pm *m, pv **items, size_t n)
{
    pv *t = new_value(m, V_TUPLE);
    for (size_t k = 0; t && k < n; k++)
        if (add_item(m, t, items[k]) != 0)
            return NULL;
    return t;
}

static int str_is(const pv *v, const char *s)
{
    return v->kind == V_STR && v->len == strlen(s) && !memcmp(v->s, s, v->len);
}

/* GLOBAL "module\nname\n". */
static pv *global(pm *m, size_t at)
{
    const uint8_t *mod = m->p + m->pos, *nl1 = memchr(mod, '\n', m->len - m->pos);
    const uint8_t *name = nl1 ? nl1 + 1 : NULL;
    const uint8_t *nl2 = name ? memchr(name, '\n', (size_t)(m->p + m->len - name)) : NULL;
    if (!nl2) {
        refuse(m, "data.pkl's GLOBAL at offset %zu is not two lines", at);
        return NULL;
    }
    m->pos = (size_t)(nl2 + 1 - m->p);
    pv *g = new_value(m, V_GLOBAL);
    if (!g)
        return NULL;
    size_t ml = (size_t)(nl1 - mod), nlen = (size_t)(nl2 - name);
#define IS(s, l, lit) ((l) == sizeof(lit) - 1 && !memcmp((s), (lit), (l)))
    g->i = G_OTHER;
    if (IS(mod, ml, "collections") && IS(name, nlen, "OrderedDict"))
        g->i = G_ORDERED_DICT;
    else if (IS(mod, ml, "torch._utils") && IS(name, nlen, "_rebuild_tensor_v2"))
        g->i = G_REBUILD_TENSOR;
    else if (IS(mod, ml, "torch._utils") && IS(name, nlen, "_rebuild_parameter"))
        g->i = G_REBUILD_PARAMETER;
    else if (IS(mod, ml, "torch"))
        for (size_t k = 0; k < sizeof storage_types / sizeof storage_types[0]; k++)
            if (nlen == strlen(storage_types[k].cls) && !memcmp(name, storage_types[k].cls, nlen)) {
                g->i = G_STORAGE;
                g->dtype = (int)k;
            }
#undef IS
    g->s = mod;
    g->len = (size_t)(nl2 - mod);
    return g;
}

static uint64_t key_hash(const uint8_t *s, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t k = 0; k < n; k++)
        h = (h ^ s[k]) * 1099511628211ull;
    return h;
}

/* The index of the storage with this key, adding it when new; -1 when it
 * was seen before with another type or size. */
static long storage_index(pm *m, const pv *key, int type, uint64_t numel, size_t at)
{
    tp_pickle_result *r = m->r;
    if (2 * (r->n_storages + 1) > m->n_slots) {
        size_t n = m->n_slots ? 2 * m->n_slots : 64;
        size_t *s = calloc(n, sizeof *s);
        if (!s)
            return refuse(m, "out of memory");
        for (size_t k = 0; k < r->n_storages; k++) {
            const char *kk = r->storages[k].key;
            size_t j = key_hash((const uint8_t *)kk, strlen(kk)) & (n - 1);
            while (s[j])
                j = (j + 1) & (n - 1);
            s[j] = k + 1;
        }
        free(m->slots);
        m->slots = s;
        m->n_slots = n;
    }
    size_t j = key_hash(key->s, key->len) & (m->n_slots - 1);
    for (; m->slots[j]; j = (j + 1) & (m->n_slots - 1)) {
        tp_pt_storage *st = &r->storages[m->slots[j] - 1];
        if (strlen(st->key) == key->len && !memcmp(st->key, key->s, key->len)) {
            if (strcmp(st->dtype, storage_types[type].dtype) || st->numel != numel)
                return refuse(m, "data.pkl gives storage %s two types or sizes (offset %zu)",
                              st->key, at);
            return (long)(m->slots[j] - 1);
        }
    }
    if (grow((void **)&r->storages, &m->cap_storages, r->n_storages + 1, sizeof *r->storages) != 0)
        return refuse(m, "out of memory");
    tp_pt_storage *st = &r->storages[r->n_storages];
    memset(st, 0, sizeof *st);
    if (!(st->key = strndup((const char *)key->s, key->len)))
        return refuse(m, "out of memory");
    snprintf(st->dtype, sizeof st->dtype, "%s", storage_types[type].dtype);
    st->elem_size = storage_types[type].size;
    st->numel = numel;
    m->slots[j] = ++r->n_storages;
    return (long)(r->n_storages - 1);
}

/* BINPERSID: ('storage', torch.<Type>Storage, key, location, numel). */
static pv *persistent(pm *m, pv *pid, size_t at)
{
    if (pid->kind != V_TUPLE || pid->n != 5 || !str_is(pid->items[0], "storage") ||
        pid->items[2]->kind != V_STR || pid->items[3]->kind != V_STR ||
        pid->items[4]->kind != V_INT || pid->items[4]->i < 0) {
        refuse(m, "data.pkl's persistent id at offset %zu is not ('storage', type, key, "
                  "location, size)", at);
        return NULL;
    }
    const pv *type = pid->items[1], *key = pid->items[2];
    if (type->kind != V_GLOBAL || type->i != G_STORAGE) {
        refuse(m, "data.pkl's storage at offset %zu has a type the verifier does not read%s%.*s",
               at, type->kind == V_GLOBAL ? ": " : "",
               type->kind == V_GLOBAL ? (int)(type->len < 80 ? type->len : 80) : 0,
               type->kind == V_GLOBAL ? (const char *)type->s : "");
        return NULL;
    }
    if (key->len == 0 || key->len > 64 || memchr(key->s, '/', key->len) ||
        memchr(key->s, '\0', key->len) || str_is(key, ".") || str_is(key, "..")) {
        refuse(m, "data.pkl's storage key at offset %zu is not a record name", at);
        return NULL;
    }
    long k = storage_index(m, key, type->dtype, (uint64_t)pid->items[4]->i, at);
    pv *v = k >= 0 ? new_value(m, V_STORAGE) : NULL;
    if (v)
        v->i = k;
    return v;
}

static int ints(const pv *t, uint64_t *out, size_t *n)
{
    if (t->kind != V_TUPLE || t->n > TP_PT_DIMS_MAX)
        return -1;
    for (size_t d = 0; d < t->n; d++) {
        if (t->items[d]->kind != V_INT || t->items[d]->i < 0)
            return -1;
        out[d] = (uint64_t)t->items[d]->i;
    }
    *n = t->n;
    return 0;
}

/* _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad,
 * backward_hooks[, metadata]): a tensor whose elements all lie in the
 * storage. */
static pv *rebuild_tensor(pm *m, const pv *args, size_t at)
{
    tp_pt_tensor t;
    size_t ns = 0;
    memset(&t, 0, sizeof t);
    if (args->kind != V_TUPLE || args->n < 4 || args->items[0]->kind != V_STORAGE ||
        args->items[1]->kind != V_INT || args->items[1]->i < 0 ||
        ints(args->items[2], t.shape, &t.ndim) != 0 || ints(args->items[3], t.stride, &ns) != 0 ||
        ns != t.ndim) {
        refuse(m, "data.pkl rebuilds a tensor at offset %zu from arguments that are not "
                  "(storage, offset, size, stride, ...)", at);
        return NULL;
    }
    t.storage = (size_t)args->items[0]->i;
    t.storage_offset = (uint64_t)args->items[1]->i;
    const tp_pt_storage *st = &m->r->storages[t.storage];
    /* the last element: offset + sum((shape - 1) * stride), none when empty */
    uint64_t last = t.storage_offset, numel = 1;
    int overflow = 0;
    for (size_t d = 0; d < t.ndim; d++) {
        if (t.shape[d] && numel > (UINT64_MAX >> 4) / t.shape[d])
            overflow = 1;
        numel *= t.shape[d];
    }
    for (size_t d = 0; numel && d < t.ndim; d++) {
        uint64_t span = t.shape[d] - 1;
        if (span && t.stride[d] > (UINT64_MAX >> 2) / span)
            overflow = 1;
        else if (UINT64_MAX - last < span * t.stride[d])
            overflow = 1;
        else
            last += span * t.stride[d];
    }
    if (overflow || (numel && last >= st->numel)) {
        refuse(m, "data.pkl's tensor at offset %zu reaches past the %" PRIu64
                  " elements of storage %s", at, st->numel, st->key);
        return NULL;
    }
    tp_pickle_result *r = m->r;
    if (r->n >= TP_PT_TENSORS_MAX) {
        refuse(m, "data.pkl rebuilds more than %u tensors", TP_PT_TENSORS_MAX);
        return NULL;
    }
    if (grow((void **)&r->tensors, &m->cap_tensors, r->n + 1, sizeof *r->tensors) != 0) {
        refuse(m, "out of memory");
        return NULL;
    }
    r->tensors[r->n] = t;
    pv *v = new_value(m, V_TENSOR);
    if (v)
        v->i = (int64_t)r->n++;
    return v;
}

/* REDUCE and NEWOBJ: callable(*args). */
static pv *reduce(pm *m, pv *callable, pv *args, size_t at)
{
    gkind g = callable && callable->kind == V_GLOBAL ? (gkind)callable->i : G_OTHER;
    if (g == G_ORDERED_DICT)
        return new_value(m, V_DICT);
    if (g == G_REBUILD_TENSOR)
        return rebuild_tensor(m, args, at);
    if (g == G_REBUILD_PARAMETER && args->kind == V_TUPLE && args->n >= 1 &&
        args->items[0]->kind == V_TENSOR)
        return args->items[0];
    pv *o = new_value(m, V_OBJECT);
    if (o && add_item(m, o, args) != 0)
        return NULL;
    return o;
}

/* Adds items (key, value pairs for a dict) to c. */
static int extend(pm *m, pv *c, pv **items, size_t n, int pairs, size_t at)
{
    if (pairs && n % 2)
        return refuse(m, "data.pkl's SETITEMS at offset %zu has an odd number of items", at);
    if (c->kind != (pairs ? V_DICT : V_LIST) && c->kind != V_OBJECT)
        return refuse(m, "data.pkl adds items to a %s at offset %zu", pairs ? "non-dict" : "non-list",
                      at);
    for (size_t k = 0; k < n; k++)
        if (add_item(m, c, items[k]) != 0)
            return -1;
    return 0;
}

static int memo_put(pm *m, uint64_t id, size_t at)
{
    pv *v = top(m, at);
    if (!v)
        return -1;
    if (id > m->n_memo) /* the pickler numbers its memo 0, 1, 2, ... */
        return refuse(m, "data.pkl memoises id %" PRIu64 " at offset %zu after %zu ids", id, at,
                      m->n_memo);
    if (id == m->n_memo) {
        pv **g = realloc(m->memo, (m->n_memo + 1) * sizeof *g);
        if (!g)
            return refuse(m, "out of memory");
        m->memo = g;
        m->n_memo++;
    }
    m->memo[id] = v;
    return 0;
}

static int memo_get(pm *m, uint64_t id, size_t at)
{
    if (id >= m->n_memo)
        return refuse(m, "data.pkl reads memo id %" PRIu64 " it never stored (offset %zu)", id, at);
    return push(m, m->memo[id]);
}

/* One opcode. 1 at STOP, 0 to go on, -1 refused. */
static int step(pm *m, pv **result)
{
    size_t at = m->pos;
    const uint8_t *a;
    pv *x, *y, **items = NULL;
    size_t n = 0;
    if (m->pos >= m->len)
        return refuse(m, "data.pkl ends without STOP");
    uint8_t op = m->p[m->pos++];
    switch (op) {
    case 0x80: /* PROTO */
        if (!(a = take(m, 1, at)))
            return -1;
        return a[0] <= 5 ? 0 : refuse(m, "data.pkl is pickle protocol %u", a[0]);
    case 0x95: /* FRAME: a length hint */
        return take(m, 8, at) ? 0 : -1;
    case '.': /* STOP */
        if (!(*result = pop(m, at)))
            return -1;
        return 1;
    case '(': /* MARK */
        if (grow((void **)&m->marks, &m->mcap, m->nm + 1, sizeof *m->marks) != 0)
            return refuse(m, "out of memory");
        m->marks[m->nm++] = m->sp;
        return 0;
    case '0': /* POP */
        return pop(m, at) ? 0 : -1;
    case '1': /* POP_MARK */
        return pop_mark(m, at, &items, &n);
    case '2': /* DUP */
        return (x = top(m, at)) ? push(m, x) : -1;
    case 'N':
        return push(m, new_value(m, V_NONE));
    case 0x88: /* NEWTRUE */
    case 0x89: /* NEWFALSE */
        if (!(x = new_value(m, V_BOOL)))
            return -1;
        x->i = op == 0x88;
        return push(m, x);
    case 'K': /* BININT1 */
    case 'M': /* BININT2 */
        if (!(a = take(m, op == 'K' ? 1 : 2, at)))
            return -1;
        return push(m, int_value(m, (int64_t)le(a, op == 'K' ? 1 : 2)));
    case 'J': /* BININT: signed 32 bits */
        if (!(a = take(m, 4, at)))
            return -1;
        return push(m, int_value(m, (int32_t)(uint32_t)le(a, 4)));
    case 0x8a: /* LONG1: n little-endian two's complement bytes */
        if (!(a = take(m, 1, at)) || !(a = take(m, a[0], at)))
            return -1;
        n = (size_t)(m->p + m->pos - a);
        if (n > 8) /* a Python int beyond 64 bits: no tensor needs one */
            return push(m, new_value(m, V_OBJECT));
        {
            uint64_t u = n ? le(a, (unsigned)n) : 0;
            if (n && n < 8 && (a[n - 1] & 0x80))
                u |= ~0ull << (8 * n);
            return push(m, int_value(m, (int64_t)u));
        }
    case 'G': /* BINFLOAT: big-endian double, not needed beyond its place */
        if (!take(m, 8, at))
            return -1;
        return push(m, new_value(m, V_FLOAT));
    case 'X':  /* BINUNICODE */
    case 'T':  /* BINSTRING */
    case 'B':  /* BINBYTES */
    case 0x8c: /* SHORT_BINUNICODE */
    case 'U':  /* SHORT_BINSTRING */
    case 'C':  /* SHORT_BINBYTES */
    {
        unsigned w = op == 'X' || op == 'T' || op == 'B' ? 4 : 1;
        if (!(a = take(m, w, at)))
            return -1;
        uint64_t len = le(a, w);
        if (!(a = take(m, len, at)) || !(x = new_value(m, V_STR)))
            return -1;
        x->s = a;
        x->len = (size_t)len;
        return push(m, x);
    }
    case ')':
        return push(m, new_value(m, V_TUPLE));
    case ']':
        return push(m, new_value(m, V_LIST));
    case '}':
        return push(m, new_value(m, V_DICT));
    case 0x85: /* TUPLE1 */
    case 0x86: /* TUPLE2 */
    case 0x87: /* TUPLE3 */
        n = (size_t)(op - 0x84);
        if (m->sp - base(m) < n)
            return refuse(m, "data.pkl's TUPLE%zu at offset %zu has too few items", n, at);
        m->sp -= n;
        return push(m, tuple_of(m, m->stack + m->sp, n));
    case 't': /* TUPLE */
    case 'l': /* LIST */
    case 'd': /* DICT */
        if (pop_mark(m, at, &items, &n) != 0)
            return -1;
        if (op == 't')
            return push(m, tuple_of(m, items, n));
        if (!(x = new_value(m, op == 'l' ? V_LIST : V_DICT)) ||
            extend(m, x, items, n, op == 'd', at) != 0)
            return -1;
        return push(m, x);
    case 'a': /* APPEND */
    case 's': /* SETITEM */
        n = op == 's' ? 2 : 1;
        if (m->sp - base(m) < n + 1)
            return refuse(m, "data.pkl's %s at offset %zu has too few items",
                          op == 's' ? "SETITEM" : "APPEND", at);
        m->sp -= n;
        return extend(m, m->stack[m->sp - 1], m->stack + m->sp, n, op == 's', at);
    case 'e': /* APPENDS */
    case 'u': /* SETITEMS */
        if (pop_mark(m, at, &items, &n) != 0 || !(x = top(m, at)))
            return -1;
        return extend(m, x, items, n, op == 'u', at);
    case 'c': /* GLOBAL */
        return push(m, global(m, at));
    case 'R':  /* REDUCE */
    case 0x81: /* NEWOBJ */
        if (!(y = pop(m, at)) || !(x = pop(m, at)))
            return -1;
        return push(m, reduce(m, op == 'R' ? x : NULL, y, at));
    case 'b': /* BUILD: the state of an object; kept only to be walked */
        if (!(y = pop(m, at)) || !(x = top(m, at)))
            return -1;
        return x->kind == V_OBJECT ? add_item(m, x, y) : 0;
    case 'Q': /* BINPERSID */
        if (!(x = pop(m, at)))
            return -1;
        return push(m, persistent(m, x, at));
    case 'q':  /* BINPUT */
    case 'r':  /* LONG_BINPUT */
    case 'h':  /* BINGET */
    case 'j':  /* LONG_BINGET */
    {
        unsigned w = op == 'q' || op == 'h' ? 1 : 4;
        if (!(a = take(m, w, at)))
            return -1;
        return op == 'q' || op == 'r' ? memo_put(m, le(a, w), at) : memo_get(m, le(a, w), at);
    }
    case 0x94: /* MEMOIZE */
        return memo_put(m, m->n_memo, at);
    default:
        return refuse(m, "data.pkl has opcode 0x%02x at offset %zu, which torch.save does not "
                         "write", op, at);
    }
}

typedef struct {
    pm *m;
    char name[TP_PT_NAME_MAX + 1];
    size_t budget; /* visits left */
    size_t bytes;  /* key bytes copied and names kept so far */
} walker;

/* Appends "[.]key" to w->name from position len; the new length, or -1. */
static long name_key(walker *w, size_t len, const char *key, size_t klen)
{
    size_t dot = len ? 1 : 0;
    if (memchr(key, '\0', klen))
        return refuse(w->m, "data.pkl has a key with a NUL byte");
    if (len + dot + klen > TP_PT_NAME_MAX)
        return refuse(w->m, "data.pkl has a key path longer than %d bytes", TP_PT_NAME_MAX);
    if ((w->bytes += klen + 1) > TP_PICKLE_NAMES_MAX)
        return refuse(w->m, "data.pkl's key paths add up to more than %u bytes",
                      TP_PICKLE_NAMES_MAX);
    if (dot)
        w->name[len] = '.';
    memcpy(w->name + len + dot, key, klen);
    w->name[len + dot + klen] = '\0';
    return (long)(len + dot + klen);
}

static int walk(walker *w, const pv *v, size_t len, size_t key_at, unsigned depth);

static int walk_child(walker *w, const pv *child, size_t len, const char *key, size_t klen,
                      unsigned depth)
{
    long l = name_key(w, len, key, klen);
    if (l < 0)
        return -1;
    return walk(w, child, (size_t)l, len ? len + 1 : 0, depth + 1);
}

static int walk(walker *w, const pv *v, size_t len, size_t key_at, unsigned depth)
{
    pm *m = w->m;
    char num[32];
    if (depth > TP_PT_DEPTH_MAX)
        return refuse(m, "data.pkl nests containers deeper than %d levels", TP_PT_DEPTH_MAX);
    if (w->budget-- == 0)
        return refuse(m, "data.pkl refers to the same objects too many times");
    if (v->kind == V_TENSOR) {
        tp_pt_tensor *t = &m->r->tensors[v->i];
        if ((w->bytes += len + 1) > TP_PICKLE_NAMES_MAX)
            return refuse(m, "data.pkl's key paths add up to more than %u bytes",
                          TP_PICKLE_NAMES_MAX);
        if (t->name) { /* met before under another name: a second entry */
            tp_pickle_result *r = m->r;
            if (r->n >= TP_PT_TENSORS_MAX)
                return refuse(m, "data.pkl names more than %u tensors", TP_PT_TENSORS_MAX);
            if (grow((void **)&r->tensors, &m->cap_tensors, r->n + 1, sizeof *r->tensors) != 0)
                return refuse(m, "out of memory");
            t = &r->tensors[r->n++];
            *t = r->tensors[v->i];
        }
        if (!(t->name = strdup(w->name)))
            return refuse(m, "out of memory");
        t->key_at = key_at;
        return 0;
    }
    if (v->kind == V_DICT) {
        for (size_t k = 0; k + 1 < v->n; k += 2) {
            const pv *key = v->items[k];
            int rc;
            if (key->kind == V_STR)
                rc = walk_child(w, v->items[k + 1], len, (const char *)key->s, key->len, depth);
            else {
                snprintf(num, sizeof num, key->kind == V_INT ? "%" PRId64 : "[%" PRId64 "]",
                         key->kind == V_INT ? key->i : (int64_t)(k / 2));
                rc = walk_child(w, v->items[k + 1], len, num, strlen(num), depth);
            }
            if (rc != 0)
                return -1;
        }
        return 0;
    }
    if (v->kind == V_TUPLE || v->kind == V_LIST || v->kind == V_OBJECT) {
        for (size_t k = 0; k < v->n; k++) {
            snprintf(num, sizeof num, "%zu", k);
            if (walk_child(w, v->items[k], len, num, strlen(num), depth) != 0)
                return -1;
        }
    }
    return 0;
}

void tp_pickle_result_free(tp_pickle_result *r)
{
    for (size_t k = 0; k < r->n_storages; k++)
        free(r->storages[k].key);
    for (size_t k = 0; k < r->n; k++)
        free(r->tensors[k].name);
    free(r->storages);
    free(r->tensors);
    memset(r, 0, sizeof *r);
}

int tp_pickle_tensors(const uint8_t *pkl, size_t len, tp_pickle_result *out, char *why,
                      size_t whylen)
{
    pm m;
    memset(&m, 0, sizeof m);
    memset(out, 0, sizeof *out);
    m.p = pkl;
    m.len = len;
    m.r = out;
    m.why = why;
    m.whylen = whylen;
    pv *result = NULL;
    int rc;
    while ((rc = step(&m, &result)) == 0)
        ;
    if (rc > 0) {
        /* tensors the walk does not reach (dropped from the stack) are not
         * in the checkpoint as torch.load returns it: keep only named ones */
        walker *w = calloc(1, sizeof *w);
        if (!w)
            rc = refuse(&m, "out of memory");
        else {
            w->m = &m;
            w->budget = 4 * (size_t)m.n_values + 2 * len + 1024; /* a reference costs 2 bytes */
            rc = walk(w, result, 0, 0, 0);
            free(w);
        }
        size_t kept = 0;
        for (size_t k = 0; rc >= 0 && k < out->n; k++) {
            if (out->tensors[k].name)
                out->tensors[kept++] = out->tensors[k];
        }
        if (rc >= 0)
            out->n = kept;
    }
    for (size_t b = 0; b < m.n_blocks; b++) {
        for (size_t k = 0; k < BLOCK && b * BLOCK + k < m.n_values; k++)
            free(m.blocks[b][k].items);
        free(m.blocks[b]);
    }
    free(m.blocks);
    free(m.stack);
    free(m.marks);
    free(m.memo);
    free(m.slots);
    if (rc < 0) {
        tp_pickle_result_free(out);
        return -1;
    }
    return 0;
}
