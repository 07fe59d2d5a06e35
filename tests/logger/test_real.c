/* test_real.c: the real-function table of the preloaded library
 * (logger/job/real.c). With a C library that lacks every symbol (the
 * lookup is replaced to return NULL), each wrapper's real function fails
 * with ENOSYS and the function's own failure value instead of calling a
 * NULL pointer, and _exit still ends the process with its status. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <errno.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "logger/job/real.h"

static void *nothing(const char *symbol)
{
    (void)symbol;
    return NULL;
}

static int resolve_with_nothing(void **state)
{
    (void)state;
    tp_real_lookup = nothing;
    tp_real_resolve();
    return 0;
}

#define EXPECT_ENOSYS(call, failure)                                                           \
    do {                                                                                       \
        errno = 0;                                                                             \
        assert_true((call) == (failure));                                                      \
        assert_int_equal(errno, ENOSYS);                                                       \
    } while (0)

static void test_unresolvable_symbol_fails_with_enosys(void **state)
{
    (void)state;
    char buf[8];
    struct iovec iov = {buf, sizeof buf};
    EXPECT_ENOSYS(TP_REAL(open)("/etc/hostname", 0), -1);
    EXPECT_ENOSYS(TP_REAL(openat_2)(-100, "/etc/hostname", 0), -1);
    EXPECT_ENOSYS(TP_REAL(fopen)("/etc/hostname", "r"), NULL);
    EXPECT_ENOSYS(TP_REAL(read)(0, buf, sizeof buf), -1);
    EXPECT_ENOSYS(TP_REAL(preadv64)(0, &iov, 1, 0), -1);
    EXPECT_ENOSYS(TP_REAL(fread)(buf, 1, sizeof buf, stdin), 0);
    EXPECT_ENOSYS(TP_REAL(fwrite)(buf, 1, sizeof buf, stdout), 0);
    EXPECT_ENOSYS(TP_REAL(write)(1, buf, 0), -1);
    EXPECT_ENOSYS(TP_REAL(close)(-1), -1);
    EXPECT_ENOSYS(TP_REAL(fclose)(stdin), EOF);
    EXPECT_ENOSYS(TP_REAL(renameat2)(-100, "a", -100, "b", 0), -1);
    EXPECT_ENOSYS(TP_REAL(mmap)(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
                  MAP_FAILED);
    EXPECT_ENOSYS(TP_REAL(fork)(), -1);
    EXPECT_ENOSYS(TP_REAL(execve)("/bin/true", NULL, NULL), -1);
    /* posix_spawn reports errors as its return value */
    pid_t pid;
    char *argv[] = {"true", NULL};
    assert_int_equal(TP_REAL(posix_spawn)(&pid, "/bin/true", NULL, NULL, argv, NULL), ENOSYS);
}

static void test_every_field_is_set(void **state)
{
    (void)state;
    void *const *field = (void *const *)&tp_real;
    for (size_t i = 0; i < sizeof tp_real / sizeof(void *); i++)
        assert_non_null(field[i]);
}

static void test_unresolvable_exit_ends_the_process(void **state)
{
    (void)state;
    for (int which = 0; which < 2; which++) {
        pid_t pid = fork(); /* the test's own fork, not the table's */
        assert_true(pid >= 0);
        if (pid == 0) {
            if (which == 0)
                TP_REAL(_exit)(42);
            TP_REAL(_Exit)(43);
        }
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 42 + which);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unresolvable_symbol_fails_with_enosys),
        cmocka_unit_test(test_every_field_is_set),
        cmocka_unit_test(test_unresolvable_exit_ends_the_process),
    };
    return cmocka_run_group_tests(tests, resolve_with_nothing, NULL);
}
