/* liquidator: a keeper that takes over underwater positions and works them off into the book.
 *
 * On lending protocols and on-chain perpetual venues (Compound, Aave, MakerDAO, dYdX's
 * early perpetuals) nobody liquidates automatically: any keeper bot may take over an
 * account below maintenance margin at a discount to the mark (the bonus), and must then
 * carry the position and sell it into the market itself (Qin, Zhou, Livshits & Gervais,
 * "An Empirical Study of DeFi Liquidations", IMC 2021). Keepers compete on speed, and
 * when there are too few of them, or they are slow or short of capital, underwater
 * positions sit until they are worth less than nothing: MakerDAO's Black Thursday
 * (12 March 2020) left the protocol with millions in bad debt that way.
 *
 * Decision rule. On each wake it lists the accounts liquidatable now on its instrument,
 * in a random order drawn from its own stream (so that several keepers competing by wake
 * order do not all go for the same account first), and takes over as much of each as the
 * venue allows (its close factor) and its room allows: at most `max_inventory` lots of
 * position in all, counting what it already holds. The venue refuses a take-over the
 * keeper's margin (`collateral` at `leverage`) cannot carry; it then tries the next
 * account. Then it works its inventory off with one reduce-only order of at most
 * `unwind_lots`: a market order, or with `passive` = 1 a limit order at the touch on its
 * own side (a seller joins the best ask), cancelled and replaced at the next wake.
 * `rate` is its speed: wake-ups per step.
 *
 * What to look for: with too few keepers, too slow a `rate` or too little room, underwater
 * positions sit, sink below bankruptcy, and the insurance fund pays the bad debt (its
 * drawdown grows); each keeper's unwinding is itself selling pressure that can push
 * the next positions under water. Passive unwinding impacts the price less but holds
 * inventory (and its risk) longer.
 */
#include <math.h>

#include "agents/agentInt.h"

#define LIST_MAX 64 /* accounts asked for per wake */

#define PARAMS(X)                                                                       \
    CAS__P_RATE(X, 1, 1e6, "wake-ups per step: the keeper's speed")                     \
    X(max_inventory, cas_lots, INT, 1000, 1, 1e9, false, "lots",                        \
      "the largest position it will hold, taken over and not yet unwound")              \
    X(unwind_lots, cas_lots, INT, 5, 1, 1e9, false, "lots",                             \
      "the most it sends to the book to reduce its inventory per wake-up")              \
    X(passive, bool, INT, 0, 0, 1, false, "0/1",                                        \
      "1: unwind with limit orders at the touch; 0: with market orders")                \
    CAS__P_COLLATERAL(X, 1e5, "the keeper's deposit, which margins what it takes over") \
    CAS__P_LEVERAGE(X, 10, "the account's leverage (capped by the instrument's)")

struct liquidator {
    CAS__PARAM_FIELDS(PARAMS)
    uint64_t resting; /* id of the passive unwind order placed at the last wake, 0 if none */
};

CAS__PARAMS(liquidator, PARAMS);

static int liquidator_init(void *state, struct cas_agent_setup *s, struct cas_err *err)
{
    (void)err;
    load_params(state, s);
    return 0;
}

static cas_lots abs_lots(cas_lots q)
{
    return q < 0 ? -q : q;
}

/* Take over what the room allows from the accounts liquidatable now; the lots taken.
 * The room counts every lot taken as adding to the inventory: a take-over on the
 * other side shrinks it, so this errs on the safe side. */
static cas_lots take_over(const struct liquidator *l, struct cas_agent_ctx *ctx, cas_lots position)
{
    cas_lots room = l->max_inventory - abs_lots(position), total = 0;
    if (room <= 0)
        return 0;
    uint32_t accounts[LIST_MAX];
    uint32_t n = ctx->ops->liquidatable(ctx->sink, ctx->instrument, accounts, LIST_MAX);
    cas_rng_shuffle_u32(ctx->rng, accounts, n);
    for (uint32_t k = 0; k < n && total < room; k++) {
        /* refused (margin, or another keeper was first): go on with the next */
        cas_lots taken = 0;
        if (ctx->ops->keeper_liquidate(ctx->sink, ctx->instrument, accounts[k], room - total,
                                       &taken) == 0)
            total += taken;
    }
    return total;
}

/* The price of a passive unwind order: the touch on the keeper's own side. */
static cas_ticks touch(const struct cas_market_view *v, enum cas_side side)
{
    if (side == CAS_SELL)
        return v->has_ask ? v->best_ask : v->has_bid ? v->best_bid + 1 : v->last;
    return v->has_bid ? v->best_bid : v->has_ask ? v->best_ask - 1 : v->last;
}

/* Send one reduce-only order of at most unwind_lots against the inventory. */
static void unwind(struct liquidator *l, struct cas_agent_ctx *ctx, const struct cas_market_view *v)
{
    if (v->position == 0 || v->halted)
        return;
    cas_lots q = abs_lots(v->position);
    struct cas_order_req req = {.side = v->position > 0 ? CAS_SELL : CAS_BUY,
                                .type = CAS_MARKET,
                                .qty = q < l->unwind_lots ? q : l->unwind_lots,
                                .expire_at = INFINITY,
                                .reduce_only = true};
    if (l->passive) {
        req.type = CAS_LIMIT;
        req.price = touch(v, req.side);
        if (req.price < 1)
            return;
    }
    uint64_t id = 0; /* a refused order is simply tried again at the next wake */
    if (cas_agent_submit_on(ctx, ctx->instrument, &req, &id) == 0 && l->passive)
        l->resting = id;
}

static void liquidator_act(void *state, struct cas_agent_ctx *ctx)
{
    struct liquidator *l = state;
    const struct cas_market_view *v = ctx->view;
    if (v->liquidating)
        return;
    if (l->resting != 0)
        cas_agent_cancel(ctx, l->resting); /* CAS_ENOTFOUND: it filled or expired */
    l->resting = 0;
    if (take_over(l, ctx, v->position) == 0) {
        unwind(l, ctx, v);
        return;
    }
    struct cas_market_view now; /* the take-overs changed the position */
    cas_agent_view(ctx, ctx->instrument, &now);
    unwind(l, ctx, &now);
}

static void liq_on_liquidated(void *state, const struct cas_liquidation *liq)
{
    (void)liq;
    struct liquidator *l = state;
    l->resting = 0; /* the venue cancelled the keeper's orders */
}

CAS__AGENT_TYPE(liquidator,
                .summary = "keeper: takes over liquidatable positions and unwinds them into the "
                           "book",
                .on_liquidated = liq_on_liquidated);
