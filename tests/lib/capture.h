/* capture.h: `cascade ARGS` run through runs.h with its stdout and stderr read
 * back into the test's own buffers. Include it after runs.h and after
 * declaring `static char out[N], err[M];` (any sizes). */
#ifndef CASCADE_TESTS_CAPTURE_H
#define CASCADE_TESTS_CAPTURE_H

#include "lib/runs.h"

/* Run `cascade ARGS` in the scratch directory; stdout and stderr land in out and err. */
__attribute__((format(printf, 1, 2))) static int cascade(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int status = run_cascade_v(fmt, ap);
    va_end(ap);
    read_into("out.txt", out, sizeof out);
    read_into("err.txt", err, sizeof err);
    return status;
}

#endif
