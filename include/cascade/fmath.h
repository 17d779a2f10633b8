/* fmath: the mathematical functions the simulation uses, computed by the
 * project's own code with IEEE basic operations (+ - * /, sqrt) only, built
 * with -ffp-contract=off: the same bits on every machine, compiler and C
 * library, so that a run or a sweep shard gives byte-identical outputs
 * wherever it runs. The C library's versions are not: glibc chooses FMA
 * code paths by CPU, and glibc and musl disagree in the last bit.
 *
 * Accuracy (tests/test_fmath.c, against correctly rounded values computed
 * with mpmath, tests/data/fmath_reference.txt): exp, exp2, log, log1p and
 * cos within 1 ulp; erfc within 4 ulp; lgamma within 1e-15 relative (x >= 1).
 * Special values follow C: exp(+-inf), log(0) = -inf, NaN in, NaN out. */
#ifndef CASCADE_FMATH_H
#define CASCADE_FMATH_H

double cas_exp(double x);
double cas_exp2(double x);
double cas_log(double x);
double cas_log1p(double x);
/* |x| <= 2^20 (beyond that, NaN: the argument reduction is exact only so far). */
double cas_cos(double x);
double cas_erfc(double x);
/* log(Gamma(x)) for x >= 1 (NaN below: the simulation takes it of whole numbers k + 1). */
double cas_lgamma(double x);
/* 10^n exactly for 0 <= n <= 22, and 1 / 10^-n (correctly rounded) for -22 <= n < 0. */
double cas_pow10(int n);

#endif
