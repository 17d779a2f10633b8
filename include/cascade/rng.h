/* rng: PCG32 random streams (pcg_setseq_64_xsh_rr_32) and distributions.
 *
 * Written from O'Neill's published algorithm (PCG paper, pcg-random.org): a
 * 64-bit LCG state advanced by multiplier 6364136223846793005 and an odd
 * increment chosen by the stream, output by xorshift-high then random
 * rotation. Every draw in cascade comes from one of these streams; nothing
 * reads the clock. Streams with different `stream` values are independent.
 */
#ifndef CASCADE_RNG_H
#define CASCADE_RNG_H

#include <stdint.h>

struct cas_rng {
    uint64_t state;
    uint64_t inc; /* always odd */
};

/* Seed a stream (pcg32_srandom_r): the same (seed, stream) gives the same draws. */
void cas_rng_init(struct cas_rng *r, uint64_t seed, uint64_t stream);

/* Derive the stream of entity `index` under `purpose` from a run seed, so that
 * adding one population does not change the draws of another. */
void cas_rng_derive(struct cas_rng *r, uint64_t run_seed, uint64_t purpose, uint64_t index);

uint32_t cas_rng_u32(struct cas_rng *r);
uint64_t cas_rng_u64(struct cas_rng *r);

/* Uniform integer in [0, bound) without modulo bias (Lemire's method with
 * rejection); bound 0 returns 0. */
uint32_t cas_rng_bounded(struct cas_rng *r, uint32_t bound);

/* Uniform integer in [lo, hi], inclusive; requires lo <= hi. */
int64_t cas_rng_range(struct cas_rng *r, int64_t lo, int64_t hi);

/* Double in [0, 1) with 53 random bits. */
double cas_rng_double(struct cas_rng *r);

double cas_rng_uniform(struct cas_rng *r, double lo, double hi);
double cas_rng_normal(struct cas_rng *r, double mean, double sd);
double cas_rng_exponential(struct cas_rng *r, double rate);           /* mean 1/rate */
double cas_rng_lognormal(struct cas_rng *r, double mu, double sigma); /* exp(N(mu, sigma)) */
uint64_t cas_rng_poisson(struct cas_rng *r, double mean);
/* Gamma(shape, scale 1): mean and variance shape; 0 for shape <= 0. */
double cas_rng_gamma(struct cas_rng *r, double shape);
int cas_rng_bernoulli(struct cas_rng *r, double p);

/* Shuffle n 32-bit values in place (Fisher–Yates). */
void cas_rng_shuffle_u32(struct cas_rng *r, uint32_t *v, uint32_t n);

#endif
