/* records.c: decoding record, head and manifest bytes; the file table derived
 * from FileEvent records; records as JSON and as one text line. The JSON is
 * generated from the protobuf-c descriptors, so every field of every message
 * is shown, including fields added to the schema later. */
#include "runlog/records.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/sign.h"
#include "core/hex.h"
#include "core/progress.h"

/* Unpacks b as message d; NULL with err naming the message when it does not decode. */
static void *decode(const ProtobufCMessageDescriptor *d, const tp_bytes *b, char *err,
                    size_t errlen)
{
    ProtobufCMessage *m = protobuf_c_message_unpack(d, NULL, b->len, b->data);
    if (!m && err && errlen)
        snprintf(err, errlen, "%zu bytes do not decode as %s", b->len, d->name);
    return m;
}

Trainprov__V1__Record *tp_record_decode(const tp_bytes *b, char *err, size_t errlen)
{
    return decode(&trainprov__v1__record__descriptor, b, err, errlen);
}

Trainprov__V1__TreeHead *tp_head_decode(const tp_bytes *b, char *err, size_t errlen)
{
    return decode(&trainprov__v1__tree_head__descriptor, b, err, errlen);
}

Trainprov__V1__RunManifest *tp_manifest_decode(const tp_bytes *b, char *err, size_t errlen)
{
    return decode(&trainprov__v1__run_manifest__descriptor, b, err, errlen);
}

int tp_records_decode_all(const tp_runlog *log, tp_decoded_stream **out)
{
    tp_decoded_stream *d = calloc(log->n_streams ? log->n_streams : 1, sizeof *d);
    *out = d;
    if (!d)
        return -1;
    uint64_t done = 0, total = tp_runlog_count_records(log);
    for (size_t s = 0; s < log->n_streams; s++) {
        const tp_stream_data *st = &log->streams[s];
        d[s].records = calloc(st->n_records ? st->n_records : 1, sizeof *d[s].records);
        if (!d[s].records)
            return -1;
        d[s].n = st->n_records;
        for (size_t i = 0; i < st->n_records; i++) {
            d[s].records[i] = tp_record_decode(&st->records[i], NULL, 0);
            tp_progress_report("decoding records", TP_PROGRESS_ITEMS, ++done, total);
        }
    }
    return 0;
}

void tp_records_free_all(tp_decoded_stream *d, size_t n_streams)
{
    if (!d)
        return;
    for (size_t s = 0; s < n_streams; s++) {
        for (size_t i = 0; d[s].records && i < d[s].n; i++)
            if (d[s].records[i])
                trainprov__v1__record__free_unpacked(d[s].records[i], NULL);
        free(d[s].records);
    }
    free(d);
}

const char *tp_record_type(const Trainprov__V1__Record *r)
{
    switch (r->body_case) {
    case TRAINPROV__V1__RECORD__BODY_RUN_START: return "run_start";
    case TRAINPROV__V1__RECORD__BODY_SEED: return "seed";
    case TRAINPROV__V1__RECORD__BODY_INIT_TENSOR: return "init_tensor";
    case TRAINPROV__V1__RECORD__BODY_FILE: return "file";
    case TRAINPROV__V1__RECORD__BODY_MPI_EVENT: return "mpi_event";
    case TRAINPROV__V1__RECORD__BODY_NOTE: return "note";
    case TRAINPROV__V1__RECORD__BODY_STREAM_END: return "stream_end";
    case TRAINPROV__V1__RECORD__BODY_CHILD: return "child";
    default: return "none";
    }
}


void tp_time_iso(int64_t ns, char out[40])
{
    int64_t sec = ns / 1000000000, frac = ns % 1000000000;
    if (frac < 0) {
        frac += 1000000000;
        sec--;
    }
    time_t t = (time_t)sec;
    struct tm tm;
    char day[24];
    if (!gmtime_r(&t, &tm) || strftime(day, sizeof day, "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
        snprintf(out, 40, "invalid");
        return;
    }
    snprintf(out, 40, "%s.%09" PRId64 "Z", day, frac);
}

static struct json_object *json_hex(const uint8_t *in, size_t n)
{
    char *s = tp_hex_dup(in, n);
    struct json_object *o = json_object_new_string(s ? s : "");
    free(s);
    return o;
}

static struct json_object *json_stream(uint64_t id)
{
    char hex[17];
    tp_stream_hex(id, hex);
    return json_object_new_string(hex);
}

static struct json_object *message_json(const ProtobufCMessage *m);

/* One value of a field (an element when the field is repeated). */
static struct json_object *value_json(const ProtobufCFieldDescriptor *f, const void *p)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_ENUM: return json_object_new_int(*(const int32_t *)p);
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32: return json_object_new_int64(*(const uint32_t *)p);
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64: return json_object_new_int64(*(const int64_t *)p);
    case PROTOBUF_C_TYPE_UINT64: return json_object_new_uint64(*(const uint64_t *)p);
    case PROTOBUF_C_TYPE_FIXED64: return json_stream(*(const uint64_t *)p); /* stream ids */
    case PROTOBUF_C_TYPE_FLOAT: return json_object_new_double(*(const float *)p);
    case PROTOBUF_C_TYPE_DOUBLE: return json_object_new_double(*(const double *)p);
    case PROTOBUF_C_TYPE_BOOL: return json_object_new_boolean(*(const protobuf_c_boolean *)p);
    case PROTOBUF_C_TYPE_STRING: {
        const char *s = *(char *const *)p;
        return json_object_new_string(s ? s : "");
    }
    case PROTOBUF_C_TYPE_BYTES: {
        const ProtobufCBinaryData *b = p;
        return json_hex(b->data, b->len);
    }
    case PROTOBUF_C_TYPE_MESSAGE: {
        const ProtobufCMessage *sub = *(ProtobufCMessage *const *)p;
        return sub ? message_json(sub) : NULL;
    }
    }
    return NULL;
}

static size_t value_size(const ProtobufCFieldDescriptor *f)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
    case PROTOBUF_C_TYPE_DOUBLE: return 8;
    case PROTOBUF_C_TYPE_STRING:
    case PROTOBUF_C_TYPE_MESSAGE: return sizeof(void *);
    case PROTOBUF_C_TYPE_BYTES: return sizeof(ProtobufCBinaryData);
    case PROTOBUF_C_TYPE_BOOL: return sizeof(protobuf_c_boolean);
    default: return 4;
    }
}

/* Adds "<name>" (the ISO time) next to an int64 field named "<name>_ns". */
static void add_iso_time(struct json_object *o, const ProtobufCFieldDescriptor *f, const void *p)
{
    size_t n = strlen(f->name);
    if (f->type != PROTOBUF_C_TYPE_INT64 || n <= 3 || strcmp(f->name + n - 3, "_ns") != 0 ||
        n - 3 >= 64)
        return;
    char key[64], iso[40];
    memcpy(key, f->name, n - 3);
    key[n - 3] = '\0';
    tp_time_iso(*(const int64_t *)p, iso);
    json_object_object_add(o, key, json_object_new_string(iso));
}

static struct json_object *message_json(const ProtobufCMessage *m)
{
    const ProtobufCMessageDescriptor *d = m->descriptor;
    const char *base = (const char *)m;
    struct json_object *o = json_object_new_object();
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        const void *p = base + f->offset;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = *(const size_t *)(base + f->quantifier_offset);
            const char *arr = *(const char *const *)p;
            struct json_object *a = json_object_new_array();
            for (size_t k = 0; k < n; k++)
                json_object_array_add(a, value_json(f, arr + k * value_size(f)));
            json_object_object_add(o, f->name, a);
            continue;
        }
        if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
            *(const uint32_t *)(base + f->quantifier_offset) != f->id)
            continue;
        json_object_object_add(o, f->name, value_json(f, p));
        add_iso_time(o, f, p);
    }
    return o;
}

struct json_object *tp_record_json(const Trainprov__V1__Record *r)
{
    struct json_object *o = message_json(&r->base);
    json_object_object_add(o, "type", json_object_new_string(tp_record_type(r)));
    return o;
}

struct json_object *tp_head_json(const Trainprov__V1__TreeHead *h, const uint8_t sig[TP_SIG_LEN])
{
    struct json_object *o = message_json(&h->base);
    json_object_object_add(o, "signature", json_hex(sig, TP_SIG_LEN));
    return o;
}

/* Prints n bytes as hex, or "-" when there are none. */
static void print_hex(FILE *out, const ProtobufCBinaryData *b)
{
    char *hex = b->len ? tp_hex_dup(b->data, b->len) : NULL;
    fputs(hex ? hex : "-", out);
    free(hex);
}

static void print_body(FILE *out, const Trainprov__V1__Record *r)
{
    char hex[17];
    switch (r->body_case) {
    case TRAINPROV__V1__RECORD__BODY_RUN_START: {
        const Trainprov__V1__RunStart *b = r->run_start;
        tp_stream_hex(b->parent_stream, hex);
        fprintf(out, "pid=%d ppid=%d origin=%s parent=%s host=%s rank=%d exe=%s argv=", b->pid,
                b->ppid, b->origin, hex, b->host, b->rank, b->exe);
        for (size_t i = 0; i < b->n_argv; i++)
            fprintf(out, "%s%s", i ? " " : "", b->argv[i]);
        if (b->launcher)
            fprintf(out, " launcher=%s rank=%d/%d local_rank=%d node=%d/%d restart=%d job=%s",
                    b->launcher->kind[0] ? b->launcher->kind : "-", b->launcher->rank,
                    b->launcher->world_size, b->launcher->local_rank, b->launcher->node,
                    b->launcher->nodes,
                    b->launcher->torchelastic_restart_count >= 0
                        ? b->launcher->torchelastic_restart_count
                        : b->launcher->slurm_restart_count,
                    b->launcher->torchelastic_run_id[0] ? b->launcher->torchelastic_run_id
                    : b->launcher->slurm_job_id[0]      ? b->launcher->slurm_job_id
                                                        : "-");
        break;
    }
    case TRAINPROV__V1__RECORD__BODY_SEED:
        fprintf(out, "%s=%" PRIu64 " source=%s", r->seed->name, r->seed->value, r->seed->source);
        break;
    case TRAINPROV__V1__RECORD__BODY_INIT_TENSOR:
        fprintf(out, "%s %s %s sha256=", r->init_tensor->name, r->init_tensor->dtype,
                r->init_tensor->distribution);
        print_hex(out, &r->init_tensor->sha256);
        break;
    case TRAINPROV__V1__RECORD__BODY_FILE: {
        const Trainprov__V1__FileEvent *f = r->file;
        fprintf(out, "%s %s %s size=%" PRIu64 " read=%" PRIu64 " written=%" PRIu64 " sha256=",
                f->role, f->access, f->path, f->size, f->bytes_read, f->bytes_written);
        print_hex(out, &f->sha256);
        if (f->bytes_mapped)
            fprintf(out, " mapped=%" PRIu64, f->bytes_mapped);
        if (f->sessions)
            fprintf(out, " sessions=%" PRIu64, f->sessions);
        if (f->hash_error[0])
            fprintf(out, " hash_error=%s", f->hash_error);
        break;
    }
    case TRAINPROV__V1__RECORD__BODY_MPI_EVENT: {
        const Trainprov__V1__MpiEvent *m = r->mpi_event;
        fprintf(out, "%s rank=%d/%d root=%d index=%" PRIu64 " bytes=%" PRIu64 " calls=%" PRIu64
                " op=%s ranks=%zu sha256=", m->kind, m->rank, m->world_size, m->root, m->index,
                m->bytes, m->calls, m->op, m->n_ranks);
        print_hex(out, &m->sha256);
        break;
    }
    case TRAINPROV__V1__RECORD__BODY_NOTE:
        fprintf(out, "%s=%s", r->note->key, r->note->value);
        break;
    case TRAINPROV__V1__RECORD__BODY_STREAM_END:
        fprintf(out, "reason=%s status=%d dropped_events=%" PRIu64, r->stream_end->reason,
                r->stream_end->status, r->stream_end->dropped_events);
        break;
    case TRAINPROV__V1__RECORD__BODY_CHILD:
        tp_stream_hex(r->child->child_stream, hex);
        fprintf(out, "%s pid=%d stream=%s%s%s", r->child->how, r->child->child_pid, hex,
                r->child->exec_path[0] ? " exec=" : "", r->child->exec_path);
        break;
    default:
        break;
    }
}

void tp_record_print(FILE *out, const Trainprov__V1__Record *r)
{
    char hex[17], iso[40], *line = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&line, &len);
    if (!m)
        return;
    tp_stream_hex(r->stream_id, hex);
    tp_time_iso(r->time_ns, iso);
    fprintf(m, "%s %6" PRIu64 " %s %-11s ", hex, r->seq, iso, tp_record_type(r));
    print_body(m, r);
    if (fclose(m) == 0)
        tp_print_safe(out, line);
    fputc('\n', out);
    free(line);
}

/* Length of the valid UTF-8 sequence at s (1 to 4), or 0 when it is not one. */
static size_t utf8_len(const unsigned char *s)
{
    size_t n = s[0] < 0x80 ? 1 : s[0] >= 0xc2 && s[0] <= 0xdf ? 2 : s[0] >= 0xe0 && s[0] <= 0xef ? 3
           : s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    if ((n == 3 && ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0))) ||
        (n == 4 && ((s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90))))
        return 0;
    return n;
}

void tp_print_safe(FILE *out, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        size_t n = utf8_len(p);
        if (n == 0 || (n == 1 && (*p < 0x20 || *p == 0x7f))) {
            fprintf(out, "\\x%02x", *p++);
        } else {
            fwrite(p, 1, n, out);
            p += n;
        }
    }
}

int tp_json_write(FILE *out, struct json_object *o)
{
    const unsigned char *p = (const unsigned char *)json_object_to_json_string_ext(
        o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
    if (!p)
        return -1;
    while (*p) {
        size_t n = utf8_len(p);
        if (n == 0) {
            fputs("\xef\xbf\xbd", out); /* U+FFFD */
            p++;
        } else {
            fwrite(p, 1, n, out);
            p += n;
        }
    }
    fputc('\n', out);
    return ferror(out) ? -1 : 0;
}

char *tp_json_utf8(struct json_object *o, int flags, size_t *len)
{
    const unsigned char *p = (const unsigned char *)json_object_to_json_string_ext(o, flags);
    if (!p)
        return NULL;
    size_t n = strlen((const char *)p), w = 0;
    char *out = malloc(3 * n + 1); /* each invalid byte becomes 3 */
    if (!out)
        return NULL;
    while (*p) {
        size_t k = utf8_len(p);
        if (k == 0) {
            memcpy(out + w, "\xef\xbf\xbd", 3); /* U+FFFD */
            w += 3;
            p++;
        } else {
            memcpy(out + w, p, k);
            w += k;
            p += k;
        }
    }
    out[w] = '\0';
    *len = w;
    return out;
}

static int row_from_event(tp_file_row *row, const Trainprov__V1__Record *r)
{
    const Trainprov__V1__FileEvent *f = r->file;
    char hex[17];
    tp_stream_hex(r->stream_id, hex);
    memset(row, 0, sizeof *row);
    row->path = strdup(f->path);
    row->role = strdup(f->role);
    row->sha256 = tp_hex_dup(f->sha256.data, f->sha256.len);
    row->access = strdup(f->access);
    row->stream = strdup(hex);
    row->hash_error = strdup(f->hash_error);
    row->size = f->size;
    row->bytes_read = f->bytes_read;
    row->bytes_written = f->bytes_written;
    row->seq = r->seq;
    return row->path && row->role && row->sha256 && row->access && row->stream && row->hash_error
               ? 0
               : -1;
}

int tp_files_from_records(const tp_runlog *log, const tp_decoded_stream *dec, tp_file_table *out)
{
    size_t n = 0;
    memset(out, 0, sizeof *out);
    out->present = 1;
    for (size_t s = 0; s < log->n_streams; s++)
        for (size_t i = 0; i < dec[s].n; i++)
            n += dec[s].records[i] && dec[s].records[i]->body_case == TRAINPROV__V1__RECORD__BODY_FILE;
    out->rows = calloc(n ? n : 1, sizeof *out->rows);
    if (!out->rows)
        return -1;
    for (size_t s = 0; s < log->n_streams; s++)
        for (size_t i = 0; i < dec[s].n; i++) {
            const Trainprov__V1__Record *r = dec[s].records[i];
            if (!r || r->body_case != TRAINPROV__V1__RECORD__BODY_FILE)
                continue;
            if (row_from_event(&out->rows[out->n++], r) != 0)
                return -1;
        }
    return 0;
}

#define JSON_VALUE_STR json_object_new_string
#define JSON_VALUE_HEX64 json_object_new_string
#define JSON_VALUE_HEX16 json_object_new_string
#define JSON_VALUE_U64 json_object_new_uint64
#define JSON_COLUMN(name, kind) json_object_object_add(o, #name, JSON_VALUE_##kind(r->name));

struct json_object *tp_files_json(const tp_file_table *t)
{
    struct json_object *a = json_object_new_array();
    for (size_t i = 0; i < t->n; i++) {
        const tp_file_row *r = &t->rows[i];
        struct json_object *o = json_object_new_object();
        TP_FILES_COLUMNS(JSON_COLUMN)
        if (r->hash_error && r->hash_error[0])
            json_object_object_add(o, "hash_error", json_object_new_string(r->hash_error));
        json_object_array_add(a, o);
    }
    return a;
}

void tp_files_free(tp_file_table *t)
{
    for (size_t i = 0; t->rows && i < t->n; i++) {
        tp_file_row *r = &t->rows[i];
        free(r->path);
        free(r->role);
        free(r->sha256);
        free(r->access);
        free(r->stream);
        free(r->hash_error);
    }
    free(t->rows);
    memset(t, 0, sizeof *t);
}
