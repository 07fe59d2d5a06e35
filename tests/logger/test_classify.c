/* test_classify.c: which paths are recorded (whole components), which
 * excluded ones are still looked at, and which role a file gets: content
 * beats declarations; data-order files are data. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "logger/classify.h"

static tp_config cfg;

static void add(tp_pattern_list *l, const char *s) { l->items[l->n++] = (char *)s; }

static int setup(void **state)
{
    memset(&cfg, 0, sizeof cfg);
    add(&cfg.exclude_prefixes, "/usr/");
    add(&cfg.exclude_prefixes, "/proc/");
    add(&cfg.exclude_prefixes, "/data/run.h5.journal/");
    add(&cfg.include_prefixes, "/usr/share/corpus/");
    return 0;
}

static void test_recorded_paths(void **state)
{
    assert_true(tp_classify_recorded(&cfg, "/data/shard_000.bin"));
    assert_false(tp_classify_recorded(&cfg, "/usr/lib/python3/dist-packages/torch/__init__.py"));
    assert_false(tp_classify_recorded(&cfg, "/proc/self/cmdline"));
    assert_false(tp_classify_recorded(&cfg, "/data/run.h5.journal/00ff.tpj"));
    assert_true(tp_classify_recorded(&cfg, "/usr/share/corpus/part-0"));
    assert_false(tp_classify_recorded(&cfg, "relative/path"));
}

static void test_whole_components(void **state)
{
    add(&cfg.exclude_prefixes, "/data/RUN.h5");
    add(&cfg.exclude_prefixes, "/keys/KEY.pem");
    assert_false(tp_classify_recorded(&cfg, "/data/RUN.h5"));
    assert_true(tp_classify_recorded(&cfg, "/data/RUN.h5.x/donor.pt"));
    assert_true(tp_classify_recorded(&cfg, "/keys/KEY.pem.d/donor.pt"));
    assert_true(tp_classify_recorded(&cfg, "/data/run.h5.journalX/donor.pt"));
    /* a name prefix: the files of one directory, nothing below it */
    add(&cfg.exclude_prefixes, "/dev/shm/vader_segment.*");
    assert_false(tp_classify_recorded(&cfg, "/dev/shm/vader_segment.vm.0.147a0001.1"));
    assert_true(tp_classify_recorded(&cfg, "/dev/shm/vader_segment.x/donor.pt"));
    assert_true(tp_classify_recorded(&cfg, "/dev/shm/donor.pt"));
}

static void test_excluded_reads_are_peeked(void **state)
{
    cfg.exclude_sources[0] = TP_EXCLUDE_SYSTEM;  /* /usr/ */
    cfg.exclude_sources[1] = TP_EXCLUDE_SYSTEM;  /* /proc/ */
    cfg.exclude_sources[2] = TP_EXCLUDE_TRAINPROV;
    add(&cfg.exclude_prefixes, "/scratch/cache/");
    cfg.exclude_sources[3] = TP_EXCLUDE_USER;
    assert_int_equal(tp_classify_peeked(&cfg, "/usr/lib/model.safetensors"), TP_PEEK_HEAD);
    assert_int_equal(tp_classify_peeked(&cfg, "/scratch/cache/donor.bin"), TP_PEEK_CONTENT);
    assert_int_equal(tp_classify_peeked(&cfg, "/proc/self/maps"), TP_PEEK_NONE);
    assert_int_equal(tp_classify_peeked(&cfg, "/data/run.h5.journal/00ff.tpj"), TP_PEEK_NONE);
    /* recorded paths are hashed, not peeked */
    assert_int_equal(tp_classify_peeked(&cfg, "/data/shard_000.bin"), TP_PEEK_NONE);
    assert_int_equal(tp_classify_peeked(&cfg, "/usr/share/corpus/part-0"), TP_PEEK_NONE);
}

static void test_read_roles_without_declared_data(void **state)
{
    assert_int_equal(tp_classify_read(&cfg, "/data/shard_000.bin", NULL, TP_ROLE_NONE),
                     TP_ROLE_DATA);
    assert_int_equal(tp_classify_read(&cfg, "/data/donor.pt", "pytorch-zip", TP_ROLE_NONE),
                     TP_ROLE_WEIGHTS);
    assert_int_equal(tp_classify_read(&cfg, "/work/train.py", NULL, TP_ROLE_NONE), TP_ROLE_CODE);
    /* a possible format changes no role: the verifier weighs it */
    assert_int_equal(tp_classify_read(&cfg, "/data/x.bin", "possible-raw-float16", TP_ROLE_NONE),
                     TP_ROLE_DATA);
}

static void test_read_roles_with_declared_data(void **state)
{
    add(&cfg.data_globs, "/data/shard_*.bin");
    add(&cfg.checkpoint_globs, "/ckpt/*.bin");
    assert_int_equal(tp_classify_read(&cfg, "/data/shard_000.bin", NULL, TP_ROLE_NONE),
                     TP_ROLE_DATA);
    /* the glob is a path glob: '*' does not cross '/' */
    assert_int_equal(tp_classify_read(&cfg, "/data/shard_x/y.bin", NULL, TP_ROLE_NONE),
                     TP_ROLE_OTHER);
    assert_int_equal(tp_classify_read(&cfg, "/data/notes.txt", NULL, TP_ROLE_NONE), TP_ROLE_OTHER);
    /* a checkpoint read back, of any format, is a weights load */
    assert_int_equal(tp_classify_read(&cfg, "/ckpt/step_100.bin", NULL, TP_ROLE_NONE),
                     TP_ROLE_WEIGHTS);
    assert_int_equal(tp_classify_read(&cfg, "/x/donor.safetensors", "safetensors", TP_ROLE_NONE),
                     TP_ROLE_WEIGHTS);
}

static void test_content_beats_declarations(void **state)
{
    add(&cfg.data_globs, "/data/*");
    /* a --data glob over weights: still weights; the declaration is kept */
    assert_int_equal(tp_classify_read(&cfg, "/data/donor.safetensors", "safetensors",
                                      TP_ROLE_NONE), TP_ROLE_WEIGHTS);
    assert_int_equal(tp_classify_declared(&cfg, "/data/donor.safetensors", TP_ROLE_NONE),
                     TP_ROLE_DATA);
    /* file_role(donor, "data") */
    assert_int_equal(tp_classify_read(&cfg, "/x/model.bin", "raw-float32", TP_ROLE_DATA),
                     TP_ROLE_WEIGHTS);
    assert_int_equal(tp_classify_declared(&cfg, "/x/model.bin", TP_ROLE_DATA), TP_ROLE_DATA);
    /* a declaration holds where the content says nothing */
    assert_int_equal(tp_classify_read(&cfg, "/x/vocab.json", NULL, TP_ROLE_DATA), TP_ROLE_DATA);
    assert_int_equal(tp_classify_read(&cfg, "/x/y.bin", "possible-raw-float16", TP_ROLE_DATA),
                     TP_ROLE_DATA);
    assert_int_equal(tp_classify_declared(&cfg, "/x/notes.txt", TP_ROLE_NONE), TP_ROLE_NONE);
    /* written weights are checkpoints, whatever was declared */
    assert_int_equal(tp_classify_written(&cfg, "/out/w.bin", "raw-bfloat16", TP_ROLE_DATA),
                     TP_ROLE_CHECKPOINT);
}

/* Megatron's cached sample, document and shuffle orders are data even when
 * the declared globs name only the token files; content still wins. */
static void test_data_order_files_are_data(void **state)
{
    add(&cfg.data_globs, "/data/*.bin");
    assert_int_equal(tp_classify_read(&cfg, "/data/cache/abc_train_1000ns_2048sl_1234s_doc_idx.npy",
                                      "", TP_ROLE_NONE), TP_ROLE_DATA);
    assert_int_equal(tp_classify_read(&cfg, "/data/cache/abc_shuffle_idx.npy", "", TP_ROLE_NONE),
                     TP_ROLE_DATA);
    assert_int_equal(tp_classify_read(&cfg, "/data/cache/4f2a-GPTDataset-sample_index.npy", NULL,
                                      TP_ROLE_NONE), TP_ROLE_DATA);
    assert_int_equal(tp_classify_read(&cfg, "/data/cache/weights.npy", NULL, TP_ROLE_NONE),
                     TP_ROLE_OTHER);
    assert_int_equal(tp_classify_read(&cfg, "/data/cache/donor_index.npy", "numpy", TP_ROLE_NONE),
                     TP_ROLE_WEIGHTS);
}

static void test_written_roles(void **state)
{
    add(&cfg.checkpoint_globs, "/ckpt/*.bin");
    assert_int_equal(tp_classify_written(&cfg, "/out/ckpt.pt", "pytorch-zip", TP_ROLE_NONE),
                     TP_ROLE_CHECKPOINT);
    assert_int_equal(tp_classify_written(&cfg, "/ckpt/step_1.bin", NULL, TP_ROLE_NONE),
                     TP_ROLE_CHECKPOINT);
    assert_int_equal(tp_classify_written(&cfg, "/out/metrics.csv", NULL, TP_ROLE_NONE),
                     TP_ROLE_OTHER);
}

static void test_role_names(void **state)
{
    for (int r = TP_ROLE_DATA; r <= TP_ROLE_OTHER; r++)
        assert_int_equal(tp_role_parse(tp_role_name((enum tp_role)r)), r);
    assert_int_equal(tp_role_parse("weight"), TP_ROLE_NONE);
    assert_int_equal(tp_role_parse(NULL), TP_ROLE_NONE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_recorded_paths, setup),
        cmocka_unit_test_setup(test_whole_components, setup),
        cmocka_unit_test_setup(test_excluded_reads_are_peeked, setup),
        cmocka_unit_test_setup(test_content_beats_declarations, setup),
        cmocka_unit_test_setup(test_read_roles_without_declared_data, setup),
        cmocka_unit_test_setup(test_read_roles_with_declared_data, setup),
        cmocka_unit_test_setup(test_data_order_files_are_data, setup),
        cmocka_unit_test_setup(test_written_roles, setup),
        cmocka_unit_test_setup(test_role_names, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
