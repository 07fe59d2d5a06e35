/* standin_plugin.c: an extension module as pip or conda ship them: loaded
 * with dlopen (here by Python's ctypes), it needs the stand-in
 * libcrypto.so.3 through its own RUNPATH (e2e_standin_libcrypto.sh). */
const char *standin_crypto_version(void);

const char *plugin_crypto_version(void) { return standin_crypto_version(); }
