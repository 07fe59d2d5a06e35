/* test_sigpool.c: the signal-safe block pool (logger/job/sigpool.c):
 * blocks come back zeroed and are reused; a block is never handed to two
 * owners at once, with 8 threads allocating and freeing concurrently (each
 * owner stamps its block and checks the stamp before freeing it: a block
 * handed out twice, the ABA failure of a lock-free stack, shows up as a
 * changed stamp; without the counter in the stack head this fails within
 * a second on 2 cores); the pool ends at its cap instead of growing without
 * bound; and a handler interrupting an allocation can allocate itself. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <pthread.h>
#include <signal.h>
#include <sys/time.h>

#include "logger/job/sigpool.h"

typedef struct {
    uint64_t stamp;
    char rest[40];
} block;

static tp_sigpool pool = TP_SIGPOOL_INIT(sizeof(block), 8);

static void test_blocks_are_zeroed_and_reused(void **state)
{
    (void)state;
    block *a = tp_sigpool_alloc(&pool);
    assert_non_null(a);
    assert_int_equal((uintptr_t)a % 16, 0);
    memset(a, 0xff, sizeof *a);
    tp_sigpool_free(&pool, a);
    block *b = tp_sigpool_alloc(&pool);
    assert_ptr_equal(a, b);
    block zero = {0};
    assert_memory_equal(b, &zero, sizeof zero);
    tp_sigpool_free(&pool, b);
    tp_sigpool_free(&pool, NULL);
}

#define THREADS 8
#define ROUNDS 1000000
#define HELD 2

static void *churn(void *arg)
{
    uint64_t me = (uint64_t)(uintptr_t)arg, bad = 0;
    block *held[HELD] = {0};
    for (uint64_t i = 0; i < ROUNDS; i++) {
        unsigned k = (unsigned)(i * 2654435761u) % HELD;
        if (held[k]) {
            if (held[k]->stamp != (me << 32 | k))
                bad++;
            tp_sigpool_free(&pool, held[k]);
            held[k] = NULL;
        } else if ((held[k] = tp_sigpool_alloc(&pool))) {
            if (held[k]->stamp != 0)
                bad++;
            held[k]->stamp = me << 32 | k;
        }
    }
    for (unsigned k = 0; k < HELD; k++)
        tp_sigpool_free(&pool, held[k]);
    return (void *)(uintptr_t)bad;
}

static void test_no_block_has_two_owners(void **state)
{
    (void)state;
    pthread_t t[THREADS];
    for (uintptr_t i = 0; i < THREADS; i++)
        pthread_create(&t[i], NULL, churn, (void *)(i + 1));
    uintptr_t bad = 0;
    for (int i = 0; i < THREADS; i++) {
        void *r;
        pthread_join(t[i], &r);
        bad += (uintptr_t)r;
    }
    assert_int_equal(bad, 0);
}

static void test_pool_stops_at_its_cap(void **state)
{
    (void)state;
    static tp_sigpool tiny = TP_SIGPOOL_INIT(16, 1);
    size_t n = 0;
    while (tp_sigpool_alloc(&tiny))
        n++;
    assert_int_equal(n, TP_SIGPOOL_MAX_SLABS);
}

static volatile sig_atomic_t handler_allocs;

static void alloc_in_handler(int sig)
{
    (void)sig;
    void *b = tp_sigpool_alloc(&pool);
    if (b) {
        tp_sigpool_free(&pool, b);
        handler_allocs++;
    }
}

static void test_handler_may_allocate(void **state)
{
    (void)state;
    signal(SIGALRM, alloc_in_handler);
    struct itimerval every = {{0, 100}, {0, 100}};
    setitimer(ITIMER_REAL, &every, NULL);
    while (handler_allocs < 2000) {
        void *b = tp_sigpool_alloc(&pool);
        assert_non_null(b);
        tp_sigpool_free(&pool, b);
    }
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_blocks_are_zeroed_and_reused),
        cmocka_unit_test(test_no_block_has_two_owners),
        cmocka_unit_test(test_pool_stops_at_its_cap),
        cmocka_unit_test(test_handler_may_allocate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
