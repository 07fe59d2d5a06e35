/* runlog.c: building and freeing the in-memory run log (runlog.h). Arrays grow
 * by doubling (capacity is the next power of two at or above the count, so no
 * capacity field is needed); every size computation is checked for overflow. */
#include "runlog/runlog.h"

#include <stdlib.h>
#include <string.h>

#include "core/hex.h"
#include "core/vocab.h"

/* Makes room for one more element in *arr holding n elements of size elem.
 * Reallocates only when n is 0 or a power of two. 0, or -1 when out of memory. */
static int grow(void **arr, size_t n, size_t elem)
{
    if (n != 0 && (n & (n - 1)) != 0)
        return 0;
    size_t cap = n == 0 ? 1 : 2 * n;
    if (cap < n || cap > SIZE_MAX / elem)
        return -1;
    void *p = realloc(*arr, cap * elem);
    if (!p)
        return -1;
    *arr = p;
    return 0;
}

/* Copies len bytes into a fresh tp_bytes (a zero-length copy allocates nothing). */
static int bytes_copy(tp_bytes *out, const uint8_t *data, size_t len)
{
    out->data = NULL;
    out->len = len;
    if (len == 0)
        return 0;
    out->data = malloc(len);
    if (!out->data)
        return -1;
    memcpy(out->data, data, len);
    return 0;
}

static void stream_free(tp_stream_data *s)
{
    for (size_t i = 0; i < s->n_records; i++)
        free(s->records[i].data);
    for (size_t i = 0; i < s->n_heads; i++)
        free(s->head_bodies[i].data);
    free(s->records);
    free(s->head_bodies);
    free(s->head_sigs);
}

void tp_runlog_free(tp_runlog *log)
{
    if (!log)
        return;
    for (size_t i = 0; i < log->n_streams; i++)
        stream_free(&log->streams[i]);
    free(log->streams);
    free(log->manifest_body.data);
    memset(log, 0, sizeof *log);
}

tp_runlog_ids_hex tp_runlog_ids(const tp_runlog *log)
{
    tp_runlog_ids_hex h = {"", ""};
    if (log->has_run_id)
        tp_hex_encode(log->run_id, TP_RUN_ID_LEN, h.run_id);
    if (log->has_key_id)
        tp_hex_encode(log->key_id, TP_KEY_ID_LEN, h.key_id);
    return h;
}

tp_stream_data *tp_runlog_add_stream(tp_runlog *log, uint64_t stream_id)
{
    if (grow((void **)&log->streams, log->n_streams, sizeof *log->streams) != 0)
        return NULL;
    tp_stream_data *s = &log->streams[log->n_streams++];
    memset(s, 0, sizeof *s);
    s->stream_id = stream_id;
    strcpy(s->journal_status, tp_jstatus_name(TP_JSTATUS_COMPLETE));
    return s;
}

int tp_stream_add_record(tp_stream_data *s, const uint8_t *data, size_t len)
{
    if (grow((void **)&s->records, s->n_records, sizeof *s->records) != 0)
        return -1;
    if (bytes_copy(&s->records[s->n_records], data, len) != 0)
        return -1;
    s->n_records++;
    return 0;
}

int tp_stream_add_head(tp_stream_data *s, const uint8_t *body, size_t len,
                       const uint8_t sig[TP_SIG_LEN])
{
    if (grow((void **)&s->head_bodies, s->n_heads, sizeof *s->head_bodies) != 0 ||
        grow((void **)&s->head_sigs, s->n_heads, sizeof *s->head_sigs) != 0)
        return -1;
    if (bytes_copy(&s->head_bodies[s->n_heads], body, len) != 0)
        return -1;
    memcpy(s->head_sigs[s->n_heads], sig, TP_SIG_LEN);
    s->n_heads++;
    return 0;
}

size_t tp_runlog_count_records(const tp_runlog *log)
{
    size_t records = 0;
    for (size_t i = 0; i < log->n_streams; i++)
        records += log->streams[i].n_records;
    return records;
}

const char *tp_plural(size_t n) { return n == 1 ? "" : "s"; }
