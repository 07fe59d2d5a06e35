/* verify_chain.h: `trainprov verify LAST.h5 --chain A.h5 B.h5 ...`
 * (verify_chain.c). */
#ifndef TP_VERIFY_CHAIN_H
#define TP_VERIFY_CHAIN_H
#include <stddef.h>

#include <json-c/json.h>

#include "core/sign.h"
#include "verify/claims.h"

/* Verifies the campaign chain..., last; prints the text report when text,
 * builds the JSON report into *json when json is not NULL. Exit status: 0
 * pass, 1 a link or a claim failed, 2 a file is not a log (message printed). */
int tp_verify_chain(const char *last, char *const *chain, size_t n_chain, const tp_key *key,
                    const tp_claim_options *opt, int text, struct json_object **json);

#endif
