/* quiet.h: the test process's own stdout and stderr sent to a temporary file while a library
 * call runs, and read back: for tests that a library function writes nothing there itself
 * and does not exit (docs/embedding.md: the library prints nothing and never exits).
 * Criterion's own output is unaffected outside the call. */
#ifndef CASCADE_TESTS_QUIET_H
#define CASCADE_TESTS_QUIET_H

#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

struct quiet {
    FILE *tmp;
    int saved[2]; /* the test's own stdout and stderr */
};

/* Between quiet_begin and quiet_end, the test's own stderr, or -1: a call that ends the
 * process there (exit, even with status 0, which Criterion would take for a pass) fails
 * the test instead, saying so there. */
static int quiet_stderr = -1;

static void quiet_at_exit(void)
{
    static const char said[] = "quiet.h: the library called exit() inside the call\n";
    if (quiet_stderr < 0)
        return;
    if (write(quiet_stderr, said, sizeof said - 1) < 0) {
        /* nothing more to be done: the status says it */
    }
    _exit(70);
}

/* From here on, what goes to file descriptors 1 and 2 goes to a temporary file. */
static void quiet_begin(struct quiet *q)
{
    static bool registered;
    if (!registered)
        cr_assert_eq(atexit(quiet_at_exit), 0);
    registered = true;
    fflush(stdout);
    fflush(stderr);
    q->tmp = tmpfile();
    cr_assert_not_null(q->tmp);
    for (int fd = 1; fd <= 2; fd++) {
        q->saved[fd - 1] = dup(fd);
        cr_assert_geq(q->saved[fd - 1], 0);
        cr_assert_geq(dup2(fileno(q->tmp), fd), 0);
    }
    quiet_stderr = q->saved[1];
}

/* Put stdout and stderr back: what was written to them since quiet_begin (free it). */
static char *quiet_end(struct quiet *q)
{
    quiet_stderr = -1;
    fflush(stdout);
    fflush(stderr);
    for (int fd = 1; fd <= 2; fd++) {
        dup2(q->saved[fd - 1], fd);
        close(q->saved[fd - 1]);
    }
    long n = ftell(q->tmp);
    char *text = calloc(1, (size_t)(n > 0 ? n : 0) + 1);
    cr_assert_not_null(text);
    rewind(q->tmp);
    if (n > 0)
        cr_assert_eq(fread(text, 1, (size_t)n, q->tmp), (size_t)n);
    fclose(q->tmp);
    return text;
}

#endif
