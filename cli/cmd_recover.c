/* cmd_recover.c: `trainprov recover RUN.h5`: assembles the HDF5 log from the
 * journals a killed or crashed job left in RUN.h5.journal/. No manifest is
 * signed (the wrapper that would have signed it did not finish), so such a log
 * never passes log.complete; everything up to each stream's last signed head
 * is kept and verifiable. Refused (exit 2): a journal directory that is a
 * symbolic link or not this user's, one whose run is still running (its
 * wrappers hold the run's lock, journal_load.h), anything in it that is not a
 * regular file, journals of two runs or keys, journals none of which holds a
 * signed head (damaged or hostile: nothing to verify). Only the journals that went
 * into the log are removed, once it is in place. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/progress.h"
#include "runlog/h5log.h"
#include "runlog/journal_load.h"
#include "core/vocab.h"

static const char usage[] =
    "usage: trainprov recover [--force] RUN.h5\n"
    "  Builds RUN.h5 from the journals in RUN.h5.journal/ that a killed job left,\n"
    "  keeping every record up to each stream's last signed head, then removes\n"
    "  the journals it used. The recovered log has no run manifest. Refuses the\n"
    "  journals of a run still running, of two runs or keys, journals none of\n"
    "  which holds a signed head, and a journal directory holding anything but\n"
    "  regular files (exit 2).\n"
    "  --force   replace an existing RUN.h5\n";

static void print_summary(const char *path, const tp_runlog *log)
{
    size_t records = tp_runlog_count_records(log);
    printf("recovered %s: %zu stream%s, %zu record%s (no run manifest)\n", path, log->n_streams,
           tp_plural(log->n_streams), records, tp_plural(records));
    for (size_t i = 0; i < log->n_streams; i++) {
        const tp_stream_data *s = &log->streams[i];
        printf("  stream %016llx: %zu records, %zu signed heads, journal %s",
               (unsigned long long)s->stream_id, s->n_records, s->n_heads, s->journal_status);
        if (s->dropped_unsigned)
            printf(", %llu unsigned records dropped", (unsigned long long)s->dropped_unsigned);
        putchar('\n');
    }
}

/* Whether any stream kept a signed head: a log without one would hold
 * nothing verify could check. */
static int any_signed_head(const tp_runlog *log)
{
    for (size_t i = 0; i < log->n_streams; i++)
        if (log->streams[i].n_heads)
            return 1;
    return 0;
}

int tp_cmd_recover(int argc, char **argv)
{
    static const struct option opts[] = {{"force", no_argument, NULL, 'f'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int force = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "fh", opts, NULL)) != -1) {
        switch (c) {
        case 'f': force = 1; break;
        case 'h': fputs(usage, stdout); return 0;
        default: fputs(usage, stderr); return 2;
        }
    }
    if (optind != argc - 1) {
        fputs(usage, stderr);
        return 2;
    }
    const char *path = argv[optind];
    char dir[4096], err[1024];
    if (tp_journal_dir_for(path, dir, sizeof dir) != 0) {
        fprintf(stderr, "trainprov recover: path too long: %s\n", path);
        return 2;
    }
    if (faccessat(AT_FDCWD, dir, F_OK, AT_SYMLINK_NOFOLLOW) != 0) {
        fprintf(stderr, "trainprov recover: no journals to recover: %s does not exist\n", dir);
        return 2;
    }
    if (!force && faccessat(AT_FDCWD, path, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
        fprintf(stderr, "trainprov recover: %s already exists (use --force to replace it)\n",
                path);
        return 2;
    }
    int jfd = tp_journal_dir_open(dir, TP_JDIR_EXISTING, err, sizeof err);
    int lock = jfd >= 0 ? tp_journal_lock(jfd, dir, 1, err, sizeof err) : -1;
    if (jfd >= 0)
        close(jfd);
    if (lock < 0) {
        fprintf(stderr, "trainprov recover: %s\n", err);
        return 2;
    }
    tp_runlog log;
    tp_cli_progress_start("recover", 0);
    if (tp_journal_load_dir(dir, &log, err, sizeof err) != 0) {
        tp_cli_progress_stop();
        fprintf(stderr, "trainprov recover: %s; nothing was written or removed\n", err);
        close(lock);
        return 2;
    }
    if (!any_signed_head(&log)) {
        tp_cli_progress_stop();
        fprintf(stderr, "trainprov recover: no journal in %s holds a signed head (damaged, "
                        "or not trainprov journals): nothing verifiable to recover; nothing "
                        "was written or removed\n", dir);
        tp_runlog_free(&log);
        close(lock);
        return 2;
    }
    snprintf(log.assembled_by, sizeof log.assembled_by, "%s",
             tp_assembled_name(TP_ASSEMBLED_RECOVER));
    int rc = 0;
    int written = tp_h5log_write(path, &log, err, sizeof err);
    tp_cli_progress_stop();
    if (written != 0) {
        fprintf(stderr, "trainprov recover: %s; the journals in %s are kept\n", err, dir);
        rc = 2;
    } else {
        print_summary(path, &log);
        fflush(stdout);
        if (tp_journal_remove_dir(dir, &log) != 0)
            fprintf(stderr, "trainprov recover: log written, but cannot remove %s: %s\n", dir,
                    strerror(errno));
    }
    tp_runlog_free(&log);
    close(lock);
    return rc;
}
