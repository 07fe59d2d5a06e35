/* tsan_job.c: a job for `./test.sh --tsan`: six threads writing and reading
 * files at once, so that the logger's job-side wrappers, its queue and its
 * worker thread run concurrently under ThreadSanitizer (the logger's unit
 * tests are single-threaded). Built with -fsanitize=thread and run with the
 * TSan-built libtrainprov.so preloaded after libtsan. No fork: TSan does not
 * support a child of a multi-threaded process starting threads (the
 * logger's worker), it stops with "dup thread with used id". Exits 0 when
 * every file operation succeeded. */
#include <pthread.h>
#include <stdio.h>

#define THREADS 6
#define ROUNDS 40

static const char *dir;

static void *work(void *arg)
{
    long id = (long)arg;
    char path[4096], buf[4096] = {0};
    for (int k = 0; k < ROUNDS; k++) {
        snprintf(path, sizeof path, "%s/t%ld_%d.bin", dir, id, k % 4);
        FILE *f = fopen(path, "wb");
        if (!f || fwrite(buf, 1, sizeof buf, f) != sizeof buf || fclose(f) != 0)
            return (void *)1;
        f = fopen(path, "rb");
        if (!f || fread(buf, 1, sizeof buf, f) != sizeof buf || fclose(f) != 0)
            return (void *)1;
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: tsan_job DIR\n");
        return 2;
    }
    dir = argv[1];
    pthread_t t[THREADS];
    for (long i = 0; i < THREADS; i++)
        if (pthread_create(&t[i], NULL, work, (void *)i) != 0)
            return 1;
    int failed = 0;
    for (int i = 0; i < THREADS; i++) {
        void *rc;
        pthread_join(t[i], &rc);
        failed |= rc != NULL;
    }
    return failed;
}
