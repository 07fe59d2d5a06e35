/* claim_data_accounted.c: the claim data.accounted (docs/CLAIMS.md): every
 * data file read has a digest and, with --data-manifest (sha256sum format),
 * is listed there; when the run declared data (--data globs, signed in
 * RunStart), it read at least one data file. Each signed glob is matched
 * against the files read with core/pathglob.h, the logger's own matcher, and
 * listed in the evidence with how many data files it covers. */
#include "verify/claim.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <errno.h>

#include "core/hex.h"
#include "core/pathglob.h"
#include "core/vocab.h"

#define TP_MANIFEST_LINE_MAX 8192

typedef struct {
    uint8_t (*digests)[TP_HASH_LEN];
    size_t n;
} digest_set;

static int cmp_digest(const void *a, const void *b) { return memcmp(a, b, TP_HASH_LEN); }

/* Parses a sha256sum file ("HEX  PATH" or "HEX *PATH" lines). */
static int load_data_manifest(const char *path, digest_set *set, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "cannot read data manifest %s: %s", path, strerror(errno));
        return -1;
    }
    char line[TP_MANIFEST_LINE_MAX + 2];
    size_t cap = 0, lineno = 0;
    int rc = 0;
    set->digests = NULL;
    set->n = 0;
    while (rc == 0 && fgets(line, sizeof line, f)) {
        lineno++;
        size_t len = strlen(line);
        if (len && line[len - 1] == '\n')
            line[--len] = '\0';
        else if (!feof(f))
            rc = -1;
        const char *h = line[0] == '\\' ? line + 1 : line; /* sha256sum escapes odd names */
        char hex[2 * TP_HASH_LEN + 1];
        size_t k;
        for (k = 0; rc == 0 && k < 2 * TP_HASH_LEN && h[k]; k++)
            hex[k] = (char)(h[k] >= 'A' && h[k] <= 'F' ? h[k] - 'A' + 'a' : h[k]);
        hex[k] = '\0';
        if (len == 0)
            continue;
        if (rc != 0 || k != 2 * TP_HASH_LEN || h[k] != ' ' || (h[k + 1] != ' ' && h[k + 1] != '*') ||
            h[k + 2] == '\0') {
            rc = -1;
            break;
        }
        if (set->n == cap) {
            cap = cap ? 2 * cap : 64;
            void *g = realloc(set->digests, cap * sizeof *set->digests);
            if (!g) {
                snprintf(err, errlen, "out of memory reading %s", path);
                fclose(f);
                return -1;
            }
            set->digests = g;
        }
        if (tp_hex_decode(hex, set->digests[set->n], TP_HASH_LEN) != 0) {
            rc = -1;
            break;
        }
        set->n++;
    }
    if (rc == 0 && ferror(f)) {
        snprintf(err, errlen, "cannot read data manifest %s: %s", path, strerror(errno));
        rc = -2;
    }
    fclose(f);
    if (rc == -1)
        snprintf(err, errlen, "%s:%zu: not a sha256sum line (\"<64 hex>  <path>\", at most %d "
                 "bytes)", path, lineno, TP_MANIFEST_LINE_MAX);
    if (rc != 0) {
        free(set->digests);
        set->digests = NULL;
        return -1;
    }
    qsort(set->digests, set->n, sizeof *set->digests, cmp_digest);
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Number of distinct strings in v (sorts v). */
static size_t count_distinct(const char **v, size_t n)
{
    size_t d = 0;
    qsort(v, n, sizeof *v, cmp_str);
    for (size_t i = 0; i < n; i++)
        d += i == 0 || strcmp(v[i], v[i - 1]) != 0;
    return d;
}

/* [{glob, data_files}] for the declared data globs of rs: how many distinct
 * data files read (paths, sorted) each matches. */
static struct json_object *globs_json(const Trainprov__V1__RunStart *rs, const char **paths,
                                      size_t n)
{
    struct json_object *a = json_object_new_array();
    for (size_t g = 0; rs && g < rs->n_data_globs; g++) {
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            k += (i == 0 || strcmp(paths[i], paths[i - 1]) != 0) &&
                 tp_pathglob_match(rs->data_globs[g], paths[i]);
        struct json_object *o = json_object_new_object();
        json_object_object_add(o, "glob", json_object_new_string(rs->data_globs[g]));
        json_object_object_add(o, "data_files", json_object_new_uint64(k));
        json_object_array_add(a, o);
    }
    return a;
}

int tp_claim_data_accounted(const tp_claim_ctx *c, tp_claim *cl, char *err, size_t errlen)
{
    digest_set set = {0};
    const char *mpath = c->opt->data_manifest_path;
    if (mpath && load_data_manifest(mpath, &set, err, errlen) != 0)
        return -1;
    tp_problems p = {0};
    size_t n_events = 0;
    uint64_t bytes = 0, mapped = 0;
    const char **paths = calloc(c->files->n ? c->files->n : 1, sizeof *paths);
    if (!paths) {
        free(set.digests);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (size_t s = 0; s < c->log->n_streams; s++)
        for (size_t i = 0; i < c->dec[s].n; i++) {
            const Trainprov__V1__FileEvent *f = tp_file_event(c->dec[s].records[i]);
            if (!f || tp_role_parse(f->role) != TP_ROLE_DATA)
                continue;
            paths[n_events++] = f->path;
            bytes += f->bytes_read;
            mapped += f->bytes_mapped;
            /* the content read: a read-write session read what it found (prior) */
            const ProtobufCBinaryData *digest;
            const char *hash_error;
            if (!tp_file_foreign_read(f, &digest, &hash_error)) {
                digest = &f->sha256;
                hash_error = f->hash_error;
            }
            /* a read of content the run produced itself (authored, unchanged
             * since it closed it) is no outside data, digest or not */
            if (digest->len != TP_HASH_LEN && f->authored)
                continue;
            if (digest->len != TP_HASH_LEN) {
                tp_problems_add(&p, "data file %s has no digest (%s)", f->path,
                            hash_error[0] ? hash_error : "no hash_error given");
                continue;
            }
            if (mpath && !bsearch(digest->data, set.digests, set.n, TP_HASH_LEN, cmp_digest)) {
                char hex[2 * TP_HASH_LEN + 1];
                tp_hex_encode(digest->data, TP_HASH_LEN, hex);
                tp_problems_add(&p, "data file %s (sha256 %s) is not in %s", f->path, hex, mpath);
            }
        }
    size_t n_files = count_distinct(paths, n_events);
    const Trainprov__V1__RunStart *declared = NULL; /* a RunStart with --data globs */
    for (size_t s = 0; s < c->log->n_streams && !declared; s++) {
        const Trainprov__V1__RunStart *rs = c->streams[s].run_start;
        if (rs && rs->n_data_globs > 0)
            declared = rs;
    }
    json_object_object_add(tp_claim_evidence(cl), "declared_data",
                           globs_json(declared, paths, n_events));
    free(paths);
    if (declared && n_files == 0)
        tp_problems_add(&p, "the run declared data (--data %s%s) but read no data file: "
                            "nothing shows what it trained on", declared->data_globs[0],
                        declared->n_data_globs > 1 ? " ..." : "");
    free(set.digests);
    json_object_object_add(tp_claim_evidence(cl), "data_files", json_object_new_uint64(n_files));
    json_object_object_add(tp_claim_evidence(cl), "data_reads", json_object_new_uint64(n_events));
    json_object_object_add(tp_claim_evidence(cl), "bytes_read", json_object_new_uint64(bytes));
    json_object_object_add(tp_claim_evidence(cl), "bytes_mapped", json_object_new_uint64(mapped));
    char pass[TP_PROBLEM_MAX];
    snprintf(pass, sizeof pass, "%zu data files (%" PRIu64 " bytes read, %" PRIu64
             " bytes mapped), all hashed%s%s", n_files, bytes, mapped, mpath ? " and listed in " : "",
             mpath ? mpath : "");
    tp_claim_conclude(cl, &p, pass);
    return 0;
}
