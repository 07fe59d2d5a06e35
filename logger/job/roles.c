/* roles.c: the declared-role table (see roles.h): at most 4096 paths, the
 * newest declaration of a path wins. Declarations (job threads) are
 * serialized by a mutex; the worker's lookup takes no lock: entries are
 * appended, published by a release store of the count, and never removed,
 * and a role is one atomic. So the worker is never held up by a job thread
 * (a thread interrupted by a signal handler that calls _exit, say). */
#include "logger/job/roles.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DECLARED 4096

static struct {
    char *path;
    atomic_int role;
} declared[MAX_DECLARED];
static atomic_size_t n_declared;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

int tp_roles_declare(const char *abs_path, enum tp_role role)
{
    int rc = -1;
    pthread_mutex_lock(&lock);
    size_t n = atomic_load_explicit(&n_declared, memory_order_relaxed);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(declared[i].path, abs_path) == 0) {
            atomic_store(&declared[i].role, (int)role);
            rc = 0;
            goto out;
        }
    }
    if (n < MAX_DECLARED && (declared[n].path = strdup(abs_path))) {
        atomic_store(&declared[n].role, (int)role);
        atomic_store_explicit(&n_declared, n + 1, memory_order_release);
        rc = 0;
    }
out:
    pthread_mutex_unlock(&lock);
    return rc;
}

enum tp_role tp_roles_lookup(const char *abs_path)
{
    size_t n = atomic_load_explicit(&n_declared, memory_order_acquire);
    for (size_t i = 0; i < n; i++)
        if (strcmp(declared[i].path, abs_path) == 0)
            return (enum tp_role)atomic_load(&declared[i].role);
    return TP_ROLE_NONE;
}

void tp_roles_lock(void) { pthread_mutex_lock(&lock); }
void tp_roles_unlock(void) { pthread_mutex_unlock(&lock); }
