/* funding: the premium index of a book against the index, and the funding rate.
 *
 * The accumulator holds the weighted sum of the premium samples since the last
 * payment and the sum of their weights (1 each, or i for the i-th sample when
 * weighted, as Bybit does); settle reads the rate and empties it.
 */
#include <math.h>

#include "cascade/rules.h"

void cas_funding_init(struct cas_funding *f, const struct cas_funding_params *p)
{
    f->p = *p;
    f->sum = 0.0;
    f->weight_sum = 0.0;
    f->samples = 0;
}

/* Walking one side of the book for the average fill price of `want` lots. */
struct impact_walk {
    double want, got, notional;
};

static bool impact_level(void *ctx, const struct cas_level_info *level)
{
    struct impact_walk *w = ctx;
    double take = fmin((double)level->qty, w->want - w->got);
    w->got += take;
    w->notional += take * (double)level->price;
    return w->got < w->want;
}

/* The average fill price of impact_lots taken from `side` (the best price when
 * impact_lots <= 0, what there is when the side is thin); false when empty. */
static bool impact_price(const struct cas_book *book, enum cas_side side, double lots,
                         double *price)
{
    struct cas_level_info best;
    if (cas_book_depth(book, side, 1, &best) == 0)
        return false;
    if (!(lots > 0)) {
        *price = (double)best.price;
        return true;
    }
    struct impact_walk w = {.want = lots};
    cas_book_levels(book, side, impact_level, &w);
    *price = w.notional / w.got;
    return true;
}

static double impact_premium(const struct cas_funding *f, const struct cas_book *book, double index)
{
    double bid, ask, up = 0.0, down = 0.0;
    if (impact_price(book, CAS_BUY, f->p.impact_lots, &bid))
        up = fmax(0.0, bid - index);
    if (impact_price(book, CAS_SELL, f->p.impact_lots, &ask))
        down = fmax(0.0, index - ask);
    return (up - down) / index;
}

/* (mid - index) / index; 0 without a mid. */
static double mid_premium(const struct cas_book *book, double index)
{
    cas_ticks bid, ask;
    if (!cas_book_best_bid(book, &bid) || !cas_book_best_ask(book, &ask))
        return 0.0;
    return (((double)bid + (double)ask) / 2.0 - index) / index;
}

double cas_funding_premium(const struct cas_funding *f, const struct cas_book *book, double index)
{
    if (!(index > 0))
        return 0.0;
    if (f->p.premium == CAS_PREMIUM_MID)
        return mid_premium(book, index);
    return impact_premium(f, book, index);
}

void cas_funding_sample(struct cas_funding *f, double premium)
{
    f->samples++;
    double w = f->p.weighted ? (double)f->samples : 1.0;
    f->sum += w * premium;
    f->weight_sum += w;
}

static double clampd(double x, double lo, double hi)
{
    return x < lo ? lo : x > hi ? hi : x;
}

double cas_funding_rate(const struct cas_funding *f)
{
    double avg = f->weight_sum > 0 ? f->sum / f->weight_sum : 0.0;
    double rate = avg + clampd(f->p.interest - avg, -f->p.clamp, f->p.clamp);
    if (f->p.cap > 0)
        rate = clampd(rate, -f->p.cap, f->p.cap);
    return rate;
}

double cas_funding_settle(struct cas_funding *f)
{
    double rate = cas_funding_rate(f);
    f->sum = 0.0;
    f->weight_sum = 0.0;
    f->samples = 0;
    return rate;
}
