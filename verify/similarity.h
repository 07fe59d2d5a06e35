/* similarity.h: `trainprov verify --reference OTHER.safetensors` (a suspected
 * donor model): the mean-centred (Pearson) correlation of each matching
 * tensor (same name and shape) of the run's step-0 checkpoint and of its
 * final weights against the reference, beside a null: the correlation of the
 * reference with an independent random draw of the same shape. Evidence, not
 * a claim (docs/CLAIMS.md). */
#ifndef TP_SIMILARITY_H
#define TP_SIMILARITY_H
#include <stddef.h>

#include <json-c/json.h>

#define TP_SIM_NULL_NONCE "trainprov/similarity-null/v1"

/* Pearson correlation of x and y (n elements); 0 when either is constant. */
double tp_similarity_pearson(const float *x, const float *y, size_t n);
/* Compares reference against step0 and final (either may be NULL; final
 * that is not a safetensors file is reported as such) and sets *out to the
 * evidence object. 0, or -1 with err (unreadable reference or step0, a
 * read error, out of memory). */
int tp_similarity_report(const char *reference, const char *step0, const char *final,
                         struct json_object **out, char *err, size_t errlen);

#endif
