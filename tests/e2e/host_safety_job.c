/* host_safety_job.c: programs that stress the preloaded library the way
 * host processes do, for the e2e_*.sh host-safety tests. Run under
 * `trainprov run`; each mode exits 0 when the job behaved, 1 otherwise.
 *
 *   exit-in-handler FILE   100 times: fork a child whose thread loops on
 *                          open/read/close of FILE, malloc/free and role
 *                          declarations, and interrupt that thread with a
 *                          signal whose handler calls _exit(7). Every child
 *                          must end with status 7 within EXIT_BOUND_S.
 *   fork-storm FILE        while a thread keeps the worker hashing (opens of
 *                          FILE) and signing (notes; run with
 *                          TRAINPROV_HEAD_EVERY=1), 4 threads fork 25 times
 *                          each; every child reads FILE and exits 0, within
 *                          FORK_BOUND_S.
 *   vfork-exec FILE        vfork, then execve /bin/cat FILE in the child; the
 *                          child's store before its exec must be seen by
 *                          the parent (vfork semantics: shared memory).
 *   high-fd FILE           raise RLIMIT_NOFILE after load, take fds up to
 *                          5000 with /dev/null, then open and read FILE.
 *   vfork-child-closes DIR 100 times: write 4096 bytes to DIR/out<N>.bin,
 *                          vfork a child that closes that fd (then execs
 *                          /bin/true, fails to exec a missing program, or
 *                          just _exits), open /dev/null in the parent and
 *                          write to it while the library handles the
 *                          child's close; then write 4096 more bytes to
 *                          out<N>.bin. Every write must succeed (the child's
 *                          close is its own: the parent's fds, recorded or
 *                          not, stay open).
 *   open-in-handler FILE   a SIGALRM every 200 us whose handler opens,
 *                          reads and closes FILE (all async-signal-safe)
 *                          while the main thread loops on malloc/free; in
 *                          a child, which must finish HANDLER_RUNS
 *                          handler runs within EXIT_BOUND_S.
 *   small-stack DIR        on a thread whose stack is PTHREAD_STACK_MIN,
 *                          100 times: write DIR/small.bin, read it with
 *                          read and fread, dup2 and close it, rename it to
 *                          small2.bin relative to a directory fd and back
 *                          with rename.
 *   truncate-while-hashed FILE  50 times: write 8 MiB to FILE and close it
 *                          (the worker hashes what was written), then at
 *                          once truncate it by opening it again with
 *                          O_TRUNC, as a job rewriting its last checkpoint
 *                          does.
 *   quick-exit FILE        read FILE, register an at_quick_exit handler that
 *                          reads it again, and leave with quick_exit(5).
 *   std-fds-closed FILE    started with stdin and stdout closed: 100 times,
 *                          open FILE (it must get fd 0, the lowest free
 *                          number), read it, close it; write FILE.out the
 *                          same way; and a write to fd 1 must fail with
 *                          EBADF.
 *   open-while-fsync FILE  for OPEN_WINDOW_S seconds, open, read and close
 *                          FILE on the main thread while another thread
 *                          posts notes (run with TRAINPROV_HEAD_EVERY=1 and
 *                          fsync_shim.so preloaded, whose fdatasync sleeps
 *                          and raises fsync_shim_busy meanwhile); times
 *                          every open() and counts those made while a
 *                          journal fdatasync was in progress. No open may
 *                          take OPEN_BOUND_MS. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define EXIT_BOUND_S 20
#define FORK_BOUND_S 20
#define ROUNDS 100
#define FORK_THREADS 4
#define HANDLER_RUNS 5000
#define OPEN_WINDOW_S 4.0
#define OPEN_BOUND_MS 500.0

static const char *file;
static atomic_int stop;

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int read_file(void)
{
    char buf[4096];
    int fd = open(file, O_RDONLY);
    if (fd < 0)
        return -1;
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        ;
    close(fd);
    return n < 0 ? -1 : 0;
}

/* Waits for pid at most bound_s seconds; its exit status, or -1 (killed
 * when it hung). Sets *took to the wait in seconds. */
static int wait_bounded(pid_t pid, int bound_s, double *took)
{
    double start = now_s();
    int status;
    for (;;) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            break;
        if (r < 0 && errno != EINTR)
            return -1;
        if (now_s() - start > bound_s) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            *took = now_s() - start;
            return -1;
        }
        usleep(1000);
    }
    *took = now_s() - start;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* ---- exit-in-handler ---- */

static void leave_now(int sig)
{
    (void)sig;
    _exit(7);
}

static void *busy_thread(void *arg)
{
    int (*set_role)(const char *, const char *) = arg;
    for (unsigned i = 0;; i++) {
        read_file();
        void *p = malloc(64 + (i % 4096));
        free(p);
        if (set_role)
            set_role(file, "data");
    }
    return NULL;
}

static int exit_in_handler(void)
{
    void *set_role = dlsym(RTLD_DEFAULT, "trainprov_file_set_role");
    double worst = 0;
    for (int round = 0; round < ROUNDS; round++) {
        pid_t pid = fork();
        if (pid == 0) {
            struct sigaction sa;
            memset(&sa, 0, sizeof sa);
            sa.sa_handler = leave_now;
            sigaction(SIGUSR1, &sa, NULL);
            pthread_t t;
            pthread_create(&t, NULL, busy_thread, set_role);
            struct timespec d = {0, (long)(round % 10) * 300000};
            nanosleep(&d, NULL);
            for (;;) { /* until the handler has run on the busy thread */
                pthread_kill(t, SIGUSR1);
                usleep(100000);
            }
        }
        if (pid < 0) {
            perror("fork");
            return 1;
        }
        double took;
        int rc = wait_bounded(pid, EXIT_BOUND_S, &took);
        if (took > worst)
            worst = took;
        if (rc != 7) {
            fprintf(stderr, "round %d: the child %s (status %d after %.1fs)\n", round,
                    rc < 0 ? "hung in _exit" : "ended otherwise", rc, took);
            return 1;
        }
    }
    printf("exit-in-handler: %d children left through _exit in a signal handler; slowest %.3fs\n",
           ROUNDS, worst);
    return 0;
}

/* ---- fork-storm ---- */

static void *keep_worker_busy(void *arg)
{
    int (*note)(const char *, const char *) = arg;
    while (!atomic_load(&stop)) {
        read_file();
        if (note)
            note("fork-storm", "busy");
    }
    return NULL;
}

static atomic_int failures;
static _Atomic double slowest;

static void *forker(void *arg)
{
    (void)arg;
    for (int i = 0; i < ROUNDS / FORK_THREADS; i++) {
        pid_t pid = fork();
        if (pid == 0)
            exit(read_file() == 0 ? 0 : 3);
        if (pid < 0) {
            atomic_fetch_add(&failures, 1);
            continue;
        }
        double took;
        int rc = wait_bounded(pid, FORK_BOUND_S, &took);
        double s = atomic_load(&slowest);
        while (took > s && !atomic_compare_exchange_weak(&slowest, &s, took))
            ;
        if (rc != 0) {
            fprintf(stderr, "fork child %d: %s (status %d after %.1fs)\n", (int)pid,
                    rc < 0 ? "hung" : "failed", rc, took);
            atomic_fetch_add(&failures, 1);
        }
    }
    return NULL;
}

static int fork_storm(void)
{
    pthread_t busy, forkers[FORK_THREADS];
    pthread_create(&busy, NULL, keep_worker_busy, dlsym(RTLD_DEFAULT, "trainprov_note_record"));
    for (int i = 0; i < FORK_THREADS; i++)
        pthread_create(&forkers[i], NULL, forker, NULL);
    for (int i = 0; i < FORK_THREADS; i++)
        pthread_join(forkers[i], NULL);
    atomic_store(&stop, 1);
    pthread_join(busy, NULL);
    printf("fork-storm: %d forks from %d threads, %d failed; slowest child %.3fs\n", ROUNDS,
           FORK_THREADS, atomic_load(&failures), atomic_load(&slowest));
    return atomic_load(&failures) ? 1 : 0;
}

/* ---- vfork-exec ---- */

static volatile int set_by_child;

static int vfork_exec(void)
{
    pid_t pid = vfork();
    if (pid == 0) {
        set_by_child = 1;
        char *argv[] = {"cat", (char *)file, NULL};
        char *envp[] = {NULL};
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        execve("/bin/cat", argv, envp);
        _exit(127);
    }
    double took;
    int rc = wait_bounded(pid, FORK_BOUND_S, &took);
    printf("vfork-exec: /bin/cat exited %d; memory shared with the child: %s\n", rc,
           set_by_child ? "yes" : "no");
    return rc == 0 && set_by_child ? 0 : 1;
}

/* ---- high-fd ---- */

static int high_fd(void)
{
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < 8192) {
        fprintf(stderr, "high-fd: the hard limit %llu is too low\n",
                (unsigned long long)rl.rlim_max);
        return 77;
    }
    rl.rlim_cur = 8192;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
        perror("setrlimit");
        return 1;
    }
    int fd;
    while ((fd = open("/dev/null", O_RDONLY)) >= 0 && fd < 5000)
        ;
    if (fd < 0) {
        perror("open /dev/null");
        return 1;
    }
    int data = open(file, O_RDONLY);
    if (data < 5000) {
        fprintf(stderr, "high-fd: %s got fd %d\n", file, data);
        return 1;
    }
    char buf[4096];
    ssize_t n;
    while ((n = read(data, buf, sizeof buf)) > 0)
        ;
    close(data);
    printf("high-fd: read %s through fd %d\n", file, data);
    return 0;
}

/* ---- vfork-child-closes ---- */

static int vfork_child_closes(void)
{
    char block[4096];
    memset(block, 'x', sizeof block);
    for (int round = 0; round < ROUNDS; round++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/out%d.bin", file, round);
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0 || write(fd, block, sizeof block) != (ssize_t)sizeof block) {
            perror(path);
            return 1;
        }
        pid_t pid = vfork();
        if (pid == 0) {
            close(fd); /* what a child does before exec with fds it does not need */
            if (round % 3 == 0)
                execl("/bin/true", "true", (char *)NULL);
            else if (round % 3 == 1)
                execl("/nonexistent/program", "program", (char *)NULL);
            _exit(0);
        }
        int null = open("/dev/null", O_WRONLY);
        for (int i = 0; i < 20; i++) {
            if (write(null, block, 1) != 1) {
                fprintf(stderr, "round %d: fd %d (/dev/null) was closed under the job: %s\n",
                        round, null, strerror(errno));
                return 1;
            }
            usleep(200);
        }
        double took;
        if (wait_bounded(pid, FORK_BOUND_S, &took) != 0) {
            fprintf(stderr, "round %d: the vfork child failed\n", round);
            return 1;
        }
        if (write(fd, block, sizeof block) != (ssize_t)sizeof block || close(fd) != 0 ||
            close(null) != 0) {
            fprintf(stderr, "round %d: %s: %s\n", round, path, strerror(errno));
            return 1;
        }
    }
    printf("vfork-child-closes: %d vfork children closed the parent's fd; the parent's fds "
           "stayed open\n", ROUNDS);
    return 0;
}

/* ---- open-in-handler ---- */

static volatile sig_atomic_t handler_runs;

static void open_read_close(int sig)
{
    (void)sig;
    int saved = errno;
    char buf[512];
    int fd = open(file, O_RDONLY);
    if (fd >= 0) {
        while (read(fd, buf, sizeof buf) > 0)
            ;
        close(fd);
    }
    handler_runs++;
    errno = saved;
}

static int open_in_handler(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = open_read_close;
        sa.sa_flags = SA_RESTART;
        sigaction(SIGALRM, &sa, NULL);
        struct itimerval every = {{0, 200}, {0, 200}};
        setitimer(ITIMER_REAL, &every, NULL);
        void *blocks[64] = {0};
        for (unsigned i = 0; handler_runs < HANDLER_RUNS; i++) {
            free(blocks[i % 64]);
            blocks[i % 64] = malloc(16 + (i * 7919u) % 20000);
        }
        _exit(0);
    }
    double took;
    int rc = wait_bounded(pid, EXIT_BOUND_S, &took);
    if (rc != 0) {
        fprintf(stderr, "open-in-handler: the child %s (status %d after %.1fs)\n",
                rc < 0 ? "hung" : "failed", rc, took);
        return 1;
    }
    printf("open-in-handler: %d handler runs opened %s while malloc was interrupted; %.2fs\n",
           HANDLER_RUNS, file, took);
    return 0;
}

/* ---- small-stack ---- */

static void *small_stack_io(void *arg)
{
    (void)arg;
    char path[512], buf[64];
    snprintf(path, sizeof path, "%s/small.bin", file);
    int dir = open(file, O_RDONLY | O_DIRECTORY);
    for (int round = 0; round < ROUNDS; round++) {
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0 || write(fd, "small stack", 11) != 11 || close(fd) != 0)
            return (void *)"write";
        fd = open(path, O_RDONLY);
        if (fd < 0 || read(fd, buf, sizeof buf) != 11 || dup2(fd, 200) != 200 ||
            close(200) != 0 || close(fd) != 0)
            return (void *)"read";
        FILE *f = fopen(path, "r");
        if (!f || fread(buf, 1, 11, f) != 11 || fclose(f) != 0)
            return (void *)"fread";
        if (renameat(dir, "small.bin", dir, "small2.bin") != 0)
            return (void *)"renameat";
        char back[512];
        snprintf(back, sizeof back, "%s/small2.bin", file);
        if (rename(back, path) != 0)
            return (void *)"rename";
    }
    close(dir);
    return NULL;
}

static int small_stack(void)
{
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, PTHREAD_STACK_MIN);
    pthread_t t;
    if (pthread_create(&t, &attr, small_stack_io, NULL) != 0) {
        perror("pthread_create");
        return 1;
    }
    void *failed;
    pthread_join(t, &failed);
    if (failed) {
        fprintf(stderr, "small-stack: %s failed: %s\n", (char *)failed, strerror(errno));
        return 1;
    }
    printf("small-stack: %d rounds of I/O on a %d-byte stack\n", ROUNDS, (int)PTHREAD_STACK_MIN);
    return 0;
}

/* ---- truncate-while-hashed ---- */

static int truncate_while_hashed(void)
{
    size_t size = 8 << 20;
    char *data = malloc(size);
    if (!data)
        return 1;
    memset(data, 'c', size);
    for (int round = 0; round < 50; round++) {
        int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0 || write(fd, data, size) != (ssize_t)size || close(fd) != 0) {
            perror(file);
            return 1;
        }
        fd = open(file, O_WRONLY | O_TRUNC); /* while the worker hashes it */
        if (fd < 0 || write(fd, "x", 1) != 1 || close(fd) != 0) {
            perror(file);
            return 1;
        }
    }
    free(data);
    printf("truncate-while-hashed: 50 files truncated right after they were written\n");
    return 0;
}

/* ---- quick-exit ---- */

static void read_again(void) { read_file(); }

static int quick_exit_job(void)
{
    if (read_file() != 0)
        return 1;
    at_quick_exit(read_again);
    quick_exit(5);
}

/* ---- std-fds-closed ---- */

static int std_fds_closed(void)
{
    if (fcntl(0, F_GETFD) != -1 || fcntl(1, F_GETFD) != -1) {
        fprintf(stderr, "std-fds-closed: start me with 0<&- 1>&-\n");
        return 2;
    }
    char out[4096], buf[4096];
    snprintf(out, sizeof out, "%s.out", file);
    for (int round = 0; round < ROUNDS; round++) {
        int fd = open(file, O_RDONLY);
        if (fd != 0 || read(fd, buf, sizeof buf) <= 0 || close(fd) != 0) {
            fprintf(stderr, "round %d: open %s gave fd %d, not 0\n", round, file, fd);
            return 1;
        }
        fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd != 0 || write(fd, buf, 100) != 100 || close(fd) != 0) {
            fprintf(stderr, "round %d: open %s gave fd %d, not 0\n", round, out, fd);
            return 1;
        }
        errno = 0;
        if (write(1, "x", 1) != -1 || errno != EBADF) {
            fprintf(stderr, "round %d: a write to the closed stdout did not fail with EBADF\n",
                    round);
            return 1;
        }
    }
    fprintf(stderr, "std-fds-closed: %d rounds, fd 0 always the job's\n", ROUNDS);
    return 0;
}

/* ---- open-while-fsync ---- */

static void *post_notes(void *arg)
{
    int (*note)(const char *, const char *) = arg;
    while (!atomic_load(&stop)) {
        note("open-while-fsync", "busy");
        usleep(2000);
    }
    return NULL;
}

static int open_while_fsync(void)
{
    void *note = dlsym(RTLD_DEFAULT, "trainprov_note_record");
    atomic_int *fsync_busy = dlsym(RTLD_DEFAULT, "fsync_shim_busy");
    if (!note || !fsync_busy) {
        fprintf(stderr, "open-while-fsync: needs libtrainprov.so and fsync_shim.so preloaded\n");
        return 1;
    }
    pthread_t notes;
    pthread_create(&notes, NULL, post_notes, note);
    int opens = 0, during_fsync = 0, failed = 0;
    double slowest_ms = 0, slowest_during_ms = 0, start = now_s();
    while (now_s() - start < OPEN_WINDOW_S) {
        int busy = atomic_load(fsync_busy);
        double t0 = now_s();
        int fd = open(file, O_RDONLY);
        double ms = (now_s() - t0) * 1000;
        if (fd < 0) {
            failed++;
        } else {
            char buf[4096];
            while (read(fd, buf, sizeof buf) > 0)
                ;
            close(fd);
        }
        opens++;
        if (ms > slowest_ms)
            slowest_ms = ms;
        if (busy && atomic_load(fsync_busy)) { /* an fdatasync ran as it began and ended */
            during_fsync++;
            if (ms > slowest_during_ms)
                slowest_during_ms = ms;
        }
        usleep(1000);
    }
    atomic_store(&stop, 1);
    pthread_join(notes, NULL);
    printf("open-while-fsync: %d opens, %d failed, %d during a journal fdatasync; "
           "slowest open %.1f ms (%.1f ms during an fdatasync)\n",
           opens, failed, during_fsync, slowest_ms, slowest_during_ms);
    return failed == 0 && slowest_ms < OPEN_BOUND_MS ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: host_safety_job exit-in-handler|fork-storm|vfork-exec|high-fd|"
                        "vfork-child-closes|open-in-handler|small-stack|"
                        "truncate-while-hashed|quick-exit|std-fds-closed|open-while-fsync FILE\n");
        return 2;
    }
    file = argv[2];
    if (strcmp(argv[1], "exit-in-handler") == 0)
        return exit_in_handler();
    if (strcmp(argv[1], "fork-storm") == 0)
        return fork_storm();
    if (strcmp(argv[1], "vfork-exec") == 0)
        return vfork_exec();
    if (strcmp(argv[1], "high-fd") == 0)
        return high_fd();
    if (strcmp(argv[1], "vfork-child-closes") == 0)
        return vfork_child_closes();
    if (strcmp(argv[1], "open-in-handler") == 0)
        return open_in_handler();
    if (strcmp(argv[1], "small-stack") == 0)
        return small_stack();
    if (strcmp(argv[1], "truncate-while-hashed") == 0)
        return truncate_while_hashed();
    if (strcmp(argv[1], "quick-exit") == 0)
        return quick_exit_job();
    if (strcmp(argv[1], "std-fds-closed") == 0)
        return std_fds_closed();
    if (strcmp(argv[1], "open-while-fsync") == 0)
        return open_while_fsync();
    fprintf(stderr, "host_safety_job: unknown mode %s\n", argv[1]);
    return 2;
}
