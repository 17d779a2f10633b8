/* html: what the report's page writes of a run directory's text into HTML (html.c): the
 * one place that escapes it, for the page (page.c), its figures (gnuplot.c, figures.c) and
 * its trees and player (cascade_page.c). */
#ifndef CASCADE_REPORT_HTML_H
#define CASCADE_REPORT_HTML_H

#include <stdio.h>

/* Write s to html with &, <, >, " and ' escaped. */
void cas__html_text(FILE *f, const char *s);

/* Write JSON text (as cJSON prints it: '<', '>' and '&' only inside strings)
 * into a <script> element: those three as \u003c, \u003e and \u0026, so
 * that nothing a run directory holds can close the element or open another.
 * The one rule for what the page embeds in a script. */
void cas__script_json(FILE *f, const char *json);

#endif
