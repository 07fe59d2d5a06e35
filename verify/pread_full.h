/* pread_full.h: the evidence readers' one way to read a byte range of a
 * file they opened (checkpoints, safetensors, PyTorch zips). */
#ifndef TP_VERIFY_PREAD_FULL_H
#define TP_VERIFY_PREAD_FULL_H
#include <stddef.h>
#include <stdint.h>

/* Reads exactly n bytes at offset off of fd into buf (retrying short reads
 * and EINTR): 0, or -1 on an error or when the file ends first. */
int tp_pread_full(int fd, void *buf, size_t n, uint64_t off);

#endif
