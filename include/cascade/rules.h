/* rules: the venue rules that live outside accounts — index processes, mark
 * price methods, the funding rate, price bands, stop orders and dynamic
 * margin. Each is a small component with its own state and no knowledge of
 * the exchange; the sim samples them once per step and hands their results to
 * the exchange (marks, funding rates, bands, margin scales).
 *
 * Prices here are real numbers of ticks (an index is not on the tick grid);
 * the sim rounds to ticks where the exchange needs integers. Rates are
 * fractions (0.0001 = 1 bp) unless a name says ppm.
 */
#ifndef CASCADE_RULES_H
#define CASCADE_RULES_H

#include "cascade/book.h"
#include "cascade/core.h"
#include "cascade/rng.h"

/* ---- index price ---- */

enum cas_index_source {
    CAS_INDEX_GBM,  /* geometric Brownian motion with optional Poisson jumps */
    CAS_INDEX_PATH, /* a CSV path file: header "step,price", price in quote currency */
    CAS_INDEX_SPOT, /* spot books of the same run: their mids (else lasts), weighted */
};

/* The most spot books one index is computed from. */
#define CAS_MAX_CONSTITUENTS 16

/* What a composite index does with a constituent far from the constituents' median. */
enum cas_index_outliers {
    CAS_OUTLIERS_CLAMP, /* held to median x (1 +- band): Binance's newer text (x = 1% for BTC),
                           OKX's (2%) */
    CAS_OUTLIERS_DROP,  /* beyond median x (1 +- band) it weighs nothing: Binance's older text
                           (5%) */
    CAS_OUTLIERS_NONE,  /* the plain weighted average */
};

/* The most components of a multifractal volatility clock. */
#define CAS_MSM_MAX 8

struct cas_gbm_params {
    double drift;     /* per step, of the log price */
    double vol;       /* per step: standard deviation of the log return */
    double jump_rate; /* jumps per step (Poisson) */
    double jump_mean; /* mean of a jump's log size */
    double jump_sd;   /* standard deviation of a jump's log size */
    /* A multifractal volatility clock (Calvet & Fisher 2004), off when msm_k is 0: the
     * step's variance is vol^2 times the product of msm_k multipliers, each m0 or 2 - m0
     * with equal chance (mean 1), multiplier i drawn afresh with probability msm_rate[i]
     * per step; the rates run geometrically from the shortest horizon to the longest. */
    uint32_t msm_k;
    double msm_m0;
    double msm_rate[CAS_MSM_MAX];
    /* A square-root variance clock (the CIR process of Heston's model), off when sqv_shape
     * is 0: a factor v of the step's variance that reverts to 1 at rate kappa per step with
     * noise sqrt(2 kappa v / shape), so that its stationary law is Gamma(shape, 1 / shape)
     * (mean 1, variance 1 / shape). Drawn from its exact transition: v' = 2 c Gamma(shape +
     * N), N ~ Poisson(v decay / (2 c)), decay = exp(-kappa), c = (1 - decay) / (2 shape). */
    double sqv_shape;
    double sqv_decay;
    double sqv_c;
};

struct cas_index {
    enum cas_index_source source;
    double price; /* ticks */
    struct cas_gbm_params gbm;
    double msm_m[CAS_MSM_MAX]; /* GBM with a multifractal clock: each multiplier now */
    double sqv;                /* GBM with a square-root clock: its factor now */
    double activity;    /* GBM: the clocks' product, the step's variance over vol^2 (1 off) */
    bool clocks_drawn;  /* the clocks have their first draw, from their stationary laws */
    struct cas_rng rng; /* GBM: the index's own stream */
    double *path;       /* PATH: price in ticks at each step (owned) */
    cas_step path_len;
    double path_scale; /* PATH: product of the shocks so far, kept for later steps */
};

/* GBM from p0 ticks; the stream is the index's own. */
void cas_index_init_gbm(struct cas_index *ix, double p0, const struct cas_gbm_params *p,
                        const struct cas_rng *rng);
/* Load a CSV path: header "step,price", steps 0, 1, 2 ... consecutive, prices
 * > 0 in quote currency, converted with tick_size. Errors: CAS_EIO (cannot
 * read, err->path = file) or CAS_EINVAL with err->path "FILE:LINE" and a
 * one-line msg. After the last row the price holds. */
int cas_index_load_path(struct cas_index *ix, const char *file, double tick_size,
                        struct cas_err *err);
/* An index that follows a spot book: the sim sets it with cas_index_set. */
void cas_index_init_spot(struct cas_index *ix, double p0);
void cas_index_set(struct cas_index *ix, double price);
/* A composite index: the weighted average of the constituents' prices[n] (ticks, > 0)
 * with weights[n] (> 0), outliers treated by `rule` against the plain median of the
 * prices (the mean of the middle two for an even n) with the fraction `band`. When every
 * constituent is dropped the median is the index. used[n] (NULL: not wanted) receives the
 * weight each constituent counted with: its own, 0 when dropped (all 0 when every one
 * was). */
double cas_index_composite(const double *prices, const double *weights, size_t n,
                           enum cas_index_outliers rule, double band, double *used);
/* Move to `step` (GBM: one step of the process; PATH: that step's price). */
double cas_index_advance(struct cas_index *ix, cas_step step);
/* Multiply the index by (1 + pct): a shock. */
void cas_index_jump(struct cas_index *ix, double pct);
void cas_index_release(struct cas_index *ix);

/* ---- mark price ---- */

enum cas_mark_method {
    CAS_MARK_LAST,      /* last trade price */
    CAS_MARK_MID,       /* (bid + ask) / 2, else last */
    CAS_MARK_INDEX_EMA, /* index + EMA of the basis (mid - index) */
    CAS_MARK_MEDIAN,    /* Binance: median(index * (1 + F * time_to_funding / interval),
                           index + EMA(basis), last) */
    CAS_MARK_FAIR,      /* BitMEX fair price: index * (1 + F * time_to_funding / interval) */
};

struct cas_mark_inputs {
    bool has_bid, has_ask;
    cas_ticks bid, ask, last;
    double index;           /* ticks */
    double funding_rate;    /* the current (predicted) rate, a fraction per interval */
    double time_to_funding; /* fraction of the interval left, in [0, 1] */
};

struct cas_mark {
    enum cas_mark_method method;
    double ema_alpha; /* 2 / (ema_steps + 1) */
    double basis_ema; /* ticks; 0 at the start: the run opens with the perpetual at its index */
};

void cas_mark_init(struct cas_mark *m, enum cas_mark_method method, cas_step ema_steps);
/* Once per step: feed the basis (mid, else last, minus index) to the EMA. */
void cas_mark_sample(struct cas_mark *m, const struct cas_mark_inputs *in);
/* The mark now, rounded to the nearest tick (half away from zero), >= 1. */
cas_ticks cas_mark_price(const struct cas_mark *m, const struct cas_mark_inputs *in);

/* ---- funding ---- */

enum cas_premium_source {
    CAS_PREMIUM_IMPACT, /* impact bid/ask prices for impact_notional against the index */
    CAS_PREMIUM_MID,    /* (mid - index) / index */
};

struct cas_funding_params {
    cas_step interval; /* steps between payments */
    double interest;   /* I, per interval (0.0001 = 0.01%) */
    double clamp;      /* |I - avg(P)| is clamped to this (0.0005) */
    double cap;        /* |F| <= cap (0 = no cap) */
    enum cas_premium_source premium;
    double impact_lots; /* lots whose average fill price is the impact price */
    bool weighted;      /* Bybit: sample i of N weighs i; else equal weights */
};

struct cas_funding {
    struct cas_funding_params p;
    double sum, weight_sum;
    cas_step samples;
};

void cas_funding_init(struct cas_funding *f, const struct cas_funding_params *p);
/* Premium index P of the book against the index (ticks), as Binance documents it:
 * [max(0, impact_bid - index) - max(0, index - impact_ask)] / index, or the
 * mid's. A side too thin for the impact size uses what it has; an empty side
 * contributes 0. */
double cas_funding_premium(const struct cas_funding *f, const struct cas_book *book, double index);
/* Once per step: add a premium sample. */
void cas_funding_sample(struct cas_funding *f, double premium);
/* The rate the accumulated samples give now, F = avg(P) + clamp(I - avg(P),
 * -clamp, clamp), capped; the predicted rate between payments. */
double cas_funding_rate(const struct cas_funding *f);
/* At a payment: the rate, then the accumulator starts over. */
double cas_funding_settle(struct cas_funding *f);

/* ---- a window of recent values (ring.c), for the band and dynamic margin ---- */

/* The last n <= size values pushed; once full, v[head] is the oldest. */
struct cas_ring {
    double *v; /* owned */
    cas_step size, n, head;
};

/* ---- price band (circuit breaker) ---- */

enum cas_band_action { CAS_BAND_REJECT, CAS_BAND_HALT };

struct cas_band_params {
    double pct;      /* half-width, a fraction of the reference (0.05) */
    cas_step window; /* reference = mean of the last `window` per-step prices */
    enum cas_band_action action;
    cas_step halt_steps; /* HALT: steps trading stops when the band is hit */
};

struct cas_band {
    struct cas_band_params p;
    struct cas_ring ring; /* the last `window` prices */
    double sum;
    cas_step halted_until; /* trading halted while step < halted_until */
};

int cas_band_init(struct cas_band *b, const struct cas_band_params *p);
void cas_band_release(struct cas_band *b);
/* Once per step, at its end: the step's reference price sample (ticks). */
void cas_band_observe(struct cas_band *b, double price);
/* The band now, in ticks: [lo, hi] = reference * (1 -/+ pct), lo rounded up,
 * hi rounded down; before any sample, the band around `fallback`. */
void cas_band_limits(const struct cas_band *b, double fallback, cas_ticks *lo, cas_ticks *hi);
/* HALT: halt from `step` for halt_steps. */
void cas_band_trip(struct cas_band *b, cas_step step);
bool cas_band_halted(const struct cas_band *b, cas_step step);

/* ---- stop orders ---- */

struct cas_stop {
    uint64_t id;
    uint32_t account;
    uint32_t instrument;
    enum cas_side side;
    cas_ticks trigger; /* buy stops fire when last >= trigger, sell stops when last <= */
    cas_lots qty;
    bool reduce_only;
};

struct cas_stops;

struct cas_stops *cas_stops_create(void);
void cas_stops_destroy(struct cas_stops *s);
/* Add a stop (its id unique among pending stops: CAS_EEXIST otherwise). */
int cas_stops_add(struct cas_stops *s, const struct cas_stop *stop);
/* 0 or CAS_ENOTFOUND. */
int cas_stops_cancel(struct cas_stops *s, uint64_t id);
/* Remove and return, into out (up to max), the stops of `instrument` that
 * the last trade price `last` triggers: first the sell stops with
 * last <= trigger, highest trigger first (nearest the price fire first as it
 * falls), then the buy stops with last >= trigger, lowest trigger first; ties
 * in the order they were added. Returns how many; call again while it fills
 * max. */
uint32_t cas_stops_triggered(struct cas_stops *s, uint32_t instrument, cas_ticks last,
                             struct cas_stop *out, uint32_t max);
uint32_t cas_stops_pending(const struct cas_stops *s);

/* ---- dynamic margin ---- */

struct cas_volmargin_params {
    cas_step window;  /* realized volatility over the last `window` step returns */
    double base_vol;  /* per-step volatility at which the scale is 1 */
    double max_scale; /* the scale never exceeds this (>= 1) */
};

struct cas_volmargin {
    struct cas_volmargin_params p;
    struct cas_ring ring; /* the last `window` log returns */
    double sum, sum_sq;
    double last_price;
};

int cas_volmargin_init(struct cas_volmargin *v, const struct cas_volmargin_params *p);
void cas_volmargin_release(struct cas_volmargin *v);
/* Once per step: the step's price (ticks). */
void cas_volmargin_observe(struct cas_volmargin *v, double price);
/* clamp(realized_vol / base_vol, 1, max_scale) in ppm (1e6 = 1x); 1e6 until
 * the window is full. */
int64_t cas_volmargin_scale_ppm(const struct cas_volmargin *v);

#endif
