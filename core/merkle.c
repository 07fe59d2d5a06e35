/* merkle.c: RFC 9162 (Certificate Transparency v2) Merkle tree hash, computed
 * incrementally. MTH splits n leaves at the largest power of two below n, so
 * the tree over n leaves is the right fold of the perfect subtrees given by
 * the binary digits of n; we keep exactly those subtree roots. */
#include "core/merkle.h"

#include <string.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

void tp_merkle_init(tp_merkle *m) { memset(m, 0, sizeof *m); }

void tp_merkle_leaf_hash(const uint8_t *data, size_t len, uint8_t out[TP_HASH_LEN])
{
    static const uint8_t prefix = 0x00;
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    if (c && EVP_DigestInit_ex(c, EVP_sha256(), NULL) && EVP_DigestUpdate(c, &prefix, 1) &&
        EVP_DigestUpdate(c, data, len) && EVP_DigestFinal_ex(c, out, NULL)) {
        EVP_MD_CTX_free(c);
        return;
    }
    /* Out of memory: a zero leaf can never match, so the verifier fails closed. */
    EVP_MD_CTX_free(c);
    memset(out, 0, TP_HASH_LEN);
}

void tp_merkle_node_hash(const uint8_t left[TP_HASH_LEN], const uint8_t right[TP_HASH_LEN],
                         uint8_t out[TP_HASH_LEN])
{
    uint8_t buf[1 + 2 * TP_HASH_LEN];
    buf[0] = 0x01;
    memcpy(buf + 1, left, TP_HASH_LEN);
    memcpy(buf + 1 + TP_HASH_LEN, right, TP_HASH_LEN);
    SHA256(buf, sizeof buf, out);
}

void tp_merkle_append_leaf(tp_merkle *m, const uint8_t leaf[TP_HASH_LEN])
{
    uint8_t carry[TP_HASH_LEN];
    unsigned level = 0;
    memcpy(carry, leaf, TP_HASH_LEN);
    while (m->size & ((uint64_t)1 << level)) {
        tp_merkle_node_hash(m->subtree[level], carry, carry);
        level++;
    }
    memcpy(m->subtree[level], carry, TP_HASH_LEN);
    m->size++;
}

void tp_merkle_append(tp_merkle *m, const uint8_t *data, size_t len)
{
    uint8_t leaf[TP_HASH_LEN];
    tp_merkle_leaf_hash(data, len, leaf);
    tp_merkle_append_leaf(m, leaf);
}

void tp_merkle_root(const tp_merkle *m, uint8_t out[TP_HASH_LEN])
{
    uint8_t acc[TP_HASH_LEN];
    int have = 0;
    if (m->size == 0) {
        SHA256((const uint8_t *)"", 0, out);
        return;
    }
    for (unsigned level = 0; level < 64; level++) {
        if (!(m->size & ((uint64_t)1 << level)))
            continue;
        if (!have) {
            memcpy(acc, m->subtree[level], TP_HASH_LEN);
            have = 1;
        } else {
            tp_merkle_node_hash(m->subtree[level], acc, acc);
        }
    }
    memcpy(out, acc, TP_HASH_LEN);
}
