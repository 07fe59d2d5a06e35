/* real.h: the real libc entry points behind every wrapper, one field per
 * function of interposed.def, resolved once with dlsym(RTLD_NEXT) when the
 * library loads (or on the first wrapped call made by another library's
 * constructor before ours ran). After resolution no field is NULL: a symbol
 * the C library lacks points to a stub that fails with ENOSYS (see real.c). */
#ifndef TP_REAL_H
#define TP_REAL_H
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <sys/types.h>
#include <sys/uio.h>

struct tp_real_fns {
#define TP_FN(ret, field, symbol, params, fail) ret(*field) params;
#define TP_EXIT_FN(field, symbol) void (*field)(int) __attribute__((noreturn));
#define TP_WRAP_ONLY(symbol)
#include "logger/job/interposed.def"
#undef TP_FN
#undef TP_EXIT_FN
#undef TP_WRAP_ONLY
};

extern struct tp_real_fns tp_real;

/* Idempotent; cheap after the first call. */
void tp_real_resolve(void);

/* The function to look up a symbol with (dlsym(RTLD_NEXT, name) unless a
 * unit test replaced it to simulate a C library that lacks symbols). */
extern void *(*tp_real_lookup)(const char *symbol);

/* Descriptors the library opens for itself are kept at TP_FD_MIN or above:
 * a job started with stdin, stdout or stderr closed must find those numbers
 * free (its next open becomes its stdin; its printf must not land in our
 * journal). */
#define TP_FD_MIN 3
/* fd, moved to TP_FD_MIN or above (close-on-exec) when it is below; -1
 * stays -1. Keeps errno. */
int tp_real_fd_above_std(int fd);

/* Code a sanitizer's runtime can run before it has initialised itself:
 * ThreadSanitizer finds its "real" sigaction with dlsym(RTLD_NEXT), which
 * is our wrapper, and calls it while starting up; an instrumented function
 * would crash there. Only the wrapper's pass-through path and symbol
 * resolution carry it; it changes nothing in a normal build. */
#define TP_BEFORE_SANITIZER_INIT __attribute__((no_sanitize("thread")))

#define TP_REAL(name) (tp_real.name ? tp_real.name : (tp_real_resolve(), tp_real.name))

#endif
