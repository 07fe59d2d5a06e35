/* roles.c: the declared-role table (see roles.h): at most 4096 paths, the
 * newest declaration of a path wins. */
#include "logger/job/roles.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DECLARED 4096

static struct {
    char *path;
    enum tp_role role;
} declared[MAX_DECLARED];
static size_t n_declared;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

int tp_roles_declare(const char *abs_path, enum tp_role role)
{
    int rc = -1;
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < n_declared; i++) {
        if (strcmp(declared[i].path, abs_path) == 0) {
            declared[i].role = role;
            rc = 0;
            goto out;
        }
    }
    if (n_declared < MAX_DECLARED && (declared[n_declared].path = strdup(abs_path))) {
        declared[n_declared++].role = role;
        rc = 0;
    }
out:
    pthread_mutex_unlock(&lock);
    return rc;
}

enum tp_role tp_roles_lookup(const char *abs_path)
{
    enum tp_role role = TP_ROLE_NONE;
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < n_declared; i++)
        if (strcmp(declared[i].path, abs_path) == 0)
            role = declared[i].role;
    pthread_mutex_unlock(&lock);
    return role;
}

void tp_roles_lock(void) { pthread_mutex_lock(&lock); }
void tp_roles_unlock(void) { pthread_mutex_unlock(&lock); }
