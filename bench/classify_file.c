/* classify_file.c: prints the weights format the logger's content test
 * (logger/content.c, through the worker's sampling, logger/worker/sniff.c)
 * gives each file named on the command line: "FORMAT<TAB>PATH", "-" for
 * none. Used by bench/classify_rates.py to measure the detector. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "logger/worker/sniff.h"

int main(int argc, char **argv)
{
    int rc = 0;
    for (int i = 1; i < argc; i++) {
        int fd = open(argv[i], O_RDONLY | O_CLOEXEC);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) != 0) {
            perror(argv[i]);
            rc = 2;
            if (fd >= 0)
                close(fd);
            continue;
        }
        const char *fmt = tp_sniff_format(fd, (uint64_t)st.st_size, pread, 1);
        printf("%s\t%s\n", fmt ? fmt : "-", argv[i]);
        close(fd);
    }
    return rc;
}
