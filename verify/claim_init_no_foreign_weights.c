/* claim_init_no_foreign_weights.c: the claim init.no_foreign_weights
 * (docs/CLAIMS.md): every weights file the job read is one this run wrote
 * earlier, whatever role the job declared for it. Reads of unknown content,
 * reads whose content may be weights ("possible-" formats), exclusions a job
 * could stage files in (verify/exclusions.h), and, with declared data, large
 * undeclared inputs make it unknown, or fail under --strict. In a resume
 * chain (verify --chain) a checkpoint an earlier segment authored is the
 * run's own too; a resumed segment verified alone cannot tell such a read
 * from a foreign one, and is unknown. So are weights read whose only writer
 * is a process that outlived the job (its stream is in the log only up to
 * the manifest: what it read may be missing). */
#include "verify/claim.h"
#include "verify/exclusions.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hex.h"
#include "core/vocab.h"

#define TP_UNDECLARED_MIN 65536 /* undeclared inputs smaller than this are ignored */

typedef struct {
    const uint8_t *sha256;
    int64_t done_ns; /* when writing it ended */
    int outlived;    /* written by a stream that outlived the job */
} written_ckpt;

static int64_t or_time(int64_t t, const Trainprov__V1__Record *r) { return t ? t : r->time_ns; }

/* By digest, then by when writing ended: the earliest write of a content
 * first, for own_bytes' binary search. */
static int cmp_written(const void *a, const void *b)
{
    const written_ckpt *x = a, *y = b;
    int d = memcmp(x->sha256, y->sha256, TP_HASH_LEN);
    return d ? d : (x->done_ns > y->done_ns) - (x->done_ns < y->done_ns);
}

/* Files this run authored (docs/CLAIMS.md), with a digest: checkpoints only
 * unless any_role, sorted by cmp_written. *n gets the count; NULL when out
 * of memory. */
static written_ckpt *written_files(const tp_claim_ctx *c, int any_role, size_t *n)
{
    size_t cap = 16;
    written_ckpt *w = malloc(cap * sizeof *w);
    *n = 0;
    for (size_t s = 0; w && s < c->log->n_streams; s++)
        for (size_t i = 0; w && i < c->dec[s].n; i++) {
            const Trainprov__V1__FileEvent *f = tp_file_event(c->dec[s].records[i]);
            if (!f || (!any_role && tp_role_parse(f->role) != TP_ROLE_CHECKPOINT) ||
                !tp_file_authored(f))
                continue;
            if (*n == cap) {
                written_ckpt *g = realloc(w, 2 * cap * sizeof *w);
                if (!g) {
                    free(w);
                    return NULL;
                }
                w = g;
                cap *= 2;
            }
            w[(*n)++] = (written_ckpt){f->sha256.data,
                                       or_time(f->last_access_ns, c->dec[s].records[i]),
                                       c->streams[s].outlived};
        }
    if (w && *n)
        qsort(w, *n, sizeof *w, cmp_written);
    return w;
}

/* A weights read: a session that read content the run did not produce
 * (a read, read-write on content found there, a rename of such content)
 * with role weights or checkpoint. *digest: the content read. */
static int weights_read(const Trainprov__V1__FileEvent *f, const ProtobufCBinaryData **digest,
                        const char **hash_error)
{
    enum tp_role role = tp_role_parse(f->role);
    return (role == TP_ROLE_WEIGHTS || role == TP_ROLE_CHECKPOINT) &&
           tp_file_foreign_read(f, digest, hash_error);
}

static int declared_data(const tp_claim_ctx *c)
{
    for (size_t s = 0; s < c->log->n_streams; s++) {
        const Trainprov__V1__RunStart *rs = c->streams[s].run_start;
        if (rs && rs->n_data_globs)
            return 1;
    }
    return 0;
}

/* The format of the content a read saw: the prior content's for a
 * read-write session on content found there. */
static const char *read_format(const Trainprov__V1__FileEvent *f, const ProtobufCBinaryData *digest)
{
    const char *fmt = digest == &f->prior_sha256 ? f->prior_format : f->format;
    return fmt ? fmt : "";
}

static int possible_weights(const char *format)
{
    return strncmp(format, TP_FORMAT_POSSIBLE_PREFIX, sizeof TP_FORMAT_POSSIBLE_PREFIX - 1) == 0;
}

/* A file an earlier segment of the chain authored with this content
 * (checkpoints only unless any_role), or NULL. */
static const tp_prior_file *prior_file(const tp_claim_ctx *c, const ProtobufCBinaryData *digest,
                                       int any_role)
{
    for (size_t k = 0; digest->len == TP_HASH_LEN && k < c->opt->n_prior; k++)
        if ((any_role || c->opt->prior[k].checkpoint) &&
            !memcmp(c->opt->prior[k].sha256, digest->data, TP_HASH_LEN))
            return &c->opt->prior[k];
    return NULL;
}

/* Whether the read r (of content digest) is of the run's own bytes: 1 when
 * this run wrote them before the read or an earlier segment of the chain
 * wrote them, 2 when only a stream that outlived the job wrote them, else 0.
 * A binary search for the earliest write of that content (w sorted by
 * cmp_written), so that a log of n reads and n writes costs n log n. */
static int own_bytes(const tp_claim_ctx *c, const written_ckpt *w, size_t n,
                     const ProtobufCBinaryData *digest, const Trainprov__V1__FileEvent *f,
                     const Trainprov__V1__Record *r, int any_role)
{
    if (digest->len != TP_HASH_LEN)
        return 0;
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (memcmp(w[mid].sha256, digest->data, TP_HASH_LEN) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    int own = 0;
    int64_t t = or_time(f->first_access_ns, r);
    for (; lo < n && !memcmp(w[lo].sha256, digest->data, TP_HASH_LEN) && w[lo].done_ns <= t; lo++) {
        if (!w[lo].outlived)
            return 1;
        own = 2;
    }
    return prior_file(c, digest, any_role) ? 1 : own;
}

/* The previous segment's digest this run resumes from (RunStart.resume_from,
 * equal in every stream: run.binding), or NULL for a run that does not. */
static const ProtobufCBinaryData *resumed_from(const tp_claim_ctx *c)
{
    for (size_t s = 0; s < c->log->n_streams; s++) {
        const Trainprov__V1__RunStart *rs = c->streams[s].run_start;
        if (rs && rs->resume_from.len)
            return &rs->resume_from;
    }
    return NULL;
}

static struct json_object *file_json(const Trainprov__V1__FileEvent *f,
                                     const ProtobufCBinaryData *digest,
                                     const tp_exclusion_list *ex)
{
    struct json_object *o = json_object_new_object();
    char *hex = tp_hex_dup(digest->data, digest->len);
    const tp_exclusion *e = tp_exclusions_covering(ex, f->path);
    json_object_object_add(o, "path", json_object_new_string(f->path));
    json_object_object_add(o, "sha256", json_object_new_string(hex ? hex : ""));
    json_object_object_add(o, "size", json_object_new_uint64(f->size));
    json_object_object_add(o, "format", json_object_new_string(read_format(f, digest)));
    json_object_object_add(o, "declared_role",
                           json_object_new_string(f->declared_role ? f->declared_role : ""));
    if (e)
        json_object_object_add(o, "excluded_by", json_object_new_string(e->prefix));
    free(hex);
    return o;
}

/* ", declared data, its content is safetensors", ", read under the
 * exclusion /x/ (user)": what a reader of the detail should know about a
 * weights read besides its digest. */
static void read_context(const Trainprov__V1__FileEvent *f, const ProtobufCBinaryData *digest,
                         const tp_exclusion_list *ex, char *out, size_t cap)
{
    const tp_exclusion *e = tp_exclusions_covering(ex, f->path);
    enum tp_role declared = tp_role_parse(f->declared_role);
    const char *fmt = read_format(f, digest);
    int n = 0;
    out[0] = '\0';
    if (declared != TP_ROLE_NONE && declared != TP_ROLE_WEIGHTS && declared != TP_ROLE_CHECKPOINT)
        n = snprintf(out, cap, ", declared %s, its content is %s", f->declared_role,
                     fmt[0] ? fmt : "weights");
    if (e && n >= 0 && (size_t)n < cap)
        snprintf(out + n, cap - (size_t)n, ", read under the exclusion %s (%s)", e->prefix,
                 e->source);
}

static struct json_object *exclusions_json(const tp_exclusion_list *ex)
{
    struct json_object *a = json_object_new_array();
    for (size_t i = 0; i < ex->n; i++) {
        struct json_object *o = json_object_new_object();
        json_object_object_add(o, "prefix", json_object_new_string(ex->items[i].prefix));
        json_object_object_add(o, "source", json_object_new_string(ex->items[i].source));
        json_object_object_add(o, "blind_spot", json_object_new_boolean(ex->items[i].blind));
        json_object_array_add(a, o);
    }
    return a;
}

/* Appends "; WHY: a, b, c" to the claim's detail and lowers a pass to
 * unknown (fail under --strict). */
static void make_unknown(const tp_claim_ctx *c, tp_claim *cl, const char *why, size_t n,
                         const tp_problems *list)
{
    char *d = cl->detail;
    cl->detail = NULL;
    tp_claim_detail(cl, "%s; %s: %s%s", d ? d : "", why, list->text,
                    n > TP_DETAIL_PROBLEMS ? "; ..." : "");
    free(d);
    if (cl->status == TP_CLAIM_PASS)
        cl->status = c->opt->strict ? TP_CLAIM_FAIL : TP_CLAIM_UNKNOWN;
}

int tp_claim_init_no_foreign_weights(const tp_claim_ctx *c, tp_claim *cl, char *err,
                                     size_t errlen)
{
    size_t n_ckpt, n_written, n_weights = 0, n_undeclared = 0, n_unknown = 0, n_possible = 0,
           n_unchecked = 0, n_outlived = 0;
    const ProtobufCBinaryData *resume = resumed_from(c);
    tp_problems unchecked = {0};
    struct json_object *unchecked_list = json_object_new_array();
    written_ckpt *ck = written_files(c, 0, &n_ckpt), *wr = written_files(c, 1, &n_written);
    tp_problems p = {0}, undeclared = {0}, unknown = {0}, possible = {0}, blind = {0},
                outlived = {0};
    tp_exclusion_list ex;
    int declared = declared_data(c);
    struct json_object *foreign = json_object_new_array(), *undecl = json_object_new_array();
    struct json_object *unknown_list = json_object_new_array(), *maybe = json_object_new_array();
    if (tp_exclusions_collect(c->dec, c->log->n_streams, &ex) != 0 || !ck || !wr) {
        tp_problems_add(&p, "out of memory listing checkpoints");
        free(ck);
        ck = NULL;
    }
    for (size_t s = 0; ck && s < c->log->n_streams; s++)
        for (size_t i = 0; i < c->dec[s].n; i++) {
            const Trainprov__V1__Record *r = c->dec[s].records[i];
            const Trainprov__V1__FileEvent *f = tp_file_event(r);
            if (!f)
                continue;
            const ProtobufCBinaryData *digest;
            const char *hash_error;
            char context[4096 + 256];
            if (declared && tp_role_parse(f->role) == TP_ROLE_OTHER && tp_file_was_read(f) &&
                f->size > TP_UNDECLARED_MIN && !possible_weights(f->format)) {
                n_undeclared++;
                tp_problems_add(&undeclared, "%s (%" PRIu64 " bytes)", f->path, f->size);
                json_object_array_add(undecl, file_json(f, &f->sha256, &ex));
            }
            /* content that may be weights, read and not the run's own */
            if (tp_file_foreign_read(f, &digest, &hash_error) &&
                possible_weights(read_format(f, digest)) &&
                !own_bytes(c, wr, n_written, digest, f, r, 1)) {
                n_possible++;
                tp_problems_add(&possible, "%s (%s, %" PRIu64 " bytes)", f->path,
                                read_format(f, digest), f->size);
                json_object_array_add(maybe, file_json(f, digest, &ex));
            }
            if (!weights_read(f, &digest, &hash_error)) {
                /* a read of bytes nobody knows (another writer changed the
                 * file around the hash): they may have been weights */
                if (f->changed && tp_file_foreign_read(f, &digest, &hash_error)) {
                    n_unknown++;
                    tp_problems_add(&unknown, "%s", f->path);
                    json_object_array_add(unknown_list, file_json(f, digest, &ex));
                }
                continue;
            }
            n_weights++;
            int own = own_bytes(c, ck, n_ckpt, digest, f, r, 0);
            if (own == 2) {
                n_outlived++;
                tp_problems_add(&outlived, "%s", f->path);
            }
            if (own)
                continue;
            read_context(f, digest, &ex, context, sizeof context);
            char hex[2 * TP_HASH_LEN + 1] = "";
            const char *how = tp_access_parse(f->access) == TP_ACCESS_READ ? "read"
                              : tp_access_parse(f->access) == TP_ACCESS_RENAME
                                  ? "renamed (a read of content it did not produce)"
                                  : "opened for writing without producing its content (a read)";
            if (digest->len == TP_HASH_LEN)
                tp_hex_encode(digest->data, TP_HASH_LEN, hex);
            if (resume && !c->opt->chained) {
                /* maybe an earlier segment's checkpoint: only --chain can tell */
                n_unchecked++;
                tp_problems_add(&unchecked, "%s (sha256 %s)", f->path, hex[0] ? hex : "unknown");
                json_object_array_add(unchecked_list, file_json(f, digest, &ex));
                continue;
            }
            if (hex[0])
                tp_problems_add(&p, "weights %s (sha256 %s%s) %s, which this run did not write",
                                f->path, hex, context, how);
            else
                tp_problems_add(&p, "weights %s %s, of unknown content (%s%s)", f->path, how,
                                hash_error[0] ? hash_error : "not hashed", context);
            json_object_array_add(foreign, file_json(f, digest, &ex));
        }
    free(ck);
    free(wr);
    for (size_t i = 0; i < ex.n; i++)
        if (ex.items[i].blind)
            tp_problems_add(&blind, "%s (%s)", ex.items[i].prefix, ex.items[i].source);
    if (ex.truncated)
        tp_problems_add(&blind, "more than %d exclusions: those beyond were not examined",
                        TP_EXCLUSIONS_MAX);
    json_object_object_add(tp_claim_evidence(cl), "weights_reads", json_object_new_uint64(n_weights));
    json_object_object_add(tp_claim_evidence(cl), "foreign_weights", foreign);
    json_object_object_add(tp_claim_evidence(cl), "undeclared_inputs", undecl);
    json_object_object_add(tp_claim_evidence(cl), "unknown_content_reads", unknown_list);
    json_object_object_add(tp_claim_evidence(cl), "possible_weights", maybe);
    json_object_object_add(tp_claim_evidence(cl), "resumed_unchecked", unchecked_list);
    json_object_object_add(tp_claim_evidence(cl), "exclusions", exclusions_json(&ex));
    char pass[160];
    if (n_unchecked)
        snprintf(pass, sizeof pass, "%zu of %zu weights reads are of files this run wrote",
                 n_weights - n_unchecked, n_weights);
    else if (n_weights)
        snprintf(pass, sizeof pass, "%zu weights read%s, all of files this run%s wrote",
                 n_weights - n_unchecked, n_weights - n_unchecked == 1 ? "" : "s",
                 c->opt->n_prior ? " or an earlier segment of the chain" : "");
    else
        snprintf(pass, sizeof pass, "no weights file was read");
    tp_claim_conclude(cl, &p, pass);
    if (n_unchecked) {
        char why[256], hex[2 * TP_HASH_LEN + 1] = "";
        if (resume->len == TP_HASH_LEN)
            tp_hex_encode(resume->data, TP_HASH_LEN, hex);
        snprintf(why, sizeof why, "weights read that this run did not write; it resumes from "
                 "segment %s (--resume-from), whose checkpoints they may be: only verify --chain "
                 "can check them", hex[0] ? hex : "(malformed digest)");
        make_unknown(c, cl, why, n_unchecked, &unchecked);
    }
    if (n_unknown)
        make_unknown(c, cl, "reads of unknown content (the file changed by another writer "
                     "before it was hashed: the bytes read could have been weights)", n_unknown,
                     &unknown);
    if (n_possible)
        make_unknown(c, cl, "content that may be weights (raw floats, an undeclared dtype) was "
                     "read from files this run did not write", n_possible, &possible);
    if (ex.n_blind)
        make_unknown(c, cl, "files under exclusions a job can write to were not hashed (the "
                     "logger still recorded those whose content is a known weights format)",
                     ex.n_blind, &blind);
    else if (!ex.recorded && c->log->n_streams)
        make_unknown(c, cl, "the log does not record its exclusions (a logger older than "
                     "this verifier)", 1, &(tp_problems){.text = "RunStart.exclusions"});
    if (n_outlived)
        make_unknown(c, cl, "weights read were written only by a process that outlived the job "
                     "(it is recorded up to the manifest only: what it read may be missing)",
                     n_outlived, &outlived);
    if (n_undeclared)
        make_unknown(c, cl, "undeclared inputs over 64 KiB could be weights in a format "
                     "trainprov does not recognise (declare data with --data)", n_undeclared,
                     &undeclared);
    json_object_put(unknown.list);
    json_object_put(unchecked.list);
    json_object_put(undeclared.list);
    json_object_put(possible.list);
    json_object_put(outlived.list);
    json_object_put(blind.list);
    tp_exclusions_free(&ex);
    return 0;
}
