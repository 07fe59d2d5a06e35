/* cryptogate.h: the fork gate around OpenSSL. OpenSSL keeps global locks
 * (method stores, name maps, encoders) that a fork can copy in the locked
 * state, and a child that then signs or hashes waits on them forever. The
 * worker therefore calls into OpenSSL only inside the gate (signing, key
 * ids, Merkle hashing, digest set-up and release; bulk digest updates take
 * no OpenSSL lock and run outside it), and fork takes the gate in its
 * prepare handler: a fork happens only while no thread of ours is inside
 * OpenSSL. A hold lasts microseconds, so fork never waits long. */
#ifndef TP_CRYPTOGATE_H
#define TP_CRYPTOGATE_H

void tp_cryptogate_enter(void);
void tp_cryptogate_leave(void);

/* fork: prepare takes the gate, parent releases it, child re-creates it. */
void tp_cryptogate_atfork_prepare(void);
void tp_cryptogate_atfork_parent(void);
void tp_cryptogate_atfork_child(void);

#endif
