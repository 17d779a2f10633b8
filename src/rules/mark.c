/* mark: the mark price from the last trade, the book's mid, the index and funding.
 *
 * The only state is the EMA of the basis (mid, else last, minus the index),
 * which starts at zero: a run opens with the perpetual at its index (its
 * initial price is both), as a venue's averages carry the history before it,
 * so the first trades of a book still filling up do not move the mark alone.
 * Marks are whole ticks, never below 1.
 */
#include <math.h>

#include "cascade/rules.h"

/* Marks are converted to int64 ticks; beyond this a double has no exact tick. */
#define MARK_MAX ((double)CAS_BOOK_MAX_PRICE) /* the book's and the exchange's limit, 2^40 ticks */

void cas_mark_init(struct cas_mark *m, enum cas_mark_method method, cas_step ema_steps)
{
    m->method = method;
    m->ema_alpha = 2.0 / ((double)(ema_steps > 1 ? ema_steps : 1) + 1.0);
    m->basis_ema = 0.0;
}

static double mid_or_last(const struct cas_mark_inputs *in)
{
    if (in->has_bid && in->has_ask)
        return ((double)in->bid + (double)in->ask) / 2.0;
    return (double)in->last;
}

void cas_mark_sample(struct cas_mark *m, const struct cas_mark_inputs *in)
{
    double basis = mid_or_last(in) - in->index;
    m->basis_ema += m->ema_alpha * (basis - m->basis_ema);
}

static double median3(double a, double b, double c)
{
    double lo = fmin(a, b), hi = fmax(a, b);
    return c < lo ? lo : c > hi ? hi : c;
}

/* index * (1 + F * time_to_funding): the funding basis decays to zero at payment. */
static double fair(const struct cas_mark_inputs *in)
{
    return in->index * (1.0 + in->funding_rate * in->time_to_funding);
}

static double index_ema(const struct cas_mark *m, const struct cas_mark_inputs *in)
{
    return in->index + m->basis_ema;
}

static double raw_mark(const struct cas_mark *m, const struct cas_mark_inputs *in)
{
    switch (m->method) {
    case CAS_MARK_LAST: return (double)in->last;
    case CAS_MARK_MID: return mid_or_last(in);
    case CAS_MARK_INDEX_EMA: return index_ema(m, in);
    case CAS_MARK_MEDIAN: return median3(fair(in), index_ema(m, in), (double)in->last);
    case CAS_MARK_FAIR: return fair(in);
    }
    return (double)in->last;
}

cas_ticks cas_mark_price(const struct cas_mark *m, const struct cas_mark_inputs *in)
{
    double x = round(raw_mark(m, in)); /* round() is half away from zero */
    if (!(x >= 1.0))                   /* also catches NaN */
        return 1;
    return x > MARK_MAX ? (cas_ticks)MARK_MAX : (cas_ticks)x;
}
