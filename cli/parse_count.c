/* parse_count.c: a non-negative decimal count (see parse_count.h). */
#include "cli/parse_count.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int tp_parse_count(const char *v, int *out)
{
    if (!v || *v < '0' || *v > '9' || strlen(v) > 10)
        return -1;
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (errno || *end || x < 0 || x > 0x7fffffff)
        return -1;
    *out = (int)x;
    return 0;
}
