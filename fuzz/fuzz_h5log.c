/* fuzz_h5log.c: libFuzzer target for the HDF5 run-log reader
 * (runlog/h5log_read.c): the input as a .h5 file read with its /files index,
 * and what reads rendered as dump does.
 *
 * libhdf5 1.10 is not hardened against damaged files (it is not built with
 * sanitizers either); the reader contains that by reading each file first in
 * a forked child that may crash or loop (probe_in_child), and reads it itself
 * only when the child came back whole. Under ASan a wild memcpy in libhdf5 is
 * an ASan report (via the interceptor) instead of a SIGSEGV, and ASan would
 * end the child with exit status 1, which the reader rightly does not count
 * as a crash. So in a child only, a report whose first frame outside the
 * sanitizer runtime is in libhdf5 ends the child by a signal (SIGKILL), as a
 * SIGSEGV would in production. Any other report in a child (our code) is
 * made a finding of the fuzzer process, and any report in it is one anyway. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <sanitizer/asan_interface.h>

#include "fuzz/fuzz_input.h"
#include "fuzz/fuzz_render.h"
#include "runlog/h5log.h"
#include "runlog/records.h"

static pid_t fuzzer_pid;

/* Whether s[0..len) contains word. Plain loops: this runs inside ASan's
 * report, where the intercepted string functions must not be called. */
static int has(const char *s, size_t len, const char *word)
{
    for (size_t i = 0; i < len; i++) {
        size_t k = 0;
        while (word[k] && i + k < len && s[i + k] == word[k])
            k++;
        if (!word[k])
            return 1;
    }
    return 0;
}

/* Whether the first stack frame ("    #N ...") of an ASan report that is not
 * the sanitizer runtime's is in libhdf5. The runtime's frames (interceptors
 * such as strdup or memcpy) are in this binary without a source location:
 * "(.../fuzz_h5log+0x...)"; our code's frames name their source file. */
static int report_is_libhdf5s(const char *report)
{
    const char *line = report;
    while (*line) {
        size_t len = 0;
        while (line[len] && line[len] != '\n')
            len++;
        size_t i = 0;
        while (i < len && line[i] == ' ')
            i++;
        if (i + 1 < len && line[i] == '#' && line[i + 1] >= '0' && line[i + 1] <= '9' &&
            !has(line, len, "fuzz_h5log+0x"))
            return has(line, len, "libhdf5");
        line += len + (line[len] == '\n');
    }
    return 0;
}

/* Set by a child whose report was not libhdf5's (in a page shared with the
 * fuzzer process): the child's reader hit a bug of ours, and its failure
 * must not pass as a "corrupt file". */
static volatile int *child_found_bug;

static void on_asan_report(const char *report)
{
    if (getpid() == fuzzer_pid)
        return;
    if (report_is_libhdf5s(report))
        raise(SIGKILL); /* ASan keeps its own SIGSEGV handler: a signal it does not catch */
    if (child_found_bug)
        *child_found_bug = 1;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzzer_pid = getpid();
    void *page = mmap(NULL, sizeof *child_found_bug, PROT_READ | PROT_WRITE,
                      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED)
        abort();
    child_found_bug = page;
    __asan_set_error_report_callback(on_asan_report);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = tp_fuzz_write_file("input.h5", data, size);
    tp_runlog log;
    tp_file_table files;
    char err[1024];
    int rc = tp_h5log_read_files(path, &log, &files, err, sizeof err);
    if (*child_found_bug) {
        fprintf(stderr, "fuzz_h5log: the reader's child hit a sanitizer report in our code"
                        " (rerun with ASAN_OPTIONS=log_path=... to see it): %s\n", err);
        abort();
    }
    if (rc != 0)
        return 0;
    struct json_object *o = tp_files_json(&files);
    if (o)
        tp_json_write(tp_fuzz_sink(), o);
    json_object_put(o);
    tp_fuzz_render_log(&log);
    tp_files_free(&files);
    tp_runlog_free(&log);
    return 0;
}
