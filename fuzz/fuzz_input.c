/* fuzz_input.c: the fuzz input as a file in a private temporary directory,
 * and a /dev/null sink for rendered output (see fuzz_input.h). */
#include "fuzz/fuzz_input.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char fuzz_dir[64];
static char fuzz_path[128];

/* Removes everything in the directory (the targets create only plain files). */
static void remove_fuzz_dir(void)
{
    DIR *d = opendir(fuzz_dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL)
            if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
                unlinkat(dirfd(d), e->d_name, 0);
        closedir(d);
    }
    rmdir(fuzz_dir);
}

const char *tp_fuzz_dir(void)
{
    if (!fuzz_dir[0]) {
        const char *tmp = getenv("TMPDIR");
        snprintf(fuzz_dir, sizeof fuzz_dir, "%s/tpfuzz.XXXXXX",
                 tmp && strlen(tmp) < 40 ? tmp : "/tmp");
        if (!mkdtemp(fuzz_dir)) {
            perror("fuzz: mkdtemp");
            abort();
        }
        atexit(remove_fuzz_dir);
    }
    return fuzz_dir;
}

const char *tp_fuzz_write_file(const char *name, const uint8_t *data, size_t size)
{
    snprintf(fuzz_path, sizeof fuzz_path, "%s/%s", tp_fuzz_dir(), name);
    int fd = open(fuzz_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        perror("fuzz: open");
        abort();
    }
    for (size_t done = 0; done < size;) {
        ssize_t n = write(fd, data + done, size - done);
        if (n <= 0) {
            perror("fuzz: write");
            abort();
        }
        done += (size_t)n;
    }
    close(fd);
    return fuzz_path;
}

FILE *tp_fuzz_sink(void)
{
    static FILE *sink;
    if (!sink && !(sink = fopen("/dev/null", "w")))
        abort();
    return sink;
}
