/* progress.c: the progress line of a long command on a terminal
 * (cli/progress.h), listening to core/progress.h. */
#include "cli/progress.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

static uint64_t coarse_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* n with a binary (bytes: KiB, MiB, ...) or decimal (k, M, G, T) prefix,
 * the prefix chosen for scale (the total, so that done and total read alike);
 * a count of items below a million in full. */
static void human(char *out, size_t cap, uint64_t n, uint64_t scale, tp_progress_unit unit)
{
    static const char *const bin[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    static const char *const dec[] = {"", "k", "M", "G", "T", "P"};
    double base = unit == TP_PROGRESS_BYTES ? 1024.0 : 1000.0;
    const char *const *names = unit == TP_PROGRESS_BYTES ? bin : dec;
    const char *sep = unit == TP_PROGRESS_BYTES ? " " : "";
    double v = (double)n, s = (double)scale;
    int k = 0;
    while (s >= base && k < 5 && (unit != TP_PROGRESS_ITEMS || scale >= 1000000)) {
        s /= base;
        v /= base;
        k++;
    }
    if (k == 0)
        snprintf(out, cap, "%" PRIu64 "%s%s", n, sep, names[0]);
    else
        snprintf(out, cap, "%.1f%s%s", v, sep, names[k]);
}

size_t tp_progress_format(char *out, size_t cap, const char *prog, const char *phase,
                          tp_progress_unit unit, uint64_t done, uint64_t total,
                          uint64_t phase_elapsed_ns, uint64_t phase_done)
{
    char d[32], t[32], r[32];
    const char *noun = unit == TP_PROGRESS_ELEMENTS ? " elements" : "";
    human(d, sizeof d, done, total > done ? total : done, unit);
    human(t, sizeof t, total, total, unit);
    int len = total ? snprintf(out, cap, "%s: %s %s/%s%s", prog, phase, d, t, noun)
                    : snprintf(out, cap, "%s: %s %s%s", prog, phase, d, noun);
    double secs = (double)phase_elapsed_ns / 1e9;
    if (len >= 0 && (size_t)len < cap && done > phase_done && secs > 0) {
        double rate = (double)(done - phase_done) / secs;
        human(r, sizeof r, (uint64_t)rate, (uint64_t)rate, unit);
        len += snprintf(out + len, cap - (size_t)len, ", %s/s", r);
        if (total > done && (size_t)len < cap) {
            double left = (double)(total - done) / rate;
            if (left < 100 * 3600)
                len += snprintf(out + len, cap - (size_t)len, ", %u:%02u left",
                                (unsigned)left / 60, (unsigned)left % 60);
        }
    }
    if (len < 0)
        len = 0;
    return (size_t)len < cap ? (size_t)len : cap ? cap - 1 : 0;
}

void tp_progress_line_init(tp_progress_line *p, int fd, const char *prog, size_t width,
                           uint64_t (*clock)(void))
{
    memset(p, 0, sizeof *p);
    p->fd = fd;
    p->prog = prog;
    p->width = width < TP_PROGRESS_WIDTH_MAX ? width : TP_PROGRESS_WIDTH_MAX;
    p->clock = clock ? clock : coarse_now;
    p->started_ns = p->clock();
    p->phase_ns = p->started_ns;
}

static void put(int fd, const char *s, size_t n)
{
    while (n) { /* a terminal that cannot take the line loses it, nothing else */
        ssize_t w = write(fd, s, n);
        if (w <= 0)
            return;
        s += w;
        n -= (size_t)w;
    }
}

void tp_progress_line_update(void *ctx, const char *phase, tp_progress_unit unit,
                             uint64_t done, uint64_t total)
{
    tp_progress_line *p = ctx;
    uint64_t now = p->clock();
    if (phase != p->phase && (!p->phase || strcmp(phase, p->phase) != 0)) {
        p->phase = phase;
        p->phase_ns = now;
        p->phase_done = done;
    } else if (done < p->phase_done) { /* the phase began again (its next file) */
        p->phase_ns = now;
        p->phase_done = done;
    }
    if (now - p->started_ns < TP_PROGRESS_DELAY_NS ||
        (p->drawn_ns && now - p->drawn_ns < TP_PROGRESS_EVERY_NS))
        return;
    p->drawn_ns = now;
    char line[1 + TP_PROGRESS_WIDTH_MAX + TP_PROGRESS_WIDTH_MAX + 1];
    line[0] = '\r';
    size_t n = tp_progress_format(line + 1, p->width + 1, p->prog, phase, unit, done, total,
                                  now - p->phase_ns, p->phase_done);
    size_t end = 1 + n;
    for (size_t k = n; k < p->shown; k++) /* blank what is left of a longer line */
        line[end++] = ' ';
    p->shown = n;
    put(p->fd, line, end);
}

void tp_progress_line_clear(tp_progress_line *p)
{
    if (!p->shown)
        return;
    char blank[2 + TP_PROGRESS_WIDTH_MAX + 1];
    blank[0] = '\r';
    memset(blank + 1, ' ', p->shown);
    blank[1 + p->shown] = '\r';
    put(p->fd, blank, p->shown + 2);
    p->shown = 0;
}

int tp_progress_wanted(int fd, int silenced)
{
    return !silenced && isatty(fd);
}

static tp_progress_line cli_line;

void tp_cli_progress_start(const char *prog, int silenced)
{
    if (!tp_progress_wanted(STDERR_FILENO, silenced))
        return;
    struct winsize ws;
    size_t width = ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1
                       ? (size_t)ws.ws_col - 1
                       : 79;
    tp_progress_line_init(&cli_line, STDERR_FILENO, prog, width, NULL);
    tp_progress_listen(tp_progress_line_update, &cli_line);
}

void tp_cli_progress_stop(void)
{
    tp_progress_listen(NULL, NULL);
    tp_progress_line_clear(&cli_line);
}
