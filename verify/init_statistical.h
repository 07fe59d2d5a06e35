/* init_statistical.h: the evidence for init.random at strength statistical (docs/CLAIMS.md):
 * a step-0 checkpoint of a job that used its framework's own initialiser is
 * tested tensor by tensor against the distribution its role implies
 * (PyTorch's defaults) or a declared one (--init-declare FILE.json). */
#ifndef TP_INIT_STATISTICAL_H
#define TP_INIT_STATISTICAL_H
#include <stddef.h>

#include "verify/claims.h"

#define TP_INITSTAT_KS_ALPHA 1e-6 /* a tensor fails KS below this p-value */
#define TP_INITSTAT_Z 6.0         /* moment tolerances, in standard errors */
#define TP_INITSTAT_ITERS 40 /* power iterations per weight matrix: a lower bound, tested one-sided */
#define TP_INITSTAT_DECLARE_MAX (16u << 20) /* bytes of an --init-declare file */

/* Tests every tensor of checkpoint; sets *status and *detail (malloc'd) and
 * adds the evidence to ev. 0, or -1 with err for an unreadable checkpoint or
 * declaration file, or out of memory. */
int tp_initstat_check(const char *checkpoint, const char *declare_path, struct json_object *ev,
                      tp_claim_status *status, char **detail, char *err, size_t errlen);

#endif
