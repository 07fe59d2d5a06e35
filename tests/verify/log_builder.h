/* log_builder.h: what the verifier's unit tests share to build run logs by
 * hand: records appended to a stream with their envelope fields filled in,
 * and tree heads over a stream's records signed with a test key. */
#ifndef TP_TEST_LOG_BUILDER_H
#define TP_TEST_LOG_BUILDER_H
#include <stdint.h>

#include "core/sign.h"
#include "proto/trainprov.pb-c.h"
#include "runlog/runlog.h"

/* Fills r's run id, stream id and sequence number (the next in s), sets its
 * time to time_ns, packs it and appends it to s. */
void tp_test_append_record(tp_stream_data *s, const uint8_t run_id[16],
                           Trainprov__V1__Record *r, int64_t time_ns);

/* The Merkle root over every record of s. */
void tp_test_stream_root(const tp_stream_data *s, uint8_t root[32]);

/* Appends to s a tree head over every record of s (head time time_ns,
 * final or not), signed with key. */
void tp_test_append_head(tp_stream_data *s, const uint8_t run_id[16], const tp_key *key,
                         int final, int64_t time_ns);

#endif
