/* write_atomic.h: the documents a command writes (an attestation, an HTML
 * report) go through a temporary file in the target's directory, made
 * durable and renamed into place: a reader never sees half a document, and
 * a failure leaves no partial file behind (write_atomic.c). */
#ifndef TP_WRITE_ATOMIC_H
#define TP_WRITE_ATOMIC_H
#include <stddef.h>

/* Writes len bytes of data and a newline to path. 0, or -1 after printing
 * "trainprov CMD: cannot write PATH: reason". */
int tp_write_atomic(const char *cmd, const char *path, const char *data, size_t len);

#endif
