/* bs: Black–Scholes value, greeks and implied volatility (see cascade/bs.h).
 *
 * With v = sigma sqrt(T), D = e^{-rT} and m = (ln(S/K) + rT) / v, the formula's
 * d1 = m + v/2 and d2 = m - v/2. Written this way, large vols stay finite
 * (d1 -> +inf, d2 -> -inf rather than inf - inf), and ln(S/K) keeps its
 * accuracy near the money where ln S - ln K would cancel; if S/K under- or
 * overflows, m and the d's are infinite and every term takes its limit. The
 * put uses N(-d) rather than 1 - N(d), so far out-of-the-money values keep
 * their relative accuracy. Units are the header's: vega per 1.00 of vol,
 * theta per year.
 */
#include "cascade/bs.h"
#include "cascade/fmath.h"

#include <float.h>
#include <math.h>

double cas_norm_cdf(double x)
{
    /* erfc keeps relative accuracy where 1 + erf(x) would cancel to zero. Its
     * argument y = -x / sqrt 2 carries a rounding error e, which in the tail
     * costs a relative 2|y|e (5e-15 at x = -8); e is recovered exactly by fma
     * and a split 1/sqrt 2, and removed to first order: erfc'(y) = -2/sqrt(pi)
     * e^{-y^2}. */
    static const double rt_hi = 0.7071067811865476;      /* 1/sqrt 2, rounded */
    static const double rt_lo = -4.8336466567264567e-17; /* 1/sqrt 2 - rt_hi */
    static const double two_rt_pi = 1.1283791670955126;  /* 2/sqrt(pi) */
    if (isinf(x))
        return x > 0.0 ? 1.0 : 0.0; /* the correction below would be inf - inf */
    double y = -x * rt_hi;
    double e = fma(-x, rt_hi, -y) - x * rt_lo;
    return 0.5 * (cas_erfc(y) - two_rt_pi * cas_exp(-y * y) * e);
}

double cas_norm_pdf(double x)
{
    static const double inv_sqrt_2pi = 0.398942280401432677939946059934;
    return inv_sqrt_2pi * cas_exp(-0.5 * x * x);
}

/* num / den, taken as 0 when num is 0: a density that has underflowed to 0
 * must not meet a scale that has underflowed or overflowed (0/0, 0 * inf). */
static double ratio(double num, double den)
{
    return num == 0.0 ? 0.0 : num / den;
}

/* At or past expiry: the payoff, with the delta of the payoff's slope. */
static struct cas_greeks at_expiry(enum cas_option_kind kind, double S, double K)
{
    struct cas_greeks g = {0};
    if (kind == CAS_CALL && S > K)
        g = (struct cas_greeks){.price = S - K, .delta = 1.0};
    else if (kind == CAS_PUT && S < K)
        g = (struct cas_greeks){.price = K - S, .delta = -1.0};
    return g;
}

/* Zero vol: the underlying grows at r for sure, so the option is the
 * discounted forward's payoff; in the money its value S - KD (or KD - S)
 * moves with time only through KD, whose dKD/dt is r KD. */
static struct cas_greeks zero_vol(enum cas_option_kind kind, double S, double KD, double r)
{
    struct cas_greeks g = {0};
    if (kind == CAS_CALL && S > KD)
        g = (struct cas_greeks){.price = S - KD, .delta = 1.0, .theta = -r * KD};
    else if (kind == CAS_PUT && S < KD)
        g = (struct cas_greeks){.price = KD - S, .delta = -1.0, .theta = r * KD};
    return g;
}

struct cas_greeks cas_bs(enum cas_option_kind kind, double S, double K, double T, double r,
                         double sigma)
{
    if (T <= 0.0)
        return at_expiry(kind, S, K);
    double KD = K * cas_exp(-r * T);
    double v = sigma * sqrt(T);
    if (!(v > 0.0))
        return zero_vol(kind, S, KD, r);

    double m = ratio(cas_log(S / K) + r * T, v);
    double d1 = m + 0.5 * v, d2 = m - 0.5 * v;
    double n1 = cas_norm_pdf(d1);
    /* Time decay from the vol: S n(d1) sigma / (2 sqrt T). */
    double decay = ratio(S * n1, 2.0 * sqrt(T) / sigma);

    struct cas_greeks g = {
        .gamma = ratio(n1, S * v),
        .vega = S * n1 * sqrt(T),
    };
    if (kind == CAS_CALL) {
        g.price = S * cas_norm_cdf(d1) - KD * cas_norm_cdf(d2);
        g.delta = cas_norm_cdf(d1);
        g.theta = -decay - r * KD * cas_norm_cdf(d2);
        /* Rounding must not take the value below its no-arbitrage floor. */
        g.price = fmax(g.price, fmax(S - KD, 0.0));
    } else {
        g.price = KD * cas_norm_cdf(-d2) - S * cas_norm_cdf(-d1);
        g.delta = -cas_norm_cdf(-d1);
        g.theta = -decay + r * KD * cas_norm_cdf(-d2);
        g.price = fmax(g.price, fmax(KD - S, 0.0));
    }
    return g;
}

/* Bracket the vol from above: the value rises with sigma towards its upper
 * bound, which a price strictly below that bound meets at some finite sigma
 * (in floating point, once v is a few dozen). Returns 0 if none is found. */
static double vol_ceiling(enum cas_option_kind kind, double S, double K, double T, double r,
                          double price)
{
    for (double hi = 1.0; hi < 1e300; hi *= 2.0)
        if (cas_bs(kind, S, K, T, r, hi).price >= price)
            return hi;
    return 0.0;
}

/* Newton's step when it stays strictly inside (lo, hi), else bisection: the
 * bracket always holds the root, so this converges whatever the vega. */
static double iv_solve(enum cas_option_kind kind, double S, double K, double T, double r,
                       double price, double hi)
{
    double lo = 0.0;
    /* Manaster & Koehler's start: the inflection point of value in sigma. */
    double x = sqrt(2.0 * fabs(cas_log(S / K) + r * T) / T);
    if (!(x > lo && x < hi))
        x = 0.5 * (lo + hi);
    for (int i = 0; i < 200; i++) {
        struct cas_greeks g = cas_bs(kind, S, K, T, r, x);
        double f = g.price - price;
        if (f == 0.0)
            return x;
        if (f < 0.0)
            lo = x;
        else
            hi = x;
        double next = x - f / g.vega;
        if (!(next > lo && next < hi))
            next = 0.5 * (lo + hi);
        if (fabs(next - x) <= 4.0 * DBL_EPSILON * x)
            return next;
        x = next;
    }
    return x;
}

double cas_bs_implied_vol(enum cas_option_kind kind, double S, double K, double T, double r,
                          double price)
{
    if (!(S > 0.0 && K > 0.0 && T > 0.0))
        return NAN;
    double KD = K * cas_exp(-r * T);
    double lower = zero_vol(kind, S, KD, r).price;
    double upper = kind == CAS_CALL ? S : KD;
    if (!(price >= lower && price < upper))
        return NAN;
    if (price == lower)
        return 0.0;
    double hi = vol_ceiling(kind, S, K, T, r, price);
    return hi > 0.0 ? iv_solve(kind, S, K, T, r, price, hi) : NAN;
}
