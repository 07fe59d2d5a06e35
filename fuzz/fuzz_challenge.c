/* fuzz_challenge.c: libFuzzer target for challenge documents
 * (verify/challenge.c): the parser on the input; a document that parses must
 * come back identical through tp_challenge_json and parse again. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "verify/challenge.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tp_challenge c;
    char err[512];
    if (tp_challenge_parse(data, size, &c, err, sizeof err) != 0)
        return 0;
    char body[512];
    if (tp_challenge_body(&c, body, sizeof body) == 0)
        abort();
    char *doc = tp_challenge_json(&c);
    if (!doc)
        return 0;
    tp_challenge again;
    if (tp_challenge_parse((const uint8_t *)doc, strlen(doc), &again, err, sizeof err) != 0 ||
        memcmp(&c, &again, sizeof c) != 0)
        abort(); /* what we write must read back as the same challenge */
    free(doc);
    return 0;
}
