/* fuzz_inflate.c: libFuzzer target for the bounded DEFLATE decoder
 * (core/inflate.c), checked against zlib's raw inflate as the reference
 * (zlib is linked into this target only, never into the job). The first
 * two bytes of the input choose the output limit (1..65536 bytes, in a
 * buffer of exactly that size, so ASan sees any write past it), the rest
 * is the stream. Where our decoder finishes, zlib must finish with the same
 * bytes and the same input consumed; where zlib finishes within the limit,
 * ours must too; an error of ours before the limit is zlib's too; and
 * whatever came out is the same prefix. Then the logger's content test
 * (logger/content.c) on the same bytes: as a zip member's or gzip file's
 * compressed start, as a zip's tail (its central directory) and as a gzip
 * header, which must return without reading outside them. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "core/inflate.h"
#include "logger/content.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    size_t cap = ((size_t)data[0] << 8 | data[1]) + 1;
    const uint8_t *in = data + 2;
    size_t in_len = size - 2, used = 0, len = 0;
    uint8_t *out = malloc(cap), *ref = malloc(cap);
    if (!out || !ref)
        abort();
    tp_inflate_status r = tp_inflate(in, in_len, out, cap, &used, &len);
    if (len > cap || used > in_len)
        abort();

    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, -15) != Z_OK)
        abort();
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)in_len;
    z.next_out = ref;
    z.avail_out = (uInt)cap;
    int zr = inflate(&z, Z_FINISH);
    size_t zlen = z.total_out, zused = z.total_in;
    inflateEnd(&z);

    size_t common = len < zlen ? len : zlen;
    if (memcmp(out, ref, common) != 0)
        abort(); /* different bytes */
    if (r == TP_INFLATE_DONE && (zr != Z_STREAM_END || zlen != len || zused != used))
        abort(); /* we finished a stream zlib does not */
    if (zr == Z_STREAM_END && !(r == TP_INFLATE_DONE || (r == TP_INFLATE_FULL && len == cap)))
        abort(); /* zlib finished a stream we reject */
    if (r == TP_INFLATE_FULL && (len != cap || zlen != cap))
        abort(); /* the limit: both stop there with cap bytes */
    if (r < 0 && len < cap && zr == Z_BUF_ERROR && zlen == cap)
        abort(); /* we failed before the limit where zlib went on to it (at the limit,
                  * we may see an error in the next symbol that zlib never reads) */
    free(ref);

    /* the content test: a deflated or stored stream, the input cut short or whole */
    uint64_t total = in_len + (data[0] & 1 ? 1000000 : 0);
    (void)tp_content_stream_format(in, in_len, total, data[1] & 1 ? 0 : 8, 0, total, data[1] & 2,
                                   out, cap);
    (void)tp_content_gzip_format(in, in_len, total, out, cap); /* members joined */
    tp_zip_member m[TP_CONTENT_MEMBERS];
    long n = tp_content_zip_members(in, in_len, in_len + data[0], m, TP_CONTENT_MEMBERS);
    if (n > 0 && m[0].usize < m[n < TP_CONTENT_MEMBERS ? n - 1 : TP_CONTENT_MEMBERS - 1].usize)
        abort(); /* not largest first */
    if (tp_content_gzip_data_offset(data, size) >= size && size > 0)
        abort();
    tp_content c = {.size = in_len, .head = in, .head_len = in_len, .tail = in,
                    .tail_len = in_len, .decoded_all = data[0] & 1};
    (void)tp_content_format(&c);
    free(out);
    return 0;
}
