/* real.c: resolves the next definition of every interposed symbol once.
 * A symbol the C library lacks stays NULL and its wrapper fails with ENOSYS
 * (it cannot be called then anyway: the program linked against it). */
#define _GNU_SOURCE
#include "logger/job/real.h"

#include <dlfcn.h>
#include <stdatomic.h>

struct tp_real_fns tp_real;
static atomic_int resolved;

#define RESOLVE(field, sym) tp_real.field = (__typeof__(tp_real.field))dlsym(RTLD_NEXT, sym)

void tp_real_resolve(void)
{
    if (atomic_load_explicit(&resolved, memory_order_acquire))
        return;
    RESOLVE(open, "open");
    RESOLVE(open64, "open64");
    RESOLVE(openat, "openat");
    RESOLVE(openat64, "openat64");
    RESOLVE(creat, "creat");
    RESOLVE(creat64, "creat64");
    RESOLVE(open_2, "__open_2");
    RESOLVE(open64_2, "__open64_2");
    RESOLVE(openat_2, "__openat_2");
    RESOLVE(openat64_2, "__openat64_2");
    RESOLVE(fopen, "fopen");
    RESOLVE(fopen64, "fopen64");
    RESOLVE(freopen, "freopen");
    RESOLVE(freopen64, "freopen64");
    RESOLVE(read, "read");
    RESOLVE(pread, "pread");
    RESOLVE(pread64, "pread64");
    RESOLVE(readv, "readv");
    RESOLVE(preadv, "preadv");
    RESOLVE(preadv64, "preadv64");
    RESOLVE(read_chk, "__read_chk");
    RESOLVE(pread_chk, "__pread_chk");
    RESOLVE(pread64_chk, "__pread64_chk");
    RESOLVE(fread, "fread");
    RESOLVE(fread_unlocked, "fread_unlocked");
    RESOLVE(fread_chk, "__fread_chk");
    RESOLVE(write, "write");
    RESOLVE(pwrite, "pwrite");
    RESOLVE(pwrite64, "pwrite64");
    RESOLVE(writev, "writev");
    RESOLVE(pwritev, "pwritev");
    RESOLVE(pwritev64, "pwritev64");
    RESOLVE(fwrite, "fwrite");
    RESOLVE(fwrite_unlocked, "fwrite_unlocked");
    RESOLVE(copy_file_range, "copy_file_range");
    RESOLVE(sendfile, "sendfile");
    RESOLVE(sendfile64, "sendfile64");
    RESOLVE(close, "close");
    RESOLVE(fclose, "fclose");
    RESOLVE(dup2, "dup2");
    RESOLVE(dup3, "dup3");
    RESOLVE(rename, "rename");
    RESOLVE(renameat, "renameat");
    RESOLVE(renameat2, "renameat2");
    RESOLVE(mmap, "mmap");
    RESOLVE(mmap64, "mmap64");
    RESOLVE(fork, "fork");
    RESOLVE(posix_spawn, "posix_spawn");
    RESOLVE(posix_spawnp, "posix_spawnp");
    RESOLVE(execve, "execve");
    RESOLVE(execv, "execv");
    RESOLVE(execvp, "execvp");
    RESOLVE(execvpe, "execvpe");
    RESOLVE(_exit, "_exit");
    RESOLVE(_Exit, "_Exit");
    atomic_store_explicit(&resolved, 1, memory_order_release);
}
