/* html_report.h: the verifier's report as one self-contained HTML page for
 * an evaluator to publish (html_report.c; `trainprov report`). It loads
 * nothing: no script, inline styles only, a Content-Security-Policy that
 * forbids any fetch. It shows the verdict, every claim with its detail,
 * evidence and what it does not prove (the verifier's own words and JSON
 * names), the timeline (html_timeline.h), the training curve from Note
 * records, and the tables of data files, checkpoints, undeclared inputs and
 * init.random's tensors. Every string from the log is escaped
 * (html_escape.h); every list is bounded, and the page says where. */
#ifndef TP_HTML_REPORT_H
#define TP_HTML_REPORT_H
#include <stdio.h>

#include "runlog/runlog.h"
#include "verify/chain.h"
#include "verify/claims.h"

/* Writes the page for log (at log_path) and its verdict v; chain: the
 * campaign it ends (v is then its campaign view), or NULL. 0, or -1 when
 * out of memory or writing failed. */
int tp_html_report(FILE *out, const char *log_path, const tp_runlog *log, const tp_verdict *v,
                   const tp_chain *chain);

#endif
