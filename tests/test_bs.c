/* test_bs: Black–Scholes values and greeks against published numbers, identities
 * and finite differences; the expiry and zero-vol limits; implied-vol inversion.
 *
 * Grids cover deep in and out of the money (K/S from 0.4 to 3), short and long
 * expiries, negative to positive rates and low to high vols, for calls and puts.
 */
#include <criterion/criterion.h>
#include <math.h>

#include "cascade/bs.h"

static const enum cas_option_kind kinds[] = {CAS_CALL, CAS_PUT};
static const double grid_S[] = {50.0, 100.0, 250.0};
static const double grid_K[] = {40.0, 90.0, 100.0, 110.0, 300.0};
static const double grid_T[] = {0.02, 0.25, 1.0, 5.0};
static const double grid_r[] = {-0.01, 0.0, 0.05};
static const double grid_sigma[] = {0.05, 0.2, 0.8};

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

/* One point of the grid, and a callback run at each. */
struct point {
    enum cas_option_kind kind;
    double S, K, T, r, sigma;
};

static void for_grid(void (*check)(const struct point *))
{
    for (size_t a = 0; a < LEN(kinds); a++)
        for (size_t b = 0; b < LEN(grid_S); b++)
            for (size_t c = 0; c < LEN(grid_K); c++)
                for (size_t d = 0; d < LEN(grid_T); d++)
                    for (size_t e = 0; e < LEN(grid_r); e++)
                        for (size_t f = 0; f < LEN(grid_sigma); f++) {
                            struct point p = {kinds[a],  grid_S[b], grid_K[c],
                                              grid_T[d], grid_r[e], grid_sigma[f]};
                            check(&p);
                        }
}

static double price_at(const struct point *p)
{
    return cas_bs(p->kind, p->S, p->K, p->T, p->r, p->sigma).price;
}

#define POINT_FMT "%s S=%g K=%g T=%g r=%g sigma=%g"
#define POINT_ARGS(p) \
    (p)->kind == CAS_CALL ? "call" : "put", (p)->S, (p)->K, (p)->T, (p)->r, (p)->sigma

/* The textbook at-the-money case: d1 = 0.1, d2 = -0.1. */
Test(bs, published_at_the_money_values)
{
    struct cas_greeks g = cas_bs(CAS_CALL, 100.0, 100.0, 1.0, 0.0, 0.2);
    cr_assert_float_eq(g.price, 7.9656, 1e-4, "price %.10g", g.price);
    cr_assert_float_eq(g.delta, 0.5398, 1e-4, "delta %.10g", g.delta);
    cr_assert_float_eq(g.gamma, 0.019848, 1e-6, "gamma %.10g", g.gamma);
    cr_assert_float_eq(g.vega, 39.695, 1e-3, "vega per 1.00 vol %.10g", g.vega);
    /* theta = -S n(d1) sigma / 2 at r = 0: a long call loses value per year. */
    cr_assert_float_eq(g.theta, -3.9695, 1e-4, "theta per year %.10g", g.theta);
}

/* Hull, Options, Futures and Other Derivatives, the worked example of the
 * Black–Scholes–Merton pricing formulas (d1 = 0.7693, d2 = 0.6278): c = 4.76,
 * p = 0.81. */
Test(bs, hull_textbook_example)
{
    struct cas_greeks c = cas_bs(CAS_CALL, 42.0, 40.0, 0.5, 0.1, 0.2);
    struct cas_greeks p = cas_bs(CAS_PUT, 42.0, 40.0, 0.5, 0.1, 0.2);
    cr_assert_float_eq(c.price, 4.76, 0.005, "call %.10g", c.price);
    cr_assert_float_eq(p.price, 0.81, 0.005, "put %.10g", p.price);
    /* Full precision, from the closed form evaluated independently. */
    cr_assert_float_eq(c.price, 4.759422392871535, 1e-12);
    cr_assert_float_eq(p.price, 0.8085993729000958, 1e-12);
}

static void check_parity(const struct point *p)
{
    if (p->kind != CAS_CALL)
        return;
    struct cas_greeks c = cas_bs(CAS_CALL, p->S, p->K, p->T, p->r, p->sigma);
    struct cas_greeks q = cas_bs(CAS_PUT, p->S, p->K, p->T, p->r, p->sigma);
    double KD = p->K * exp(-p->r * p->T);
    double scale = fmax(p->S, p->K);
    cr_assert(fabs((c.price - q.price) - (p->S - KD)) <= 1e-13 * scale,
              "C - P = %.17g, S - KD = %.17g at " POINT_FMT, c.price - q.price, p->S - KD,
              POINT_ARGS(p));
    /* The greeks of a forward: delta 1, no gamma or vega, theta -r KD. */
    cr_assert(fabs(q.delta - (c.delta - 1.0)) <= 1e-15,
              "put delta %.17g, call delta %.17g at " POINT_FMT, q.delta, c.delta, POINT_ARGS(p));
    cr_assert(c.gamma == q.gamma && c.vega == q.vega, "gamma/vega differ at " POINT_FMT,
              POINT_ARGS(p));
    cr_assert(fabs((c.theta - q.theta) - (-p->r * KD)) <= 1e-13 * scale,
              "theta C - P = %.17g, -r KD = %.17g at " POINT_FMT, c.theta - q.theta, -p->r * KD,
              POINT_ARGS(p));
}

Test(bs, put_call_parity_over_grid)
{
    for_grid(check_parity);
}

/* |numeric - analytic| within a relative tolerance plus an absolute one
 * scaled to the greek's size at the money, so tiny wing values are still
 * checked to several digits rather than excused. */
static void expect_close(const char *name, double numeric, double analytic, double scale,
                         const struct point *p)
{
    double tol = 2e-6 * fabs(analytic) + 1e-9 * scale;
    cr_assert(fabs(numeric - analytic) <= tol,
              "%s: finite difference %.12g, formula %.12g at " POINT_FMT, name, numeric, analytic,
              POINT_ARGS(p));
}

/* (V(S + h) - 2 V(S) + V(S - h)) / h^2. */
static double second_difference(const struct point *p, double V0, double h)
{
    struct point up = *p, dn = *p;
    up.S += h, dn.S -= h;
    return (price_at(&up) - 2 * V0 + price_at(&dn)) / (h * h);
}

/* Central differences, each step a small fraction of the scale on which the
 * value bends (S v for the spot, sigma, T), so truncation and rounding both
 * stay far below the tolerance across the grid. */
static void check_finite_differences(const struct point *p)
{
    struct cas_greeks g = cas_bs(p->kind, p->S, p->K, p->T, p->r, p->sigma);
    double v = p->sigma * sqrt(p->T);
    double V0 = g.price;

    double hS = 1e-4 * p->S * v;
    struct point up = *p, dn = *p;
    up.S += hS, dn.S -= hS;
    expect_close("delta", (price_at(&up) - price_at(&dn)) / (2 * hS), g.delta, 1.0, p);

    /* The second difference divides rounding by h^2, so it takes a longer
     * step, and Richardson's extrapolation cancels the h^2 truncation term. */
    hS = 2e-2 * p->S * v;
    double coarse = second_difference(p, V0, hS), fine = second_difference(p, V0, hS / 2);
    expect_close("gamma", (4 * fine - coarse) / 3, g.gamma, 1.0 / (p->S * v), p);

    double hs = 1e-4 * p->sigma;
    up = *p, dn = *p;
    up.sigma += hs, dn.sigma -= hs;
    expect_close("vega", (price_at(&up) - price_at(&dn)) / (2 * hs), g.vega, p->S * sqrt(p->T), p);

    double hT = 1e-4 * p->T;
    up = *p, dn = *p;
    up.T += hT, dn.T -= hT;
    expect_close("theta", -(price_at(&up) - price_at(&dn)) / (2 * hT), g.theta,
                 p->S * p->sigma / sqrt(p->T) + fabs(p->r) * p->K, p);
}

Test(bs, greeks_match_finite_differences_over_grid)
{
    for_grid(check_finite_differences);
}

/* Far out of the money, where a careless 1 - N(d) would round to zero:
 * reference values from mpmath at 40 digits. */
Test(bs, deep_wings_keep_relative_accuracy)
{
    struct cas_greeks p = cas_bs(CAS_PUT, 100.0, 40.0, 0.25, 0.0, 0.2);
    cr_assert(fabs(p.price / 1.7021134838320047317e-20 - 1.0) <= 1e-10, "put %.17g", p.price);
    cr_assert(fabs(p.delta / -1.5870452391616715744e-20 - 1.0) <= 1e-12, "delta %.17g", p.delta);
    /* The matching call is the forward to rounding. */
    struct cas_greeks c = cas_bs(CAS_CALL, 100.0, 40.0, 0.25, 0.0, 0.2);
    cr_assert_eq(c.price, 60.0);
    cr_assert_eq(c.delta, 1.0);
}

Test(bs, expiry_gives_intrinsic_value)
{
    static const double Ts[] = {0.0, -1.0};
    for (size_t i = 0; i < LEN(Ts); i++) {
        struct cas_greeks c_itm = cas_bs(CAS_CALL, 110.0, 100.0, Ts[i], 0.05, 0.2);
        struct cas_greeks c_otm = cas_bs(CAS_CALL, 90.0, 100.0, Ts[i], 0.05, 0.2);
        struct cas_greeks p_itm = cas_bs(CAS_PUT, 90.0, 100.0, Ts[i], 0.05, 0.2);
        struct cas_greeks p_otm = cas_bs(CAS_PUT, 110.0, 100.0, Ts[i], 0.05, 0.2);
        struct cas_greeks atm = cas_bs(CAS_CALL, 100.0, 100.0, Ts[i], 0.05, 0.2);
        cr_assert(c_itm.price == 10.0 && c_itm.delta == 1.0);
        cr_assert(c_otm.price == 0.0 && c_otm.delta == 0.0);
        cr_assert(p_itm.price == 10.0 && p_itm.delta == -1.0);
        cr_assert(p_otm.price == 0.0 && p_otm.delta == 0.0);
        cr_assert(atm.price == 0.0 && atm.delta == 0.0);
        const struct cas_greeks *all[] = {&c_itm, &c_otm, &p_itm, &p_otm, &atm};
        for (size_t j = 0; j < LEN(all); j++)
            cr_assert(all[j]->gamma == 0.0 && all[j]->vega == 0.0 && all[j]->theta == 0.0);
    }
    /* Just before expiry the formula approaches the payoff. */
    struct cas_greeks c = cas_bs(CAS_CALL, 110.0, 100.0, 1e-8, 0.05, 0.2);
    cr_assert_float_eq(c.price, 10.0, 1e-6);
    cr_assert_float_eq(c.delta, 1.0, 1e-12);
}

Test(bs, zero_vol_gives_discounted_forward_intrinsic)
{
    double S = 100.0, K = 102.0, T = 1.0, r = 0.05;
    double KD = K * exp(-r * T); /* 97.03: the call is in the money on the forward */
    struct cas_greeks c = cas_bs(CAS_CALL, S, K, T, r, 0.0);
    struct cas_greeks p = cas_bs(CAS_PUT, S, K, T, r, 0.0);
    cr_assert_float_eq(c.price, S - KD, 1e-12);
    cr_assert(c.delta == 1.0 && c.gamma == 0.0 && c.vega == 0.0);
    cr_assert_float_eq(c.theta, -r * KD, 1e-12);
    cr_assert(p.price == 0.0 && p.delta == 0.0 && p.theta == 0.0);

    /* Negative sigma is treated as zero. */
    struct cas_greeks neg = cas_bs(CAS_CALL, S, K, T, r, -0.3);
    cr_assert(neg.price == c.price && neg.delta == c.delta && neg.theta == c.theta);

    /* The put side, in the money on the forward at r < 0. */
    struct cas_greeks pn = cas_bs(CAS_PUT, 100.0, 99.0, 1.0, -0.02, 0.0);
    double KDn = 99.0 * exp(0.02);
    cr_assert_float_eq(pn.price, KDn - 100.0, 1e-12);
    cr_assert(pn.delta == -1.0);
    cr_assert_float_eq(pn.theta, -0.02 * KDn, 1e-12);

    /* The formula tends to the same limit as sigma shrinks. */
    struct cas_greeks small = cas_bs(CAS_CALL, S, K, T, r, 1e-4);
    cr_assert_float_eq(small.price, c.price, 1e-10);
    cr_assert_float_eq(small.delta, 1.0, 1e-12);
    cr_assert_float_eq(small.theta, c.theta, 1e-9);
}

Test(bs, never_nan_at_extreme_inputs)
{
    static const double Ss[] = {1e-300, 1e-8, 1.0, 1e8, 1e300};
    static const double Ts[] = {1e-300, 1e-12, 1.0, 1e4};
    static const double sigmas[] = {1e-300, 1e-12, 0.2, 1e3, 1e150};
    for (size_t k = 0; k < LEN(kinds); k++)
        for (size_t a = 0; a < LEN(Ss); a++)
            for (size_t b = 0; b < LEN(Ss); b++)
                for (size_t c = 0; c < LEN(Ts); c++)
                    for (size_t d = 0; d < LEN(sigmas); d++) {
                        struct cas_greeks g =
                            cas_bs(kinds[k], Ss[a], Ss[b], Ts[c], 0.0001, sigmas[d]);
                        const double f[] = {g.price, g.delta, g.gamma, g.vega, g.theta};
                        for (size_t i = 0; i < LEN(f); i++)
                            cr_assert(!isnan(f[i]),
                                      "field %zu NaN: kind %d S=%g K=%g T=%g "
                                      "sigma=%g",
                                      i, kinds[k], Ss[a], Ss[b], Ts[c], sigmas[d]);
                        cr_assert(g.price >= 0.0 && fabs(g.delta) <= 1.0);
                    }
}

static void check_implied_vol(const struct point *p)
{
    double price = price_at(p);
    double iv = cas_bs_implied_vol(p->kind, p->S, p->K, p->T, p->r, price);
    cr_assert(!isnan(iv), "NaN at " POINT_FMT " price %.17g", POINT_ARGS(p), price);
    /* The inversion reproduces the price to rounding in every case... */
    double back = cas_bs(p->kind, p->S, p->K, p->T, p->r, iv).price;
    cr_assert(fabs(back - price) <= 1e-13 * fmax(p->S, p->K),
              "price %.17g, back %.17g at " POINT_FMT, price, back, POINT_ARGS(p));
    /* ...and the vol itself wherever the price carries it: when vega times a
     * small change of vol stands well above the rounding of the price. */
    struct cas_greeks g = cas_bs(p->kind, p->S, p->K, p->T, p->r, p->sigma);
    if (g.vega * p->sigma * 1e-8 > 1e-13 * fmax(p->S, p->K))
        cr_assert(fabs(iv - p->sigma) <= 1e-8 * p->sigma, "iv %.17g, sigma %g at " POINT_FMT, iv,
                  p->sigma, POINT_ARGS(p));
}

Test(bs, implied_vol_round_trips_over_grid)
{
    for_grid(check_implied_vol);
    /* Specific cases: Hull's example, and a high vol. */
    cr_assert_float_eq(cas_bs_implied_vol(CAS_CALL, 42.0, 40.0, 0.5, 0.1, 4.759422392871535), 0.2,
                       1e-12);
    double p = cas_bs(CAS_PUT, 100.0, 100.0, 0.5, 0.03, 2.5).price;
    cr_assert_float_eq(cas_bs_implied_vol(CAS_PUT, 100.0, 100.0, 0.5, 0.03, p), 2.5, 1e-10);
}

Test(bs, implied_vol_rejects_prices_outside_bounds)
{
    double S = 100.0, K = 90.0, T = 1.0, r = 0.05;
    double KD = K * exp(-r * T);
    /* Call: between S - KD and S. */
    cr_assert(isnan(cas_bs_implied_vol(CAS_CALL, S, K, T, r, S - KD - 0.01)));
    cr_assert(isnan(cas_bs_implied_vol(CAS_CALL, S, K, T, r, S)));
    cr_assert(isnan(cas_bs_implied_vol(CAS_CALL, S, K, T, r, S + 1.0)));
    cr_assert(isnan(cas_bs_implied_vol(CAS_CALL, S, K, T, r, -1.0)));
    cr_assert(isnan(cas_bs_implied_vol(CAS_CALL, S, K, T, r, NAN)));
    /* Put: between max(KD - S, 0) and KD. */
    cr_assert(isnan(cas_bs_implied_vol(CAS_PUT, S, K, T, r, -0.01)));
    cr_assert(isnan(cas_bs_implied_vol(CAS_PUT, S, K, T, r, KD)));
    /* No vol at or past expiry, nor for non-positive S or K. */
    cr_assert(isnan(cas_bs_implied_vol(CAS_CALL, S, K, 0.0, r, 12.0)));
    cr_assert(isnan(cas_bs_implied_vol(CAS_CALL, 0.0, K, T, r, 1.0)));
    cr_assert(isnan(cas_bs_implied_vol(CAS_CALL, S, -1.0, T, r, 1.0)));
    /* The lower bound itself is zero vol. */
    cr_assert(cas_bs_implied_vol(CAS_CALL, S, K, T, r, S - KD) == 0.0);
    cr_assert(cas_bs_implied_vol(CAS_PUT, S, K, T, r, 0.0) == 0.0);
}

Test(bs, norm_cdf_symmetry_and_tails)
{
    for (double x = -10.0; x <= 10.0; x += 0.125)
        cr_assert(fabs(cas_norm_cdf(x) + cas_norm_cdf(-x) - 1.0) <= 2e-16, "x = %g", x);
    cr_assert(cas_norm_cdf(0.0) == 0.5);
    /* Reference values to 20 digits (mpmath ncdf); relative accuracy in the tail. */
    static const struct {
        double x, cdf;
    } ref[] = {
        {-8.0, 6.2209605742717841235e-16},   {-20.0, 2.7536241186062336951e-89},
        {-37.0, 5.7255712225245768227e-300}, {1.96, 0.97500210485177956379},
        {1.0, 0.84134474606854294859},       {-1.0, 0.15865525393145705141},
    };
    /* A bare 0.5 erfc(-x / sqrt 2) is off by 6e-15 at -8 and 1e-13 at -37. */
    for (size_t i = 0; i < LEN(ref); i++)
        cr_assert(fabs(cas_norm_cdf(ref[i].x) / ref[i].cdf - 1.0) <= 1e-15,
                  "cdf(%g) = %.17g, want %.17g", ref[i].x, cas_norm_cdf(ref[i].x), ref[i].cdf);
    cr_assert(cas_norm_cdf(-40.0) >= 0.0 && cas_norm_cdf(40.0) == 1.0);
}

Test(bs, norm_pdf_values)
{
    cr_assert_float_eq(cas_norm_pdf(0.0), 0.39894228040143267794, 1e-16);
    cr_assert_float_eq(cas_norm_pdf(1.0), 0.24197072451914334980, 1e-16);
    cr_assert(cas_norm_pdf(2.5) == cas_norm_pdf(-2.5));
    cr_assert(cas_norm_pdf(40.0) >= 0.0 && cas_norm_pdf(1e200) == 0.0);
}
