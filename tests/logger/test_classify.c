/* test_classify.c: which paths are recorded and which role a file gets,
 * including the weights formats recognised from first bytes. */
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

static void test_weights_formats(void **state)
{
    uint8_t st[32] = {0};
    st[0] = 20; /* header length 20, little-endian */
    memcpy(st + 8, "{\"w\":{}}", 8);
    assert_string_equal(tp_classify_weights_format(st, sizeof st), "safetensors");

    uint8_t zip[64] = "PK\x03\x04";
    const char *name = "archive/data.pkl";
    zip[26] = (uint8_t)strlen(name);
    memcpy(zip + 30, name, strlen(name));
    assert_string_equal(tp_classify_weights_format(zip, sizeof zip), "pytorch-zip");

    uint8_t npz[64] = "PK\x03\x04";
    npz[26] = 5;
    memcpy(npz + 30, "w.npy", 5);
    assert_string_equal(tp_classify_weights_format(npz, sizeof npz), "numpy-npz");

    uint8_t other_zip[64] = "PK\x03\x04";
    other_zip[26] = 8;
    memcpy(other_zip + 30, "data.txt", 8);
    assert_null(tp_classify_weights_format(other_zip, sizeof other_zip));

    const uint8_t legacy[] = {0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46,
                              0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e};
    assert_string_equal(tp_classify_weights_format(legacy, sizeof legacy), "pytorch-legacy");
    assert_string_equal(tp_classify_weights_format((const uint8_t *)"\x93NUMPY\x01\x00", 8),
                        "numpy");
    assert_string_equal(tp_classify_weights_format((const uint8_t *)"GGUF\x03\x00\x00\x00", 8),
                        "gguf");
    assert_string_equal(
        tp_classify_weights_format((const uint8_t *)"\x89HDF\r\n\x1a\n\x00", 9), "hdf5");

    /* token shards and text are not weights, whatever their first bytes */
    const uint8_t tokens[16] = {0x10, 0x27, 0x00, 0x00, 0x05, 0x01, 0x09, 0x00};
    assert_null(tp_classify_weights_format(tokens, sizeof tokens));
    assert_null(tp_classify_weights_format((const uint8_t *)"hello world, a text", 19));
    assert_null(tp_classify_weights_format((const uint8_t *)"PK", 2));
    /* an absurd safetensors header length is not safetensors */
    uint8_t huge[16] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, '{', '"'};
    assert_null(tp_classify_weights_format(huge, sizeof huge));
}

static void test_read_roles_without_declared_data(void **state)
{
    assert_int_equal(tp_classify_read(&cfg, "/data/shard_000.bin", NULL), TP_ROLE_DATA);
    assert_int_equal(tp_classify_read(&cfg, "/data/donor.pt", "pytorch-zip"), TP_ROLE_WEIGHTS);
    assert_int_equal(tp_classify_read(&cfg, "/work/train.py", NULL), TP_ROLE_CODE);
}

static void test_read_roles_with_declared_data(void **state)
{
    add(&cfg.data_globs, "/data/shard_*.bin");
    add(&cfg.checkpoint_globs, "/ckpt/*.bin");
    assert_int_equal(tp_classify_read(&cfg, "/data/shard_000.bin", NULL), TP_ROLE_DATA);
    /* the glob is a path glob: '*' does not cross '/' */
    assert_int_equal(tp_classify_read(&cfg, "/data/shard_x/y.bin", NULL), TP_ROLE_OTHER);
    assert_int_equal(tp_classify_read(&cfg, "/data/notes.txt", NULL), TP_ROLE_OTHER);
    /* a checkpoint read back, of any format, is a weights load */
    assert_int_equal(tp_classify_read(&cfg, "/ckpt/step_100.bin", NULL), TP_ROLE_WEIGHTS);
    assert_int_equal(tp_classify_read(&cfg, "/x/donor.safetensors", "safetensors"),
                     TP_ROLE_WEIGHTS);
}

static void test_written_roles(void **state)
{
    add(&cfg.checkpoint_globs, "/ckpt/*.bin");
    assert_int_equal(tp_classify_written(&cfg, "/out/ckpt.pt", "pytorch-zip"),
                     TP_ROLE_CHECKPOINT);
    assert_int_equal(tp_classify_written(&cfg, "/ckpt/step_1.bin", NULL), TP_ROLE_CHECKPOINT);
    assert_int_equal(tp_classify_written(&cfg, "/out/metrics.csv", NULL), TP_ROLE_OTHER);
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
        cmocka_unit_test_setup(test_weights_formats, setup),
        cmocka_unit_test_setup(test_read_roles_without_declared_data, setup),
        cmocka_unit_test_setup(test_read_roles_with_declared_data, setup),
        cmocka_unit_test_setup(test_written_roles, setup),
        cmocka_unit_test_setup(test_role_names, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
