/* test_fdtable.c: the fd table of the preloaded library
 * (logger/job/fdtable.c): any fd below TP_FDTABLE_MAX is tracked, however
 * high, with chunks made on demand; and a closed file is never freed while
 * a reader holds it. The reclamation race is played deterministically 100
 * times: a reader paused between its lookup and its counter update while
 * the file is closed (taken from the table) and the worker tries to free it
 * (run under ASan, a premature free is a use-after-free report). */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <pthread.h>
#include <semaphore.h>

#include "logger/job/fdtable.h"

static void test_high_fds_are_tracked(void **state)
{
    (void)state;
    const int fds[] = {0, 3, 1023, 1024, 5000, 65536, (int)TP_FDTABLE_MAX - 1};
    for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++) {
        tp_file *f = tp_file_new("/data/x", fds[i], 1, 2, 1, 0);
        assert_null(tp_fdtable_put(fds[i], f));
        tp_fdtable_count_read(fds[i], 10);
        assert_ptr_equal(tp_fdtable_get(fds[i]), f);
        assert_int_equal(atomic_load(&f->bytes_read), 10);
        assert_ptr_equal(tp_fdtable_take(fds[i]), f);
        assert_null(tp_fdtable_get(fds[i]));
        tp_file_free(f);
    }
    /* beyond the table: the caller keeps the file */
    tp_file *f = tp_file_new("/data/x", 0, 1, 2, 1, 0);
    assert_ptr_equal(tp_fdtable_put((int)TP_FDTABLE_MAX, f), f);
    assert_ptr_equal(tp_fdtable_put(-1, f), f);
    assert_null(tp_fdtable_take((int)TP_FDTABLE_MAX + 7));
    tp_fdtable_count_read((int)TP_FDTABLE_MAX + 7, 1); /* no crash, no effect */
    tp_file_free(f);
}

static sem_t looked_up, closed;

static void *paused_reader(void *arg)
{
    int fd = *(int *)arg;
    tp_fdtable_stripe *s = tp_fdtable_reader_enter();
    tp_file *f = tp_fdtable_get(fd);
    sem_post(&looked_up);
    sem_wait(&closed); /* close and the worker's attempt to free run now */
    if (f)
        tp_file_note_read(f, 4096);
    tp_fdtable_reader_leave(s);
    return NULL;
}

static void test_closed_file_is_not_freed_while_a_reader_holds_it(void **state)
{
    (void)state;
    sem_init(&looked_up, 0, 0);
    sem_init(&closed, 0, 0);
    for (int round = 0; round < 100; round++) {
        int fd = 7 + round;
        tp_file *f = tp_file_new("/data/shard.bin", fd, 1, 2, 1, 0);
        assert_null(tp_fdtable_put(fd, f));
        pthread_t reader;
        assert_int_equal(pthread_create(&reader, NULL, paused_reader, &fd), 0);
        sem_wait(&looked_up);
        /* close(): the file leaves the table, then goes to the worker */
        assert_ptr_equal(tp_fdtable_take(fd), f);
        /* the worker must see a reader in flight and keep the file */
        assert_false(tp_fdtable_readers_quiet());
        sem_post(&closed);
        pthread_join(reader, NULL);
        assert_true(tp_fdtable_readers_quiet());
        assert_int_equal(atomic_load(&f->bytes_read), 4096);
        tp_file_release(f); /* quiet now: freed */
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_high_fds_are_tracked),
        cmocka_unit_test(test_closed_file_is_not_freed_while_a_reader_holds_it),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
