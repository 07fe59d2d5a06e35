/* sigboard.c: the job's side of the signal board (core/sigboard.h). The
 * board is opened by the path `trainprov run` gave (its memfd, seen through
 * /proc), checked (a regular file nobody can reach by name, of the board's
 * size, with the board's magic), mapped shared and closed at once: the job
 * never sees an extra descriptor. Fork and exec: a child is not job_pid and
 * notes nothing; an exec'd image maps the board again at its load. */
#define _GNU_SOURCE
#include "logger/job/sigboard.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "core/sigboard.h"
#include "logger/job/real.h"

static tp_sigboard *board;

void tp_sigboard_attach(void)
{
    const char *path = getenv(TP_ENV_SIGNAL_BOARD);
    if (!path || !*path)
        return;
    int fd = TP_REAL(open)(path, O_RDWR | O_CLOEXEC); /* a /proc link: followed */
    if (fd < 0)
        return;
    struct stat st;
    void *map = MAP_FAILED;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink == 0 &&
        st.st_uid == geteuid() && (size_t)st.st_size >= sizeof(tp_sigboard))
        map = TP_REAL(mmap)(NULL, sizeof(tp_sigboard), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    TP_REAL(close)(fd);
    if (map == MAP_FAILED)
        return;
    tp_sigboard *b = map;
    if (b->magic != TP_SIGBOARD_MAGIC) {
        munmap(map, sizeof(tp_sigboard));
        return;
    }
    board = b;
    if (atomic_load(&b->job_pid) == (int32_t)getpid())
        atomic_store(&b->listening, 1);
}

void tp_sigboard_note(int sig, const siginfo_t *info)
{
    tp_sigboard *b = board;
    if (!b || sig <= 0 || sig >= TP_SIGBOARD_SIGNALS ||
        atomic_load(&b->job_pid) != (int32_t)syscall(SYS_getpid))
        return;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    tp_sigboard_entry *e = &b->sig[sig];
    atomic_store(&e->sender, info ? (int32_t)info->si_pid : 0);
    atomic_store(&e->mono_ns, (int64_t)now.tv_sec * 1000000000 + now.tv_nsec);
    atomic_fetch_add(&e->count, 1);
}
