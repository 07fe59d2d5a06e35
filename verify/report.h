/* report.h: the verifier's report over a tp_verdict: text for people (what
 * each claim shows and what it does not prove), JSON for programs. The JSON
 * field names are a public interface (docs/CLAIMS.md). */
#ifndef TP_REPORT_H
#define TP_REPORT_H
#include <stdio.h>

#include <json-c/json.h>

#include "verify/claims.h"
#include "runlog/runlog.h"

void tp_report_text(FILE *out, const char *log_path, const tp_runlog *log, const tp_verdict *v);
/* {"log", "run_id", "key_id", "pubkey_id", "key_matches", "verdict",
 *  "claims": [{"id", "status", "detail", "does_not_prove", "evidence"}],
 *  "files": [...], "streams": [...]} */
struct json_object *tp_report_json(const char *log_path, const tp_runlog *log,
                                   const tp_verdict *v);

#endif
