/* manifest.c: builds and signs the run manifest (docs/FORMAT.md section 3):
 * for every stream its last signed head's tree_size, root and final flag, so
 * that dropping, truncating or swapping a whole stream after the fact breaks a
 * signature. A stream without any head is listed with tree_size 0. */
#include "runlog/manifest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "proto/trainprov.pb-c.h"

/* Fills ms from the stream's last head; the TreeHead is returned for the
 * caller to free after packing (ms->root points into it). */
static int stream_entry(const tp_stream_data *s, Trainprov__V1__ManifestStream *ms,
                        Trainprov__V1__TreeHead **th)
{
    *th = NULL;
    ms->stream_id = s->stream_id;
    ms->outlived = s->outlived != 0;
    if (s->n_heads == 0)
        return 0;
    const tp_bytes *last = &s->head_bodies[s->n_heads - 1];
    *th = trainprov__v1__tree_head__unpack(NULL, last->len, last->data);
    if (!*th)
        return -1;
    ms->tree_size = (*th)->tree_size;
    ms->root = (*th)->root;
    ms->final = (*th)->final;
    return 0;
}

int tp_manifest_sign(tp_runlog *log, const tp_key *key, const char *assembled_by, char *err,
                     size_t errlen)
{
    uint8_t key_id[TP_KEY_ID_LEN];
    if (!log->has_run_id) {
        snprintf(err, errlen, "no run id in the journals (no stream has a signed RunStart "
                              "record), cannot sign a manifest");
        return -1;
    }
    tp_key_id(key, key_id);
    size_t n = log->n_streams;
    Trainprov__V1__ManifestStream *entries = calloc(n ? n : 1, sizeof *entries);
    Trainprov__V1__ManifestStream **ptrs = calloc(n ? n : 1, sizeof *ptrs);
    Trainprov__V1__TreeHead **heads = calloc(n ? n : 1, sizeof *heads);
    uint8_t *body = NULL;
    int rc = -1;
    if (!entries || !ptrs || !heads) {
        snprintf(err, errlen, "out of memory building the run manifest");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        trainprov__v1__manifest_stream__init(&entries[i]);
        ptrs[i] = &entries[i];
        if (stream_entry(&log->streams[i], &entries[i], &heads[i]) != 0) {
            snprintf(err, errlen, "stream %016llx: its last signed head does not decode",
                     (unsigned long long)log->streams[i].stream_id);
            goto out;
        }
    }
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    Trainprov__V1__RunManifest m = TRAINPROV__V1__RUN_MANIFEST__INIT;
    m.run_id = (ProtobufCBinaryData){TP_RUN_ID_LEN, log->run_id};
    m.key_id = (ProtobufCBinaryData){sizeof key_id, key_id};
    m.time_ns = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
    m.assembled_by = (char *)assembled_by;
    m.n_streams = n;
    m.streams = ptrs;
    size_t len = trainprov__v1__run_manifest__get_packed_size(&m);
    uint8_t sig[TP_SIG_LEN];
    if (!(body = malloc(len ? len : 1))) {
        snprintf(err, errlen, "out of memory building the run manifest");
        goto out;
    }
    trainprov__v1__run_manifest__pack(&m, body);
    if (tp_key_sign(key, TP_PAYLOAD_MANIFEST, body, len, sig) != 0) {
        snprintf(err, errlen, "signing the run manifest failed");
        goto out;
    }
    free(log->manifest_body.data);
    log->manifest_body = (tp_bytes){body, len};
    memcpy(log->manifest_sig, sig, TP_SIG_LEN);
    log->has_manifest = 1;
    snprintf(log->assembled_by, sizeof log->assembled_by, "%s", assembled_by);
    body = NULL;
    rc = 0;
out:
    for (size_t i = 0; heads && i < n; i++)
        if (heads[i])
            trainprov__v1__tree_head__free_unpacked(heads[i], NULL);
    free(heads);
    free(ptrs);
    free(entries);
    free(body);
    return rc;
}
