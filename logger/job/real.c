/* real.c: resolves the next definition of every interposed symbol once
 * (the list is interposed.def). A symbol the C library lacks gets a stub
 * that sets errno to ENOSYS and returns the function's failure value, so a
 * wrapper never calls a NULL pointer; _exit/_Exit fall back to the raw
 * exit_group system call, which cannot fail. */
#define _GNU_SOURCE
#include "logger/job/real.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

struct tp_real_fns tp_real;
static atomic_int resolved;

TP_BEFORE_SANITIZER_INIT static void *next_symbol(const char *symbol)
{
    return dlsym(RTLD_NEXT, symbol);
}

void *(*tp_real_lookup)(const char *symbol) = next_symbol;

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#define TP_FN(ret, field, symbol, params, fail)                                                  \
    static ret enosys_##field params                                                             \
    {                                                                                            \
        errno = ENOSYS;                                                                          \
        return fail;                                                                             \
    }
#define TP_EXIT_FN(field, symbol)                                                                \
    __attribute__((noreturn)) static void enosys_##field(int status)                             \
    {                                                                                            \
        for (;;)                                                                                 \
            syscall(SYS_exit_group, status);                                                     \
    }
#define TP_WRAP_ONLY(symbol)
#include "logger/job/interposed.def"
#undef TP_FN
#undef TP_EXIT_FN
#pragma GCC diagnostic pop

int tp_real_fd_above_std(int fd)
{
    if (fd < 0 || fd >= TP_FD_MIN)
        return fd;
    int saved_errno = errno;
    int moved = fcntl(fd, F_DUPFD_CLOEXEC, TP_FD_MIN);
    if (moved >= 0)
        TP_REAL(close)(fd);
    errno = saved_errno;
    return moved >= 0 ? moved : fd;
}

TP_BEFORE_SANITIZER_INIT void tp_real_resolve(void)
{
    if (atomic_load_explicit(&resolved, memory_order_acquire))
        return;
#define TP_FN(ret, field, symbol, params, fail)                                                  \
    tp_real.field = (__typeof__(tp_real.field))tp_real_lookup(#symbol);                         \
    if (!tp_real.field)                                                                          \
        tp_real.field = enosys_##field;
#define TP_EXIT_FN(field, symbol) TP_FN(void, field, symbol, (int), 0)
#include "logger/job/interposed.def"
#undef TP_FN
#undef TP_EXIT_FN
#undef TP_WRAP_ONLY
    atomic_store_explicit(&resolved, 1, memory_order_release);
}
