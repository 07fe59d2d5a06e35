/* test_coalesce.c: repeated read sessions on one identity cost O(1) records
 * (logger/worker/coalesce.c): the first session is the caller's to write,
 * later identical ones are summed into one record (sessions, bytes read and
 * mapped, first and last access) written when due, at the seal, or not at all
 * in a forked child; a session that differs in anything but its counters, or
 * that is not a plain read, is never summed. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

/* A forked child drops its parent's table without freeing it
 * (tp_coalesce_atfork_child: the parent's worker may have been inside a free
 * of an entry at the fork); each test here starts that way, so the tables of
 * the earlier tests are those drops, not leaks of the code under test. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) { return "leak:tp_coalesce_read\n"; }

#include "core/journal.h"
#include "logger/worker/coalesce.h"
#include "logger/worker/stream.h"

#define SEC 1000000000LL

static char dir[64];
static tp_config cfg;
static tp_key *key;
static tp_stream stream;
static uint8_t digest[32] = {1, 2, 3};

static int setup(void **state)
{
    char err[256], priv[128], pub[128];
    strcpy(dir, "/tmp/tp_coalesce_XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(priv, sizeof priv, "%s/k.pem", dir);
    snprintf(pub, sizeof pub, "%s/k.pub.pem", dir);
    assert_int_equal(tp_key_generate(priv, pub, err, sizeof err), 0);
    assert_int_equal(tp_key_load_private(priv, &key, err, sizeof err), 0);
    memset(&cfg, 0, sizeof cfg);
    snprintf(cfg.journal_dir, sizeof cfg.journal_dir, "%s/run.h5.journal", dir);
    assert_int_equal(mkdir(cfg.journal_dir, 0700), 0); /* `trainprov run` makes it */
    cfg.head_every = 1000;
    cfg.head_interval_ms = 3600000;
    assert_int_equal(tp_stream_open(&stream, &cfg, key, 0x42, 0, "root"), 0);
    tp_coalesce_atfork_child(); /* a fresh table for each test */
    return 0;
}

static int teardown(void **state)
{
    char cmd[128];
    tp_stream_close(&stream);
    tp_key_free(key);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd);
}

/* A read session's record of the file /data/train.bin (identity ino). */
static Trainprov__V1__FileEvent session(uint64_t ino, int64_t first, uint64_t mapped)
{
    Trainprov__V1__FileEvent fe = TRAINPROV__V1__FILE_EVENT__INIT;
    fe.path = (char *)"/data/train.bin";
    fe.role = (char *)"data";
    fe.declared_role = (char *)"data";
    fe.format = (char *)"";
    fe.hash_error = (char *)"";
    fe.access = (char *)"read";
    fe.device = 7;
    fe.inode = ino;
    fe.size = 4096;
    fe.mtime_ns = 100;
    fe.ctime_ns = 100;
    fe.sha256.data = digest;
    fe.sha256.len = sizeof digest;
    fe.mapped = mapped != 0;
    fe.bytes_mapped = mapped;
    fe.bytes_read = 10;
    fe.first_access_ns = first;
    fe.last_access_ns = first + 5;
    return fe;
}

/* The FileEvent of the stream's last record (decoded from the journal). */
static Trainprov__V1__Record *last_record(void)
{
    char path[256];
    snprintf(path, sizeof path, "%s/0000000000000042.tpj", cfg.journal_dir);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static uint8_t buf[1 << 16];
    size_t len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    tp_journal_reader r;
    assert_int_equal(tp_journal_reader_init(&r, buf, len), TP_JOURNAL_FRAME);
    enum tp_frame_kind kind;
    const uint8_t *payload, *last = NULL;
    uint32_t n, last_n = 0;
    while (tp_journal_next(&r, &kind, &payload, &n) == TP_JOURNAL_FRAME)
        if (kind == TP_FRAME_RECORD) {
            last = payload;
            last_n = n;
        }
    assert_non_null(last);
    Trainprov__V1__Record *rec = trainprov__v1__record__unpack(NULL, last_n, last);
    assert_non_null(rec);
    return rec;
}

static void test_repeats_summed_into_one_record(void **state)
{
    int64_t t0 = 1000 * SEC;
    Trainprov__V1__FileEvent first = session(1, t0, 4096);
    assert_int_equal(tp_coalesce_read(&stream, &first, t0), 0); /* the caller writes it */
    uint64_t seq = stream.seq;
    for (int i = 1; i <= 1000; i++) {
        Trainprov__V1__FileEvent again = session(1, t0 + i, 4096);
        assert_int_equal(tp_coalesce_read(&stream, &again, t0 + i), 1);
    }
    assert_int_equal(stream.seq, seq); /* nothing written for 1,000 opens */
    assert_int_equal(tp_coalesce_next_due(), t0 + 1 + TP_COALESCE_FLUSH_S * SEC);
    tp_coalesce_flush(&stream, t0 + 2000, 1);
    assert_int_equal(stream.seq, seq + 1);
    Trainprov__V1__Record *rec = last_record();
    assert_int_equal(rec->body_case, TRAINPROV__V1__RECORD__BODY_FILE);
    assert_int_equal(rec->file->sessions, 1000);
    assert_int_equal(rec->file->bytes_mapped, 1000 * 4096);
    assert_int_equal(rec->file->bytes_read, 1000 * 10);
    assert_true(rec->file->mapped);
    assert_int_equal(rec->file->first_access_ns, t0 + 1);
    assert_int_equal(rec->file->last_access_ns, t0 + 1000 + 5);
    assert_memory_equal(rec->file->sha256.data, digest, sizeof digest);
    assert_string_equal(rec->file->access, "read");
    trainprov__v1__record__free_unpacked(rec, NULL);
    assert_int_equal(tp_coalesce_next_due(), -1);
    tp_coalesce_flush(&stream, t0 + 3000, 1); /* nothing pending: nothing written */
    assert_int_equal(stream.seq, seq + 1);
}

static void test_sum_written_when_due(void **state)
{
    int64_t t0 = 5000 * SEC;
    Trainprov__V1__FileEvent fe = session(2, t0, 0);
    assert_int_equal(tp_coalesce_read(&stream, &fe, t0), 0);
    assert_int_equal(tp_coalesce_read(&stream, &fe, t0 + 1), 1);
    uint64_t seq = stream.seq;
    tp_coalesce_flush(&stream, t0 + 1 + TP_COALESCE_FLUSH_S * SEC - 1, 0);
    assert_int_equal(stream.seq, seq);
    tp_coalesce_flush(&stream, t0 + 1 + TP_COALESCE_FLUSH_S * SEC, 0);
    assert_int_equal(stream.seq, seq + 1);
    /* the file stays known: the next repeat starts a new sum */
    assert_int_equal(tp_coalesce_read(&stream, &fe, t0 + 100 * SEC), 1);
    assert_int_equal(tp_coalesce_next_due(), t0 + 100 * SEC + TP_COALESCE_FLUSH_S * SEC);
}

static void test_different_content_or_access_not_summed(void **state)
{
    int64_t t0 = 9000 * SEC;
    Trainprov__V1__FileEvent fe = session(3, t0, 0);
    assert_int_equal(tp_coalesce_read(&stream, &fe, t0), 0);
    Trainprov__V1__FileEvent rewritten = session(3, t0, 0);
    rewritten.ctime_ns = 200; /* another identity: a first session of its own */
    assert_int_equal(tp_coalesce_read(&stream, &rewritten, t0), 0);
    Trainprov__V1__FileEvent other_digest = session(3, t0, 0);
    static uint8_t d2[32] = {9};
    other_digest.sha256.data = d2;
    assert_int_equal(tp_coalesce_read(&stream, &other_digest, t0), 0);
    Trainprov__V1__FileEvent other_role = session(3, t0, 0);
    other_role.role = (char *)"weights";
    assert_int_equal(tp_coalesce_read(&stream, &other_role, t0), 0);
    Trainprov__V1__FileEvent write = session(3, t0, 0);
    write.access = (char *)"write";
    assert_int_equal(tp_coalesce_read(&stream, &write, t0), 0);
    assert_int_equal(tp_coalesce_read(&stream, &write, t0), 0); /* never summed */
    Trainprov__V1__FileEvent own = session(3, t0, 0);
    own.recorder_file = 1;
    assert_int_equal(tp_coalesce_read(&stream, &own, t0), 0);
    assert_int_equal(tp_coalesce_read(&stream, &own, t0), 0);
    assert_int_equal(tp_coalesce_next_due(), -1);
    /* the first ones are remembered and their repeats summed */
    assert_int_equal(tp_coalesce_read(&stream, &rewritten, t0), 1);
    assert_int_equal(tp_coalesce_read(&stream, &fe, t0), 1);
}

static void test_forked_child_drops_parent_sums(void **state)
{
    int64_t t0 = 20000 * SEC;
    Trainprov__V1__FileEvent fe = session(4, t0, 0);
    assert_int_equal(tp_coalesce_read(&stream, &fe, t0), 0);
    assert_int_equal(tp_coalesce_read(&stream, &fe, t0), 1);
    tp_coalesce_atfork_child();
    assert_int_equal(tp_coalesce_next_due(), -1);
    uint64_t seq = stream.seq;
    tp_coalesce_flush(&stream, t0, 1);
    assert_int_equal(stream.seq, seq); /* the parent's counts are the parent's */
    assert_int_equal(tp_coalesce_read(&stream, &fe, t0), 0); /* the child's first session */
}

static void test_many_files_bounded(void **state)
{
    /* more distinct files than the table holds: never summed wrongly, at
     * worst written one by one */
    int64_t t0 = 30000 * SEC;
    for (uint64_t ino = 100; ino < 100 + 20000; ino++) {
        Trainprov__V1__FileEvent fe = session(ino, t0, 0);
        assert_int_equal(tp_coalesce_read(&stream, &fe, t0), 0);
    }
    Trainprov__V1__FileEvent last = session(100 + 19999, t0, 0);
    assert_int_equal(tp_coalesce_read(&stream, &last, t0), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_repeats_summed_into_one_record, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sum_written_when_due, setup, teardown),
        cmocka_unit_test_setup_teardown(test_different_content_or_access_not_summed, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_forked_child_drops_parent_sums, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_files_bounded, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
