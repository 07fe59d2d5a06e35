/* standin_libcrypto.c: a stand-in for the libcrypto.so.3 a job's own
 * environment (conda, pip wheels) carries, newer than the system's: built with
 * SONAME libcrypto.so.3 and standin_libcrypto.map, it defines a symbol
 * version (OPENSSL_3.9.0) Debian's libcrypto does not have
 * (e2e_standin_libcrypto.sh). */
const char *standin_crypto_version(void) { return "stand-in libcrypto OPENSSL_3.9.0"; }
