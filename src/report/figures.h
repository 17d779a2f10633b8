/* figures: the figures of a page (figures.c) and their captions (captions.c), for the
 * page (page.c). */
#ifndef CASCADE_REPORT_FIGURES_H
#define CASCADE_REPORT_FIGURES_H

#include <stddef.h>
#include <stdio.h>

#include "report/reportInt.h"

/* Every figure of the page of r, in order (cas_report_figure names them), to html, with
 * gnuplot working in r->tmpdir: 0, or the first failure's CAS_E* code (r->err filled). */
int cas__figures(struct cas_report *r, FILE *html);
/* The figures of a page comparing two runs, in a's r->tmpdir: 1, both prices, and 2, both
 * runs' liquidated notional, by minutes from each run's start. */
int cas__fig_compare(const struct cas_report *a, const struct cas_report *b, const char *label_a,
                     const char *label_b, FILE *html);

/* ---- the captions (captions.c) ---- */

/* Append "key=value;" facts to r->facts (a buffer of FACTS_MAX; nothing when NULL): what
 * the next caption says, as numbers, for its data-facts attribute. */
__attribute__((format(printf, 2, 3))) void cas__fact(const struct cas_report *r, const char *fmt,
                                                     ...);
/* The caption of a figure (and its facts) in out[n]: the prices around the largest
 * cascade, the liquidated notional, the depth near the mid, the open interest and
 * funding, the insurance fund. They read r->ts, which has at least one row. */
void cas__caption_prices(const struct cas_report *r, char *out, size_t n);
void cas__caption_liquidated(const struct cas_report *r, char *out, size_t n);
void cas__caption_depth(const struct cas_report *r, char *out, size_t n);
void cas__caption_oi(const struct cas_report *r, char *out, size_t n);
void cas__caption_fund(const struct cas_report *r, char *out, size_t n);

#endif
