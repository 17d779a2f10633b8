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

/* The exponential ziggurat (Marsaglia & Tsang 2000; Doornik's layout): 256
 * layers of equal area under exp(-x), the table from scripts/zig-tables. One
 * 64-bit draw gives the layer (low 8 bits) and a uniform (high 53 bits); 97.8%
 * of draws end at the first comparison. Beyond R the tail is R + Exp(1). */
#define ZIG_R 0x1.ec9d9297ebb83p+2 /* zig[1].x */

/* A layer: its right edge x and f(x) = exp(-x) there. */
struct zig_layer {
    double x, f;
};

/* clang-format off */
static const struct zig_layer zig[257] = {
    {0x1.164ec94bf5dc3p+3, 0x1.5e5d3f59d0549p-13}, {0x1.ec9d9297ebb83p+2, 0x1.dc31c329f0b48p-12},
    {0x1.bc39e51da71fcp+2, 0x1.fb20af78dfcb7p-11}, {0x1.9e9dc0d487b85p+2, 0x1.92bb5540c3e26p-10},
    {0x1.8939fe6f2ed19p+2, 0x1.1946ba8e1a326p-9}, {0x1.78750d6eac62fp+2, 0x1.6d888f3a1fefep-9},
    {0x1.6aa676d4bbf72p+2, 0x1.c58b381cd4b11p-9}, {0x1.5ee7ae17313d2p+2, 0x1.1073d69574045p-8},
    {0x1.54ad83ccf73f5p+2, 0x1.3fa97cee32301p-8}, {0x1.4b9d7cd4751d0p+2, 0x1.7049f37ec3627p-8},
    {0x1.4379766e41361p+2, 0x1.a23e9d497483bp-8}, {0x1.3c14ec7c8b860p+2, 0x1.d5751fa745dcdp-8},
    {0x1.354ee27ccf75dp+2, 0x1.04ef2295fd7fbp-7}, {0x1.2f0e38a4411f0p+2, 0x1.1fb69edb37672p-7},
    {0x1.293f5ae49aaa5p+2, 0x1.3b0b8c1516f63p-7}, {0x1.23d2bb659919fp+2, 0x1.56e930be416ccp-7},
    {0x1.1ebbca0c9fa7cp+2, 0x1.734b6e6aa74f7p-7}, {0x1.19f03bcb3c2d6p+2, 0x1.902ea688fa7bbp-7},
    {0x1.156786775442ap+2, 0x1.ad8fa5542c92dp-7}, {0x1.111a8034392a6p+2, 0x1.cb6b9146e275ap-7},
    {0x1.0d031785d48a0p+2, 0x1.e9bfdde89c7cep-7}, {0x1.091c1cdcba54ep+2, 0x1.04452091e02eep-6},
    {0x1.056118bf58eefp+2, 0x1.13e4554725f5dp-6}, {0x1.01ce2b362ec2ep+2, 0x1.23bc9e1b93a30p-6},
    {0x1.fcbfe43f6c6e6p+1, 0x1.33cd225315d82p-6}, {0x1.f626e9791f7a7p+1, 0x1.44151ce87f0bdp-6},
    {0x1.efcc26750ea4ap+1, 0x1.5493da6ab0250p-6}, {0x1.e9aaf2af383c1p+1, 0x1.6548b72a24077p-6},
    {0x1.e3bf26e190960p+1, 0x1.76331da87fc96p-6}, {0x1.de050af4ef19fp+1, 0x1.8752853ec9968p-6},
    {0x1.d87946fec3becp+1, 0x1.98a670f132a49p-6}, {0x1.d318d6b2738c5p+1, 0x1.aa2e6e6924e9cp-6},
    {0x1.cde0fecf2a97fp+1, 0x1.bbea150fa5871p-6}, {0x1.c8cf442c8c8f3p+1, 0x1.cdd9054331b0fp-6},
    {0x1.c3e1641c2e0a6p+1, 0x1.dffae7a51746dp-6}, {0x1.bf154de4bef76p+1, 0x1.f24f6c7af9895p-6},
    {0x1.ba691d276da5dp+1, 0x1.026b2590dfaf0p-5}, {0x1.b5db15091ea0ep+1, 0x1.0bc7a0c7cd654p-5},
    {0x1.b1699c003b608p+1, 0x1.153d09f19b3a5p-5}, {0x1.ad13382d845c3p+1, 0x1.1ecb45ff312d7p-5},
    {0x1.a8d68c2ad86e8p+1, 0x1.28723c956c00fp-5}, {0x1.a4b2543e84c3ap+1, 0x1.3231d7e3f14b1p-5},
    {0x1.a0a563e49f177p+1, 0x1.3c0a047ff1901p-5}, {0x1.9caea3a24d9e9p+1, 0x1.45fab14266b1bp-5},
    {0x1.98cd0f18d1ad7p+1, 0x1.5003cf296c5eep-5}, {0x1.94ffb34fc2a0dp+1, 0x1.5a25513c5d2cdp-5},
    {0x1.9145ad2f37543p+1, 0x1.645f2c726a043p-5}, {0x1.8d9e2823b3695p+1, 0x1.6eb1579b6af53p-5},
    {0x1.8a085ce695baap+1, 0x1.791bcb4ab08a0p-5}, {0x1.8683906687341p+1, 0x1.839e81c3a396dp-5},
    {0x1.830f12cc0bec3p+1, 0x1.8e3976e80776ep-5}, {0x1.7faa3e96e1412p+1, 0x1.98eca827b7c4dp-5},
    {0x1.7c5477d1476d3p+1, 0x1.a3b81471bf138p-5}, {0x1.790d2b56b71f9p+1, 0x1.ae9bbc26a8083p-5},
    {0x1.75d3ce2bd71c3p+1, 0x1.b997a10bed984p-5}, {0x1.72a7dce5cd218p+1, 0x1.c4abc640721e8p-5},
    {0x1.6f88db1f42507p+1, 0x1.cfd83031e7949p-5}, {0x1.6c7652f9a7b1ep+1, 0x1.db1ce49315810p-5},
    {0x1.696fd4a9748eep+1, 0x1.e679ea52eb2e7p-5}, {0x1.6674f60c3f431p+1, 0x1.f1ef49944e838p-5},
    {0x1.63855247b2e93p+1, 0x1.fd7d0ba69967cp-5}, {0x1.60a0897081877p+1, 0x1.04919d7f5c81ap-4},
    {0x1.5dc640388bd9cp+1, 0x1.0a70f19871b3fp-4}, {0x1.5af61fa38e106p+1, 0x1.105c88756ca53p-4},
    {0x1.582fd4c1b4460p+1, 0x1.165468f755395p-4}, {0x1.5573106f8a759p+1, 0x1.1c589a86fa342p-4},
    {0x1.52bf871acaab1p+1, 0x1.22692512c9d8dp-4}, {0x1.5014f08b99508p+1, 0x1.2886110ce0571p-4},
    {0x1.4d7307b1cb127p+1, 0x1.2eaf676948dd1p-4}, {0x1.4ad98a75da14cp+1, 0x1.34e5319c6e718p-4},
    {0x1.4848398d39432p+1, 0x1.3b277999b9f9fp-4}, {0x1.45bed851bc92cp+1, 0x1.417649d25b10fp-4},
    {0x1.433d2c9bd42f8p+1, 0x1.47d1ad343985cp-4}, {0x1.40c2fe9f5eeadp+1, 0x1.4e39af290d929p-4},
    {0x1.3e5018caddecfp+1, 0x1.54ae5b959d037p-4}, {0x1.3be447a8d8b83p+1, 0x1.5b2fbed91bb40p-4},
    {0x1.397f59c345143p+1, 0x1.61bde5ccadef8p-4}, {0x1.37211f88ca856p+1, 0x1.6858ddc30b621p-4},
    {0x1.34c96b33bc965p+1, 0x1.6f00b488416b8p-4}, {0x1.327810b2aa7cfp+1, 0x1.75b5786193c21p-4},
    {0x1.302ce59265964p+1, 0x1.7c77380d7a6f5p-4}, {0x1.2de7c0e962d70p+1, 0x1.834602c3bc4bbp-4},
    {0x1.2ba87b445db50p+1, 0x1.8a21e835a533dp-4}, {0x1.296eee942532bp+1, 0x1.910af88e574bap-4},
    {0x1.273af61c7daa6p+1, 0x1.9801447336b70p-4}, {0x1.250c6e6403bbap+1, 0x1.9f04dd046f428p-4},
    {0x1.22e33524fe550p+1, 0x1.a615d3dd938b6p-4}, {0x1.20bf293f0f4a2p+1, 0x1.ad343b1655464p-4},
    {0x1.1ea02aa9b3371p+1, 0x1.b460254356546p-4}, {0x1.1c861a6782a5bp+1, 0x1.bb99a5771268cp-4},
    {0x1.1a70da7a27821p+1, 0x1.c2e0cf42e10adp-4}, {0x1.18604dd6fae9ep+1, 0x1.ca35b6b80fd56p-4},
    {0x1.1654585c404c1p+1, 0x1.d198706914dd5p-4}, {0x1.144cdec6f3a2cp+1, 0x1.d909116ad9396p-4},
    {0x1.1249c6a92154bp+1, 0x1.e087af561baf8p-4}, {0x1.104af660befcfp+1, 0x1.e8146048eb9c9p-4},
    {0x1.0e50550efcfb8p+1, 0x1.efaf3ae83c339p-4}, {0x1.0c59ca9009470p+1, 0x1.f758566190412p-4},
    {0x1.0a673f733c81ap+1, 0x1.ff0fca6cbea8bp-4}, {0x1.08789cf3aad0fp+1, 0x1.036ad7a6e7f04p-3},
    {0x1.068dccf1126dbp+1, 0x1.07550eeb7a5bfp-3}, {0x1.04a6b9e9224a3p+1, 0x1.0b4697b54b62fp-3},
    {0x1.02c34ef11391bp+1, 0x1.0f3f7efec171fp-3}, {0x1.00e377af911d5p+1, 0x1.133fd20c9712ep-3},
    {0x1.fe0e40add09d9p+0, 0x1.17479e6f0ae77p-3}, {0x1.fa5c6b3efe1e6p+0, 0x1.1b56f2031d665p-3},
    {0x1.f6b1498515ed1p+0, 0x1.1f6ddaf3dca63p-3}, {0x1.f30cb6ea0bc81p+0, 0x1.238c67bbbe876p-3},
    {0x1.ef6e8fc5b9169p+0, 0x1.27b2a7260993ep-3}, {0x1.ebd6b154a767ap+0, 0x1.2be0a8504cf32p-3},
    {0x1.e844f9af42381p+0, 0x1.30167aabe7d6cp-3}, {0x1.e4b947c16a454p+0, 0x1.34542dffa0cadp-3},
    {0x1.e1337b426509dp+0, 0x1.3899d2694d5c7p-3}, {0x1.ddb374ad23581p+0, 0x1.3ce7785f8a903p-3},
    {0x1.da391538da50cp+0, 0x1.413d30b386a97p-3}, {0x1.d6c43ed1ea401p+0, 0x1.459b0c92dccc3p-3},
    {0x1.d354d4130f2b0p+0, 0x1.4a011d8983093p-3}, {0x1.cfeab83ed7182p+0, 0x1.4e6f7583cb6f7p-3},
    {0x1.cc85cf395a56ep+0, 0x1.52e626d078c46p-3}, {0x1.c925fd82323fep+0, 0x1.57654422e78f1p-3},
    {0x1.c5cb282eab1a7p+0, 0x1.5bece0954c2b2p-3}, {0x1.c27534e42e02fp+0, 0x1.607d0fab06a2ep-3},
    {0x1.bf2409d2dfd87p+0, 0x1.6515e5530d1a9p-3}, {0x1.bbd78db072612p+0, 0x1.69b775ea6da26p-3},
    {0x1.b88fa7b324fb7p+0, 0x1.6e61d63ee84e9p-3}, {0x1.b54c3f8cf2543p+0, 0x1.73151b91a2838p-3},
    {0x1.b20d3d66e8bb6p+0, 0x1.77d15b99f46fdp-3}, {0x1.aed289dcaad00p+0, 0x1.7c96ac8851badp-3},
    {0x1.ab9c0df81657bp+0, 0x1.816525094e7e4p-3}, {0x1.a869b32d0f310p+0, 0x1.863cdc48c1af8p-3},
    {0x1.a53b63556c691p+0, 0x1.8b1de9f5062d3p-3}, {0x1.a21108ad0592ep+0, 0x1.900866425bb78p-3},
    {0x1.9eea8dcdde952p+0, 0x1.94fc69ee6929fp-3}, {0x1.9bc7ddac7035ep+0, 0x1.99fa0e43e1621p-3},
    {0x1.98a8e3940bbf5p+0, 0x1.9f016d1e4c510p-3}, {0x1.958d8b235828bp+0, 0x1.a412a0edf5cbap-3},
    {0x1.9275c048e73e2p+0, 0x1.a92dc4bc03c47p-3}, {0x1.8f616f3fe1514p+0, 0x1.ae52f42eb5b0ap-3},
    {0x1.8c50848cc6095p+0, 0x1.b3824b8dcef3cp-3}, {0x1.8942ecfa40f55p+0, 0x1.b8bbe7c72e4a3p-3},
    {0x1.86389596108e8p+0, 0x1.bdffe67394433p-3}, {0x1.83316badfe62bp+0, 0x1.c34e65db9afecp-3},
    {0x1.802d5ccce7278p+0, 0x1.c8a784fce17ffp-3}, {0x1.7d2c56b7d17f9p+0, 0x1.ce0b638f6d09bp-3},
    {0x1.7a2e476b1240cp+0, 0x1.d37a220b431fap-3}, {0x1.77331d177d131p+0, 0x1.d8f3e1ae3eeb6p-3},
    {0x1.743ac61fa041dp+0, 0x1.de78c48224f37p-3}, {0x1.714531150a9fcp+0, 0x1.e408ed62f83a4p-3},
    {0x1.6e524cb59a609p+0, 0x1.e9a48005940efp-3}, {0x1.6b6207e8d3ce1p+0, 0x1.ef4ba0fe8e098p-3},
    {0x1.687451bd3ebf0p+0, 0x1.f4fe75c963e7bp-3}, {0x1.65891965c9b8ep+0, 0x1.fabd24cff9351p-3},
    {0x1.62a04e3731a2fp+0, 0x1.0043eab934769p-2}, {0x1.5fb9dfa56cf28p+0, 0x1.032f580797c2bp-2},
    {0x1.5cd5bd4119336p+0, 0x1.0620ef05d90d1p-2}, {0x1.59f3d6b4e9cfap+0, 0x1.0918c4ee93e12p-2},
    {0x1.57141bc316f27p+0, 0x1.0c16ef88f5332p-2}, {0x1.54367c42cb5f9p+0, 0x1.0f1b852d9a66bp-2},
    {0x1.515ae81d900fcp+0, 0x1.12269ccba9fb9p-2}, {0x1.4e814f4cb45ebp+0, 0x1.15384dee291eep-2},
    {0x1.4ba9a1d6b18a5p+0, 0x1.1850b0c191981p-2}, {0x1.48d3cfcc883c4p+0, 0x1.1b6fde19abc59p-2},
    {0x1.45ffc94716ca7p+0, 0x1.1e95ef77b09dap-2}, {0x1.432d7e6466cd0p+0, 0x1.21c2ff10b7effp-2},
    {0x1.405cdf44f09c4p+0, 0x1.24f727d4776fdp-2}, {0x1.3d8ddc08d336ep+0, 0x1.2832857457628p-2},
    {0x1.3ac064ccfeffcp+0, 0x1.2b75346ae2263p-2}, {0x1.37f469a851aefp+0, 0x1.2ebf520394271p-2},
    {0x1.3529daa8a1ba0p+0, 0x1.3210fc6312436p-2}, {0x1.3260a7cfb7611p+0, 0x1.356a528fcd0ddp-2},
    {0x1.2f98c11031720p+0, 0x1.38cb747b17defp-2}, {0x1.2cd2164a53b5dp+0, 0x1.3c34830abb285p-2},
    {0x1.2a0c9748bcda9p+0, 0x1.3fa5a0230a14fp-2}, {0x1.274833bd0189fp+0, 0x1.431eeeb1841e2p-2},
    {0x1.2484db3c2a329p+0, 0x1.46a092b80beefp-2}, {0x1.21c27d3b10e04p+0, 0x1.4a2ab158bdad4p-2},
    {0x1.1f01090a9c4e0p+0, 0x1.4dbd70e26f920p-2}, {0x1.1c406dd3d5281p+0, 0x1.5158f8dde89f7p-2},
    {0x1.19809a93d2394p+0, 0x1.54fd721bda3e9p-2}, {0x1.16c17e1777ff9p+0, 0x1.58ab06c3aa9f1p-2},
    {0x1.140306f707dbcp+0, 0x1.5c61e2631ee6fp-2}, {0x1.114523917ac13p+0, 0x1.602231fef5879p-2},
    {0x1.0e87c207a2f64p+0, 0x1.63ec2424827e7p-2}, {0x1.0bcad03710135p+0, 0x1.67bfe8fc60da1p-2},
    {0x1.090e3bb4b0070p+0, 0x1.6b9db25e4e99fp-2}, {0x1.0651f1c7276f5p+0, 0x1.6f85b3e649ea1p-2},
    {0x1.0395df60db15fp+0, 0x1.7378230b08deep-2}, {0x1.00d9f119a3cd6p+0, 0x1.77753735e72e7p-2},
    {0x1.fc3c26504a99cp-1, 0x1.7b7d29dc68022p-2}, {0x1.f6c462b57feb0p-1, 0x1.7f90369b6ce5dp-2},
    {0x1.f14c6e2029499p-1, 0x1.83ae9b544613dp-2}, {0x1.ebd41e5e21b5dp-1, 0x1.87d8984bc3f90p-2},
    {0x1.e65b483cf103ep-1, 0x1.8c0e704b75d3ep-2}, {0x1.e0e1bf77c31f8p-1, 0x1.905068c545d09p-2},
    {0x1.db6756a429050p-1, 0x1.949ec9f9a8115p-2}, {0x1.d5ebdf1d86b87p-1, 0x1.98f9df2097badp-2},
    {0x1.d06f28ef0e6f4p-1, 0x1.9d61f695a3797p-2}, {0x1.caf102bc25ad4p-1, 0x1.a1d76207521f9p-2},
    {0x1.c57139a70d298p-1, 0x1.a65a76aa30145p-2}, {0x1.bfef99359fe92p-1, 0x1.aaeb8d6fdf6ebp-2},
    {0x1.ba6beb33f8f83p-1, 0x1.af8b03428ef65p-2}, {0x1.b4e5f794c9795p-1, 0x1.b439394548075p-2},
    {0x1.af5d844f224c2p-1, 0x1.b8f6951990b8ep-2}, {0x1.a9d255396d25bp-1, 0x1.bdc3812aeeebbp-2},
    {0x1.a4442be148844p-1, 0x1.c2a06d00ea588p-2}, {0x1.9eb2c75ff03b8p-1, 0x1.c78dcd983fb66p-2},
    {0x1.991de42ad1332p-1, 0x1.cc8c1dc40e098p-2}, {0x1.93853bdfda23dp-1, 0x1.d19bde97e1a11p-2},
    {0x1.8de8850d0c523p-1, 0x1.d6bd97db9ed80p-2}, {0x1.884772f2be1e5p-1, 0x1.dbf1d88a72112p-2},
    {0x1.82a1b53fed593p-1, 0x1.e139375e13802p-2}, {0x1.7cf6f7c7e816cp-1, 0x1.e6945367dd357p-2},
    {0x1.7746e2307796dp-1, 0x1.ec03d4b969d96p-2}, {0x1.71911797990b5p-1, 0x1.f1886d1eb4253p-2},
    {0x1.6bd5362faa93ep-1, 0x1.f722d8ebfc600p-2}, {0x1.6612d6d0c68dap-1, 0x1.fcd3dfe21457cp-2},
    {0x1.60498c7dd2ec8p-1, 0x1.014e2b160f327p-1}, {0x1.5a78e3db8bef6p-1, 0x1.043e8ebd2654bp-1},
    {0x1.54a0629786f47p-1, 0x1.073b931ee3b80p-1}, {0x1.4ebf86bcd0b8dp-1, 0x1.0a45b8854d02dp-1},
    {0x1.48d5c5f35e70cp-1, 0x1.0d5d8812b1e2ep-1}, {0x1.42e28ca706742p-1, 0x1.108394a1cc390p-1},
    {0x1.3ce53d121629ap-1, 0x1.13b87bc33169fp-1}, {0x1.36dd2e26d81fbp-1, 0x1.16fce6dce6ff2p-1},
    {0x1.30c9aa526da45p-1, 0x1.1a518c71e3b29p-1}, {0x1.2aa9ee1236804p-1, 0x1.1db7319877b8dp-1},
    {0x1.247d26538ff28p-1, 0x1.212eaba813eccp-1}, {0x1.1e426e93e49e1p-1, 0x1.24b8e228c50a6p-1},
    {0x1.17f8ceb4bdf9bp-1, 0x1.2856d111132c0p-1}, {0x1.119f38749f5aap-1, 0x1.2c098b61f4f27p-1},
    {0x1.0b348479b80f7p-1, 0x1.2fd23e345da61p-1}, {0x1.04b76ed6a7553p-1, 0x1.33b23450e631bp-1},
    {0x1.fc4d25d683201p-2, 0x1.37aada708dddcp-1}, {0x1.ef00ccf5f4fa3p-2, 0x1.3bbdc44e1d116p-1},
    {0x1.e186678f17352p-2, 0x1.3fecb2bb18b82p-1}, {0x1.d3da24df17c2dp-2, 0x1.44399afa8e128p-1},
    {0x1.c5f7bd78c3f7fp-2, 0x1.48a6afb8ee06cp-1}, {0x1.b7da5dddda3b9p-2, 0x1.4d366c151f8b2p-1},
    {0x1.a97c8be5d51f8p-2, 0x1.51eba1578899ep-1}, {0x1.9ad80552237c7p-2, 0x1.56c9882da8777p-1},
    {0x1.8be5954d36063p-2, 0x1.5bd3d694cac79p-1}, {0x1.7c9cdda17d00ep-2, 0x1.610edc1a7af6ap-1},
    {0x1.6cf40f0a72bb2p-2, 0x1.667fa6d4f5c0ap-1}, {0x1.5cdf89d024ab7p-2, 0x1.6c2c3498418cap-1},
    {0x1.4c515c60bfe16p-2, 0x1.721bb5ba94b67p-1}, {0x1.3b388fe3d6ebdp-2, 0x1.7856e9b09d483p-1},
    {0x1.2980290da2625p-2, 0x1.7ee8a2d24312bp-1}, {0x1.170db24d6f662p-2, 0x1.85de87806c5bdp-1},
    {0x1.03bf049c65c2dp-2, 0x1.8d4a376d3d235p-1}, {0x1.decd8b76dbd7bp-3, 0x1.95431c455aa3fp-1},
    {0x1.b38d1ef79b7aep-3, 0x1.9de9715556da1p-1}, {0x1.85090fbc27a5ep-3, 0x1.a76baa562faeep-1},
    {0x1.522e6e54a2a4ep-3, 0x1.b210f0ee67f32p-1}, {0x1.19335a95b8d8ep-3, 0x1.be5007beb7b31p-1},
    {0x1.ad6b2495b4cc6p-4, 0x1.cd0a65081fffcp-1}, {0x1.0589d8b5d408fp-4, 0x1.e0545e5881147p-1},
    {0x0.0p+0, 0x1.0000000000000p+0},
};
/* clang-format on */

static double exp_ziggurat(struct cas_rng *r)
{
    double offset = 0;
    for (;;) {
        uint64_t bits = cas_rng_u64(r);
        unsigned i = (unsigned)(bits & 0xff);
        double x = (double)(bits >> 11) * 0x1.0p-53 * zig[i].x;
        if (x < zig[i + 1].x)
            return offset + x;
        if (i == 0) {
            offset += ZIG_R;
            continue;
        }
        if (zig[i + 1].f + (zig[i].f - zig[i + 1].f) * cas_rng_double(r) < cas_exp(-x))
            return offset + x;
    }
}

double cas_rng_exponential(struct cas_rng *r, double rate)
{
    return exp_ziggurat(r) / rate;
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

/* Marsaglia & Tsang's method (ACM TOMS 26(3), 2000) for shape >= 1: d = shape - 1/3,
 * c = 1/sqrt(9d); x normal, v = (1 + cx)^3, accepted when v > 0 and a uniform u has
 * log u < x^2/2 + d - dv + d log v (the squeeze u < 1 - 0.0331 x^4 first). Below 1 the
 * paper's boost: Gamma(shape) = Gamma(shape + 1) u^(1/shape). */
double cas_rng_gamma(struct cas_rng *r, double shape)
{
    if (!(shape > 0))
        return 0;
    double boost = 1.0;
    if (shape < 1) {
        double u = 1.0 - cas_rng_double(r); /* (0, 1]: log is finite */
        boost = cas_exp(cas_log(u) / shape);
        shape += 1.0;
    }
    double d = shape - 1.0 / 3.0, c = 1.0 / sqrt(9.0 * d);
    for (;;) {
        double x = cas_rng_normal(r, 0.0, 1.0), v = 1.0 + c * x;
        if (v <= 0)
            continue;
        v = v * v * v;
        double u = 1.0 - cas_rng_double(r);
        if (u < 1.0 - 0.0331 * x * x * x * x ||
            cas_log(u) < 0.5 * x * x + d * (1.0 - v + cas_log(v)))
            return boost * d * v;
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
