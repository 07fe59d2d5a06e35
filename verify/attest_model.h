/* attest_model.h: the released model an attestation names: one file, or
 * every regular file below a directory, each with its SHA-256 (= sha256sum)
 * and its name (a file: its base name; a directory: its path relative to
 * the directory, '/'-separated). Listed as the OpenSSF `model_signing` tool
 * lists a model (method "files"), so that the same set of files and names
 * goes into the in-toto attestation and into the model-signing manifest:
 * sorted by path components, symbolic links refused, and the git files at
 * the top of a directory (.git, .gitattributes, .github, .gitignore) left
 * out, as `model_signing verify` leaves them out by default. */
#ifndef TP_ATTEST_MODEL_H
#define TP_ATTEST_MODEL_H
#include <stddef.h>
#include <stdint.h>

#include "core/merkle.h" /* TP_HASH_LEN */

/* Bounds on what a model directory may hold. */
#define TP_MODEL_FILES_MAX 100000
#define TP_MODEL_DEPTH_MAX 64

typedef struct {
    char *name; /* base name (a file model) or relative path (a directory model) */
    char *path; /* the path it was read from */
    uint8_t sha256[TP_HASH_LEN];
    uint64_t size;
} tp_model_file;

typedef struct {
    int is_dir;
    char *name; /* base name of the file or directory (model_signing's model name) */
    char *root; /* the path as given */
    tp_model_file *files; /* sorted with tp_model_name_cmp */
    size_t n;
} tp_model;

/* Lists and hashes the model at path. 0, or -1 with err naming the file: not
 * found, a symbolic link or a special file in the directory, an empty
 * directory, more than TP_MODEL_FILES_MAX files, unreadable. */
int tp_model_load(const char *path, tp_model *out, char *err, size_t errlen);
void tp_model_free(tp_model *m);
/* model_signing's order: compare '/'-separated paths component by component
 * (Python's PurePosixPath ordering), each component bytewise. */
int tp_model_name_cmp(const char *a, const char *b);
/* 1 when path (need not exist yet) would lie inside a directory model. */
int tp_model_contains(const tp_model *m, const char *path);

#endif
