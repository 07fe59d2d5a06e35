/* test_stream.c: a stream written by the logger reads back as a valid
 * journal: records in order with seq = position, each head's root equal to
 * the Merkle root of the records before it, each signature valid, the last
 * head final; and a failed journal write is rolled back, not left torn. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "core/journal.h"
#include "core/merkle.h"
#include "core/sign.h"
#include "logger/worker/stream.h"

static char dir[64];
static tp_config cfg;
static tp_key *key;

static int setup(void **state)
{
    char err[256], priv[128], pub[128];
    strcpy(dir, "/tmp/tp_stream_XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(priv, sizeof priv, "%s/k.pem", dir);
    snprintf(pub, sizeof pub, "%s/k.pub.pem", dir);
    assert_int_equal(tp_key_generate(priv, pub, err, sizeof err), 0);
    assert_int_equal(tp_key_load_private(priv, &key, err, sizeof err), 0);
    memset(&cfg, 0, sizeof cfg);
    snprintf(cfg.journal_dir, sizeof cfg.journal_dir, "%s/run.h5.journal", dir);
    assert_int_equal(mkdir(cfg.journal_dir, 0700), 0); /* `trainprov run` makes it */
    for (int i = 0; i < 16; i++)
        cfg.run_id[i] = (uint8_t)i;
    cfg.head_every = 3;
    cfg.head_interval_ms = 3600000;
    return 0;
}

static int teardown(void **state)
{
    char cmd[128];
    tp_key_free(key);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd);
}

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    *len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc(*len ? *len : 1);
    assert_int_equal(fread(buf, 1, *len, f), *len);
    fclose(f);
    return buf;
}

static void append_note(tp_stream *s, const char *k)
{
    Trainprov__V1__Note note = TRAINPROV__V1__NOTE__INIT;
    note.key = (char *)k;
    note.value = (char *)"1";
    Trainprov__V1__Record rec = TRAINPROV__V1__RECORD__INIT;
    rec.body_case = TRAINPROV__V1__RECORD__BODY_NOTE;
    rec.note = &note;
    tp_stream_append(s, &rec);
    if (tp_stream_head_due(s, tp_now_ns()))
        tp_stream_sign_head(s, 0);
}

static void test_stream_reads_back_and_verifies(void **state)
{
    tp_stream s;
    assert_int_equal(tp_stream_open(&s, &cfg, key, 0x1122334455667788ull, 0, "root"), 0);
    for (int i = 0; i < 7; i++)
        append_note(&s, "step");
    tp_stream_sign_head(&s, 1);
    tp_stream_close(&s);

    char path[256];
    snprintf(path, sizeof path, "%s/1122334455667788.tpj", cfg.journal_dir);
    size_t len;
    uint8_t *data = slurp(path, &len);
    tp_journal_reader r;
    assert_int_equal(tp_journal_reader_init(&r, data, len), TP_JOURNAL_FRAME);
    tp_merkle tree;
    tp_merkle_init(&tree);
    enum tp_frame_kind kind;
    const uint8_t *payload;
    uint32_t n;
    int heads = 0, final_seen = 0;
    uint64_t records = 0;
    while (tp_journal_next(&r, &kind, &payload, &n) == TP_JOURNAL_FRAME) {
        if (kind == TP_FRAME_RECORD) {
            Trainprov__V1__Record *rec = trainprov__v1__record__unpack(NULL, n, payload);
            assert_non_null(rec);
            assert_int_equal(rec->seq, records);
            assert_int_equal(rec->stream_id, 0x1122334455667788ull);
            assert_int_equal(rec->body_case, records == 0 ? TRAINPROV__V1__RECORD__BODY_RUN_START
                                                          : TRAINPROV__V1__RECORD__BODY_NOTE);
            trainprov__v1__record__free_unpacked(rec, NULL);
            tp_merkle_append(&tree, payload, n);
            records++;
            continue;
        }
        Trainprov__V1__SignedHead *sh = trainprov__v1__signed_head__unpack(NULL, n, payload);
        assert_non_null(sh);
        assert_int_equal(tp_key_verify(key, TP_PAYLOAD_TREEHEAD, sh->body.data, sh->body.len,
                                       sh->signature.data, sh->signature.len), 0);
        Trainprov__V1__TreeHead *h =
            trainprov__v1__tree_head__unpack(NULL, sh->body.len, sh->body.data);
        assert_non_null(h);
        assert_int_equal(h->tree_size, records);
        uint8_t root[TP_HASH_LEN];
        tp_merkle_root(&tree, root);
        assert_memory_equal(h->root.data, root, TP_HASH_LEN);
        final_seen = h->final;
        heads++;
        trainprov__v1__tree_head__free_unpacked(h, NULL);
        trainprov__v1__signed_head__free_unpacked(sh, NULL);
    }
    assert_int_equal(records, 8);     /* RunStart + 7 notes */
    assert_int_equal(heads, 2 + 1);   /* every 3 records, and the final one */
    assert_true(final_seen);
    free(data);
}

static void test_failed_write_is_rolled_back(void **state)
{
    tp_stream s;
    assert_int_equal(tp_stream_open(&s, &cfg, key, 0x99, 0, "root"), 0);
    append_note(&s, "before");
    uint64_t offset = s.offset;
    int fd = s.fd;
    /* a read-only descriptor makes the next write fail like a full disk */
    char path[256];
    snprintf(path, sizeof path, "%s/0000000000000099.tpj", cfg.journal_dir);
    s.fd = open(path, O_RDONLY);
    append_note(&s, "lost");
    assert_int_equal(s.dropped, 1);
    assert_int_equal(s.offset, offset);
    close(s.fd);
    s.fd = fd;
    append_note(&s, "after");
    tp_stream_close(&s);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal((uint64_t)st.st_size, s.offset);
}

/* A job that closes the journal's descriptor (subprocess closing every fd
 * before exec) and reuses the number for its own file: the stream reopens
 * its journal and never writes into the job's file. */
static void test_job_closes_the_journal_fd(void **state)
{
    tp_stream s;
    assert_int_equal(tp_stream_open(&s, &cfg, key, 0x77, 0, "root"), 0);
    append_note(&s, "before");
    char jobfile[256];
    snprintf(jobfile, sizeof jobfile, "%s/job.txt", dir);
    close(s.fd);
    int job_fd = open(jobfile, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_int_equal(job_fd, s.fd); /* the job now owns the number */
    append_note(&s, "after");
    tp_stream_sign_head(&s, 1);
    assert_int_equal(s.dropped, 0);
    struct stat st;
    assert_int_equal(fstat(job_fd, &st), 0);
    assert_int_equal(st.st_size, 0);
    tp_stream_close(&s);
    assert_int_equal(fstat(job_fd, &st), 0); /* still open: not ours to close */
    close(job_fd);
    char path[256];
    snprintf(path, sizeof path, "%s/0000000000000077.tpj", cfg.journal_dir);
    size_t len;
    uint8_t *data = slurp(path, &len);
    tp_journal_reader r;
    assert_int_equal(tp_journal_reader_init(&r, data, len), TP_JOURNAL_FRAME);
    enum tp_frame_kind kind;
    const uint8_t *payload;
    uint32_t n;
    int records = 0, heads = 0, rc;
    while ((rc = tp_journal_next(&r, &kind, &payload, &n)) == TP_JOURNAL_FRAME)
        kind == TP_FRAME_RECORD ? records++ : heads++;
    assert_int_equal(rc, TP_JOURNAL_END);
    assert_int_equal(records, 3); /* RunStart, before, after */
    assert_true(heads >= 1);
    free(data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_stream_reads_back_and_verifies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_write_is_rolled_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_job_closes_the_journal_fd, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
