/* captions: every sentence under a figure computed from the run (figures.h): what the
 * prices did around the largest cascade, how much was liquidated, the depth, the open
 * interest and funding, the insurance fund; and the figures' data-facts, the same figures
 * as "key=value;" pairs for the tests (cas__fact). Nothing here reads a file or fails.
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/figures.h"
#include "report/reportInt.h"

void cas__fact(const struct cas_report *r, const char *fmt, ...)
{
    if (!r->facts)
        return;
    size_t len = strlen(r->facts);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->facts + len, FACTS_MAX - len, fmt, ap);
    va_end(ap);
}

#define CAPTION_AFTER_S 1200.0 /* recovery is told this long after a cascade's extreme */

/* The first row at or after `step` (the last row if none). */
static const struct ts_row *row_at(const struct cas_report *r, double step)
{
    for (size_t i = 0; i < r->n_ts; i++)
        if (r->ts[i].step >= step)
            return &r->ts[i];
    return r->n_ts ? &r->ts[r->n_ts - 1] : NULL;
}

/* The page instrument's largest cascade (most liquidations, then notional). */
static const struct cascade_row *largest_here(const struct cas_report *r)
{
    const struct cascade_row *best = NULL;
    for (size_t k = 0; k < r->n_cas; k++) {
        const struct cascade_row *c = &r->cas[k];
        if (strcmp(c->instrument, r->instrument) != 0)
            continue;
        if (!best || c->liquidations > best->liquidations ||
            (c->liquidations == best->liquidations && c->notional > best->notional))
            best = c;
    }
    return best;
}

void cas__caption_prices(const struct cas_report *r, char *out, size_t n)
{
    const struct inst_row *in = cas__page_instrument(r);
    const struct cascade_row *c = largest_here(r);
    if (!c) {
        snprintf(out, n,
                 "Nobody was liquidated on %s. Its price went from %.10g after the book's "
                 "opening to %.10g at the end, between %.10g and %.10g with trades inside "
                 "a step included.",
                 r->instrument, in ? in->first : NAN, in ? in->last : NAN, in ? in->low : NAN,
                 in ? in->high : NAN);
        cas__fact(r, "liquidations=0;");
        return;
    }
    bool down = strcmp(c->side, "long") == 0;
    int len = snprintf(out, n,
                       "%zu liquidations on %s (dots, at the mark when triggered), in "
                       "cascades shaded from their first trigger to their last fill. "
                       "The largest, cascade %lld (%lld liquidations), took the price "
                       "from %.10g to %.10g (%.0f bp %s) in steps %lld to %.0f.",
                       r->n_liq, r->instrument, c->id, c->liquidations, c->price_start,
                       c->price_extreme, c->move_bps, down ? "down" : "up", c->start,
                       isfinite(c->finish) ? c->finish : r->ts[r->n_ts - 1].step);
    cas__fact(r, "liquidations=%zu;cascade=%lld;move_bps=%.2f;", r->n_liq, c->id, c->move_bps);
    /* the extreme's step, from cascades.csv via the ts rows: the row of the extreme */
    double ext_step = (double)c->extreme_step;
    const struct ts_row *at = row_at(r, ext_step),
                        *later = row_at(r, ext_step + CAPTION_AFTER_S / r->step_seconds);
    if (!at || !later || later->step <= ext_step || c->move_bps <= 0 ||
        c->price_start == c->price_extreme)
        return;
    double p = cas__row_price(later);
    double regained = (p - c->price_extreme) / (c->price_start - c->price_extreme) * 100;
    double minutes = (later->step - ext_step) * r->step_seconds / 60;
    len += snprintf(out + len, n - (size_t)len,
                    " %.0f minutes after the extreme the price "
                    "(%.10g) had regained %.0f%% of that move",
                    minutes, p, regained);
    cas__fact(r, "after_step=%.0f;regained_pct=%.10g;", later->step, regained);
    if (isfinite(at->index) && isfinite(later->index)) {
        double moved = (later->index / at->index - 1) * 1e4;
        len += snprintf(out + len, n - (size_t)len, "; the index had moved %+.0f bp", moved);
        cas__fact(r, "index_bps=%.10g;", moved);
    }
    snprintf(out + len, n - (size_t)len, ".");
}

void cas__caption_liquidated(const struct cas_report *r, char *out, size_t n)
{
    double total = 0, peak = 0, peak_step = 0;
    for (size_t i = 0; i < r->n_ts; i++) {
        total += r->ts[i].liq_notional;
        if (r->ts[i].liq_notional > peak) {
            peak = r->ts[i].liq_notional;
            peak_step = r->ts[i].step;
        }
    }
    if (total <= 0) {
        snprintf(out, n, "Nobody was liquidated on %s.", r->instrument);
        cas__fact(r, "total=0;");
        return;
    }
    snprintf(out, n,
             "%.10g of notional was liquidated on %s in all; the busiest row (step "
             "%.0f) holds %.0f%% of it.",
             total, r->instrument, peak_step, peak / total * 100);
    cas__fact(r, "total=%.2f;peak_step=%.0f;peak_pct=%.1f;", total, peak_step, peak / total * 100);
}

static double median_of(const struct cas_report *r, size_t offset)
{
    double *v = malloc((r->n_ts ? r->n_ts : 1) * sizeof *v);
    size_t n = 0;
    for (size_t i = 0; v && i < r->n_ts; i++) {
        double x = *(const double *)((const char *)&r->ts[i] + offset);
        if (isfinite(x)) {
            size_t j = n++;
            for (; j > 0 && v[j - 1] > x; j--)
                v[j] = v[j - 1];
            v[j] = x;
        }
    }
    double m = n ? (n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2) : NAN;
    free(v);
    return m;
}

void cas__caption_depth(const struct cas_report *r, char *out, size_t n)
{
    double lo = INFINITY, lo_step = 0;
    for (size_t i = 0; i < r->n_ts; i++)
        if (isfinite(r->ts[i].depth1) && r->ts[i].depth1 < lo) {
            lo = r->ts[i].depth1;
            lo_step = r->ts[i].step;
        }
    double m1 = median_of(r, offsetof(struct ts_row, depth1)),
           m5 = median_of(r, offsetof(struct ts_row, depth5));
    snprintf(out, n,
             "Lots resting within ±1%% of the mid: %.10g at the median row, %.10g at "
             "the lowest (step %.0f); within ±5%%: %.10g at the median row. The "
             "thinner the book near the mid, the further each forced order moves the "
             "price.",
             m1, lo, lo_step, m5);
    cas__fact(r, "depth1_median=%.10g;depth1_min=%.10g;depth1_min_step=%.0f;", m1, lo, lo_step);
}

/* clang-format off */
void cas__caption_oi(const struct cas_report *r, char *out, size_t n)
{
    bool funding = cas__any_finite(r, offsetof(struct ts_row, funding));
    double first = r->ts[0].oi_long, last = r->ts[r->n_ts - 1].oi_long, lo = INFINITY,
           hi = -INFINITY, flo = INFINITY, fhi = -INFINITY;
    for (size_t i = 0; i < r->n_ts; i++) {
        lo = fmin(lo, r->ts[i].oi_long);
        hi = fmax(hi, r->ts[i].oi_long);
        if (isfinite(r->ts[i].funding)) {
            flo = fmin(flo, r->ts[i].funding);
            fhi = fmax(fhi, r->ts[i].funding);
        }
    }
    int len = snprintf(out, n, "Open interest went from %.10g lots at the first row to %.10g "
                               "at the end (%s), between %.10g and %.10g.",
                       first, last, last > first ? "up" : last < first ? "down" : "unchanged",
                       lo, hi);
    cas__fact(r, "oi_first=%.10g;oi_last=%.10g;", first, last);
    if (funding)
        snprintf(out + len, n - (size_t)len, " The predicted funding rate ranged from %.4f%% "
                                             "to %.4f%% per interval.",
                 flo * 100, fhi * 100);
}
/* clang-format on */

void cas__caption_fund(const struct cas_report *r, char *out, size_t n)
{
    double first = r->ts[0].insurance, last = r->ts[r->n_ts - 1].insurance, lo = INFINITY,
           lo_step = 0;
    for (size_t i = 0; i < r->n_ts; i++)
        if (r->ts[i].insurance < lo) {
            lo = r->ts[i].insurance;
            lo_step = r->ts[i].step;
        }
    snprintf(out, n,
             "The venue's insurance fund went from %.10g at the first row to %.10g at "
             "the end, its lowest %.10g (step %.0f). It pays when a liquidation fills "
             "beyond the bankruptcy price and gains when one fills better.",
             first, last, lo, lo_step);
    cas__fact(r, "fund_first=%.10g;fund_last=%.10g;", first, last);
}
