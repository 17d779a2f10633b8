/* report_cascade: the report's trees, cascade price paths and replay player
 * (report_cascade.c). */
#ifndef CASCADE_CLI_REPORT_CASCADE_H
#define CASCADE_CLI_REPORT_CASCADE_H

#include <stdio.h>

/* Write the sections for the run in `dir` to html: 0, or 1/2 (said). */
int cas__report_cascades(FILE *html, const char *dir);

#endif
