/* cascade_page: the report's trees, cascade price paths and replay player
 * (cascade_page.c), for the page (page.c). */
#ifndef CASCADE_REPORT_CASCADE_PAGE_H
#define CASCADE_REPORT_CASCADE_PAGE_H

#include <stdio.h>

#include "cascade/core.h"

/* Write the sections for the run in `dir` to html: 0, or a CAS_E* code with err (which
 * may be NULL) filled. Every id they write, and the player's address key "replay", begins
 * with `prefix`: "" (or NULL) on a page of one run, "b-" for the second run of a page of
 * two, so that two runs' sections on one page keep their ids apart (struct cas__player). */
int cas__report_cascades(FILE *html, const char *dir, const char *prefix, struct cas_err *err);

#endif
