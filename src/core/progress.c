/* progress: the one progress bar of the commands (a run's steps, a sweep's runs). */
#include <stdarg.h>
#include <stdio.h>

#include "cascade/core.h"

#define BAR_WIDTH 30

void cas_progress_bar(FILE *f, double done, double total, const char *fmt, ...)
{
    int filled = total > 0 ? (int)(done / total * BAR_WIDTH) : 0;
    fprintf(f, "\r[%.*s%*s] ", filled, "==============================", BAR_WIDTH - filled, "");
    va_list ap;
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
}

void cas_progress_clear(FILE *f)
{
    fprintf(f, "\r%*s\r", 100, "");
}
