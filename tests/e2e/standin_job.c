/* standin_job.c: a job linked against the stand-in libcrypto.so.3 that needs
 * its OPENSSL_3.9.0 symbol version (e2e_standin_libcrypto.sh). It prints the
 * stand-in's answer, then writes argv[1] and reads it back, so the run log
 * has the job's own file I/O in it. */
#include <stdio.h>
#include <string.h>

const char *standin_crypto_version(void);

int main(int argc, char **argv)
{
    char back[64] = "";
    const char *text = "written by standin_job\n";
    if (argc != 2) {
        fprintf(stderr, "usage: standin_job OUTPUT\n");
        return 2;
    }
    printf("%s\n", standin_crypto_version());
    FILE *f = fopen(argv[1], "w");
    if (!f || fputs(text, f) == EOF || fclose(f) != 0) {
        perror(argv[1]);
        return 1;
    }
    f = fopen(argv[1], "r");
    if (!f || !fgets(back, sizeof back, f) || fclose(f) != 0 || strcmp(back, text) != 0) {
        fprintf(stderr, "%s: did not read back what was written\n", argv[1]);
        return 1;
    }
    return 0;
}
