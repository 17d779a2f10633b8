/* fp_probe: prints, as hex floats, figures that go through the floating-point
 * functions of the simulation, and separately the same kind of figures from
 * the C library's libm. tests/test_fmath.c runs it with glibc's FMA and AVX2
 * code paths on and off (GLIBC_TUNABLES): the "libm" lines differ on a CPU
 * with FMA, which shows that the switch took effect; the "cascade" lines must
 * not. Usage: fp_probe cascade|libm */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cascade/bs.h"
#include "cascade/rng.h"
#include "cascade/rules.h"

/* 20 GBM indexes (seeds 1..20) run for a million steps each at 50% a year in
 * one-second steps, with jumps; then sums of each kind of draw; then option values. */
static void cascade_figures(void)
{
    struct cas_gbm_params g = {
        .vol = 0.5 * sqrt(1.0 / 31557600), .jump_rate = 0.001, .jump_mean = -0.01, .jump_sd = 0.05};
    for (uint64_t seed = 1; seed <= 20; seed++) {
        struct cas_rng r;
        struct cas_index ix;
        cas_rng_init(&r, seed, 7);
        cas_index_init_gbm(&ix, 60000.0 / 5, &g, &r);
        for (cas_step s = 0; s < 1000000; s++)
            cas_index_advance(&ix, s);
        printf("gbm %llu %a\n", (unsigned long long)seed, ix.price);
    }
    struct cas_rng r;
    cas_rng_init(&r, 13, 1);
    double sn = 0, se = 0, sl = 0;
    uint64_t sp = 0;
    for (int i = 0; i < 1000000; i++) {
        sn += cas_rng_normal(&r, 0, 1);
        se += cas_rng_exponential(&r, 2);
        sl += cas_rng_lognormal(&r, 0, 0.5);
        sp += cas_rng_poisson(&r, 30.5);
    }
    printf("draws %a %a %a %llu\n", sn, se, sl, (unsigned long long)sp);
    double v = 0;
    for (int i = 1; i <= 20000; i++) {
        double K = 40000 + i, T = i / 20000.0;
        struct cas_greeks gk = cas_bs(i % 2 ? CAS_CALL : CAS_PUT, 60000, K, T, 0.01, 0.8);
        v += gk.price + gk.delta + gk.gamma + gk.theta;
    }
    printf("bs %a\n", v);
}

/* The bits of each result folded together (a sum would absorb last-bit differences). */
static uint64_t fold(uint64_t h, double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    return (h ^ u) * 0x100000001b3ULL;
}

static void libm_figures(void)
{
    uint64_t c = 0, e = 0, l = 0, p = 0, f = 0;
    for (int i = 1; i <= 1000000; i++) {
        volatile double x = i * 1e-6;
        c = fold(c, cos(6.283185307179586 * x));
        e = fold(e, exp(10 * x - 5));
        l = fold(l, log(x + 0.5));
        p = fold(p, pow(x + 0.5, 3.7));
        f = fold(f, erfc(8 * x - 4));
    }
    printf("libm %016llx %016llx %016llx %016llx %016llx\n", (unsigned long long)c,
           (unsigned long long)e, (unsigned long long)l, (unsigned long long)p,
           (unsigned long long)f);
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "cascade") == 0)
        cascade_figures();
    else if (argc == 2 && strcmp(argv[1], "libm") == 0)
        libm_figures();
    else
        return 2;
    return 0;
}
