/* scripted: orders at given steps — a student's trades in a lab, a researcher's
 * hand-placed orders — written in the config and replayed.
 *
 * Every agent of the population sends the script of its population (the param
 * `orders`, a list of objects read by src/config/orders.c): each entry at the start of
 * its step, the entries of one step in the order they were written, each once. A market
 * order takes what the book holds and drops the rest; a limit order rests until filled
 * (good till cancelled); ioc and post_only are the book's. What the venue refuses (margin,
 * the band, a halt, reduce-only, a liquidation under way) is counted with every agent's
 * refusals (summary.json `activity.rejected`) and not sent again. The account is opened
 * from `collateral` at `leverage` (capped by the instrument's), and an entry's own
 * `leverage` changes the setting from that order on, as a trader sets it before an order
 * (margin already set aside for an isolated position stays). It is an account like any
 * other: its margin is checked at each order and it can be liquidated.
 *
 * The agent is woken only at the steps of its script (the scheduler's next_wake, not a
 * Poisson process), so an idle scripted agent costs nothing a step, and it draws nothing
 * from its stream beyond its params' draws: a script adds no randomness of its own.
 */
#include <math.h>

#include "agents/agentInt.h"

#define PARAMS(X)                                                                             \
    CAS__P_COLLATERAL(X, 10000, "each agent's deposit")                                       \
    CAS__P_LEVERAGE(X, 1,                                                                     \
                    "each agent's leverage on perpetuals, until an entry of the script sets " \
                    "its own (the venue caps it at the instrument's)")

struct scripted {
    CAS__PARAM_FIELDS(PARAMS)
    const struct cas_script_order *orders; /* the population's script, borrowed */
    uint32_t n_orders;
    uint32_t next; /* the first order not yet sent */
    double rate;   /* wake-ups per step on average: the script's steps over the run's */
};

CAS__PARAMS(scripted, PARAMS);

static int scripted_init(void *state, struct cas_agent_setup *s, struct cas_err *err)
{
    (void)err; /* the config has checked every entry of the script */
    struct scripted *x = state;
    load_params(x, s);
    x->orders = s->orders;
    x->n_orders = s->n_orders;
    uint32_t wakes = 0;
    for (uint32_t i = 0; i < x->n_orders; i++)
        wakes += i == 0 || x->orders[i].step != x->orders[i - 1].step;
    x->rate = (double)wakes / (double)(s->steps > 0 ? s->steps : 1);
    s->first_wake = x->n_orders > 0 ? (double)x->orders[0].step : NAN;
    return 0;
}

/* The step of the first order after those due at `now`. */
static double scripted_next_wake(const void *state, double now)
{
    const struct scripted *x = state;
    uint32_t i = x->next;
    while (i < x->n_orders && (double)x->orders[i].step <= now)
        i++;
    return i < x->n_orders ? (double)x->orders[i].step : INFINITY;
}

static void scripted_act(void *state, struct cas_agent_ctx *ctx)
{
    struct scripted *x = state;
    for (; x->next < x->n_orders && x->orders[x->next].step <= ctx->view->step; x->next++) {
        const struct cas_script_order *o = &x->orders[x->next];
        if (o->leverage > 0) /* the setting from this order on, as a trader sets it */
            ctx->ops->set_leverage(ctx->sink, o->leverage);
        struct cas_order_req req = {.side = o->side,
                                    .type = o->type,
                                    .price = o->price,
                                    .qty = o->qty,
                                    .expire_at = INFINITY,
                                    .reduce_only = o->reduce_only};
        cas_agent_submit(ctx, &req); /* a refusal is counted by the venue, not retried */
    }
}

CAS__AGENT_TYPE(scripted, .summary = "orders at given steps, written in the config and replayed",
                .next_wake = scripted_next_wake, .takes_orders = true);
