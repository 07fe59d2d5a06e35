/* claim_init_no_foreign_weights.c: the claim init.no_foreign_weights
 * (docs/CLAIMS.md): every weights file the job read is one this run wrote
 * earlier; with declared data, large undeclared inputs (weights in a format
 * trainprov does not recognise?) make it unknown, or fail under --strict. */
#include "verify/claim.h"

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
} written_ckpt;

static int64_t or_time(int64_t t, const Trainprov__V1__Record *r) { return t ? t : r->time_ns; }

/* Checkpoints this run wrote (authored, docs/CLAIMS.md), with a digest. *n gets the count; NULL when out of memory. */
static written_ckpt *written_checkpoints(const tp_claim_ctx *c, size_t *n)
{
    size_t cap = 16;
    written_ckpt *w = malloc(cap * sizeof *w);
    *n = 0;
    for (size_t s = 0; w && s < c->log->n_streams; s++)
        for (size_t i = 0; w && i < c->dec[s].n; i++) {
            const Trainprov__V1__FileEvent *f = tp_file_event(c->dec[s].records[i]);
            if (!f || tp_role_parse(f->role) != TP_ROLE_CHECKPOINT || !tp_file_authored(f))
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
                                       or_time(f->last_access_ns, c->dec[s].records[i])};
        }
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

static struct json_object *file_json(const Trainprov__V1__FileEvent *f,
                                     const ProtobufCBinaryData *digest)
{
    struct json_object *o = json_object_new_object();
    char *hex = tp_hex_dup(digest->data, digest->len);
    json_object_object_add(o, "path", json_object_new_string(f->path));
    json_object_object_add(o, "sha256", json_object_new_string(hex ? hex : ""));
    json_object_object_add(o, "size", json_object_new_uint64(f->size));
    free(hex);
    return o;
}

int tp_claim_init_no_foreign_weights(const tp_claim_ctx *c, tp_claim *cl, char *err,
                                     size_t errlen)
{
    size_t n_ckpt, n_weights = 0, n_undeclared = 0, n_unknown = 0;
    written_ckpt *ck = written_checkpoints(c, &n_ckpt);
    tp_problems p = {0}, undeclared = {0}, unknown = {0};
    int declared = declared_data(c);
    struct json_object *foreign = json_object_new_array(), *undecl = json_object_new_array();
    struct json_object *unknown_list = json_object_new_array();
    if (!ck)
        tp_problems_add(&p, "out of memory listing checkpoints");
    for (size_t s = 0; ck && s < c->log->n_streams; s++)
        for (size_t i = 0; i < c->dec[s].n; i++) {
            const Trainprov__V1__Record *r = c->dec[s].records[i];
            const Trainprov__V1__FileEvent *f = tp_file_event(r);
            if (!f)
                continue;
            if (declared && tp_role_parse(f->role) == TP_ROLE_OTHER && tp_file_was_read(f) &&
                f->size > TP_UNDECLARED_MIN) {
                n_undeclared++;
                tp_problems_add(&undeclared, "%s (%" PRIu64 " bytes)", f->path, f->size);
                json_object_array_add(undecl, file_json(f, &f->sha256));
            }
            const ProtobufCBinaryData *digest;
            const char *hash_error;
            if (!weights_read(f, &digest, &hash_error)) {
                /* a read of bytes nobody knows (another writer changed the
                 * file around the hash): they may have been weights */
                if (f->changed && tp_file_foreign_read(f, &digest, &hash_error)) {
                    n_unknown++;
                    tp_problems_add(&unknown, "%s", f->path);
                    json_object_array_add(unknown_list, file_json(f, digest));
                }
                continue;
            }
            n_weights++;
            int own = 0;
            for (size_t k = 0; digest->len == TP_HASH_LEN && !own && k < n_ckpt; k++)
                own = !memcmp(ck[k].sha256, digest->data, TP_HASH_LEN) &&
                      ck[k].done_ns <= or_time(f->first_access_ns, r);
            if (own)
                continue;
            char hex[2 * TP_HASH_LEN + 1] = "";
            const char *how = tp_access_parse(f->access) == TP_ACCESS_READ ? "read"
                              : tp_access_parse(f->access) == TP_ACCESS_RENAME
                                  ? "renamed (a read of content it did not produce)"
                                  : "opened for writing without producing its content (a read)";
            if (digest->len == TP_HASH_LEN)
                tp_hex_encode(digest->data, TP_HASH_LEN, hex);
            if (hex[0])
                tp_problems_add(&p, "weights %s (sha256 %s) %s, which this run did not write",
                                f->path, hex, how);
            else
                tp_problems_add(&p, "weights %s %s, of unknown content (%s)", f->path, how,
                                hash_error[0] ? hash_error : "not hashed");
            json_object_array_add(foreign, file_json(f, digest));
        }
    free(ck);
    json_object_object_add(tp_claim_evidence(cl), "weights_reads", json_object_new_uint64(n_weights));
    json_object_object_add(tp_claim_evidence(cl), "foreign_weights", foreign);
    json_object_object_add(tp_claim_evidence(cl), "undeclared_inputs", undecl);
    json_object_object_add(tp_claim_evidence(cl), "unknown_content_reads", unknown_list);
    json_object_put(unknown.list);
    json_object_put(undeclared.list);
    char pass[128];
    if (n_weights)
        snprintf(pass, sizeof pass, "%zu weights read%s, all of files this run wrote", n_weights,
                 n_weights == 1 ? "" : "s");
    else
        snprintf(pass, sizeof pass, "no weights file was read");
    tp_claim_conclude(cl, &p, pass);
    if (n_unknown) {
        char *d = cl->detail;
        cl->detail = NULL;
        tp_claim_detail(cl, "%s; %zu read%s of unknown content (the file changed by another "
                        "writer before it was hashed: the bytes read could have been weights): %s%s",
                        d ? d : "", n_unknown, n_unknown == 1 ? "" : "s", unknown.text,
                        n_unknown > TP_DETAIL_PROBLEMS ? "; ..." : "");
        free(d);
        if (cl->status == TP_CLAIM_PASS)
            cl->status = c->opt->strict ? TP_CLAIM_FAIL : TP_CLAIM_UNKNOWN;
    }
    if (n_undeclared) {
        char *d = cl->detail;
        cl->detail = NULL;
        tp_claim_detail(cl, "%s; %zu undeclared input%s over 64 KiB could be weights in a format "
                   "trainprov does not recognise (declare data with --data): %s%s", d ? d : "",
                   n_undeclared, n_undeclared == 1 ? "" : "s", undeclared.text,
                   n_undeclared > TP_DETAIL_PROBLEMS ? "; ..." : "");
        free(d);
        if (cl->status == TP_CLAIM_PASS)
            cl->status = c->opt->strict ? TP_CLAIM_FAIL : TP_CLAIM_UNKNOWN;
    }
    return 0;
}
