/* run_resume.h: `trainprov run --resume-from PREV.h5` (run_resume.c). */
#ifndef TP_RUN_RESUME_H
#define TP_RUN_RESUME_H

#include "core/merkle.h"
#include "core/sign.h"

/* Checks PREV.h5 before the job starts and puts its digest, as hex, in
 * hex (the job's TRAINPROV_RESUME_FROM). 0, or the exit status 2 after
 * printing why PREV.h5 cannot be resumed from. */
int tp_run_resume_check(const char *prev, const tp_key *key, char hex[2 * TP_HASH_LEN + 1]);

#endif
