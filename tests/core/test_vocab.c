/* test_vocab.c: the record format's words (core/vocab.h) and names
 * (core/format.h): every word parses back to its constant, an unknown word
 * to the table's "none" value, the words are the ones logs already carry, and
 * journal names round-trip while any other name is refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/error.h"
#include "core/format.h"
#include "core/vocab.h"

#define ROUND_TRIP(name)                                                                           \
    for (int v = 1; v < TP_##name##_count; v++)                                                    \
        assert_int_equal(tp_##name##_parse(tp_##name##_name((enum tp_##name)v)), v);               \
    assert_int_equal(tp_##name##_parse("no such word"), 0);                                        \
    assert_int_equal(tp_##name##_parse(NULL), 0);

static void test_every_word_parses_back(void **state)
{
    ROUND_TRIP(role)
    ROUND_TRIP(access)
    ROUND_TRIP(origin)
    ROUND_TRIP(end)
    ROUND_TRIP(mpi_kind)
    ROUND_TRIP(mpi_op)
    ROUND_TRIP(jstatus)
    ROUND_TRIP(assembled)
    assert_int_equal(tp_role_parse("none"), TP_ROLE_NONE);
}

static void test_words_are_the_logged_ones(void **state)
{
    assert_string_equal(tp_role_name(TP_ROLE_CHECKPOINT), "checkpoint");
    assert_string_equal(tp_access_name(TP_ACCESS_READWRITE), "readwrite");
    assert_string_equal(tp_origin_name(TP_ORIGIN_SPAWN), "spawn");
    assert_string_equal(tp_end_name(TP_END__EXIT), "_exit");
    assert_string_equal(tp_end_name(TP_END_MPI_FINALIZE), "mpi_finalize");
    assert_string_equal(tp_mpi_kind_name(TP_MPI_BCAST), "bcast");
    assert_string_equal(tp_mpi_op_name(TP_MPI_OP_ALLGATHER), "allgather");
    assert_string_equal(tp_jstatus_name(TP_JSTATUS_TORN), "torn");
    assert_string_equal(tp_assembled_name(TP_ASSEMBLED_RECOVER), "recover");
    assert_string_equal(tp_role_name((enum tp_role)99), "none");
}

static void test_journal_names(void **state)
{
    char path[64], hex[TP_STREAM_HEX_LEN + 1];
    uint64_t id = 0;
    assert_int_equal(tp_journal_path(path, sizeof path, "d", 0x00ab00cd00ef0012ull), 0);
    assert_string_equal(path, "d/00ab00cd00ef0012.tpj");
    assert_int_equal(tp_journal_name_parse(path + 2, &id), 0);
    assert_true(id == 0x00ab00cd00ef0012ull);
    tp_stream_hex(id, hex);
    assert_string_equal(hex, "00ab00cd00ef0012");
    assert_int_equal(tp_journal_name_parse("00AB00CD00EF0012.tpj", &id), TP_EMALFORMED);
    assert_int_equal(tp_journal_name_parse("00ab00cd00ef0012.tpjx", &id), TP_EMALFORMED);
    assert_int_equal(tp_journal_name_parse("0ab00cd00ef0012.tpj", &id), TP_EMALFORMED);
    assert_int_equal(tp_journal_path(path, 8, "d", 1), TP_ETOOBIG);
    assert_int_equal(tp_journal_dir_for("run.h5", path, sizeof path), 0);
    assert_string_equal(path, "run.h5.journal");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_word_parses_back),
        cmocka_unit_test(test_words_are_the_logged_ones),
        cmocka_unit_test(test_journal_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
