/* band: a price band around the mean of recent per-step prices, and trading halts.
 *
 * The ring holds the last n <= window samples; sum is their total. The running
 * sum is recomputed from the ring each time the ring wraps, so rounding error
 * cannot build up over a long run.
 */
#include <math.h>

#include "cascade/rules.h"
#include "rules/rulesInt.h"

/* ref * (1 -/+ pct) is rarely exact in binary (100 * 0.95 = 95.00000000000001):
 * a relative slack keeps such values on their integer before ceil/floor. */
#define BAND_SLACK 1e-9

int cas_band_init(struct cas_band *b, const struct cas_band_params *p)
{
    b->ring = (struct cas_ring){0};
    b->sum = 0.0;
    b->halted_until = 0;
    if (p->window < 1 || !(p->pct >= 0 && p->pct < 1) || p->halt_steps < 0)
        return CAS_EINVAL;
    b->p = *p;
    return cas__ring_init(&b->ring, p->window);
}

void cas_band_release(struct cas_band *b)
{
    cas__ring_release(&b->ring);
}

void cas_band_observe(struct cas_band *b, double price)
{
    double old;
    if (cas__ring_push(&b->ring, price, &old))
        b->sum -= old;
    b->sum += price;
    if (b->ring.head == 0) {
        b->sum = 0.0;
        for (cas_step i = 0; i < b->ring.n; i++)
            b->sum += b->ring.v[i];
    }
}

void cas_band_limits(const struct cas_band *b, double fallback, cas_ticks *lo, cas_ticks *hi)
{
    double ref = b->ring.n > 0 ? b->sum / (double)b->ring.n : fallback;
    double l = ref * (1.0 - b->p.pct), h = ref * (1.0 + b->p.pct);
    *lo = (cas_ticks)ceil(l - BAND_SLACK * fabs(l));
    *hi = (cas_ticks)floor(h + BAND_SLACK * fabs(h));
}

void cas_band_trip(struct cas_band *b, cas_step step)
{
    if (b->p.action != CAS_BAND_HALT)
        return;
    b->halted_until = step + b->p.halt_steps;
}

bool cas_band_halted(const struct cas_band *b, cas_step step)
{
    return step < b->halted_until;
}
