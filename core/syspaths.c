/* syspaths.c: the read-only system locations and whole-component prefix
 * matching (see syspaths.h). */
#include "core/syspaths.h"

#include <string.h>

const char *const tp_system_prefixes[] = {
    "/usr/bin/",  "/usr/sbin/",    "/usr/lib/",     "/usr/lib32/",  "/usr/lib64/", "/usr/libx32/",
    "/usr/libexec/", "/usr/include/", "/usr/share/", "/bin/",    "/sbin/",      "/lib/",
    "/lib32/",    "/lib64/",       "/libx32/",      "/etc/",        "/proc/",      "/sys/",
    "/var/lib/dpkg/", NULL,
};

int tp_syspath_covers(const char *prefix, const char *path)
{
    size_t n = strlen(prefix);
    if (n >= 2 && prefix[n - 1] == '*') /* "DIR/NAME*": files of DIR named NAME... */
        return strncmp(path, prefix, n - 1) == 0 && !strchr(path + n - 1, '/');
    if (n == 0 || strncmp(path, prefix, n) != 0)
        return 0;
    return prefix[n - 1] == '/' || path[n] == '\0' || path[n] == '/';
}

int tp_syspath_is_system(const char *prefix)
{
    for (const char *const *p = tp_system_prefixes; *p; p++)
        if (tp_syspath_covers(*p, prefix))
            return 1;
    return 0;
}

int tp_syspath_is_pseudo(const char *path)
{
    return tp_syspath_covers("/proc/", path) || tp_syspath_covers("/sys/", path);
}
