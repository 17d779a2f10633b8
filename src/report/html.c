/* html: text from a run directory escaped for the page (html.h): as HTML text or attribute,
 * and as JSON inside a <script> element. */
#include <stdio.h>

#include "report/html.h"

void cas__html_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default: fputc(*s, f);
        }
    }
}

void cas__script_json(FILE *f, const char *json)
{
    for (; *json; json++) {
        switch (*json) {
        case '<': fputs("\\u003c", f); break;
        case '>': fputs("\\u003e", f); break;
        case '&': fputs("\\u0026", f); break;
        default: fputc(*json, f);
        }
    }
}
