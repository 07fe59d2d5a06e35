/* asan_defaults.c: ASan's built-in options for `./test.sh --sanitize`, which
 * links this into every program and library of that build (and no other).
 *
 * The ASan-built libtrainprov.so is preloaded into uninstrumented programs.
 * When a job execs a program with an emptied environment, the library puts
 * only itself back into LD_PRELOAD: libasan then loads after libc, and ASan
 * would refuse to start ("runtime does not come first") unless told not to
 * check. Such a program runs with ASan's checks in our code (not its
 * malloc interception), and its own memory is not ours to leak-check. The
 * environment's ASAN_OPTIONS, where set, still take precedence. For ASan to
 * find it in the library, logger/libtrainprov.map exports the name (absent
 * from every other build). */
const char *__asan_default_options(void);

const char *__asan_default_options(void)
{
    return "verify_asan_link_order=0:detect_leaks=0";
}
