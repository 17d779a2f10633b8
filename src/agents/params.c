/* params: one agent's draw of a parameter given as a distribution.
 *
 * Every draw lies within the parameter's range: a draw outside it is clipped to the
 * nearest bound (an open minimum to the next double above it), and an INT parameter's
 * draw is then rounded to the nearest integer (halves away from zero) and moved into the
 * range if rounding took it out. A constant draws nothing from the stream.
 */
#include <math.h>

#include "cascade/agent.h"

/* x clipped to the range; NaN goes to the lower bound. */
static double clip(const struct cas_param_spec *s, double x)
{
    double lo = s->min_open ? nextafter(s->min, INFINITY) : s->min;
    if (!(x >= lo))
        return lo;
    return x > s->max ? s->max : x;
}

/* x rounded to the nearest integer within the range. */
static double round_in_range(const struct cas_param_spec *s, double x)
{
    double lo = s->min_open ? floor(s->min) + 1 : ceil(s->min);
    double hi = floor(s->max);
    x = round(x);
    if (x < lo)
        return lo;
    return x > hi ? hi : x;
}

double cas_param_draw(const struct cas_param_spec *spec, const struct cas_dist *dist,
                      struct cas_rng *rng)
{
    double x = dist->a;
    switch (dist->kind) {
    case CAS_DIST_CONSTANT: break;
    case CAS_DIST_UNIFORM: x = cas_rng_uniform(rng, dist->a, dist->b); break;
    case CAS_DIST_NORMAL: x = cas_rng_normal(rng, dist->a, dist->b); break;
    case CAS_DIST_LOGNORMAL: x = cas_rng_lognormal(rng, dist->a, dist->b); break;
    case CAS_DIST_EXPONENTIAL: x = cas_rng_exponential(rng, 1.0 / dist->a); break;
    }
    x = clip(spec, x);
    return spec->kind == CAS_PARAM_INT ? round_in_range(spec, x) : x;
}
