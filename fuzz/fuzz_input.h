/* fuzz_input.h: what the libFuzzer targets share: the fuzz input written to a
 * file (the readers under test take paths), in a private directory made once
 * per fuzzer process and removed when it exits; a sink for rendered output. */
#ifndef TP_FUZZ_INPUT_H
#define TP_FUZZ_INPUT_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The fuzzer's private directory (created on first use; aborts if it cannot be). */
const char *tp_fuzz_dir(void);
/* Writes data to <tp_fuzz_dir()>/name and returns that path (static storage). */
const char *tp_fuzz_write_file(const char *name, const uint8_t *data, size_t size);
/* /dev/null opened once for writing: rendered text goes there. */
FILE *tp_fuzz_sink(void);

#endif
