/* front_runner: a liquidation hunter that trades ahead of clusters on the public liquidation map.
 *
 * Data vendors (Coinglass, Hyblock) sell "liquidation heatmaps": the open interest of
 * leveraged positions by the price at which they would be liquidated. Traders who read
 * them sell ahead of a thick band of long liquidations below the price (or buy ahead of
 * shorts above), betting that once the price gets there the forced selling will carry it
 * further, and they buy back from the liquidation orders themselves. That is predatory
 * trading in the sense of Brunnermeier & Pedersen (J. Finance 2005): trading ahead of a
 * forced seller profits from the price impact it will cause, and the predator's own
 * selling helps bring that forced selling about.
 *
 * Decision rule. When flat, on a wake it reads the map `lag` publications old (the venue
 * publishes one every so many steps; a cheaper vendor means a staler map) and blurs every
 * bin by its own estimation error, bin x (1 + N(0, noise)) from its own stream, floored at
 * 0. Among the bins whose middle lies below the mark by at most `reach` (long
 * liquidations) or above it by at most `reach` (short liquidations), it takes the one of
 * largest notional; if that exceeds `min_cluster` it opens a position against it with a
 * market order of `size_fraction` x equity x `leverage` notional: a short ahead of longs
 * below, a long ahead of shorts above. Holding, it closes the whole position with a
 * reduce-only market order when the mark reaches the cluster's level (the middle of its
 * bin: the cascade is its exit liquidity), when it has held for `max_hold` steps, or when
 * the mark has moved `stop_loss` against its entry.
 *
 * What to look for: it earns when the cluster cascades and loses on stops when it does
 * not; its market orders push the price towards the cluster, so a crowd of front-runners
 * makes the cascade it bets on more likely and bigger. A longer `lag` or larger `noise`
 * makes it chase clusters that are already gone.
 */
#include <math.h>

#include "agents/agentInt.h"

#define PARAMS(X)                                                                               \
    CAS__P_RATE(X, 0.2, 1e6, "wake-ups per step, to look for a cluster or manage the position") \
    X(lag, uint32_t, INT, 0, 0, 1e6, false, "publications",                                     \
      "age of the liquidation map it reads (0: the newest)")                                    \
    X(noise, double, REAL, 0.1, 0, 10, false, "fraction",                                       \
      "standard deviation of the multiplicative error on each bin of the map")                  \
    X(reach, double, REAL, 0.01, 0, 1, true, "fraction of the mark",                            \
      "how far from the mark a cluster may lie and still be traded")                            \
    X(min_cluster, double, REAL, 1e5, 0, 1e15, false, "quote currency",                         \
      "notional a bin must exceed to count as a cluster worth trading")                         \
    X(size_fraction, double, REAL, 0.2, 0, 1, true, "fraction",                                 \
      "position notional as a share of equity x leverage")                                      \
    X(max_hold, cas_step, INT, 600, 1, 1e9, false, "steps",                                     \
      "the position is closed after this long if the cluster was not reached")                  \
    X(stop_loss, double, REAL, 0.01, 0, 1, false, "fraction of entry",                          \
      "adverse move of the mark from entry that closes the position (0: none)")                 \
    CAS__P_LEVERAGE(X, 5, "the account's leverage (capped by the instrument's)")                \
    CAS__P_COLLATERAL(X, 1e4, "the trader's deposit")

struct front_runner {
    CAS__PARAM_FIELDS(PARAMS)
    /* the trade under way: -1 short ahead of longs below, +1 long ahead of shorts
     * above, 0 none */
    int dir;
    double target; /* the cluster's level, ticks */
    cas_step opened;
    uint64_t entries, reached; /* trades opened ahead of a cluster; closed at its level */
    bool counted;              /* this trade's reaching is counted */
};

CAS__PARAMS(front_runner, PARAMS);

/* A cluster found on the map: which way to trade and where it lies. */
struct cluster {
    int dir;
    double level;
    double notional;
};

static int front_runner_init(void *state, struct cas_agent_setup *s, struct cas_err *err)
{
    (void)err;
    load_params(state, s);
    return 0;
}

/* The notional of one bin as this trader estimates it. */
static double blur(const struct front_runner *f, struct cas_rng *rng, double x)
{
    if (f->noise > 0)
        x *= 1.0 + cas_rng_normal(rng, 0, f->noise);
    return x > 0 ? x : 0;
}

/* Offer bin `level` of one side as a candidate: keep it if it is within reach on the
 * side where that side's liquidations lie and larger than the best so far. */
static void consider(const struct front_runner *f, struct cas_rng *rng, double mark, double level,
                     double raw, int dir, struct cluster *best)
{
    double dist = dir < 0 ? mark - level : level - mark; /* > 0: on the right side */
    if (!(raw > 0) || !(dist > 0) || dist > f->reach * mark)
        return;
    double x = blur(f, rng, raw);
    if (x > f->min_cluster && x > best->notional)
        *best = (struct cluster){dir, level, x};
}

/* The largest cluster within reach on the map, or dir 0. */
static struct cluster find_cluster(const struct front_runner *f, struct cas_rng *rng,
                                   const struct cas_liq_map *m, double mark)
{
    struct cluster best = {0, 0, 0};
    if (!(m->bin > 0))
        return best;
    for (int i = 0; i < CAS_LIQ_BINS; i++) {
        double level = m->lo + (i + 0.5) * m->bin;
        consider(f, rng, mark, level, m->longs[i], -1, &best);
        consider(f, rng, mark, level, m->shorts[i], +1, &best);
    }
    return best;
}

/* Flat: look for a cluster and trade ahead of it. */
static void open_ahead(struct front_runner *f, struct cas_agent_ctx *ctx)
{
    const struct cas_market_view *v = ctx->view;
    const struct cas_liq_map *m = NULL;
    if (v->mark < 1 || !ctx->ops->liq_map(ctx->sink, ctx->instrument, f->lag, &m) || !m)
        return;
    struct cluster c = find_cluster(f, ctx->rng, m, (double)v->mark);
    if (c.dir == 0)
        return;
    double money = f->size_fraction * (double)v->equity * f->leverage;
    double lots = floor(money / ((double)v->mark * (double)v->contract_units));
    if (!(lots >= 1))
        return;
    struct cas_order_req req = {.side = c.dir < 0 ? CAS_SELL : CAS_BUY,
                                .type = CAS_MARKET,
                                .qty = (cas_lots)lots,
                                .expire_at = INFINITY};
    if (cas_agent_submit(ctx, &req) != 0)
        return; /* refused (margin, band, halt): look again at the next wake */
    f->dir = c.dir;
    f->target = c.level;
    f->opened = v->step;
    f->entries++;
    f->counted = false;
}

/* Whether the open position should be closed now. */
static bool time_to_exit(const struct front_runner *f, const struct cas_market_view *v)
{
    double mark = (double)v->mark;
    if (f->dir == 0 || (f->dir < 0) != (v->position < 0))
        return true; /* a position this trader did not plan: close it */
    if (f->dir < 0 ? mark <= f->target : mark >= f->target)
        return true; /* the cluster is reached: its liquidations take the other side */
    if (v->step - f->opened >= f->max_hold)
        return true;
    if (f->stop_loss > 0 && v->entry > 0)
        return f->dir < 0 ? mark >= v->entry * (1 + f->stop_loss)
                          : mark <= v->entry * (1 - f->stop_loss);
    return false;
}

static void front_runner_act(void *state, struct cas_agent_ctx *ctx)
{
    struct front_runner *f = state;
    const struct cas_market_view *v = ctx->view;
    if (v->liquidating || v->halted)
        return;
    if (v->position == 0) {
        f->dir = 0; /* any earlier trade is over */
        open_ahead(f, ctx);
        return;
    }
    if (!time_to_exit(f, v))
        return;
    if (!f->counted && f->dir != 0 && (f->dir < 0) == (v->position < 0) &&
        (f->dir < 0 ? (double)v->mark <= f->target : (double)v->mark >= f->target)) {
        f->reached++;
        f->counted = true;
    }
    struct cas_order_req req = {.side = v->position > 0 ? CAS_SELL : CAS_BUY,
                                .type = CAS_MARKET,
                                .qty = v->position > 0 ? v->position : -v->position,
                                .expire_at = INFINITY,
                                .reduce_only = true};
    cas_agent_submit(ctx, &req); /* what does not fill is closed at the next wake */
}

static void fr_on_liquidated(void *state, const struct cas_liquidation *liq)
{
    (void)liq;
    struct front_runner *f = state;
    f->dir = 0;
}

static const struct cas_measure_spec measures[] = {
    {"entries", "count", "trades opened ahead of a cluster on the map"},
    {"reached", "count", "of those, the ones closed because the mark reached the cluster"},
};

static double fr_measure(const void *state, uint32_t k)
{
    const struct front_runner *f = state;
    return (double)(k == 0 ? f->entries : f->reached);
}

CAS__AGENT_TYPE(front_runner,
                .summary = "trades ahead of clusters on the public liquidation map (predatory "
                           "trading)",
                .on_liquidated = fr_on_liquidated, .reads_liq_map = true,
                CAS__MEASURES(fr_measure));
