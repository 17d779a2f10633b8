/* Shared by the libFuzzer harnesses (tests/fuzz/): split an input into parts
 * and write files for the harnesses whose code under test reads files. */
#ifndef CASCADE_FUZZ_COMMON_H
#define CASCADE_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A NUL-terminated copy of the input (the code under test takes C strings). */
static inline char *fuzz_text(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (s) {
        memcpy(s, data, size);
        s[size] = 0;
    }
    return s;
}

/* Call fn with a NUL-terminated copy of the input, then free it: the body of
 * a harness whose code under test takes a C string. */
static inline int fuzz_on_text(const uint8_t *data, size_t size, void (*fn)(char *text))
{
    char *text = fuzz_text(data, size);
    if (text)
        fn(text);
    free(text);
    return 0;
}

/* Cut text at each occurrence of sep (in place), at most max parts; returns the count. */
static inline size_t fuzz_split(char *text, const char *sep, char **parts, size_t max)
{
    size_t n = 0, len = strlen(sep);
    char *p = text;
    while (n + 1 < max) {
        char *q = strstr(p, sep);
        if (!q)
            break;
        *q = 0;
        parts[n++] = p;
        p = q + len;
    }
    parts[n++] = p;
    return n;
}

/* A scratch directory for a harness's files, made once: in /dev/shm when there
 * is one (memory: a disk's file system makes every rewrite and unlink wait,
 * which cut the executions a second by five), else /tmp. */
static inline void fuzz_scratch_dir(char *dir, size_t size, const char *name)
{
    struct stat st;
    const char *base =
        stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) && access("/dev/shm", W_OK) == 0
            ? "/dev/shm"
            : "/tmp";
    snprintf(dir, size, "%s/cascade-fuzz-%s-%ld", base, name, (long)getpid());
    if (mkdir(dir, 0700) != 0)
        abort();
}

static inline void fuzz_write(const char *path, const void *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        abort();
    if (size && fwrite(data, 1, size, f) != size)
        abort();
    if (fclose(f) != 0)
        abort();
}

#endif
