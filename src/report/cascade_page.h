/* cascade_page: the report's trees, cascade price paths and replay player
 * (cascade_page.c), and what it shares with report.c. */
#ifndef CASCADE_REPORT_CASCADE_PAGE_H
#define CASCADE_REPORT_CASCADE_PAGE_H

#include <stdio.h>

/* Write s to html with &, <, >, " and ' escaped (report.c). */
void cas__html_text(FILE *f, const char *s);

/* Write JSON text (as cJSON prints it: '<', '>' and '&' only inside strings)
 * into a <script> element: those three as \u003c, \u003e and \u0026, so
 * that nothing a run directory holds can close the element or open another
 * (report.c). The one rule for what the page embeds in a script. */
void cas__script_json(FILE *f, const char *json);

/* Write the sections for the run in `dir` to html: 0, or 1/2 (said). */
int cas__report_cascades(FILE *html, const char *dir);

#endif
