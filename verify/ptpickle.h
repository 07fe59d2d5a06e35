/* ptpickle.h: the pickle of a PyTorch zip checkpoint (`data.pkl`) read by a
 * small opcode machine (ptpickle.c) for verify/ptzip.c: the storages the
 * pickle refers to (persistent ids) and the tensors it rebuilds, each named
 * by the keys that lead to it. Only the opcodes and globals torch.save
 * writes are understood; anything else is refused. */
#ifndef TP_PTPICKLE_H
#define TP_PTPICKLE_H
#include <stddef.h>
#include <stdint.h>

#include "verify/ptzip.h"

#define TP_PICKLE_VALUES_MAX (8u << 20) /* objects one pickle may create */
#define TP_PICKLE_NAMES_MAX (64u << 20) /* bytes of key paths the walk may build */

typedef struct {
    tp_pt_storage *storages; /* offsets not filled in: the caller knows the zip */
    size_t n_storages;
    tp_pt_tensor *tensors;   /* in the order the walk over the result met them */
    size_t n;
} tp_pickle_result;

/* Runs the pickle pkl[0..len) and names every tensor reachable from its
 * result. 0, or -1 with why (the opcode and its offset, or the limit). */
int tp_pickle_tensors(const uint8_t *pkl, size_t len, tp_pickle_result *out, char *why,
                      size_t whylen);
void tp_pickle_result_free(tp_pickle_result *r);

#endif
