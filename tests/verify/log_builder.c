/* log_builder.c: hand-built run logs for the verifier's unit tests (see
 * log_builder.h). A failure is a cmocka assertion. */
#include "tests/verify/log_builder.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>

#include "core/merkle.h"

void tp_test_append_record(tp_stream_data *s, const uint8_t run_id[16],
                           Trainprov__V1__Record *r, int64_t time_ns)
{
    r->run_id = (ProtobufCBinaryData){16, (uint8_t *)run_id};
    r->stream_id = s->stream_id;
    r->seq = s->n_records;
    r->time_ns = time_ns;
    size_t len = trainprov__v1__record__get_packed_size(r);
    uint8_t *buf = malloc(len ? len : 1);
    assert_non_null(buf);
    trainprov__v1__record__pack(r, buf);
    assert_int_equal(tp_stream_add_record(s, buf, len), 0);
    free(buf);
}

void tp_test_stream_root(const tp_stream_data *s, uint8_t root[32])
{
    tp_merkle m;
    tp_merkle_init(&m);
    for (size_t i = 0; i < s->n_records; i++)
        tp_merkle_append(&m, s->records[i].data, s->records[i].len);
    tp_merkle_root(&m, root);
}

void tp_test_append_head(tp_stream_data *s, const uint8_t run_id[16], const tp_key *key,
                         int final, int64_t time_ns)
{
    uint8_t root[32], key_id[32], sig[TP_SIG_LEN], buf[256];
    tp_test_stream_root(s, root);
    tp_key_id(key, key_id);
    Trainprov__V1__TreeHead h = TRAINPROV__V1__TREE_HEAD__INIT;
    h.run_id = (ProtobufCBinaryData){16, (uint8_t *)run_id};
    h.stream_id = s->stream_id;
    h.tree_size = s->n_records;
    h.root = (ProtobufCBinaryData){32, root};
    h.time_ns = time_ns;
    h.final = final;
    h.key_id = (ProtobufCBinaryData){32, key_id};
    size_t len = trainprov__v1__tree_head__pack(&h, buf);
    assert_int_equal(tp_key_sign(key, TP_PAYLOAD_TREEHEAD, buf, len, sig), 0);
    assert_int_equal(tp_stream_add_head(s, buf, len, sig), 0);
}
