/* report: a run directory read and written as one self-contained HTML page
 * (src/report/: run.c reads the run directory; page.c writes the page, its
 * headline and tables; figures.c and captions.c the figures, drawn by gnuplot
 * through gnuplot.c; cascade_page.c the trees, cascade price paths and replay
 * player; narrate.c a cascade told in words; facts.c the stylized facts
 * beside their published ranges; csv.c the CSV reader).
 *
 * Every function says what went wrong on stderr in one line starting
 * "cascade: " and returns 0, 1 (a failure outside the input: memory, disk,
 * gnuplot missing) or 2 (bad input: the file and line named). What a page
 * holds is documented in docs/outputs.md (report.html).
 */
#ifndef CASCADE_REPORT_H
#define CASCADE_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct cas_report;

/* Read the run directory `rundir` (borrowed; it must outlive the report):
 * timeseries.csv, liquidations.csv, cascades.csv, summary.json, and what
 * else is there. The page describes `instrument` (NULL: the instrument of
 * the largest cascade, else the first). */
int cas_report_read(struct cas_report **out, const char *rundir, const char *instrument);
void cas_report_free(struct cas_report *r);

/* The instrument the page describes; how many instruments the run has. */
const char *cas_report_instrument(const struct cas_report *r);
size_t cas_report_n_instruments(const struct cas_report *r);

/* The figures of a page, in order (Figure k + 1): what each shows. */
size_t cas_report_n_figures(void);
const char *cas_report_figure(size_t k);

/* Write the page of `r` (with `r2` not NULL: the two runs side by side) to
 * `out`, whole or not at all. Needs gnuplot on the PATH. `stopped` (NULL:
 * never) is polled before each figure and while gnuplot runs: when it returns
 * a signal number the page stops there, gnuplot is ended, the temporary page
 * and gnuplot's directory are removed, and 1 is returned (said). */
int cas_report_write(struct cas_report *r, struct cas_report *r2, const char *out,
                     int (*stopped)(void));

/* Tell a cascade of the run in `rundir` to `out`, event by event (`cascade
 * narrate`): cascade `cascade` of cascades.csv (0: the largest), or with
 * from or to >= 0 every shock and liquidation of those steps (inclusive;
 * -1: from the start, to the end). 0, 1 or 2 as above. */
int cas_report_narrate(FILE *out, const char *rundir, long long cascade, long long from,
                       long long to);

/* Print the stylized facts of the run in `rundir` (summary.json's `stylized`)
 * to `out`, one line per measure with the range published for BTC and
 * whether the run is inside it (`cascade facts`); with `json`, one JSON
 * object instead. 0, 1 or 2 as above: a summary.json that is missing, not
 * JSON or without a measure is bad input, said with the file and JSON path. */
int cas_report_facts(FILE *out, const char *rundir, bool json);

/* Where a page goes by default: RUNDIR/report.html, or for two runs
 * RUN_A/compare-BASENAME_B.html (malloc'ed; NULL when out of memory). */
char *cas_report_default_path(const char *rundir, const char *rundir2);

#endif
