/* merkle.h: RFC 9162 Merkle tree hash over a stream's records, kept as a
 * frontier of perfect subtrees so appends are O(1) amortised and the root of
 * any prefix is available without keeping the leaves. */
#ifndef TP_MERKLE_H
#define TP_MERKLE_H
#include <stddef.h>
#include <stdint.h>

#define TP_HASH_LEN 32

typedef struct {
    uint64_t size;                   /* leaves appended so far */
    uint8_t subtree[64][TP_HASH_LEN]; /* subtree[i] valid when bit i of size is set */
} tp_merkle;

void tp_merkle_init(tp_merkle *m);
/* leaf hash = SHA-256(0x00 || data) */
void tp_merkle_leaf_hash(const uint8_t *data, size_t len, uint8_t out[TP_HASH_LEN]);
/* node hash = SHA-256(0x01 || left || right) */
void tp_merkle_node_hash(const uint8_t left[TP_HASH_LEN], const uint8_t right[TP_HASH_LEN],
                         uint8_t out[TP_HASH_LEN]);
void tp_merkle_append_leaf(tp_merkle *m, const uint8_t leaf[TP_HASH_LEN]);
/* Appends the record bytes (hashes them as a leaf). */
void tp_merkle_append(tp_merkle *m, const uint8_t *data, size_t len);
/* Root of everything appended so far; the empty tree's root is SHA-256(""). */
void tp_merkle_root(const tp_merkle *m, uint8_t out[TP_HASH_LEN]);

#endif
