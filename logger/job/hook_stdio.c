/* hook_stdio.c: the stdio entry points. glibc's fopen, fread, fwrite and
 * fclose reach the kernel through internal calls that never pass the PLT,
 * so the open/read/write/close wrappers cannot see them: each is wrapped
 * here. (getc/fgets-style reads are not counted; the file is still hashed.) */
#define _GNU_SOURCE
#include <stdio.h>

#include "logger/job/fdtable.h"
#include "logger/job/real.h"
#include "logger/job/track.h"

#define TP_EXPORT __attribute__((visibility("default")))

static FILE *opened(FILE *fp, const char *mode)
{
    if (fp)
        tp_track_open(fileno_unlocked(fp), tp_track_mode_flags(mode));
    return fp;
}

TP_EXPORT FILE *fopen(const char *path, const char *mode)
{
    return opened(TP_REAL(fopen)(path, mode), mode);
}

TP_EXPORT FILE *fopen64(const char *path, const char *mode)
{
    return opened(TP_REAL(fopen64)(path, mode), mode);
}

TP_EXPORT FILE *freopen(const char *path, const char *mode, FILE *stream)
{
    void *token = stream ? tp_track_close_begin(fileno_unlocked(stream)) : NULL;
    FILE *fp = TP_REAL(freopen)(path, mode, stream);
    tp_track_close_end(token);
    return opened(fp, mode);
}

TP_EXPORT FILE *freopen64(const char *path, const char *mode, FILE *stream)
{
    void *token = stream ? tp_track_close_begin(fileno_unlocked(stream)) : NULL;
    FILE *fp = TP_REAL(freopen64)(path, mode, stream);
    tp_track_close_end(token);
    return opened(fp, mode);
}

static size_t counted(FILE *fp, size_t size, size_t items, int is_write)
{
    if (items && size) {
        if (is_write)
            tp_fdtable_count_write(fileno_unlocked(fp), (uint64_t)items * size);
        else
            tp_fdtable_count_read(fileno_unlocked(fp), (uint64_t)items * size);
    }
    return items;
}

TP_EXPORT size_t fread(void *ptr, size_t size, size_t n, FILE *fp)
{
    return counted(fp, size, TP_REAL(fread)(ptr, size, n, fp), 0);
}

TP_EXPORT size_t(fread_unlocked)(void *ptr, size_t size, size_t n, FILE *fp)
{
    return counted(fp, size, TP_REAL(fread_unlocked)(ptr, size, n, fp), 0);
}

TP_EXPORT size_t __fread_chk(void *ptr, size_t ptrlen, size_t size, size_t n, FILE *fp)
{
    return counted(fp, size, TP_REAL(fread_chk)(ptr, ptrlen, size, n, fp), 0);
}

TP_EXPORT size_t fwrite(const void *ptr, size_t size, size_t n, FILE *fp)
{
    return counted(fp, size, TP_REAL(fwrite)(ptr, size, n, fp), 1);
}

TP_EXPORT size_t(fwrite_unlocked)(const void *ptr, size_t size, size_t n, FILE *fp)
{
    return counted(fp, size, TP_REAL(fwrite_unlocked)(ptr, size, n, fp), 1);
}

TP_EXPORT int fclose(FILE *fp)
{
    void *token = fp ? tp_track_close_begin(fileno_unlocked(fp)) : NULL;
    int rc = TP_REAL(fclose)(fp);
    tp_track_close_end(token);
    return rc;
}
