/* cascade_page: the report's trees, cascade price paths and replay player
 * (cascade_page.c), for the page (page.c). */
#ifndef CASCADE_REPORT_CASCADE_PAGE_H
#define CASCADE_REPORT_CASCADE_PAGE_H

#include <stdio.h>

/* Write the sections for the run in `dir` to html: 0, or 1/2 (said). */
int cas__report_cascades(FILE *html, const char *dir);

#endif
