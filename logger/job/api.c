/* api.c: the public C API of include/trainprov.h. Every call only posts an
 * event to the background worker; none blocks on I/O. */
#define _GNU_SOURCE
#include "trainprov.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "logger/classify.h"
#include "logger/job/guard.h"
#include "logger/job/roles.h"
#include "logger/runtime.h"
#include "logger/job/track.h"

#define TP_EXPORT __attribute__((visibility("default")))
#define MAX_TEXT 4096 /* longer names and values are refused, not truncated */

TP_EXPORT int trainprov_log_active(void) { return tp_runtime_recording(); }

TP_EXPORT const char *trainprov_version(void) { return TP_VERSION; }

static int post_text(tp_event_kind kind, const char *a, const char *b, uint64_t u64)
{
    if (!a || !b || strnlen(a, MAX_TEXT) == MAX_TEXT || strnlen(b, MAX_TEXT) == MAX_TEXT)
        return TRAINPROV_EINVAL;
    if (!tp_runtime_recording())
        return TRAINPROV_INACTIVE;
    tp_guard_enter();
    tp_event *ev = tp_event_new(kind, a, b);
    if (ev) {
        ev->u64 = u64;
        tp_runtime_post(ev);
    }
    tp_guard_leave();
    return ev ? TRAINPROV_OK : TRAINPROV_ENOMEM;
}

TP_EXPORT int trainprov_seed_record(const char *name, uint64_t value, const char *source)
{
    return post_text(TP_EV_SEED, name, source ? source : "api", value);
}

TP_EXPORT int trainprov_note_record(const char *key, const char *value)
{
    return post_text(TP_EV_NOTE, key, value, 0);
}

/* A path that does not exist yet is made absolute against the cwd. */
static int absolute_path(const char *path, char *out, size_t cap)
{
    if (tp_track_resolve(AT_FDCWD, path, out, cap) == 0)
        return 0;
    if (path[0] == '/')
        return snprintf(out, cap, "%s", path) < (int)cap ? 0 : -1;
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd))
        return -1;
    int n = snprintf(out, cap, "%s/%s", cwd, path);
    return n >= 0 && (size_t)n < cap ? 0 : -1;
}

TP_EXPORT int trainprov_file_set_role(const char *path, const char *role)
{
    enum tp_role r = tp_role_parse(role);
    char abs[PATH_MAX];
    if (!path || !*path || r == TP_ROLE_NONE)
        return TRAINPROV_EINVAL;
    if (!tp_runtime_recording())
        return TRAINPROV_INACTIVE;
    tp_guard_enter();
    int rc = absolute_path(path, abs, sizeof abs) == 0 ? tp_roles_declare(abs, r) : -1;
    tp_guard_leave();
    return rc == 0 ? TRAINPROV_OK : TRAINPROV_EINVAL;
}
