/* run_globs.c: the --data / --checkpoint globs of `trainprov run` (see
 * run_globs.h). The logger records canonical absolute paths (symbolic links
 * resolved, no ".."), so a glob is resolved the same way once, here, before
 * the job starts; the resolved form is what the job's environment carries
 * and what RunStart signs, and core/pathglob.h matches it everywhere. */
#define _GNU_SOURCE
#include "cli/run_globs.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/pathglob.h"
#include "runlog/records.h"
#include "verify/claim.h"

/* Appends "/" and the component [c, c + n) to out (of length *len). */
static int push(char *out, size_t cap, size_t *len, const char *c, size_t n)
{
    if (*len + 1 + n + 1 > cap)
        return -1;
    out[(*len)++] = '/';
    memcpy(out + *len, c, n);
    *len += n;
    out[*len] = '\0';
    return 0;
}

/* Drops the last component of out ("/" stays "/", shown as ""). */
static void pop(char *out, size_t *len)
{
    while (*len > 0 && out[*len - 1] != '/')
        (*len)--;
    if (*len > 0)
        (*len)--;
    out[*len] = '\0';
}

int tp_run_glob_resolve(const char *given, const char *cwd, char *out, size_t cap, char *err,
                        size_t errlen)
{
    char abs[2 * PATH_MAX], real[PATH_MAX];
    if (snprintf(abs, sizeof abs, "%s%s%s", given[0] == '/' ? "" : cwd,
                 given[0] == '/' ? "" : "/", given) >= (int)sizeof abs || cap < 2) {
        snprintf(err, errlen, "'%s' is too long", given);
        return -1;
    }
    size_t len = 0, glen = strlen(given);
    int wild = 0, missing = 0;
    out[0] = '\0';
    for (char *c = abs + 1, *end; c; c = *end ? end + 1 : NULL) {
        end = strchrnul(c, '/');
        size_t n = (size_t)(end - c);
        if (n == 0 || (n == 1 && c[0] == '.'))
            continue;
        wild |= tp_pathglob_is_magic(c, n);
        int dotdot = n == 2 && c[0] == '.' && c[1] == '.';
        if (wild && dotdot) {
            snprintf(err, errlen, "'%s': '..' after a wildcard cannot match a recorded path "
                     "(recorded paths are canonical); write the directory without it", given);
            return -1;
        }
        if (dotdot && missing) {
            pop(out, &len);
            continue;
        }
        if (push(out, cap, &len, c, n) != 0)
            goto too_long;
        /* the directory part: through realpath, while it exists */
        if (!wild && !missing) {
            if (realpath(out, real)) {
                if (strlen(real) >= cap)
                    goto too_long;
                len = strcmp(real, "/") ? strlen(real) : 0;
                memcpy(out, real, len + 1);
                out[len] = '\0';
            } else if (dotdot) {
                pop(out, &len);
                pop(out, &len);
                missing = 1;
            } else {
                missing = 1;
            }
        }
    }
    struct stat st;
    int dir = glen && given[glen - 1] == '/';
    if (!wild && !dir)
        dir = stat(len ? out : "/", &st) == 0 && S_ISDIR(st.st_mode);
    if (dir && push(out, cap, &len, "**", 2) != 0)
        goto too_long;
    if (len == 0)
        snprintf(out, cap, "/");
    if (strchr(out, ':')) {
        snprintf(err, errlen, "'%s' resolves to %s, which contains ':' (the list separator)",
                 given, out);
        return -1;
    }
    return 0;
too_long:
    snprintf(err, errlen, "'%s' resolves to a path that is too long", given);
    return -1;
}

/* An existing file or directory; *exec when a regular file we may execute. */
static int existing(const char *word, int *exec)
{
    struct stat st;
    if (stat(word, &st) != 0)
        return 0;
    *exec = S_ISREG(st.st_mode) && access(word, X_OK) == 0;
    return 1;
}

/* The longest common prefix and suffix of words[0..n) around one '*': the
 * glob the user most likely typed ("data/a.bin data/b.bin" -> "data/" "*.bin"). */
static void guess_glob(const char *value, char *const *words, size_t n, char *out, size_t cap)
{
    size_t pre = strlen(value), suf = pre;
    for (size_t i = 0; i < n; i++) {
        size_t k = 0, wl = strlen(words[i]), vl = strlen(value);
        while (k < pre && k < wl && words[i][k] == value[k])
            k++;
        pre = k;
        k = 0;
        while (k < suf && k < wl && words[i][wl - 1 - k] == value[vl - 1 - k])
            k++;
        suf = k;
    }
    size_t vl = strlen(value);
    if (pre + suf > vl)
        suf = vl - pre;
    snprintf(out, cap, "%.*s*%s", (int)pre, value, value + vl - suf);
}

int tp_run_globs_refuse_expanded(const char *flag, const char *value, char *const *cmd)
{
    if (!flag)
        return 0;
    size_t n = 0, dashdash = 0;
    int exec, all_exist = 1;
    while (cmd[dashdash] && strcmp(cmd[dashdash], "--") != 0) {
        all_exist &= existing(cmd[dashdash], &exec);
        dashdash++;
    }
    if (cmd[dashdash] && dashdash > 0 && all_exist)
        n = dashdash; /* `--data a b -- CMD`: every word before the "--" */
    else
        while (cmd[n] && existing(cmd[n], &exec) && !exec)
            n++; /* `--data a b CMD`: files that cannot be a command */
    if (n == 0)
        return 0;
    char glob[PATH_MAX + 8];
    guess_glob(value, cmd, n, glob, sizeof glob);
    int before_dashdash = cmd[n] && strcmp(cmd[n], "--") == 0;
    fprintf(stderr, "trainprov run: %s: the shell expanded the glob into %zu files (%s %s%s%s); "
            "quote it: %s '%s'%s%s%s; nothing was run\n", flag, n + 1, value, cmd[0],
            n > 1 ? " " : "", n > 2 ? "..." : n == 2 ? cmd[1] : "", flag, glob,
            before_dashdash ? "" : " (or, if ", before_dashdash ? "" : cmd[0],
            before_dashdash ? "" : " is the command, put -- before it)");
    return 2;
}

/* How many of the log's files the glob matches: read (wanted_write 0) or
 * read or written (1). */
static size_t count_matches(const char *glob, const tp_decoded_stream *dec, size_t n_streams,
                            int written_too)
{
    size_t n = 0;
    for (size_t s = 0; s < n_streams; s++)
        for (size_t i = 0; i < dec[s].n; i++) {
            const Trainprov__V1__FileEvent *f = tp_file_event(dec[s].records[i]);
            if (f && (tp_file_was_read(f) || (written_too && tp_file_wrote(f))) &&
                tp_pathglob_match(glob, f->path))
                n++;
        }
    return n;
}

static void warn_list(const char *flag, const char *resolved, const char *given,
                      const tp_decoded_stream *dec, size_t n_streams, int written_too)
{
    char *r = resolved ? strdup(resolved) : NULL, *g = given ? strdup(given) : NULL;
    char *rs = NULL, *gs = NULL;
    char *rt = r ? strtok_r(r, ":", &rs) : NULL, *gt = g ? strtok_r(g, ":", &gs) : NULL;
    for (; rt; rt = strtok_r(NULL, ":", &rs), gt = gt ? strtok_r(NULL, ":", &gs) : NULL) {
        if (count_matches(rt, dec, n_streams, written_too))
            continue;
        fprintf(stderr, "trainprov: warning: %s '%s'", flag, gt ? gt : rt);
        if (gt && strcmp(gt, rt) != 0)
            fprintf(stderr, " (resolved to %s)", rt);
        fprintf(stderr, " matched no file the job %s (files under an exclusion are not "
                "recorded)\n", written_too ? "read or wrote" : "read");
    }
    free(r);
    free(g);
}

void tp_run_globs_warn_unmatched(const tp_runlog *log, const char *data_resolved,
                                 const char *data_given, const char *ckpt_resolved,
                                 const char *ckpt_given)
{
    tp_decoded_stream *dec = NULL;
    if (!data_resolved && !ckpt_resolved)
        return;
    if (tp_records_decode_all(log, &dec) != 0)
        return;
    warn_list("--data", data_resolved, data_given, dec, log->n_streams, 0);
    warn_list("--checkpoint", ckpt_resolved, ckpt_given, dec, log->n_streams, 1);
    tp_records_free_all(dec, log->n_streams);
}
