/* guard.h: the per-thread re-entry guard. While set, every wrapper passes
 * straight through to the real call, so the library's own I/O (hashing,
 * journal writes, key loading inside OpenSSL) is never recorded or recursed
 * into. initial-exec TLS: no allocation and no lock on access. */
#ifndef TP_GUARD_H
#define TP_GUARD_H

extern __thread int tp_guard_depth __attribute__((tls_model("initial-exec")));

static inline int tp_guard_held(void) { return tp_guard_depth != 0; }
static inline void tp_guard_enter(void) { tp_guard_depth++; }
static inline void tp_guard_leave(void) { tp_guard_depth--; }

#endif
