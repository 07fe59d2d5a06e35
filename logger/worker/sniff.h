/* sniff.h: the weights format of an open file's content (logger/content.h),
 * from bounded samples read with pread. Worker thread only: it uses static
 * buffers, and there is one worker per process. */
#ifndef TP_SNIFF_H
#define TP_SNIFF_H
#include <stdint.h>

#include "core/hashfile.h"

/* The format tp_content_format gives for fd's content (size bytes), or
 * NULL, read with pread_fn (the real pread in the library; plain pread in
 * bench/classify_file). With raw = 0 only the head is read (magic numbers,
 * declared dtypes), not the body samples of the raw-float test. The fd's
 * offset is untouched. */
const char *tp_sniff_format(int fd, uint64_t size, tp_pread_fn pread_fn, int raw);

#endif
