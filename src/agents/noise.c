/* noise: zero-intelligence traders after Farmer, Patelli & Zovko (PNAS 2005).
 *
 * The population as a whole is the model's order flow; each of its `count`
 * agents carries an equal share of every rate, so the aggregate does not
 * depend on how many agents there are. Per step, in the paper's units:
 *   - market orders of sigma lots arrive at mu lots per step, buy or sell with
 *     equal probability (Smith, Farmer, Gillemot & Krishnamurthy 2003);
 *   - limit orders of sigma lots arrive at alpha lots per price level per step
 *     on each side, at a level drawn uniformly from the `window` levels beyond
 *     the opposite best quote (a buy at ask - k, a sell at bid + k, k in
 *     1..window), so a limit order never crosses; with the opposite side empty
 *     the last trade price stands in for the quote;
 *   - each resting order is cancelled at rate delta per step: its lifetime is
 *     exponential with mean 1/delta, and the venue cancels it when it expires.
 * The model's characteristic scales (Smith et al.): price p_c = mu / (2 alpha)
 * ticks, lots N_c = mu / (2 delta), time t_c = 1 / delta steps.
 *
 * With `metaorder_alpha` above 1, the market orders carry the long memory of order
 * signs (Lillo, Mike & Farmer, Phys. Rev. E 71, 2005): each trader splits a metaorder
 * into market orders of one sign, the metaorder's length L (in orders) Pareto-distributed
 * with P(L >= l) = l^-alpha for l = 1, 2, ..., and starts a new one, its sign a coin flip,
 * when the last is done. Many traders' metaorders interleaved give signs whose
 * autocorrelation decays as lag^-(alpha - 1): 0.6 on the London Stock Exchange (Lillo &
 * Farmer 2004) for alpha 1.6. The limit orders keep their coin-flip sides.
 */
#include <math.h>

#include "agents/agentInt.h"
#include "cascade/fmath.h"

#define PARAMS(X)                                                                                 \
    X(mu, double, REAL, 2.0, 0, 1e9, false, "lots/step",                                          \
      "market order flow of the whole population, buys and sells together")                       \
    X(alpha, double, REAL, 0.05, 0, 1e9, false, "lots/(level*step)",                              \
      "limit order flow per price level on each side, for the whole population")                  \
    X(delta, double, REAL, 0.05, 0, 1, true, "1/step", "cancellation rate of each resting order") \
    X(sigma, cas_lots, INT, 1, 1, 1e9, false, "lots", "size of every order")                      \
    X(window, int64_t, INT, 150, 1, 1e6, false, "levels",                                         \
      "limit orders are placed 1..window levels beyond the opposite best quote")                  \
    X(metaorder_alpha, double, REAL, 0, 0, 10, false, "",                                         \
      "tail exponent of the metaorders' lengths, above 1 (0: every market order's sign a coin "   \
      "flip)")                                                                                    \
    CAS__P_COLLATERAL(X, 1e6, "each trader's deposit")                                            \
    CAS__P_LEVERAGE(X, 1, "each trader's leverage on perpetuals (capped by the instrument's)")

struct noise {
    CAS__PARAM_FIELDS(PARAMS)
    double market_rate; /* this agent's market orders per step */
    double limit_rate;  /* this agent's limit orders per step, both sides */
    double rate;        /* both */
    int meta_side;      /* the metaorder's side (CAS_BUY or CAS_SELL) */
    uint64_t meta_left; /* its market orders still to come (0: draw the next) */
};

CAS__PARAMS(noise, PARAMS);

static int noise_init(void *state, struct cas_agent_setup *s, struct cas_err *err)
{
    struct noise *n = state;
    load_params(n, s);
    n->market_rate = n->mu / (double)n->sigma / s->count;
    n->limit_rate = 2.0 * n->alpha * (double)n->window / (double)n->sigma / s->count;
    n->rate = n->market_rate + n->limit_rate;
    if (!(n->rate > 0))
        return cas_err_set(err, CAS_EINVAL, "params.mu",
                           "'mu' and 'alpha' are both 0: the traders would never act");
    if (n->metaorder_alpha > 0 && !(n->metaorder_alpha > 1))
        return cas_err_set(err, CAS_ERANGE, "params.metaorder_alpha",
                           "must be above 1 (a finite mean length) or 0 (no metaorders), got %g",
                           n->metaorder_alpha);
    return 0;
}

/* The side of the metaorder's next market order, drawing a new metaorder (a side, then a
 * length floor(U^(-1 / alpha)), capped at 2^40) when the last is done. */
static enum cas_side metaorder_side(struct noise *n, struct cas_rng *rng)
{
    if (n->meta_left == 0) {
        n->meta_side = cas_rng_bernoulli(rng, 0.5) ? CAS_BUY : CAS_SELL;
        double u = 1.0 - cas_rng_double(rng); /* (0, 1] */
        double len = floor(cas_exp(-cas_log(u) / n->metaorder_alpha));
        n->meta_left = len < 0x1p40 ? (uint64_t)len : (uint64_t)1 << 40;
    }
    n->meta_left--;
    return (enum cas_side)n->meta_side;
}

static void noise_act(void *state, struct cas_agent_ctx *ctx)
{
    struct noise *n = state;
    const struct cas_market_view *v = ctx->view;
    struct cas_order_req req = {.qty = n->sigma, .expire_at = INFINITY};
    double u = cas_rng_double(ctx->rng) * n->rate;
    req.side = cas_rng_bernoulli(ctx->rng, 0.5) ? CAS_BUY : CAS_SELL;
    if (u < n->market_rate) {
        req.type = CAS_MARKET;
        if (n->metaorder_alpha > 0)
            req.side = metaorder_side(n, ctx->rng);
    } else {
        int64_t k = cas_rng_range(ctx->rng, 1, n->window);
        req.type = CAS_LIMIT;
        if (req.side == CAS_BUY)
            req.price = (v->has_ask ? v->best_ask : v->last) - k;
        else
            req.price = (v->has_bid ? v->best_bid : v->last) + k;
        if (req.price < 1)
            return; /* below the lowest price: the order has nowhere to go */
        req.expire_at = v->now + cas_rng_exponential(ctx->rng, n->delta);
    }
    cas_agent_submit(ctx, &req);
}

CAS__AGENT_TYPE(noise, .summary = "zero-intelligence order flow (Farmer, Patelli & Zovko 2005)");
