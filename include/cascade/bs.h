/* bs: Black–Scholes value, greeks and implied volatility of European options.
 *
 * The underlying pays no dividend; r is the continuously compounded riskless
 * rate per year, T the time to expiry in years, sigma the annualized
 * volatility (0.20 means 20%). S and K share one price unit, and every value
 * below is in that unit: the price, delta (per unit of S, dimensionless),
 * gamma (per unit of S squared), vega (per 1.00 of sigma, i.e. per 100 vol
 * points: divide by 100 for one point), and theta (the change of value per
 * year of calendar time, dV/dt = -dV/dT: negative for a long call at r >= 0;
 * divide by 365 for one day). Functions are pure; nothing is allocated.
 */
#ifndef CASCADE_BS_H
#define CASCADE_BS_H

enum cas_option_kind { CAS_CALL, CAS_PUT };

struct cas_greeks {
    double price;
    double delta; /* dV/dS */
    double gamma; /* d2V/dS2 */
    double vega;  /* dV/dsigma, per 1.00 of vol */
    double theta; /* dV/dt = -dV/dT, per year */
};

/* Value and greeks. At T <= 0 the intrinsic value max(±(S - K), 0), with delta
 * ±1 in the money and 0 otherwise (0 at the money), and zero gamma, vega and
 * theta. When sigma * sqrt(T) <= 0 (zero vol) the value is the discounted
 * forward's intrinsic max(±(S - K e^{-rT}), 0), with delta ±1 or 0, zero gamma
 * and vega, and the theta of carrying K e^{-rT}. Never NaN for finite S, K > 0,
 * finite T and sigma, and finite K e^{-rT}. */
struct cas_greeks cas_bs(enum cas_option_kind kind, double S, double K, double T, double r,
                         double sigma);

/* Standard normal distribution function, through erfc so that it keeps its
 * relative accuracy far into the lower tail (cdf(-8) = 6.22e-16). */
double cas_norm_cdf(double x);
/* Standard normal density. */
double cas_norm_pdf(double x);

/* The sigma at which cas_bs gives `price`, by Newton's method kept inside a
 * bisection bracket. Returns 0 for a price equal to the zero-vol value, and
 * NaN when no finite vol fits: the price at or above the upper bound (S for a
 * call, K e^{-rT} for a put) or below the lower bound (the zero-vol value), or
 * T <= 0, or S or K not positive. */
double cas_bs_implied_vol(enum cas_option_kind kind, double S, double K, double T, double r,
                          double price);

#endif
