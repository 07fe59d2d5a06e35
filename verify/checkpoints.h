/* checkpoints.h: the checkpoints a run wrote, as the report shows them: a
 * multi-file checkpoint is one checkpoint, named by its directory (a PyTorch
 * distributed checkpoint: a directory with a .metadata; a Megatron
 * iter_NNNNNNN directory of mp_rank_NN subdirectories; DeepSpeed's
 * global_stepN and Hugging Face's checkpoint-N; a directory the job renamed
 * into place), any other checkpoint file is one on its own. Built from the
 * signed records: the run's own writes, renames (a directory's files
 * follow it) and deletes replayed in time order, so a checkpoint shows
 * where the job left it and whether the job deleted it. */
#ifndef TP_CHECKPOINTS_H
#define TP_CHECKPOINTS_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <json-c/json.h>

#include "runlog/records.h"

typedef struct {
    const char *path;            /* points into the records */
    const ProtobufCBinaryData *sha256;
    uint64_t size;
    int checkpoint;              /* role checkpoint (else a file beside it: .metadata ...) */
    int deleted;                 /* the job deleted it */
} tp_checkpoint_file;

typedef struct {
    char *path;                  /* a directory (ending in '/') or the file */
    const char *kind;            /* "distributed checkpoint", "megatron iteration",
                                    "checkpoint directory", "directory renamed into
                                    place", "file" */
    tp_checkpoint_file *files;   /* sorted by path */
    size_t n_files;
    uint64_t bytes;
    int deleted;                 /* every file of it was deleted by the job */
} tp_checkpoint;

typedef struct {
    tp_checkpoint *items;        /* sorted by path */
    size_t n;
} tp_checkpoint_list;

/* 0, or -1 when out of memory. */
int tp_checkpoints_collect(const tp_decoded_stream *dec, size_t n_streams, tp_checkpoint_list *out);
void tp_checkpoints_free(tp_checkpoint_list *l);
/* "  checkpoints N written by the run ..." and one line per checkpoint (at most 20). */
void tp_checkpoints_print(FILE *out, const tp_checkpoint_list *l);
struct json_object *tp_checkpoints_json(const tp_checkpoint_list *l);

#endif
