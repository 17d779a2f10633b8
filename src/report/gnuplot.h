/* gnuplot: drawing the page's figures with gnuplot (gnuplot.c), for the figures
 * (figures.c) and the page (page.c). Each returns 0 or a CAS_E* code with the report's
 * err filled (r->err; the messages are those `cascade report` prints). */
#ifndef CASCADE_REPORT_GNUPLOT_H
#define CASCADE_REPORT_GNUPLOT_H

#include <stdbool.h>
#include <stdio.h>

#include "report/reportInt.h"

/* Whether this build can run gnuplot: not as WebAssembly (no fork), where the page is
 * written with every caption, table, tree and the player, and each figure's place says
 * that gnuplot draws it natively (the lab, build-wasm/lab.html, draws the price figure
 * itself from the run's files: docs/lab.md). */
#ifdef __EMSCRIPTEN__
#define CAS__GNUPLOT 0
#else
#define CAS__GNUPLOT 1
#endif
/* What the footer says of the figures. */
#define CAS__FIGURES_BY                        \
    (CAS__GNUPLOT ? "figures drawn by gnuplot" \
                  : "no figures drawn (this build, WebAssembly, cannot start gnuplot)")

/* What a page without gnuplot says. */
#define CAS__NEEDS_GNUPLOT "report needs gnuplot (apt-get install gnuplot-nox)"

/* Whether an executable gnuplot is on the PATH (/usr/bin:/bin without one). */
bool cas__gnuplot_on_path(void);

/* Make r->tmpdir, gnuplot's working directory: 0 or CAS_EIO. cas__tmp_remove removes it
 * and every file in it (all ours), and forgets it; nothing when there is none. */
int cas__tmp_make(struct cas_report *r);
void cas__tmp_remove(struct cas_report *r);
/* Create the file `name` in it for writing: NULL on failure (r->err filled). Close one:
 * 0, or CAS_EIO when what was written did not reach the file. */
FILE *cas__tmp_create(const struct cas_report *r, const char *name);
int cas__tmp_close(const struct cas_report *r, FILE *f, const char *name);

/* CAS_EIO ("stopped by signal N (NAME); no page written") when the caller's `stopped`
 * returns a signal number, else 0. */
int cas__stop_now(const struct cas_report *r);

/* The script NAME.gp begun (SVG terminal, output NAME.svg, the title): NULL on failure. */
FILE *cas__script_begin(const struct cas_report *r, const char *name, const char *title);
/* Close the script, run gnuplot on it, and write the figure to html as Figure num: the SVG
 * (without its XML declaration, its ids prefixed "figN-", the title as its <title>), the
 * caption, r->facts as the caption's data-facts (then cleared) and the note (or NULL).
 * Without gnuplot (CAS__GNUPLOT 0) the figure is <figure id="figN" class="undrawn"
 * data-title="TITLE"> with one line saying so in place of the SVG, then the same caption. */
int cas__figure_end(const struct cas_report *r, FILE *gp, FILE *html, int num, const char *name,
                    const char *title, const char *caption, const char *note);

/* A double-quoted gnuplot string holding s (a run's name, a title): quotes and backslashes
 * escaped. */
void cas__gp_string(FILE *f, const char *s);

#endif
