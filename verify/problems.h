/* problems.h: what a claim found wrong, collected as it checks: the first
 * few spelled out for the one-line detail, up to TP_EVIDENCE_MAX kept as a
 * JSON list for the report's evidence. Shared by every claim module. */
#ifndef TP_PROBLEMS_H
#define TP_PROBLEMS_H
#include <stddef.h>

#include <json-c/json.h>

#define TP_DETAIL_PROBLEMS 4   /* problems spelled out in a detail line */
#define TP_EVIDENCE_MAX 1000   /* problems kept in a claim's evidence */
#define TP_PROBLEM_MAX 1024    /* longest problem text */

typedef struct {
    char text[TP_DETAIL_PROBLEMS * TP_PROBLEM_MAX];
    size_t count;
    struct json_object *list; /* NULL until the first problem */
} tp_problems;

__attribute__((format(printf, 2, 3))) void tp_problems_add(tp_problems *p, const char *fmt, ...);

#endif
