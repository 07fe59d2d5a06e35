/* fsync_shim.c: a slow disk for e2e_open_never_waits_for_fsync.sh. Preloaded
 * after libtrainprov.so, it interposes fdatasync and fsync: in a process
 * where libtrainprov.so is loaded (the job; `trainprov run` itself is left
 * alone), each call raises fsync_shim_busy, appends "PID fdatasync" to
 * $FSYNC_SHIM_LOG, sleeps FSYNC_SHIM_DELAY_NS, makes the real call, then
 * lowers the flag. The job reads fsync_shim_busy through dlsym to know that
 * its open() ran while the logger's worker was inside a journal fsync. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define FSYNC_SHIM_DELAY_NS 1500000000L

atomic_int fsync_shim_busy;

static int active;
static const char *log_path;
static int (*real_fdatasync)(int);
static int (*real_fsync)(int);

__attribute__((constructor)) static void shim_init(void)
{
    real_fdatasync = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
    real_fsync = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
    log_path = getenv("FSYNC_SHIM_LOG");
    active = dlsym(RTLD_DEFAULT, "trainprov_note_record") != NULL;
}

/* Raw system calls: the shim's own I/O must not pass through the logger. */
static void log_call(const char *name)
{
    if (!log_path)
        return;
    int fd = (int)syscall(SYS_openat, AT_FDCWD, log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
                          0600);
    if (fd < 0)
        return;
    char line[64];
    int n = snprintf(line, sizeof line, "%d %s\n", (int)getpid(), name);
    syscall(SYS_write, fd, line, (size_t)n);
    syscall(SYS_close, fd);
}

static int slow_sync(const char *name, int (*real)(int), int fd)
{
    if (!real)
        return -1;
    if (!active)
        return real(fd);
    atomic_store(&fsync_shim_busy, 1);
    log_call(name);
    struct timespec delay = {FSYNC_SHIM_DELAY_NS / 1000000000L, FSYNC_SHIM_DELAY_NS % 1000000000L};
    while (nanosleep(&delay, &delay) != 0 && errno == EINTR)
        ;
    int rc = real(fd);
    atomic_store(&fsync_shim_busy, 0);
    return rc;
}

int fdatasync(int fd) { return slow_sync("fdatasync", real_fdatasync, fd); }

int fsync(int fd) { return slow_sync("fsync", real_fsync, fd); }
