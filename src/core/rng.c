/* rng: PCG32 (pcg_setseq_64_xsh_rr_32) streams and the distributions built on them.
 *
 * The generator follows O'Neill's published algorithm: state' = state * M + inc,
 * output = rotr32(((state ^ (state >> 18)) >> 27), state >> 59), with the
 * seeding procedure of pcg32_srandom_r, so that seed 42 / stream 54 reproduces
 * the reference demo's outputs. Distributions draw only from the stream given.
 */
#include <math.h>

#include "cascade/fmath.h"
#include "cascade/rng.h"

#define PCG_MULT 6364136223846793005ULL
#define TWO_PI 6.283185307179586476925286766559

static uint32_t rotr32(uint32_t x, unsigned r)
{
    return (x >> r) | (x << (-r & 31u));
}

uint32_t cas_rng_u32(struct cas_rng *r)
{
    uint64_t old = r->state;
    r->state = old * PCG_MULT + r->inc;
    uint32_t xorshifted = (uint32_t)(((old >> 18u) ^ old) >> 27u);
    return rotr32(xorshifted, (unsigned)(old >> 59u));
}

void cas_rng_init(struct cas_rng *r, uint64_t seed, uint64_t stream)
{
    r->state = 0;
    r->inc = (stream << 1u) | 1u;
    cas_rng_u32(r);
    r->state += seed;
    cas_rng_u32(r);
}

/* splitmix64's finalizer: a bijective mixer used only to derive seeds. */
static uint64_t mix64(uint64_t z)
{
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void cas_rng_derive(struct cas_rng *r, uint64_t run_seed, uint64_t purpose, uint64_t index)
{
    uint64_t seed = mix64(run_seed ^ mix64(purpose ^ mix64(index)));
    uint64_t stream = mix64(seed ^ mix64(index + 0x632be59bd9b4e019ULL));
    cas_rng_init(r, seed, stream);
}

uint64_t cas_rng_u64(struct cas_rng *r)
{
    uint64_t hi = cas_rng_u32(r);
    return (hi << 32) | cas_rng_u32(r);
}

/* The reference library's method: reject the lowest 2^32 mod bound values so
 * that every residue is equally likely, then reduce. */
uint32_t cas_rng_bounded(struct cas_rng *r, uint32_t bound)
{
    if (bound == 0)
        return 0;
    uint32_t threshold = -bound % bound;
    for (;;) {
        uint32_t x = cas_rng_u32(r);
        if (x >= threshold)
            return x % bound;
    }
}

int64_t cas_rng_range(struct cas_rng *r, int64_t lo, int64_t hi)
{
    uint64_t span = (uint64_t)hi - (uint64_t)lo; /* hi - lo, in [0, 2^64) */
    if (span < UINT32_MAX)
        return lo + (int64_t)cas_rng_bounded(r, (uint32_t)(span + 1));
    if (span == UINT64_MAX)
        return (int64_t)cas_rng_u64(r);
    uint64_t bound = span + 1, threshold = -bound % bound;
    for (;;) {
        uint64_t x = cas_rng_u64(r);
        if (x >= threshold)
            return (int64_t)((uint64_t)lo + x % bound);
    }
}

double cas_rng_double(struct cas_rng *r)
{
    return (double)(cas_rng_u64(r) >> 11) * 0x1.0p-53;
}

double cas_rng_uniform(struct cas_rng *r, double lo, double hi)
{
    return lo + (hi - lo) * cas_rng_double(r);
}

/* Box–Muller, one value per call: no cached spare, so a stream's position
 * depends only on how many draws were made. */
double cas_rng_normal(struct cas_rng *r, double mean, double sd)
{
    double u1 = 1.0 - cas_rng_double(r); /* (0, 1]: log is finite */
    double u2 = cas_rng_double(r);
    return mean + sd * sqrt(-2.0 * cas_log(u1)) * cas_cos(TWO_PI * u2);
}

double cas_rng_exponential(struct cas_rng *r, double rate)
{
    return -cas_log1p(-cas_rng_double(r)) / rate;
}

double cas_rng_lognormal(struct cas_rng *r, double mu, double sigma)
{
    return cas_exp(cas_rng_normal(r, mu, sigma));
}

int cas_rng_bernoulli(struct cas_rng *r, double p)
{
    return cas_rng_double(r) < p;
}

/* Knuth's product of uniforms, for small means. */
static uint64_t poisson_small(struct cas_rng *r, double mean)
{
    double limit = cas_exp(-mean), prod = cas_rng_double(r);
    uint64_t k = 0;
    while (prod > limit) {
        k++;
        prod *= cas_rng_double(r);
    }
    return k;
}

/* Hörmann's PTRS (transformed rejection with squeeze), 1993, for mean >= 10. */
static uint64_t poisson_ptrs(struct cas_rng *r, double mean)
{
    double slam = sqrt(mean), loglam = cas_log(mean);
    double b = 0.931 + 2.53 * slam;
    double a = -0.059 + 0.02483 * b;
    double invalpha = 1.1239 + 1.1328 / (b - 3.4);
    double vr = 0.9277 - 3.6224 / (b - 2);
    for (;;) {
        double u = cas_rng_double(r) - 0.5;
        double v = cas_rng_double(r);
        double us = 0.5 - fabs(u);
        double k = floor((2 * a / us + b) * u + mean + 0.43);
        if (us >= 0.07 && v <= vr)
            return (uint64_t)k;
        if (k < 0 || (us < 0.013 && v > us))
            continue;
        if (cas_log(v) + cas_log(invalpha) - cas_log(a / (us * us) + b) <=
            -mean + k * loglam - cas_lgamma(k + 1))
            return (uint64_t)k;
    }
}

uint64_t cas_rng_poisson(struct cas_rng *r, double mean)
{
    if (!(mean > 0))
        return 0;
    return mean < 10 ? poisson_small(r, mean) : poisson_ptrs(r, mean);
}

void cas_rng_shuffle_u32(struct cas_rng *r, uint32_t *v, uint32_t n)
{
    for (uint32_t i = n; i > 1; i--) {
        uint32_t j = cas_rng_bounded(r, i);
        uint32_t t = v[i - 1];
        v[i - 1] = v[j];
        v[j] = t;
    }
}
