/* sniff.h: the weights format of an open file's content (logger/content.h),
 * from bounded samples read with pread. Worker thread only: it uses static
 * buffers, and there is one worker per process. */
#ifndef TP_SNIFF_H
#define TP_SNIFF_H
#include <stdint.h>

#include "core/hashfile.h"

/* The format tp_content_format gives for fd's content (size bytes), or
 * NULL, read with pread_fn (the real pread in the library; plain pread in
 * bench/classify_rates). The fd's offset is untouched. */
const char *tp_sniff_format(int fd, uint64_t size, tp_pread_fn pread_fn);

#endif
