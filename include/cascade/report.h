/* report: a run directory read and written as one self-contained HTML page
 * (src/report/: run.c reads the run directory; page.c writes the page, its
 * headline and tables; figures.c and captions.c the figures, drawn by gnuplot
 * through gnuplot.c; cascade_page.c the trees, cascade price paths and replay
 * player; narrate.c a cascade told in words; facts.c the stylized facts
 * beside their published ranges; csv.c the CSV reader).
 *
 * Every function that can fail returns 0 or a negative CAS_E* code and fills
 * err (which may be NULL): CAS_EINVAL for bad input, err->path naming the
 * file ("FILE:LINE", or "FILE" alone when no line is at fault; "" when the
 * message names what is wrong itself, as "'DIR' is not a run directory") and
 * err->msg what is wrong; CAS_ENOMEM, CAS_EIO (a file not read or written,
 * gnuplot failing, or the page stopped by `stopped`) and CAS_ENOTFOUND (no
 * gnuplot) for failures outside the input. They print nothing and never exit:
 * `cascade report` and `cascade narrate` print "cascade: PATH: MSG" (or
 * "cascade: MSG" without a path) and exit 2 for CAS_EINVAL, else 1. What a
 * page holds is documented in docs/outputs.md (report.html).
 */
#ifndef CASCADE_REPORT_H
#define CASCADE_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "cascade/core.h"

struct cas_report;

/* Read the run directory `rundir` (borrowed; it must outlive the report):
 * timeseries.csv, liquidations.csv, cascades.csv, summary.json, and what
 * else is there. The page describes `instrument` (NULL: the instrument of
 * the largest cascade, else the first). */
int cas_report_read(struct cas_report **out, const char *rundir, const char *instrument,
                    struct cas_err *err);
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
 * and gnuplot's directory are removed, and CAS_EIO is returned ("stopped by
 * signal N (NAME); no page written"). */
int cas_report_write(struct cas_report *r, struct cas_report *r2, const char *out,
                     int (*stopped)(void), struct cas_err *err);

/* Tell cascades of the run in `rundir` to `out`, event by event (`cascade
 * narrate`): episode `episode` of cascades.csv (its `episode` column), or cascade
 * `cascade` (when above 0), or with from or to >= 0 every shock and liquidation of those
 * steps (inclusive; -1: from the start, to the end); all 0 and -1: the largest episode.
 * 0 or a CAS_E* code as above; nothing but the telling is written, and only to out. */
int cas_report_narrate(FILE *out, const char *rundir, long long episode, long long cascade,
                       long long from, long long to, struct cas_err *err);

/* Print the stylized facts of the run in `rundir` (summary.json's `stylized`)
 * to `out`, one line per measure with the range published for BTC and
 * whether the run is inside it (`cascade facts`); with `json`, one JSON
 * object instead. 0 or a CAS_E* code as above: a summary.json that is
 * missing, not JSON or without a measure is CAS_EINVAL, err->path the file
 * (FILE:LINE when it is not JSON) and err->msg the JSON path and what is wrong. */
int cas_report_facts(FILE *out, const char *rundir, bool json, struct cas_err *err);

/* Where a page goes by default: RUNDIR/report.html, or for two runs
 * RUN_A/compare-BASENAME_B.html (malloc'ed; NULL when out of memory). */
char *cas_report_default_path(const char *rundir, const char *rundir2);

#endif
