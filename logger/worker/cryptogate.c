/* cryptogate.c: the fork gate around OpenSSL (see cryptogate.h). */
#include "logger/worker/cryptogate.h"

#include <pthread.h>

static pthread_mutex_t gate = PTHREAD_MUTEX_INITIALIZER;

void tp_cryptogate_enter(void) { pthread_mutex_lock(&gate); }
void tp_cryptogate_leave(void) { pthread_mutex_unlock(&gate); }

void tp_cryptogate_atfork_prepare(void) { pthread_mutex_lock(&gate); }
void tp_cryptogate_atfork_parent(void) { pthread_mutex_unlock(&gate); }

void tp_cryptogate_atfork_child(void)
{
    /* held by the forking thread, which in the child has another id */
    pthread_mutex_init(&gate, NULL);
}
