/* fuzz_journal.c: libFuzzer target for one stream's journal file: the frame
 * reader (core/journal.c) over the raw bytes, then the loader that keeps
 * records up to the last signed head (runlog/journal_load.c) on the same
 * bytes as a journal file, then everything the dump renders of the result. */
#include <stdint.h>
#include <stdlib.h>

#include "core/journal.h"
#include "fuzz/fuzz_input.h"
#include "fuzz/fuzz_render.h"
#include "runlog/journal_load.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tp_journal_reader r;
    int st = tp_journal_reader_init(&r, data, size);
    while (st == TP_JOURNAL_FRAME) {
        enum tp_frame_kind kind;
        const uint8_t *payload;
        uint32_t len;
        size_t before = r.pos;
        st = tp_journal_next(&r, &kind, &payload, &len);
        if (st == TP_JOURNAL_FRAME &&
            (payload < data || len > size || payload + len > data + size || r.pos <= before))
            abort(); /* a frame outside the input, or no progress */
    }

    tp_fuzz_write_file("0000000000000001.tpj", data, size);
    tp_runlog log;
    char err[512];
    if (tp_journal_load_dir(tp_fuzz_dir(), &log, err, sizeof err) == 0) {
        tp_fuzz_render_log(&log);
        tp_runlog_free(&log);
    }
    return 0;
}
