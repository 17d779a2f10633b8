/* volmargin: a margin scale from realized volatility over a window of step returns.
 *
 * The ring holds the last n <= window log returns between consecutive observed
 * prices, the oldest at head once full; sum and sum_sq are their total and
 * total of squares, recomputed from the ring each time it wraps so rounding
 * error cannot build up. last_price is 0 until the first observation.
 */
#include <math.h>

#include "cascade/fmath.h"
#include "cascade/rules.h"
#include "rules/rulesInt.h"

#define PPM 1000000.0

int cas_volmargin_init(struct cas_volmargin *v, const struct cas_volmargin_params *p)
{
    v->ring = (struct cas_ring){0};
    v->sum = v->sum_sq = 0.0;
    v->last_price = 0.0;
    /* max_scale <= 1e9 keeps the scale in ppm far inside int64 */
    if (p->window < 1 || !(p->base_vol > 0) || !(p->max_scale >= 1) || !(p->max_scale <= 1e9))
        return CAS_EINVAL;
    v->p = *p;
    return cas__ring_init(&v->ring, p->window);
}

void cas_volmargin_release(struct cas_volmargin *v)
{
    cas__ring_release(&v->ring);
}

static void resum(struct cas_volmargin *v)
{
    v->sum = v->sum_sq = 0.0;
    for (cas_step i = 0; i < v->ring.n; i++) {
        v->sum += v->ring.v[i];
        v->sum_sq += v->ring.v[i] * v->ring.v[i];
    }
}

static void push_return(struct cas_volmargin *v, double r)
{
    double old;
    if (cas__ring_push(&v->ring, r, &old)) {
        v->sum -= old;
        v->sum_sq -= old * old;
    }
    v->sum += r;
    v->sum_sq += r * r;
    if (v->ring.head == 0)
        resum(v);
}

void cas_volmargin_observe(struct cas_volmargin *v, double price)
{
    if (!(price > 0) || !isfinite(price))
        return; /* no log return from a non-positive price; skip the sample */
    if (v->last_price > 0)
        push_return(v, cas_log(price / v->last_price));
    v->last_price = price;
}

int64_t cas_volmargin_scale_ppm(const struct cas_volmargin *v)
{
    if (v->ring.n < v->p.window)
        return (int64_t)PPM;
    double mean = v->sum / (double)v->ring.n;
    double var = v->sum_sq / (double)v->ring.n - mean * mean;
    double vol = var > 0 ? sqrt(var) : 0.0;
    double scale = vol / v->p.base_vol;
    scale = scale < 1 ? 1 : scale > v->p.max_scale ? v->p.max_scale : scale;
    return (int64_t)llround(scale * PPM);
}
