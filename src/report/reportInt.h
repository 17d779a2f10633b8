/* reportInt: a run directory as the page reads it (struct cas_report, filled by run.c), and
 * what the files of the page share of it; private to src/ and tests/.
 *
 * The files call only downward: the page (page.c) → the figures (figures.c, with their
 * captions, captions.c) → gnuplot (gnuplot.c) → the run's data (run.c) → the CSV reader
 * (csv.c); the page also writes the trees and the player (cascade_page.c), and every file
 * that writes HTML escapes it through html.c. Nothing here prints: an error fills the
 * struct cas_err the caller passed and returns a CAS_E* code (csv.h's cas__report_err).
 *
 * What read_run keeps true of a report it returns: ts holds the page instrument's rows of
 * timeseries.csv with steps strictly increasing, every number finite or NaN where the
 * column may be empty; cas holds every row of cascades.csv with start <= end <= finish
 * (finish NaN while unfinished); insts holds every instrument of timeseries.csv (at most
 * 64) in order of first appearance; step_seconds > 0 and unit_seconds, unit set. */
#ifndef CASCADE_REPORT_INT_H
#define CASCADE_REPORT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "cascade/core.h"

#define FACTS_MAX 512

/* ---- the run's data (the page instrument's, but for the cascade table) ---- */

struct ts_row {
    double step, last, low, mark, index, mid, liq_notional, depth1, depth5, oi_long, funding,
        insurance;
};

struct liq_row {
    double step, mark;
    bool is_long;
};

struct cascade_row {
    long long id, episode, start, end, generations, liquidations;
    double finish; /* NaN while unfinished */
    char root_cause[48], instrument[64], side[8];
    double notional, price_start, price_extreme, price_end, move_bps, recovery;
    long long extreme_step;
};

/* One instrument over the run, from timeseries.csv (prices in quote currency). */
struct inst_row {
    char name[64];
    double first, last, low, high; /* the price after the book's opening (summary.json) and at
                                      the last row; trade extremes after the opening */
    long long liquidations, cascades;
    double largest_move; /* bp, NaN without cascades */
    bool perpetual;      /* it has an index */
};

struct map_row {
    double step, lo, hi, notional;
};

struct cas_report {
    const char *rundir;
    char instrument[128];
    struct ts_row *ts;
    size_t n_ts;
    uint32_t cap_ts;
    struct liq_row *liq;
    size_t n_liq;
    uint32_t cap_liq;
    struct cascade_row *cas;
    size_t n_cas;
    uint32_t cap_cas;
    struct map_row *map;
    size_t n_map;
    uint32_t cap_map;
    struct ts_row *cf; /* timeseries-counterfactual.csv: step, mid, last, low */
    size_t n_cf;
    uint32_t cap_cf;
    bool have_liqmap;
    cJSON *sum;       /* summary.json */
    const char *want; /* --instrument, or NULL */
    char *facts;      /* the next caption's facts (data-facts), a buffer of FACTS_MAX */
    double *returns;  /* log returns between rows, while the figures are drawn */
    size_t n_returns;
    struct inst_row *insts; /* every instrument of timeseries.csv, in order */
    size_t n_insts;
    double step_seconds;  /* from timeseries.csv: time_s / step */
    double opening;       /* summary.json's opening.steps (0 when absent) */
    double unit_seconds;  /* the time axis' unit, in seconds */
    const char *unit;     /* its name: "s", "min" or "h" */
    char tmpdir[4096];    /* gnuplot's working directory while the page is written */
    int (*stopped)(void); /* cas_report_write's: a signal number when to stop, else 0 */
    struct cas_err *err;  /* where the call being served says what went wrong; may be NULL */
};

/* ---- the run's data, read (run.c) ---- */

/* A key of summary.json (under `section` unless NULL) as text: a number with 10
 * significant digits, a string as it is, null, true or false; "" when absent. */
const char *cas__summary_value(const struct cas_report *r, const char *section, const char *key,
                               char *out, size_t n);
/* The page instrument's row of insts; NULL when timeseries.csv has none of it. */
const struct inst_row *cas__page_instrument(const struct cas_report *r);
/* Events of step S and the row labelled S are drawn at the end of step S: its time on
 * the time axis, in r->unit. */
double cas__to_time(const struct cas_report *r, double step);
/* The price of a row: mid when both sides are quoted, else the last trade. */
double cas__row_price(const struct ts_row *t);
/* Whether the ts rows' double at `offset` (offsetof(struct ts_row, ...)) is finite in
 * any row; finite and not zero in any row. */
bool cas__any_finite(const struct cas_report *r, size_t offset);
bool cas__any_nonzero(const struct cas_report *r, size_t offset);

/* Read the run directory as cas_report_read does and write the headline, the
 * instruments, the agents, the cascade table, the trees and the player's data
 * (all but gnuplot's figures) to html: the fuzz target of the report's readers
 * (tests/fuzz/fuzz_report.c). 0, or the CAS_E* code reading gave (err filled). */
int cas__report_check(const char *rundir, FILE *html, struct cas_err *err);

#endif
