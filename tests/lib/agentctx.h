/* agentctx.h: a fake venue behind an agent's context, for tests that drive one agent
 * type at a time on scripted views. It serves a view per instrument, the public
 * liquidation map by lag and a list of liquidatable accounts (keeper mode), and records
 * every order (with its instrument and id), cancel, map request and keeper take-over.
 * Options: refuse orders per instrument, log refused orders too, fill market and IOC
 * orders in full at the touch into the position (telling the agent through its on_fill,
 * at once or, with defer_fills, never), give stop orders ids. Header-only (static), for
 * Criterion test programs; a test builds its cas_agent_ctx with agentctx_ctx.
 */
#ifndef CASCADE_TESTS_AGENTCTX_H
#define CASCADE_TESTS_AGENTCTX_H

#include <criterion/criterion.h>
#include <string.h>

#include "cascade/agent.h"

#define AGENTCTX_INSTR 2
#define AGENTCTX_MAX 4096
#define AGENTCTX_MAPS 4
#define AGENTCTX_TARGETS 16
#define AGENTCTX_TAKES 64

struct agentctx_order {
    uint32_t instrument;
    struct cas_order_req req;
    uint64_t id; /* 0 for a refused one */
};

struct agentctx_take {
    uint32_t target;
    cas_lots asked, taken;
    int rc;
};

struct agentctx {
    struct cas_market_view views[AGENTCTX_INSTR];
    int refuse_on[AGENTCTX_INSTR]; /* return code for orders on that instrument (0: accept) */
    bool log_refused;              /* refused orders are recorded too */
    bool fill_takers; /* market and IOC orders fill in full at the touch into the position */
    bool defer_fills; /* ... but the agent does not hear of it (the venue reports later) */
    bool stop_ids;    /* give stops ids (the interface allows 0) */
    const struct cas_agent_type *type; /* with state: who hears the fills */
    void *state;
    struct cas_rng rng;       /* for a test that keeps the agent here: its stream */
    struct cas_agent_ctx ctx; /* and its context */
    struct agentctx_order orders[AGENTCTX_MAX];
    uint32_t n_orders;
    uint64_t next_id;
    uint64_t cancels[AGENTCTX_MAX];
    uint32_t n_cancels;
    /* the liquidation map: maps[k] is the one k publications old */
    struct cas_liq_map maps[AGENTCTX_MAPS];
    uint32_t n_maps, map_calls, asked_lag;
    /* keeper mode: each target's signed position; the keeper's margin carries at most
     * margin_lots of position */
    uint32_t targets[AGENTCTX_TARGETS];
    cas_lots target_lots[AGENTCTX_TARGETS];
    uint32_t n_targets;
    cas_lots margin_lots;
    struct agentctx_take takes[AGENTCTX_TAKES];
    uint32_t n_takes, list_calls;
    /* deposits: their count and sum (quote currency); each adds to views[0].equity
     * at the given money scale (units per quote, 1 when 0) */
    uint32_t n_deposits;
    double deposited, money_scale;
    int32_t leverage; /* the last leverage setting asked for (0: none) */
};

/* A fill of the agent's whole order at the touch, as the venue would report it. */
static inline void agentctx_fill(struct agentctx *f, uint32_t instrument,
                                 const struct cas_order_req *req, uint64_t id)
{
    struct cas_market_view *v = &f->views[instrument];
    cas_ticks px = req->side == CAS_BUY ? v->best_ask : v->best_bid;
    v->position += req->side == CAS_BUY ? req->qty : -req->qty;
    if (!f->defer_fills && f->type && f->type->on_fill) {
        struct cas_agent_fill fill = {instrument, id, req->side, px, req->qty, false, 0};
        f->type->on_fill(f->state, &fill);
    }
}

static inline int agentctx_submit_on(void *sink, uint32_t instrument,
                                     const struct cas_order_req *req, uint64_t *id)
{
    struct agentctx *f = sink;
    cr_assert_lt(instrument, AGENTCTX_INSTR);
    cr_assert_gt(req->qty, 0, "an order of %lld lots", (long long)req->qty);
    if (req->type != CAS_MARKET)
        cr_assert_geq(req->price, 1);
    int rc = f->refuse_on[instrument];
    if (rc && !f->log_refused)
        return rc;
    cr_assert_lt(f->n_orders, AGENTCTX_MAX);
    uint64_t oid = rc ? 0 : ++f->next_id;
    f->orders[f->n_orders++] = (struct agentctx_order){instrument, *req, oid};
    if (rc)
        return rc;
    if (id)
        *id = req->stop > 0 && !f->stop_ids ? 0 : oid;
    if (f->fill_takers && req->stop == 0 && (req->type == CAS_MARKET || req->type == CAS_IOC))
        agentctx_fill(f, instrument, req, oid);
    return 0;
}

static inline int agentctx_submit(void *sink, const struct cas_order_req *req)
{
    return agentctx_submit_on(sink, 0, req, NULL);
}

static inline int agentctx_cancel(void *sink, uint64_t id)
{
    struct agentctx *f = sink;
    cr_assert_lt(f->n_cancels, AGENTCTX_MAX);
    f->cancels[f->n_cancels++] = id;
    return 0;
}

static inline void agentctx_view(void *sink, uint32_t instrument, struct cas_market_view *out)
{
    struct agentctx *f = sink;
    cr_assert_lt(instrument, AGENTCTX_INSTR);
    *out = f->views[instrument];
}

static inline bool agentctx_liq_map(void *sink, uint32_t instrument, uint32_t lag,
                                    const struct cas_liq_map **out)
{
    struct agentctx *f = sink;
    cr_assert_eq(instrument, 0);
    f->map_calls++;
    f->asked_lag = lag;
    if (lag >= f->n_maps)
        return false;
    *out = &f->maps[lag];
    return true;
}

static inline uint32_t agentctx_liquidatable(void *sink, uint32_t instrument, uint32_t *accounts,
                                             uint32_t max)
{
    struct agentctx *f = sink;
    cr_assert_eq(instrument, 0);
    f->list_calls++;
    uint32_t n = 0;
    for (uint32_t k = 0; k < f->n_targets && n < max; k++)
        if (f->target_lots[k] != 0)
            accounts[n++] = f->targets[k];
    return n;
}

/* The venue's take-over: the keeper gets the target's lots on the target's side. */
static inline int agentctx_keeper(void *sink, uint32_t instrument, uint32_t target, cas_lots lots,
                                  cas_lots *taken)
{
    struct agentctx *f = sink;
    cr_assert_eq(instrument, 0);
    cr_assert_lt(f->n_takes, AGENTCTX_TAKES);
    struct agentctx_take *t = &f->takes[f->n_takes++];
    *t = (struct agentctx_take){target, lots, 0, CAS_ENOTFOUND};
    *taken = 0;
    for (uint32_t k = 0; k < f->n_targets; k++) {
        if (f->targets[k] != target || f->target_lots[k] == 0)
            continue;
        cas_lots have = f->target_lots[k], sign = have > 0 ? 1 : -1;
        cas_lots q = lots < sign * have ? lots : sign * have;
        cas_lots after = f->views[0].position + sign * q;
        if ((after < 0 ? -after : after) > f->margin_lots)
            return t->rc = CAS_EINVAL;
        f->target_lots[k] -= sign * q;
        f->views[0].position = after;
        *taken = t->taken = q;
        return t->rc = 0;
    }
    return t->rc;
}

static inline int agentctx_deposit(void *sink, uint32_t instrument, double amount)
{
    struct agentctx *f = sink;
    cr_assert_lt(instrument, AGENTCTX_INSTR);
    if (!(amount >= 0))
        return CAS_EINVAL;
    f->n_deposits++;
    f->deposited += amount;
    f->views[0].equity += (cas_money)(amount * (f->money_scale > 0 ? f->money_scale : 1));
    return 0;
}

static inline int agentctx_set_leverage(void *sink, int32_t leverage)
{
    struct agentctx *f = sink;
    if (leverage < 1)
        return CAS_EINVAL;
    f->leverage = leverage;
    return 0;
}

static const struct cas_agent_ops agentctx_ops = {
    .submit = agentctx_submit_on,
    .cancel = agentctx_cancel,
    .view = agentctx_view,
    .liq_map = agentctx_liq_map,
    .liquidatable = agentctx_liquidatable,
    .keeper_liquidate = agentctx_keeper,
    .deposit = agentctx_deposit,
    .set_leverage = agentctx_set_leverage,
};

/* An empty venue: no orders, no map, no one to take over, any margin. */
static inline void agentctx_init(struct agentctx *f)
{
    memset(f, 0, sizeof *f);
    for (uint32_t i = 0; i < AGENTCTX_INSTR; i++)
        f->views[i].index_instrument = UINT32_MAX;
    f->margin_lots = INT64_MAX;
}

/* The context an agent on instrument 0 acts with: `view` (a snapshot, or the live
 * views[0]) and its own stream. */
static inline struct cas_agent_ctx agentctx_ctx(struct agentctx *f,
                                                const struct cas_market_view *view,
                                                struct cas_rng *rng)
{
    return (struct cas_agent_ctx){view, rng, f, agentctx_submit, &agentctx_ops, 0};
}

/* The default of every parameter of type t into p. */
static inline void agentctx_defaults(const struct cas_agent_type *t, double *p)
{
    cr_assert_leq(t->n_params, CAS_MAX_PARAMS);
    for (uint32_t i = 0; i < t->n_params; i++)
        p[i] = t->params[i].def;
}

/* Set the parameter of that name in p, type t's table order. */
static inline void agentctx_param(const struct cas_agent_type *t, double *p, const char *name,
                                  double value)
{
    for (uint32_t i = 0; i < t->n_params; i++) {
        if (strcmp(t->params[i].name, name) == 0) {
            p[i] = value;
            return;
        }
    }
    cr_assert_fail("no parameter '%s' in type '%s'", name, t->name);
}

#endif
