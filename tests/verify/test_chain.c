/* test_chain.c: resume chains (verify/chain.h) over hand-made segment logs
 * written to HDF5: a segment's digest is its manifest's SHA-256, or for a
 * recovered log commits to every stream's last signed head whatever the
 * stream order; `run --resume-from` accepts a log of its own key and refuses
 * another key's; a chain whose segment reads the previous segment's
 * checkpoint passes (alone that read is unknown); a dropped segment, another
 * key, a first segment that resumes, another challenge each break the link
 * they name; a killed
 * and recovered middle segment is a valid link whose log.complete counts as
 * unknown, unless an announced child stream is missing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/sha.h>

#include "core/hex.h"
#include "core/sign.h"
#include "proto/trainprov.pb-c.h"
#include "runlog/h5log.h"
#include "runlog/manifest.h"
#include "runlog/records.h"
#include "runlog/runlog.h"
#include "verify/chain.h"
#include "tests/verify/log_builder.h"

static char dir[] = "/tmp/test_chain.XXXXXX";
static tp_key *key_a, *key_b, *pub_a;
static const uint8_t ckpt1[32] = {1, 1, 1}, ckpt2[32] = {2, 2, 2}, shard[32] = {9, 9, 9};
static const uint8_t *challenge_nonce; /* recorded by the next segments made, when set */
static size_t challenge_nonce_len;

static char *path_in(const char *name)
{
    static char buf[8][128];
    static int next;
    char *p = buf[next++ % 8];
    snprintf(p, 128, "%s/%s", dir, name);
    return p;
}

static void add_record(tp_stream_data *s, const tp_runlog *log, Trainprov__V1__Record *r)
{
    tp_test_append_record(s, log->run_id, r, 1700000000000000000ll + (int64_t)s->n_records);
}

static void add_head(tp_stream_data *s, const tp_runlog *log, const tp_key *key, int final)
{
    tp_test_append_head(s, log->run_id, key, final, 0);
}

static void add_file(tp_stream_data *s, const tp_runlog *log, const char *path, const char *role,
                     const char *access, const uint8_t *sha)
{
    Trainprov__V1__FileEvent f = TRAINPROV__V1__FILE_EVENT__INIT;
    f.path = (char *)path;
    f.role = (char *)role;
    f.access = (char *)access;
    f.size = 4096;
    f.sha256 = (ProtobufCBinaryData){32, (uint8_t *)sha};
    if (!strcmp(access, "write")) {
        f.bytes_written = f.size;
        f.authored = 1;
    } else {
        f.bytes_read = f.size;
    }
    Trainprov__V1__Record r = TRAINPROV__V1__RECORD__INIT;
    r.body_case = TRAINPROV__V1__RECORD__BODY_FILE;
    r.file = &f;
    add_record(s, log, &r);
}

static void add_run_start(tp_stream_data *s, const tp_runlog *log, const uint8_t *resume_from,
                          uint64_t parent)
{
    Trainprov__V1__Exclusion sys = TRAINPROV__V1__EXCLUSION__INIT, *ex[] = {&sys};
    sys.prefix = "/usr/lib/";
    sys.source = "system";
    Trainprov__V1__RunStart rs = TRAINPROV__V1__RUN_START__INIT;
    rs.format_version = 1;
    rs.key_id = (ProtobufCBinaryData){32, (uint8_t *)log->key_id};
    rs.parent_stream = parent;
    rs.origin = parent ? "fork" : "root";
    rs.rank = -1;
    rs.exclusions = ex;
    rs.n_exclusions = 1;
    if (resume_from)
        rs.resume_from = (ProtobufCBinaryData){32, (uint8_t *)resume_from};
    if (challenge_nonce)
        rs.nonce = (ProtobufCBinaryData){challenge_nonce_len, (uint8_t *)challenge_nonce};
    Trainprov__V1__Record r = TRAINPROV__V1__RECORD__INIT;
    r.body_case = TRAINPROV__V1__RECORD__BODY_RUN_START;
    r.run_start = &rs;
    add_record(s, log, &r);
}

enum seg_end { ENDED, KILLED, KILLED_CHILD_MISSING };

/* One segment: resumes from resume_from (NULL: the first), reads the shard
 * and read_ckpt (NULL: none), writes wrote_ckpt, signed with key; ENDED
 * gets a StreamEnd, a final head and a manifest; KILLED stops after a
 * non-final head, without manifest (as `recover` leaves it), and with
 * KILLED_CHILD_MISSING its stream announced a child stream that is absent.
 * Written to name; returns its digest in digest. */
static void segment(const char *name, uint8_t run_byte, const tp_key *key,
                    const uint8_t *resume_from, const uint8_t *read_ckpt,
                    const uint8_t *wrote_ckpt, enum seg_end end, uint8_t digest[32])
{
    tp_runlog log;
    char err[512];
    memset(&log, 0, sizeof log);
    memset(log.run_id, run_byte, sizeof log.run_id);
    tp_key_id(key, log.key_id);
    log.has_run_id = log.has_key_id = 1;
    strcpy(log.library_version, "test");
    strcpy(log.assembled_by, end == ENDED ? "run" : "recover");
    tp_stream_data *s = tp_runlog_add_stream(&log, 0x1000u + run_byte);
    assert_non_null(s);
    add_run_start(s, &log, resume_from, 0);
    add_file(s, &log, "/data/shard0.bin", "data", "read", shard);
    if (read_ckpt)
        add_file(s, &log, "/out/ckpt.pt", "weights", "read", read_ckpt);
    add_file(s, &log, "/out/ckpt.pt", "checkpoint", "write", wrote_ckpt);
    if (end == KILLED_CHILD_MISSING) {
        Trainprov__V1__ChildStream cs = TRAINPROV__V1__CHILD_STREAM__INIT;
        cs.child_stream = 0x7777;
        cs.how = "fork";
        Trainprov__V1__Record r = TRAINPROV__V1__RECORD__INIT;
        r.body_case = TRAINPROV__V1__RECORD__BODY_CHILD;
        r.child = &cs;
        add_record(s, &log, &r);
    }
    if (end == ENDED) {
        Trainprov__V1__StreamEnd e = TRAINPROV__V1__STREAM_END__INIT;
        e.reason = "exit";
        Trainprov__V1__Record r = TRAINPROV__V1__RECORD__INIT;
        r.body_case = TRAINPROV__V1__RECORD__BODY_STREAM_END;
        r.stream_end = &e;
        add_record(s, &log, &r);
    }
    add_head(s, &log, key, end == ENDED);
    if (end == ENDED && tp_manifest_sign(&log, key, "run", err, sizeof err) != 0)
        fail_msg("manifest: %s", err);
    if (end == ENDED)
        SHA256(log.manifest_body.data, log.manifest_body.len, digest);
    uint8_t computed[32];
    assert_int_equal(tp_chain_segment_digest(&log, computed), 0);
    if (end == ENDED)
        assert_memory_equal(computed, digest, 32);
    memcpy(digest, computed, 32);
    if (tp_h5log_write(path_in(name), &log, err, sizeof err) != 0)
        fail_msg("write %s: %s", name, err);
    tp_runlog_free(&log);
}

static tp_claim_options no_options;

/* Verifies names... (the last is LAST.h5) into ch; asserts the verdict. */
static void verify_chain(tp_chain *ch, int want_pass, size_t n, ...)
{
    const char *paths[8];
    char err[1024];
    va_list ap;
    va_start(ap, n);
    for (size_t k = 0; k < n; k++)
        paths[k] = path_in(va_arg(ap, const char *));
    va_end(ap);
    if (tp_chain_verify(ch, paths, n, pub_a, &no_options, err, sizeof err) != 0)
        fail_msg("tp_chain_verify: %s", err);
    if (ch->pass != want_pass)
        fail_msg("the chain's verdict is %s, expected %s (link problems: %s / %s)",
                 ch->pass ? "pass" : "fail", want_pass ? "pass" : "fail",
                 ch->link_problem[0] ? ch->link_problem[0] : "-",
                 n > 1 && ch->link_problem[1] ? ch->link_problem[1] : "-");
}

static const tp_claim *campaign_claim(const tp_chain *ch, const char *id)
{
    for (size_t k = 0; k < TP_CLAIM_COUNT; k++)
        if (!strcmp(ch->claims[k].id, id))
            return &ch->claims[k];
    fail_msg("no claim %s", id);
    return NULL;
}

static void test_manifest_digest_and_run_check(void **state)
{
    (void)state;
    uint8_t d[32], checked[32];
    char err[1024];
    segment("m.h5", 1, key_a, NULL, NULL, ckpt1, ENDED, d);
    assert_int_equal(tp_chain_check_previous(path_in("m.h5"), key_a, checked, err, sizeof err), 0);
    assert_memory_equal(d, checked, 32);
    assert_int_not_equal(tp_chain_check_previous(path_in("m.h5"), key_b, checked, err, sizeof err), 0);
    assert_non_null(strstr(err, "not by --key"));
    assert_int_not_equal(tp_chain_check_previous(path_in("none.h5"), key_a, checked, err, sizeof err), 0);
    assert_non_null(strstr(err, "none.h5"));
}

/* A recovered log's digest does not depend on the order its streams are
 * stored in, and changes when a stream goes or a last head differs. */
static void test_recovered_digest_commits_to_last_heads(void **state)
{
    (void)state;
    tp_runlog log;
    memset(&log, 0, sizeof log);
    memset(log.run_id, 7, sizeof log.run_id);
    tp_key_id(key_a, log.key_id);
    log.has_run_id = log.has_key_id = 1;
    for (uint64_t id = 1; id <= 2; id++) {
        tp_stream_data *s = tp_runlog_add_stream(&log, id);
        assert_non_null(s);
        add_run_start(s, &log, NULL, 0);
        add_head(s, &log, key_a, 0);
    }
    uint8_t d1[32], d2[32], d3[32];
    assert_int_equal(tp_chain_segment_digest(&log, d1), 0);
    tp_stream_data tmp = log.streams[0];
    log.streams[0] = log.streams[1];
    log.streams[1] = tmp;
    assert_int_equal(tp_chain_segment_digest(&log, d2), 0);
    assert_memory_equal(d1, d2, 32);
    log.streams[1].head_bodies[0].data[log.streams[1].head_bodies[0].len - 1] ^= 1;
    assert_int_equal(tp_chain_segment_digest(&log, d3), 0);
    assert_memory_not_equal(d1, d3, 32);
    log.streams[1].head_bodies[0].data[log.streams[1].head_bodies[0].len - 1] ^= 1;
    log.n_streams = 1;
    assert_int_equal(tp_chain_segment_digest(&log, d3), 0);
    assert_memory_not_equal(d1, d3, 32);
    log.n_streams = 2;
    tp_runlog_free(&log);
}

static void test_chain_reads_earlier_checkpoint(void **state)
{
    (void)state;
    uint8_t da[32], db[32];
    tp_chain ch;
    segment("a.h5", 1, key_a, NULL, NULL, ckpt1, ENDED, da);
    segment("b.h5", 2, key_a, da, ckpt1, ckpt2, ENDED, db);
    verify_chain(&ch, 1, 2, "a.h5", "b.h5");
    assert_int_equal(campaign_claim(&ch, "init.no_foreign_weights")->status, TP_CLAIM_PASS);
    assert_true(ch.links_ok);
    tp_chain_free(&ch);
    /* b.h5 alone: its read of ckpt.pt cannot be checked */
    tp_runlog log;
    tp_file_table index;
    tp_verdict v;
    char err[1024];
    assert_int_equal(tp_h5log_read_files(path_in("b.h5"), &log, &index, err, sizeof err), 0);
    assert_int_equal(tp_claims_evaluate(&log, &index, pub_a, &no_options, &v, err, sizeof err), 0);
    assert_string_equal(v.claims[3].id, "init.no_foreign_weights");
    assert_int_equal(v.claims[3].status, TP_CLAIM_UNKNOWN);
    assert_non_null(strstr(v.claims[3].detail, "--chain"));
    tp_verdict_free(&v);
    tp_files_free(&index);
    tp_runlog_free(&log);
    /* a segment that reads content no earlier segment wrote */
    segment("x.h5", 3, key_a, da, ckpt2, ckpt1, ENDED, db);
    verify_chain(&ch, 0, 2, "a.h5", "x.h5");
    assert_int_equal(campaign_claim(&ch, "init.no_foreign_weights")->status, TP_CLAIM_FAIL);
    assert_true(ch.links_ok);
    tp_chain_free(&ch);
}

static void test_broken_links_are_named(void **state)
{
    (void)state;
    uint8_t da[32], db[32], dc[32], dk[32];
    char hex[65], want[256];
    tp_chain ch;
    segment("a.h5", 1, key_a, NULL, NULL, ckpt1, ENDED, da);
    segment("b.h5", 2, key_a, da, ckpt1, ckpt2, ENDED, db);
    segment("c.h5", 3, key_a, db, ckpt2, ckpt1, ENDED, dc);
    segment("k.h5", 4, key_b, da, ckpt1, ckpt2, ENDED, dk);
    verify_chain(&ch, 1, 3, "a.h5", "b.h5", "c.h5");
    tp_chain_free(&ch);

    verify_chain(&ch, 0, 2, "a.h5", "c.h5"); /* b.h5 dropped */
    tp_hex_encode(db, 32, hex);
    snprintf(want, sizeof want, "link 2: %s resumes from %s, not from %s", path_in("c.h5"), hex,
             path_in("a.h5"));
    assert_null(ch.link_problem[0]);
    assert_non_null(ch.link_problem[1]);
    assert_non_null(strstr(ch.link_problem[1], want));
    tp_chain_free(&ch);

    verify_chain(&ch, 0, 2, "b.h5", "c.h5"); /* the first segment dropped */
    assert_non_null(ch.link_problem[0]);
    assert_non_null(strstr(ch.link_problem[0], "which is not in the chain"));
    assert_null(ch.link_problem[1]);
    tp_chain_free(&ch);

    verify_chain(&ch, 0, 2, "a.h5", "k.h5"); /* another trainer key */
    assert_non_null(ch.link_problem[1]);
    assert_non_null(strstr(ch.link_problem[1], "a campaign has one trainer key"));
    tp_chain_free(&ch);
}

/* The campaign's challenge is the first segment's: a later segment may
 * record none or the same, not another. */
static void test_other_challenge_breaks_link(void **state)
{
    (void)state;
    static const uint8_t first[32] = {5}, other[32] = {6};
    uint8_t da[32], db[32], dc[32];
    tp_chain ch;
    challenge_nonce = first;
    challenge_nonce_len = sizeof first;
    segment("a.h5", 1, key_a, NULL, NULL, ckpt1, ENDED, da);
    challenge_nonce = NULL;
    segment("b.h5", 2, key_a, da, ckpt1, ckpt2, ENDED, db);
    challenge_nonce = other;
    segment("c.h5", 3, key_a, db, ckpt2, ckpt1, ENDED, dc);
    challenge_nonce = NULL;
    verify_chain(&ch, 0, 3, "a.h5", "b.h5", "c.h5");
    assert_null(ch.link_problem[1]);
    assert_non_null(ch.link_problem[2]);
    assert_non_null(strstr(ch.link_problem[2], "answers another challenge"));
    tp_chain_free(&ch);
}

static void test_recovered_segment_is_a_valid_link(void **state)
{
    (void)state;
    uint8_t da[32], db[32], dc[32];
    tp_chain ch;
    segment("a.h5", 1, key_a, NULL, NULL, ckpt1, ENDED, da);
    segment("b.h5", 2, key_a, da, ckpt1, ckpt2, KILLED, db);
    segment("c.h5", 3, key_a, db, ckpt2, ckpt1, ENDED, dc);
    verify_chain(&ch, 1, 3, "a.h5", "b.h5", "c.h5");
    assert_int_equal(campaign_claim(&ch, "log.complete")->status, TP_CLAIM_UNKNOWN);
    assert_non_null(strstr(campaign_claim(&ch, "log.complete")->detail, "b.h5"));
    assert_string_equal(ch.seg[1].verdict, "recovered");
    tp_chain_free(&ch);
    /* the recovered segment last: nobody resumed it, log.complete fails */
    verify_chain(&ch, 0, 2, "a.h5", "b.h5");
    assert_int_equal(campaign_claim(&ch, "log.complete")->status, TP_CLAIM_FAIL);
    tp_chain_free(&ch);
    /* a child stream it announced is missing: not what a kill leaves */
    segment("b.h5", 2, key_a, da, ckpt1, ckpt2, KILLED_CHILD_MISSING, db);
    segment("c.h5", 3, key_a, db, ckpt2, ckpt1, ENDED, dc);
    verify_chain(&ch, 0, 3, "a.h5", "b.h5", "c.h5");
    assert_int_equal(campaign_claim(&ch, "log.complete")->status, TP_CLAIM_FAIL);
    assert_true(ch.links_ok);
    tp_chain_free(&ch);
}

static int setup(void **state)
{
    (void)state;
    char err[256];
    if (!mkdtemp(dir))
        return -1;
    if (tp_key_generate(path_in("a.pem"), path_in("a.pub.pem"), err, sizeof err) != 0 ||
        tp_key_generate(path_in("b.pem"), path_in("b.pub.pem"), err, sizeof err) != 0 ||
        tp_key_load_private(path_in("a.pem"), &key_a, err, sizeof err) != 0 ||
        tp_key_load_private(path_in("b.pem"), &key_b, err, sizeof err) != 0 ||
        tp_key_load_public(path_in("a.pub.pem"), &pub_a, err, sizeof err) != 0) {
        fprintf(stderr, "setup: %s\n", err);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    const char *names[] = {"a.pem", "a.pub.pem", "b.pem", "b.pub.pem", "m.h5", "a.h5",
                           "b.h5",  "c.h5",      "k.h5",  "x.h5"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        unlink(path_in(names[i]));
    rmdir(dir);
    tp_key_free(key_a);
    tp_key_free(key_b);
    tp_key_free(pub_a);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_manifest_digest_and_run_check),
        cmocka_unit_test(test_recovered_digest_commits_to_last_heads),
        cmocka_unit_test(test_chain_reads_earlier_checkpoint),
        cmocka_unit_test(test_broken_links_are_named),
        cmocka_unit_test(test_other_challenge_breaks_link),
        cmocka_unit_test(test_recovered_segment_is_a_valid_link),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
