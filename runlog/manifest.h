/* manifest.h: the signed run manifest: every stream's last signed head,
 * signed once when the log is assembled (docs/FORMAT.md section 3). */
#ifndef TP_MANIFEST_H
#define TP_MANIFEST_H
#include <stddef.h>

#include "runlog/runlog.h"
#include "core/sign.h"

/* Builds the RunManifest body from the streams' last heads, signs it with key
 * and stores body and signature in log. 0 or -1 (err says why). */
int tp_manifest_sign(tp_runlog *log, const tp_key *key, const char *assembled_by, char *err,
                     size_t errlen);

#endif
