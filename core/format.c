/* format.c: how stream ids, journals and their directory are named (format.h). */
#include "core/format.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "core/hex.h"

void tp_stream_hex(uint64_t id, char out[TP_STREAM_HEX_LEN + 1])
{
    snprintf(out, TP_STREAM_HEX_LEN + 1, "%016" PRIx64, id);
}

int tp_journal_name_parse(const char *name, uint64_t *id)
{
    uint8_t b[TP_STREAM_HEX_LEN / 2];
    if (strlen(name) != TP_STREAM_HEX_LEN + strlen(TP_JOURNAL_SUFFIX) ||
        strcmp(name + TP_STREAM_HEX_LEN, TP_JOURNAL_SUFFIX) != 0 ||
        !tp_hex_is_lower(name, TP_STREAM_HEX_LEN) ||
        tp_hex_decode_n(name, TP_STREAM_HEX_LEN, b, sizeof b) != 0)
        return TP_EMALFORMED;
    *id = 0;
    for (size_t i = 0; i < sizeof b; i++)
        *id = *id << 8 | b[i];
    return 0;
}

int tp_journal_path(char *out, size_t cap, const char *dir, uint64_t id)
{
    int n = snprintf(out, cap, "%s/%016" PRIx64 "%s", dir, id, TP_JOURNAL_SUFFIX);
    return n < 0 || (size_t)n >= cap ? TP_ETOOBIG : 0;
}

int tp_journal_dir_for(const char *log_path, char *out, size_t cap)
{
    int n = snprintf(out, cap, "%s%s", log_path, TP_JOURNAL_DIR_SUFFIX);
    return n < 0 || (size_t)n >= cap ? TP_ETOOBIG : 0;
}
