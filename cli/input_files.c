/* input_files.c: refuses input files that are FIFOs, sockets or devices,
 * before any reader opens them (input_files.h). */
#include "cli/input_files.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *kind(mode_t m)
{
    return S_ISFIFO(m) ? "a FIFO" : S_ISSOCK(m) ? "a socket" : "a device";
}

int tp_input_files_refuse_special(const char *cmd, const char *const *options, const char *const *paths,
                           int n)
{
    for (int i = 0; i < n; i++) {
        if (!paths[i])
            continue;
        /* O_NONBLOCK: opening a FIFO must not wait for a writer */
        int fd = open(paths[i], O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
        struct stat st;
        if (fd < 0)
            continue;
        int ok = fstat(fd, &st) == 0 && (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode));
        close(fd);
        if (!ok) {
            fprintf(stderr, "trainprov %s: %s %s is %s, not a file: refusing it\n", cmd,
                    options[i], paths[i], kind(st.st_mode));
            return -1;
        }
    }
    return 0;
}
