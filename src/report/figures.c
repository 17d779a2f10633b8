/* figures: the figures of a page, a table in the order they appear (figures[]): each draws
 * itself from the report through gnuplot (gnuplot.c), with its caption (captions.c), or
 * says why it is skipped; and the two runs' figure of a comparison page.
 *
 * Each writes its data files and script in gnuplot's directory; what the page shows of a
 * figure is the SVG gnuplot draws. An error fills the report's struct cas_err (r->err) and
 * returns its CAS_E* code; nothing is printed.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cascade/core.h"
#include "cascade/report.h"
#include "cascade/stats.h"
#include "report/csv.h"
#include "report/figures.h"
#include "report/gnuplot.h"
#include "report/html.h"
#include "report/reportInt.h"

#define MAX_LAG 50
#define HEAT_COLS 150
#define HEAT_ROWS 160

/* A number for a data file: "NaN" (gnuplot leaves such a point out) when not finite. */
static void dat_num(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, " %.10g", v);
    else
        fputs(" NaN", f);
}

/* v as an index below n (n > 0): floor(v), clamped to [0, n - 1]; NaN gives 0.
 * A double from the input converts to an integer only through here or after a
 * range check: out of range, the conversion's behaviour is undefined. */
static size_t index_below(double v, size_t n)
{
    if (!(v >= 0))
        return 0;
    return v >= (double)(n - 1) ? n - 1 : (size_t)v;
}

/* cas__figure_end with the caption that `caption` writes for the report. */
static int figure_done(const struct cas_report *r, FILE *gp, FILE *html, int num, const char *name,
                       const char *title,
                       void (*caption)(const struct cas_report *r, char *out, size_t n),
                       const char *note)
{
    char text[1024];
    caption(r, text, sizeof text);
    return cas__figure_end(r, gp, html, num, name, title, text, note);
}

static void figure_skipped(FILE *html, int num, const char *title, const char *why)
{
    fprintf(html, "<figure id=\"fig%d\" class=\"skipped\"><p><b>Figure %d, ", num, num);
    cas__html_text(html, title);
    fputs(": skipped.</b> ", html);
    cas__html_text(html, why);
    fputs("</p></figure>\n", html);
}

static void time_axis(const struct cas_report *r, FILE *gp)
{
    fprintf(gp, "set xlabel 'time (%s)'\n", r->unit);
    if (r->n_ts)
        fprintf(gp, "set xrange [0:%.10g]\n", cas__to_time(r, r->ts[r->n_ts - 1].step));
}

/* The price series used by figures 1 and 3: ts.dat, columns
 * time last mark index price liq_notional depth1 depth5 oi funding% insurance. */
static int write_ts_dat(const struct cas_report *r)
{
    FILE *f = cas__tmp_create(r, "ts.dat");
    if (!f)
        return CAS_EIO;
    for (size_t i = 0; i < r->n_ts; i++) {
        const struct ts_row *t = &r->ts[i];
        dat_num(f, cas__to_time(r, t->step));
        dat_num(f, t->last);
        dat_num(f, t->mark);
        dat_num(f, t->index);
        dat_num(f, cas__row_price(t));
        dat_num(f, t->liq_notional);
        dat_num(f, t->depth1);
        dat_num(f, t->depth5);
        dat_num(f, t->oi_long);
        dat_num(f, t->funding * 100);
        dat_num(f, t->insurance);
        /* the lowest trade of a row that began in the book's opening is left out */
        dat_num(f, i ? (r->ts[i - 1].step + 1 >= r->opening ? t->low : NAN)
                     : (r->opening > 0 ? NAN : t->low));
        fputc('\n', f);
    }
    if (cas__tmp_close(r, f, "ts.dat"))
        return CAS_EIO;
    if (!r->n_cf)
        return 0;
    if (!(f = cas__tmp_create(r, "cf.dat")))
        return CAS_EIO;
    for (size_t i = 0; i < r->n_cf; i++) {
        dat_num(f, cas__to_time(r, r->cf[i].step));
        dat_num(f, cas__row_price(&r->cf[i]));
        fputc('\n', f);
    }
    return cas__tmp_close(r, f, "cf.dat");
}

static int fig_prices(const struct cas_report *r, FILE *html)
{
    const char *title = "Figure 1: prices, liquidations and cascades";
    if (!r->n_ts) {
        figure_skipped(html, 1, "prices", "timeseries.csv has no rows for the first instrument.");
        return 0;
    }
    FILE *f = cas__tmp_create(r, "liq.dat");
    if (!f)
        return CAS_EIO;
    for (size_t i = 0; i < r->n_liq; i++) {
        dat_num(f, cas__to_time(r, r->liq[i].step));
        dat_num(f, r->liq[i].mark);
        fprintf(f, " %d\n", r->liq[i].is_long);
    }
    if (cas__tmp_close(r, f, "liq.dat"))
        return CAS_EIO;
    FILE *gp = cas__script_begin(r, "fig1", title);
    if (!gp)
        return CAS_EIO;
    time_axis(r, gp);
    fputs("set ylabel 'price (quote currency)'\n", gp);
    /* Cascades on this instrument, shaded: at least 0.4% of the axis wide to be
     * seen, overlapping ones merged. They are in order of their roots. */
    double span = cas__to_time(r, r->ts[r->n_ts - 1].step), min_w = span * 0.004;
    double lo = NAN, hi = NAN;
    size_t n_cas = 0;
    for (size_t i = 0; i <= r->n_cas; i++) {
        double a = NAN, b = NAN;
        if (i < r->n_cas) {
            const struct cascade_row *k = &r->cas[i];
            if (strcmp(k->instrument, r->instrument) != 0)
                continue;
            n_cas++;
            a = cas__to_time(r, (double)k->start - 1);
            b = cas__to_time(r, isfinite(k->finish) ? k->finish : r->ts[r->n_ts - 1].step);
            if (b - a < min_w) {
                a = (a + b - min_w) / 2;
                b = a + min_w;
            }
            if (isfinite(lo) && a <= hi) {
                hi = fmax(hi, b);
                continue;
            }
        }
        if (isfinite(lo))
            fprintf(gp,
                    "set object rect from %.10g, graph 0 to %.10g, graph 1 behind "
                    "fc rgb '#f4b6b6' fs solid 0.45 noborder\n",
                    lo, hi);
        lo = a;
        hi = b;
    }
    if (r->opening > 0)
        fprintf(gp,
                "set object rect from 0, graph 0 to %.10g, graph 1 behind fc rgb '#dddddd' "
                "fs solid 0.5 noborder\n",
                fmax(cas__to_time(r, r->opening - 1), min_w));
    bool index = cas__any_finite(r, offsetof(struct ts_row, index));
    fputs("plot 'ts.dat' using 1:2 with lines lw 1 lc rgb '#999999' title 'last trade', \\\n"
          "     '' using 1:3 with lines lw 2 lc rgb '#1f5fa8' title 'mark', \\\n",
          gp);
    fputs("     '' using 1:12 with lines lw 1 lc rgb '#b0b0b0' dt 3 "
          "title 'lowest trade since the previous row', \\\n",
          gp);
    if (index)
        fputs("     '' using 1:4 with lines lw 2 lc rgb '#2ca02c' dt 2 title 'index', \\\n", gp);
    if (r->n_cf)
        fputs("     'cf.dat' using 1:2 with lines lw 2 lc rgb '#9467bd' "
              "title 'price without liquidations (counterfactual)', \\\n",
              gp);
    if (n_cas)
        fputs("     NaN with boxes fs solid 0.45 lc rgb '#f4b6b6' title 'cascade', \\\n", gp);
    if (r->opening > 0)
        fputs(
            "     NaN with boxes fs solid 0.5 lc rgb '#dddddd' title \"the book's opening\", \\\n",
            gp);
    if (r->n_liq)
        fputs("     'liq.dat' using 1:($3 == 1 ? $2 : NaN) with points pt 7 ps 0.7 "
              "lc rgb '#d62728' title 'long liquidated (at mark)', \\\n"
              "     'liq.dat' using 1:($3 == 0 ? $2 : NaN) with points pt 9 ps 0.8 "
              "lc rgb '#ff7f0e' title 'short liquidated (at mark)', \\\n",
              gp);
    fputs("     NaN notitle\n", gp);
    char note[320] = "";
    if (r->opening > 0)
        snprintf(note, sizeof note,
                 "Shaded grey: the book's opening (steps 0 to %.0f, until every book's "
                 "quotes and trades were within 1%% of its index, or of a spot book's initial "
                 "price), left out of the lowest-trade line and the headline (summary.json's "
                 "opening). ",
                 r->opening - 1);
    if (!index)
        snprintf(note + strlen(note), sizeof note - strlen(note),
                 "No index line: the instrument has no index (spot).");
    return figure_done(r, gp, html, 1, "fig1", title, cas__caption_prices, note[0] ? note : NULL);
}

static int fig_liquidated(const struct cas_report *r, FILE *html)
{
    const char *title = "Figure 2: liquidated notional";
    bool spot = !cas__any_finite(r, offsetof(struct ts_row, index));
    if (!r->n_ts || (spot && !cas__any_nonzero(r, offsetof(struct ts_row, liq_notional)))) {
        figure_skipped(html, 2, "liquidated notional",
                       r->n_ts ? "A spot instrument: nothing is leveraged, nobody liquidated."
                               : "timeseries.csv has no rows.");
        return 0;
    }
    FILE *gp = cas__script_begin(r, "fig2", title);
    if (!gp)
        return CAS_EIO;
    time_axis(r, gp);
    double every = r->n_ts > 1 ? (r->ts[1].step - r->ts[0].step) * r->step_seconds : 0;
    fprintf(gp,
            "set ylabel 'notional per %.10g s (quote currency)'\n"
            "set yrange [0:*]\n"
            "plot 'ts.dat' using 1:6 with impulses lw 2 lc rgb '#d62728' "
            "title 'liquidated notional, at the mark when triggered'\n",
            every);
    return figure_done(r, gp, html, 2, "fig2", title, cas__caption_liquidated, NULL);
}

/* The liquidation map, averaged into a grid of at most HEAT_COLS publication
 * columns by HEAT_ROWS price rows so that the SVG stays small for long runs. */
static int fig_heatmap(const struct cas_report *r, FILE *html)
{
    const char *title = "Figure 3: liquidation levels (the venue's liquidation map)";
    if (!r->have_liqmap || !r->n_map || !r->n_ts) {
        figure_skipped(html, 3, "liquidation levels",
                       !r->have_liqmap ? "liqmap.csv is absent (record.liqmap was off)."
                                       : "liqmap.csv has no rows for the first instrument "
                                         "(it is published only for perpetuals).");
        return 0;
    }
    /* Publications: their steps in order, and the interval between them. */
    double interval = 0, plo = INFINITY, phi = -INFINITY, width = INFINITY;
    size_t n_pub = 0;
    for (size_t i = 0; i < r->n_map; i++) {
        const struct map_row *m = &r->map[i];
        if (i == 0 || m->step != r->map[i - 1].step) {
            n_pub++;
            if (i > 0 && (interval == 0 || m->step - r->map[i - 1].step < interval))
                interval = m->step - r->map[i - 1].step;
        }
        plo = fmin(plo, m->lo);
        phi = fmax(phi, m->hi);
        width = fmin(width, m->hi - m->lo);
    }
    if (interval <= 0)
        interval = 60;
    double ylo = plo, yhi = phi; /* the price must show too */
    for (size_t i = 0; i < r->n_ts; i++) {
        ylo = fmin(ylo, cas__row_price(&r->ts[i]));
        yhi = fmax(yhi, cas__row_price(&r->ts[i]));
    }
    size_t cols = n_pub < HEAT_COLS ? n_pub : HEAT_COLS;
    size_t rows = index_below(ceil((phi - plo) / width), HEAT_ROWS + 1);
    rows = rows < 16 ? 16 : rows;
    double *cell = calloc(cols * rows, sizeof *cell);
    size_t *pubs = calloc(cols, sizeof *pubs);
    if (!cell || !pubs) {
        free(cell);
        free(pubs);
        return cas__report_oom(r->err);
    }
    double t0 = r->map[0].step, t1 = r->map[r->n_map - 1].step + interval;
    double row_h = (phi - plo) / (double)rows, col_w = (t1 - t0) / (double)cols;
    for (size_t i = 0; i < r->n_map; i++) {
        const struct map_row *m = &r->map[i];
        size_t c = index_below((m->step - t0) / col_w, cols);
        size_t k = index_below(((m->lo + m->hi) / 2 - plo) / row_h, rows);
        cell[c * rows + k] += m->notional;
        if (i == 0 || m->step != r->map[i - 1].step)
            pubs[c]++;
    }
    FILE *f = cas__tmp_create(r, "heat.dat");
    int rc = CAS_EIO;
    double vmin = INFINITY, vmax = 0;
    if (!f)
        goto out;
    for (size_t c = 0; c < cols; c++)
        for (size_t k = 0; k < rows; k++)
            if (cell[c * rows + k] > 0 && pubs[c]) {
                vmin = fmin(vmin, cell[c * rows + k] / (double)pubs[c]);
                vmax = fmax(vmax, cell[c * rows + k] / (double)pubs[c]);
            }
    for (size_t c = 0; c < cols; c++)
        for (size_t k = 0; k < rows; k++)
            if (cell[c * rows + k] > 0 && pubs[c])
                fprintf(f, "%.10g %.10g %.10g %.10g %.10g\n",
                        cas__to_time(r, t0 + ((double)c + 0.5) * col_w),
                        plo + ((double)k + 0.5) * row_h, cas__to_time(r, col_w / 2), row_h / 2,
                        cell[c * rows + k] / (double)pubs[c]);
    if (cas__tmp_close(r, f, "heat.dat"))
        goto out;
    FILE *gp = cas__script_begin(r, "fig3", title);
    if (!gp)
        goto out;
    time_axis(r, gp);
    /* Colour ticks at 1, 2 and 5 times powers of ten: a log axis over less
     * than a decade would otherwise get one tick or none. */
    fputs("set cbtics (", gp);
    const char *sep = "";
    for (double dec = pow(10, floor(log10(vmin))); dec <= vmax; dec *= 10)
        for (int m = 1; m <= 5; m += m == 1 ? 1 : 3)
            if (m * dec >= vmin && m * dec <= vmax) {
                fprintf(gp, "%s%.10g", sep, m * dec);
                sep = ", ";
            }
    if (!sep[0]) /* none of them in range: the ends */
        fprintf(gp, "%.3g, %.3g", vmin, vmax);
    fprintf(gp, ")\nset cbrange [%.10g:%.10g]\n", vmin, vmax * 1.0001);
    fprintf(gp,
            "set ylabel 'liquidation price (quote currency)'\n"
            "set cblabel 'notional liquidated there (quote currency)'\n"
            "set logscale cb\n"
            "set format cb '%%.0s%%c'\n"
            "set palette defined (0 '#fff7bc', 1 '#fec44f', 2 '#ec7014', 3 '#993404', "
            "4 '#3b0f02')\n"
            "set yrange [%.10g:%.10g]\n"
            "plot 'heat.dat' using 1:2:3:4:5 with boxxyerror fs solid 1.0 noborder "
            "fc palette notitle, \\\n"
            "     'ts.dat' using 1:5 with lines lw 2 lc rgb '#1f5fa8' title 'price'\n",
            ylo - (yhi - ylo) * 0.02, yhi + (yhi - ylo) * 0.02);
    char note[160];
    snprintf(note, sizeof note,
             "Each column averages %s of the venue's publications "
             "(one every %.10g steps).",
             n_pub > cols ? "several" : "one", interval);
    rc = cas__figure_end(
        r, gp, html, 3, "fig3", title,
        "Colour: the notional of open positions whose liquidation price lies in each "
        "price bin, at each publication of the venue's liquidation map (log scale); "
        "the line: the price. Dark bands are prices at which many positions would "
        "be liquidated, were the mark to reach them.",
        note);
out:
    free(cell);
    free(pubs);
    return rc;
}

static int fig_depth(const struct cas_report *r, FILE *html)
{
    const char *title = "Figure 4: depth of the book near the mid";
    if (!cas__any_finite(r, offsetof(struct ts_row, depth1)) &&
        !cas__any_finite(r, offsetof(struct ts_row, depth5))) {
        figure_skipped(html, 4, "depth",
                       "depth_1pct and depth_5pct are empty in every row "
                       "(the book never had both sides quoted).");
        return 0;
    }
    FILE *gp = cas__script_begin(r, "fig4", title);
    if (!gp)
        return CAS_EIO;
    time_axis(r, gp);
    fputs("set ylabel 'resting (lots, both sides)'\n"
          "set yrange [0:*]\n"
          "plot 'ts.dat' using 1:8 with lines lw 2 lc rgb '#9ecae1' "
          "title 'within ±5% of the mid', \\\n"
          "     '' using 1:7 with lines lw 2 lc rgb '#08519c' title 'within ±1% of the mid'\n",
          gp);
    return figure_done(r, gp, html, 4, "fig4", title, cas__caption_depth, NULL);
}

static int fig_oi_funding(const struct cas_report *r, FILE *html)
{
    const char *title = "Figure 5: open interest and funding rate";
    bool funding = cas__any_finite(r, offsetof(struct ts_row, funding));
    bool spot = !cas__any_finite(r, offsetof(struct ts_row, index));
    if (!r->n_ts || (spot && !funding)) {
        figure_skipped(html, 5, "open interest and funding",
                       "A spot instrument: no perpetual, so no open interest and no funding.");
        return 0;
    }
    FILE *gp = cas__script_begin(r, "fig5", title);
    if (!gp)
        return CAS_EIO;
    time_axis(r, gp);
    fputs("set ylabel 'open interest (lots, long)'\n"
          "set yrange [0:*]\n",
          gp);
    if (funding)
        fputs("set y2label 'funding rate (% per interval)'\n"
              "set y2tics\nset ytics nomirror\n"
              "plot 'ts.dat' using 1:9 with lines lw 2 lc rgb '#1f5fa8' "
              "title 'open interest (left)', \\\n"
              "     '' using 1:10 axes x1y2 with lines lw 1.5 lc rgb '#e6550d' "
              "title 'predicted funding rate (right)'\n",
              gp);
    else
        fputs("plot 'ts.dat' using 1:9 with lines lw 2 lc rgb '#1f5fa8' "
              "title 'open interest'\n",
              gp);
    return figure_done(r, gp, html, 5, "fig5", title, cas__caption_oi,
                       funding ? NULL : "No funding line: funding_rate is empty in every row.");
}

static int fig_insurance(const struct cas_report *r, FILE *html)
{
    const char *title = "Figure 6: the insurance fund";
    if (!r->n_ts || !cas__any_nonzero(r, offsetof(struct ts_row, insurance))) {
        figure_skipped(html, 6, "the insurance fund",
                       "The insurance fund is zero throughout (a spot-only run, or a venue "
                       "without one).");
        return 0;
    }
    FILE *gp = cas__script_begin(r, "fig6", title);
    if (!gp)
        return CAS_EIO;
    time_axis(r, gp);
    fputs("set ylabel 'balance (quote currency)'\n"
          "set format y '%.0f'\n"
          "set offsets 0, 0, graph 0.08, graph 0.08\n"
          "plot 'ts.dat' using 1:11 with steps lw 2 lc rgb '#756bb1' "
          "title 'insurance fund'\n",
          gp);
    return figure_done(r, gp, html, 6, "fig6", title, cas__caption_fund, NULL);
}

/* Log returns of the price between consecutive rows, in bp; *n of them. */
static double *log_returns(const struct cas_report *r, size_t *n)
{
    double *x = malloc((r->n_ts ? r->n_ts : 1) * sizeof *x);
    *n = 0;
    if (!x)
        return NULL;
    for (size_t i = 1; i < r->n_ts; i++) {
        double a = cas__row_price(&r->ts[i - 1]), b = cas__row_price(&r->ts[i]);
        if (a > 0 && b > 0)
            x[(*n)++] = 1e4 * log(b / a);
    }
    return x;
}

static int fig_returns(const struct cas_report *r, FILE *html)
{
    const double *x = r->returns;
    size_t n = r->n_returns;
    const char *title = "Figure 7: distribution of returns against a normal";
    double mean = cas_stats_mean(x, n), var = cas_stats_variance(x, n);
    if (n < 10 || !(var > 0)) {
        figure_skipped(html, 7, "distribution of returns",
                       "Too few returns, or none varied, to draw their distribution.");
        return 0;
    }
    double sd = sqrt(var), lo = x[0], hi = x[0];
    for (size_t i = 1; i < n; i++) {
        lo = fmin(lo, x[i]);
        hi = fmax(hi, x[i]);
    }
    size_t bins = (size_t)sqrt((double)n) * 2;
    bins = bins < 20 ? 20 : bins > 120 ? 120 : bins;
    double w = (hi - lo) / (double)bins;
    size_t *count = calloc(bins, sizeof *count);
    if (!count)
        return cas__report_oom(r->err);
    for (size_t i = 0; i < n; i++) {
        count[index_below((x[i] - lo) / w, bins)]++;
    }
    FILE *f = cas__tmp_create(r, "hist.dat");
    if (!f) {
        free(count);
        return CAS_EIO;
    }
    for (size_t b = 0; b < bins; b++)
        if (count[b])
            fprintf(f, "%.10g %.10g\n", lo + ((double)b + 0.5) * w,
                    (double)count[b] / ((double)n * w));
    free(count);
    if (cas__tmp_close(r, f, "hist.dat"))
        return CAS_EIO;
    double floor_density = 0.5 / ((double)n * w);
    double every = r->n_ts > 1 ? (r->ts[1].step - r->ts[0].step) * r->step_seconds : 0;
    FILE *gp = cas__script_begin(r, "fig7", title);
    if (!gp)
        return CAS_EIO;
    fprintf(gp,
            "set xlabel 'log return over %.10g s (bp)'\n"
            "set ylabel 'density (per bp, log scale)'\n"
            "set logscale y\n"
            "set format y '10^{%%L}'\n"
            "set xrange [%.10g:%.10g]\n"
            "set yrange [%.10g:*]\n"
            "set samples 1000\n"
            "m = %.10g\ns = %.10g\n"
            "normal(x) = exp(-0.5 * ((x - m) / s)**2) / (s * sqrt(2 * pi))\n"
            "plot 'hist.dat' using 1:2:(%.10g) with boxes fs solid 0.5 lc rgb '#1f5fa8' "
            "title 'returns (%zu)', \\\n"
            "     normal(x) with lines lw 2 lc rgb '#d62728' "
            "title sprintf('normal, same mean and sd (%%.3g bp)', s)\n",
            every, lo - w, hi + w, floor_density, mean, sd, w, n);
    double k = cas_stats_excess_kurtosis(x, n);
    char caption[800];
    double apart = r->n_ts > 1 ? (r->ts[1].step - r->ts[0].step) * r->step_seconds : NAN;
    snprintf(caption, sizeof caption,
             "%zu log returns of the price between rows (%.10g s apart: timeseries.csv's "
             "sampling, the whole run; the headline's kurtosis is of 1-minute returns after the "
             "warm-up); excess kurtosis %.3g, %s On the log scale the normal density is a "
             "parabola: returns beyond it are moves a normal distribution makes rare.",
             n, apart, k,
             k > 1    ? "heavier tails than a normal distribution's (0 for a normal)."
             : k < -1 ? "thinner tails than a normal distribution's (0 for a normal)."
                      : "tails close to a normal distribution's (0 for a normal).");
    cas__fact(r, "returns=%zu;excess_kurtosis=%.6g;tails=%s;", n, k,
              k > 1    ? "heavy"
              : k < -1 ? "thin"
                       : "normal");
    return cas__figure_end(r, gp, html, 7, "fig7", title, caption, NULL);
}

/* P(X >= k) for X binomial of n trials of probability p, by the terms' recurrence
 * (products and quotients only, so the same on every machine). */
static double binomial_tail(size_t n, double p, size_t k)
{
    double term = 1, below = 0;
    for (size_t i = 0; i < n; i++)
        term *= 1 - p; /* P(X = 0) */
    for (size_t i = 0; i < k && i <= n; i++) {
        below += term;
        term *= (double)(n - i) / (double)(i + 1) * p / (1 - p);
    }
    return k > n ? 0 : 1 - below;
}

static int fig_acf(const struct cas_report *r, FILE *html)
{
    const double *x = r->returns;
    size_t n = r->n_returns;
    const char *title = "Figure 8: autocorrelation of returns and of absolute returns";
    size_t max_lag = n > MAX_LAG + 2 ? MAX_LAG : n > 3 ? n - 2 : 0;
    FILE *f = max_lag ? cas__tmp_create(r, "acf.dat") : NULL;
    bool any = false;
    if (f) {
        for (size_t lag = 1; lag <= max_lag; lag++) {
            double a = cas_stats_acf(x, n, lag), b = cas_stats_acf_abs(x, n, lag);
            any = any || isfinite(a) || isfinite(b);
            fprintf(f, "%zu", lag);
            dat_num(f, a);
            dat_num(f, b);
            fputc('\n', f);
        }
        if (cas__tmp_close(r, f, "acf.dat"))
            return CAS_EIO;
    } else if (max_lag) {
        return CAS_EIO;
    }
    if (!any) {
        figure_skipped(html, 8, "autocorrelations",
                       "Too few returns, or none varied, for their autocorrelations.");
        return 0;
    }
    double every = r->n_ts > 1 ? (r->ts[1].step - r->ts[0].step) * r->step_seconds : 0;
    FILE *gp = cas__script_begin(r, "fig8", title);
    if (!gp)
        return CAS_EIO;
    fprintf(gp,
            "set xlabel 'lag (returns of %.10g s)'\n"
            "set ylabel 'autocorrelation'\n"
            "set xrange [0:%zu]\n"
            "band = %.10g\n"
            "set arrow from 0, band to %zu, band nohead dt 2 lc rgb '#888888'\n"
            "set arrow from 0, -band to %zu, -band nohead dt 2 lc rgb '#888888'\n"
            "set arrow from 0, 0 to %zu, 0 nohead lc rgb '#444444'\n"
            "plot 'acf.dat' using ($1 - 0.15):2 with impulses lw 3 lc rgb '#1f5fa8' "
            "title 'returns', \\\n"
            "     '' using ($1 + 0.15):3 with impulses lw 3 lc rgb '#e6550d' "
            "title '|returns|', \\\n"
            "     NaN with lines dt 2 lc rgb '#888888' title '±1.96/√n (no correlation)'\n",
            every, max_lag + 1, 1.96 / sqrt((double)n), max_lag + 1, max_lag + 1, max_lag + 1);
    double band = 1.96 / sqrt((double)n);
    size_t out_r = 0, out_a = 0;
    for (size_t lag = 1; lag <= max_lag; lag++) {
        out_r += fabs(cas_stats_acf(x, n, lag)) > band;
        out_a += cas_stats_acf_abs(x, n, lag) > band;
    }
    /* Under no correlation each lag lies beyond the band by chance with probability 0.05
     * for returns (either side) and 0.025 for absolute returns (above it): clustering is
     * claimed when so many absolute returns' lags lie above it that chance would give as
     * many less than once in a hundred runs (the binomial tail). */
    bool clustering = binomial_tail(max_lag, 0.025, out_a) < 0.01;
    char caption[700];
    snprintf(caption, sizeof caption,
             "Of lags 1 to %zu, %zu autocorrelations of returns lie outside the ±1.96/√n band "
             "and %zu of absolute returns above it (by chance about %.1f and %.1f would). %s",
             max_lag, out_r, out_a, 0.05 * (double)max_lag, 0.025 * (double)max_lag,
             clustering ? "Absolute returns are correlated at more lags than chance gives (it "
                          "would give as many less than once in a hundred runs): calm follows "
                          "calm and turmoil follows turmoil (volatility clustering)."
                        : "Absolute returns are correlated at no more lags than chance could "
                          "give: no clear volatility clustering at this sampling interval.");
    cas__fact(r, "lags=%zu;outside_r=%zu;outside_abs=%zu;clustering=%s;", max_lag, out_r, out_a,
              clustering ? "yes" : "no");
    return cas__figure_end(r, gp, html, 8, "fig8", title, caption, NULL);
}

/* summary.json's largest fall from a peak, which it measures on the run's first
 * instrument: false when the page is about another one or the key is missing. */
static bool largest_fall(const struct cas_report *r, double *bps)
{
    char first[128], fall[32];
    cas__summary_value(r, NULL, "instrument", first, sizeof first);
    cas__summary_value(r, "dislocation", "max_drawdown_bps", fall, sizeof fall);
    if (strcmp(first, r->instrument) != 0 || !fall[0] || strcmp(fall, "null") == 0)
        return false;
    *bps = strtod(fall, NULL);
    return true;
}

/* Figure 2 of the page of two runs: both runs' liquidated notional per row of timeseries.csv
 * (columns 4 of a.dat and b.dat), by minutes from each run's start, as figure 1. */
static int fig_compare_liquidated(const struct cas_report *const *runs, const char *const *labels,
                                  FILE *html)
{
    const char *title = "Figure 2: liquidated notional in both runs, by minute";
    double total[2] = {0, 0};
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; i < runs[k]->n_ts; i++)
            if (isfinite(runs[k]->ts[i].liq_notional))
                total[k] += runs[k]->ts[i].liq_notional;
    if (!(total[0] > 0) && !(total[1] > 0)) {
        figure_skipped(html, 2, "liquidated notional in both runs",
                       "Nobody was liquidated in either run.");
        return 0;
    }
    FILE *gp = cas__script_begin(runs[0], "cmp2", title);
    if (!gp)
        return CAS_EIO;
    fputs("set xlabel 'minutes from the start'\n"
          "set ylabel 'notional per row (quote currency)'\nset yrange [0:*]\nplot ",
          gp);
    static const char *const colour[2] = {"#1f5fa8", "#d62728"};
    for (int k = 0; k < 2; k++) {
        fprintf(gp, "%s'%s' using 1:4 with impulses lw %s lc rgb '%s' title ",
                k ? ", \\\n     " : "", k ? "b.dat" : "a.dat", k ? "1.5" : "3", colour[k]);
        cas__gp_string(gp, labels[k]);
        fputs(" noenhanced", gp);
    }
    fputc('\n', gp);
    char caption[1400];
    snprintf(caption, sizeof caption,
             "The notional liquidated (at the mark when each liquidation was triggered) in each "
             "row of timeseries.csv, of %s (blue) and %s (red, over it), by minutes from each "
             "run's start, as figure 1: %.0f in all in %s, %.0f in %s (quote currency).",
             labels[0], labels[1], total[0], labels[0], total[1], labels[1]);
    return cas__figure_end(runs[0], gp, html, 2, "cmp2", title, caption, NULL);
}

/* Both runs' prices (mid, else last) and lowest trades, by step, on one
 * figure: the first instrument of each; then their liquidated notional. */
int cas__fig_compare(const struct cas_report *a, const struct cas_report *b, const char *label_a,
                     const char *label_b, FILE *html)
{
    const struct cas_report *runs[2] = {a, b};
    const char *labels[2] = {label_a, label_b};
    for (int k = 0; k < 2; k++) {
        FILE *f = cas__tmp_create(a, k ? "b.dat" : "a.dat");
        if (!f)
            return CAS_EIO;
        for (size_t i = 0; i < runs[k]->n_ts; i++) {
            const struct ts_row *t = &runs[k]->ts[i];
            dat_num(f, t->step * runs[k]->step_seconds / 60);
            dat_num(f, cas__row_price(t));
            dat_num(f, t->low);
            dat_num(f, t->liq_notional);
            fputc('\n', f);
        }
        if (cas__tmp_close(a, f, k ? "b.dat" : "a.dat"))
            return CAS_EIO;
    }
    const char *title = "Figure 1: the price in both runs, by minute";
    FILE *gp = cas__script_begin(a, "cmp1", title);
    if (!gp)
        return CAS_EIO;
    fputs("set xlabel 'minutes from the start'\nset ylabel 'price (quote currency)'\nplot ", gp);
    static const char *const colour[2] = {"#1f5fa8", "#d62728"};
    char key[320];
    for (int k = 0; k < 2; k++) {
        fprintf(gp, "%s'%s' using 1:2 with lines lw 2 lc rgb '%s' title ", k ? ", \\\n     " : "",
                k ? "b.dat" : "a.dat", colour[k]);
        snprintf(key, sizeof key, "%s: price", labels[k]);
        cas__gp_string(gp, key);
        fprintf(gp, " noenhanced, \\\n     '%s' using 1:3 with lines lw 1 dt 3 lc rgb '%s' title ",
                k ? "b.dat" : "a.dat", colour[k]);
        snprintf(key, sizeof key, "%s: lowest trade", labels[k]);
        cas__gp_string(gp, key);
        fputs(" noenhanced", gp);
    }
    fputc('\n', gp);
    char caption[1400];
    double afall, bfall;
    int len = snprintf(caption, sizeof caption,
                       "The price (mid, else last) at each row of timeseries.csv, and the lowest "
                       "trade since the previous row, of %s (blue) and %s (red), by minutes "
                       "from each run's start.",
                       label_a, label_b);
    if (len > 0 && (size_t)len < sizeof caption && largest_fall(a, &afall) &&
        largest_fall(b, &bfall))
        snprintf(caption + len, sizeof caption - (size_t)len,
                 " The largest fall from a peak: %.0f bp in %s, %.0f bp in %s.", afall, label_a,
                 bfall, label_b);
    int rc = cas__figure_end(a, gp, html, 1, "cmp1", title, caption, NULL);
    return rc ? rc : fig_compare_liquidated(runs, labels, html);
}

/* The figures of a page, in order: each draws itself (or says why it is
 * skipped) from the report. */
static const struct {
    const char *what;
    int (*draw)(const struct cas_report *r, FILE *html);
} figures[] = {
    {"prices, liquidations and cascades", fig_prices},
    {"liquidated notional", fig_liquidated},
    {"liquidation levels", fig_heatmap},
    {"depth near the mid", fig_depth},
    {"open interest and funding", fig_oi_funding},
    {"the insurance fund", fig_insurance},
    {"distribution of returns", fig_returns},
    {"autocorrelations", fig_acf},
};

size_t cas_report_n_figures(void)
{
    return sizeof figures / sizeof *figures;
}

const char *cas_report_figure(size_t k)
{
    return k < cas_report_n_figures() ? figures[k].what : NULL;
}

int cas__figures(struct cas_report *r, FILE *html)
{
    char facts[FACTS_MAX] = "";
    r->facts = facts;
    if (!(r->returns = log_returns(r, &r->n_returns))) {
        r->facts = NULL;
        return cas__report_oom(r->err);
    }
    int rc = write_ts_dat(r);
    for (size_t k = 0; k < sizeof figures / sizeof *figures && rc == 0; k++)
        rc = figures[k].draw(r, html);
    free(r->returns);
    r->returns = NULL;
    r->facts = NULL;
    return rc;
}
