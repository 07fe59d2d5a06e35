/* vocab.c: word -> constant for each vocabulary of vocab.h. An unknown or
 * NULL word gives the table's first entry (its "none"/"unknown" value). */
#include "core/vocab.h"

#include <string.h>

static int word_index(const char *word, const char *const *words, size_t n)
{
    for (size_t i = 1; word && i < n; i++)
        if (strcmp(word, words[i]) == 0)
            return (int)i;
    return 0;
}

#define TP_VOCAB_DEFINE(name, list)                                                                \
    enum tp_##name tp_##name##_parse(const char *word)                                             \
    {                                                                                              \
        static const char *const words[] = {list(TP_VOCAB_WORD)};                                  \
        return (enum tp_##name)word_index(word, words, sizeof words / sizeof words[0]);            \
    }

TP_VOCAB_DEFINE(role, TP_ROLE_LIST)
TP_VOCAB_DEFINE(access, TP_ACCESS_LIST)
TP_VOCAB_DEFINE(exclude_source, TP_EXCLUDE_SOURCE_LIST)
TP_VOCAB_DEFINE(origin, TP_ORIGIN_LIST)
TP_VOCAB_DEFINE(end, TP_END_LIST)
TP_VOCAB_DEFINE(mpi_kind, TP_MPI_KIND_LIST)
TP_VOCAB_DEFINE(mpi_op, TP_MPI_OP_LIST)
TP_VOCAB_DEFINE(jstatus, TP_JOURNAL_STATUS_LIST)
TP_VOCAB_DEFINE(assembled, TP_ASSEMBLED_LIST)
