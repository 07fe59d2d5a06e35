/* fuzz_render.h: renders a run log the way `trainprov dump` does (records,
 * heads and manifest decoded, as JSON and as text lines, and the /files
 * table), then evaluates its claims and writes `trainprov report`'s HTML
 * page, so the targets that read a log exercise what follows the read. */
#ifndef TP_FUZZ_RENDER_H
#define TP_FUZZ_RENDER_H
#include "runlog/runlog.h"

void tp_fuzz_render_log(const tp_runlog *log);

#endif
