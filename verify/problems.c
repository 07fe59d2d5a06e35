/* problems.c: the problem collector of every claim (see problems.h). */
#include "verify/problems.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void tp_problems_add(tp_problems *p, const char *fmt, ...)
{
    char msg[TP_PROBLEM_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (p->count < TP_DETAIL_PROBLEMS) {
        size_t used = strlen(p->text);
        snprintf(p->text + used, sizeof p->text - used, "%s%s", used ? "; " : "", msg);
    }
    if (!p->list)
        p->list = json_object_new_array();
    if (p->count < TP_EVIDENCE_MAX)
        json_object_array_add(p->list, json_object_new_string(msg));
    p->count++;
}
