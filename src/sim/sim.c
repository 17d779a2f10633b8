/* sim: the scheduler and run loop over agents; the venue's rules are wired in venue.c.
 *
 * See simInt.h for the state and its invariants. Agents reach the market only
 * through the sink below: their orders go to the exchange under a cause
 * naming their account, and what rests with a finite lifetime is queued for
 * expiry.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cascade/fmath.h"
#include "cascade/heap.h"
#include "core/coreInt.h"
#include "sim/simInt.h"

#define MAX_AGENTS ((1u << 24) - 3) /* the accounts the exchange can open, less the shock's */

/* ---- the calendar: per-step buckets of wake-ups and expiries ---- */

/* Wake-ups of one step in (time, agent index) order: a small binary heap,
 * because an agent may wake again within the step it is woken in. */
static inline bool wake_less(const void *ctx, const struct wake *a, const struct wake *b)
{
    (void)ctx;
    return a->t < b->t || (a->t == b->t && a->agent < b->agent);
}

CAS_HEAP(wake_heap, struct wake, const void *, wake_less, CAS_HEAP_NOTHING_PLACED)

static int pending_push(struct cas_sim *s, struct wake w)
{
    if (cas__grow((void **)&s->pending, &s->cap_pending, s->n_pending + 1, sizeof w) < 0)
        return CAS_ENOMEM;
    s->pending[s->n_pending] = w;
    wake_heap_up(NULL, s->pending, s->n_pending++);
    return 0;
}

static struct wake pending_pop(struct cas_sim *s)
{
    struct wake top = s->pending[0];
    if (--s->n_pending > 0) {
        s->pending[0] = s->pending[s->n_pending];
        wake_heap_down(NULL, s->pending, s->n_pending, 0);
    }
    return top;
}

/* File agent g under the step of its next_t (>= the current step). */
static void wake_insert(struct cas_sim *s, uint32_t g)
{
    struct agent *a = &s->agents[g];
    uint32_t *head = a->next_t < (double)(s->chunk + RING)
                         ? &s->wake_ring[(uint64_t)a->next_t & (RING - 1)]
                         : &s->far_wake;
    a->next_wake = *head;
    *head = g;
}

/* A bucket starts in its share of the sim's slab and moves to the heap when
 * it outgrows it, so a run allocates only for the buckets that grow. */
static int bucket_grow(struct id_bucket *b)
{
    if (b->heap)
        return cas__grow((void **)&b->ids, &b->cap, b->n + 1, sizeof *b->ids);
    uint64_t *v = NULL;
    uint32_t cap = 0;
    if (cas__grow((void **)&v, &cap, b->n + 1, sizeof *v) < 0)
        return CAS_ENOMEM;
    memcpy(v, b->ids, b->n * sizeof *v);
    *b = (struct id_bucket){v, b->n, cap, true};
    return 0;
}

static int bucket_push(struct id_bucket *b, uint64_t id)
{
    if (b->n == b->cap && bucket_grow(b) < 0)
        return CAS_ENOMEM;
    b->ids[b->n++] = id;
    return 0;
}

/* Queue order `id` for cancellation at the start of step k (> the current step). */
static int expiry_push(struct cas_sim *s, cas_step k, uint64_t id)
{
    if (k < s->chunk + (cas_step)RING)
        return bucket_push(&s->exp_ring[k & (RING - 1)], id);
    if (s->n_far_exp == s->cap_far_exp) {
        size_t cap = s->cap_far_exp ? 2 * s->cap_far_exp : 64;
        struct expiry *v = realloc(s->far_exp, cap * sizeof *v);
        if (!v)
            return CAS_ENOMEM;
        s->far_exp = v;
        s->cap_far_exp = cap;
    }
    s->far_exp[s->n_far_exp++] = (struct expiry){k, id};
    return 0;
}

/* Slide the ring by half its length once the step reaches its second half,
 * moving into it whatever of the far lists it now covers. */
static int calendar_advance(struct cas_sim *s)
{
    while (s->step >= s->chunk + (cas_step)RING / 2) {
        s->chunk += RING / 2;
        uint32_t g = s->far_wake;
        s->far_wake = NONE;
        while (g != NONE) {
            uint32_t next = s->agents[g].next_wake;
            wake_insert(s, g);
            g = next;
        }
        size_t kept = 0;
        for (size_t k = 0; k < s->n_far_exp; k++) {
            struct expiry e = s->far_exp[k];
            if (e.step >= s->chunk + (cas_step)RING)
                s->far_exp[kept++] = e;
            else if (bucket_push(&s->exp_ring[e.step & (RING - 1)], e.id) < 0)
                return CAS_ENOMEM;
        }
        s->n_far_exp = kept;
    }
    return 0;
}

/* ---- orders ---- */

struct sink {
    struct cas_sim *sim;
    uint32_t agent;
    double now;
};

#define STOP_ID_BIT (1ULL << 63) /* stop ids live apart from the exchange's order ids */

static int submit_stop(struct cas_sim *s, const struct agent *a, uint32_t instrument,
                       const struct cas_order_req *req, uint64_t *id)
{
    *id = STOP_ID_BIT | s->stop_seq++;
    struct cas_stop stop = {.id = *id,
                            .account = a->account,
                            .instrument = instrument,
                            .side = req->side,
                            .trigger = req->stop,
                            .qty = req->qty,
                            .reduce_only = req->reduce_only};
    return cas_stops_add(s->stops, &stop);
}

static int submit_on(void *impl, uint32_t instrument, const struct cas_order_req *req, uint64_t *id)
{
    struct sink *k = impl;
    struct cas_sim *s = k->sim;
    const struct agent *a = &s->agents[k->agent];
    *id = 0;
    if (instrument >= s->n_instruments)
        return CAS_EINVAL;
    if (req->stop > 0)
        return submit_stop(s, a, instrument, req, id);
    struct cas_order o = {.account = a->account,
                          .instrument = instrument,
                          .side = req->side,
                          .type = req->type,
                          .price = req->price,
                          .qty = req->qty,
                          .reduce_only = req->reduce_only};
    struct cas_cause cause = {CAS_CAUSE_ORDER, a->account};
    if (req->answer && req->answer_on < s->n_instruments)
        cause = cas__venue_answer_cause(s, req->answer_on, req->answer_side, cause);
    struct cas_submit_result res;
    int rc = cas__venue_submit(s, &o, cause, id, &res);
    if (rc < 0)
        return rc;
    s->agents[k->agent].stats.orders++;
    if (res.rested > 0 && req->expire_at < (double)s->cfg->steps) {
        /* cancelled at the start of the first step after expire_at (the next
         * step for a time already past) */
        cas_step due =
            req->expire_at < (double)s->step ? s->step + 1 : (cas_step)floor(req->expire_at) + 1;
        if ((rc = expiry_push(s, due, *id)) < 0) {
            cas_exchange_cancel(s->ex, *id);
            s->error = rc;
            return rc;
        }
    }
    return 0;
}

static int submit(void *impl, const struct cas_order_req *req)
{
    struct sink *k = impl;
    uint64_t id;
    return submit_on(impl, k->sim->agents[k->agent].instrument, req, &id);
}

static int cancel(void *impl, uint64_t id)
{
    struct sink *k = impl;
    struct cas_sim *s = k->sim;
    if (id & STOP_ID_BIT) /* an agent only ever learns the ids of its own stops */
        return cas_stops_cancel(s->stops, id);
    if (cas_exchange_order_owner(s->ex, id) != s->agents[k->agent].account)
        return CAS_ENOTFOUND;
    int rc = cas_exchange_cancel(s->ex, id);
    s->counters.cancels += rc == 0;
    return rc;
}

static void fill_view(const struct cas_sim *s, const struct agent *a, uint32_t instrument,
                      double now, struct cas_market_view *v);

static void view_of(void *impl, uint32_t instrument, struct cas_market_view *out)
{
    struct sink *k = impl;
    const struct cas_sim *s = k->sim;
    *out = (struct cas_market_view){0};
    if (instrument < s->n_instruments)
        fill_view(s, &s->agents[k->agent], instrument, k->now, out);
}

static bool liq_map(void *impl, uint32_t instrument, uint32_t lag, const struct cas_liq_map **out)
{
    struct sink *k = impl;
    *out = instrument < k->sim->n_instruments ? cas__venue_liq_map(k->sim, instrument, lag) : NULL;
    return *out != NULL;
}

static uint32_t liquidatable(void *impl, uint32_t instrument, uint32_t *accounts, uint32_t max)
{
    struct sink *k = impl;
    if (instrument >= k->sim->n_instruments)
        return 0;
    return cas_exchange_liquidatable(k->sim->ex, instrument, accounts, max);
}

static int keeper_liquidate(void *impl, uint32_t instrument, uint32_t target, cas_lots lots,
                            cas_lots *taken)
{
    struct sink *k = impl;
    *taken = 0;
    if (instrument >= k->sim->n_instruments)
        return CAS_EINVAL;
    return cas_exchange_keeper_liquidate(k->sim->ex, k->sim->agents[k->agent].account, target,
                                         instrument, lots, taken);
}

static int deposit(void *impl, uint32_t instrument, double amount)
{
    struct sink *k = impl;
    struct cas_sim *s = k->sim;
    struct agent *a = &s->agents[k->agent];
    double money = amount * s->money_scale;
    if (instrument >= s->n_instruments || !(money >= 0 && money < 1e15))
        return CAS_EINVAL;
    cas_money m = (cas_money)llround(money);
    int rc = cas_exchange_deposit(s->ex, a->account, instrument, m);
    if (rc == 0)
        a->stats.deposit += m;
    return rc;
}

static int set_leverage(void *impl, int32_t leverage)
{
    struct sink *k = impl;
    return cas_exchange_set_leverage(k->sim->ex, k->sim->agents[k->agent].account, leverage);
}

static const struct cas_agent_ops agent_ops = {
    .submit = submit_on,
    .cancel = cancel,
    .view = view_of,
    .liq_map = liq_map,
    .liquidatable = liquidatable,
    .keeper_liquidate = keeper_liquidate,
    .deposit = deposit,
    .set_leverage = set_leverage,
};

/* ---- what agents hear ---- */

uint32_t cas__agent_of(const struct cas_sim *s, uint32_t account)
{
    return account < s->n_owner ? s->owner[account] : UINT32_MAX;
}

/* Tell the agent behind `account` of a fill; its index, or UINT32_MAX for none. */
static uint32_t hear_fill(struct cas_sim *s, uint32_t account, uint32_t instrument,
                          const struct cas_fill *f, bool maker)
{
    uint32_t g = cas__agent_of(s, account);
    if (g == UINT32_MAX)
        return g;
    s->agents[g].stats.trades++;
    bool buys = (f->taker_side == CAS_BUY) != maker;
    *(buys ? &s->agents[g].stats.bought : &s->agents[g].stats.sold) += f->qty;
    if (!s->agents[g].type->on_fill)
        return g;
    struct cas_agent_fill af = {
        .instrument = instrument,
        .order_id = maker ? f->maker_id : f->taker_id,
        .side = maker ? (f->taker_side == CAS_BUY ? CAS_SELL : CAS_BUY) : f->taker_side,
        .price = f->price,
        .qty = f->qty,
        .maker = maker,
        .left = maker ? f->maker_left : 0,
    };
    s->agents[g].type->on_fill(s->agents[g].state, &af);
    return g;
}

void cas__agents_hear_fill(struct cas_sim *s, uint32_t instrument, const struct cas_fill *f,
                           uint32_t taker, uint32_t maker)
{
    uint32_t gt = hear_fill(s, taker, instrument, f, false);
    uint32_t gm = hear_fill(s, maker, instrument, f, true);
    if (gt != UINT32_MAX && gm != UINT32_MAX && s->agents[gt].type == s->agents[gm].type)
        s->agents[gt].stats.same_type += f->qty;
}

void cas__agents_hear_liquidation(struct cas_sim *s, const struct cas_liquidation *liq)
{
    uint32_t g = cas__agent_of(s, liq->account);
    if (g == UINT32_MAX)
        return;
    s->agents[g].stats.liquidated++;
    if (s->agents[g].type->on_liquidated)
        s->agents[g].type->on_liquidated(s->agents[g].state, liq);
}

/* ---- construction ---- */

static int open_account(struct cas_sim *s, const struct cas_agent_setup *setup,
                        enum cas_margin_mode margin, uint32_t *account, cas_money *deposit,
                        struct cas_err *err)
{
    double money = setup->collateral * s->money_scale;
    if (!(money >= 0 && money < 9e17))
        return cas_err_set(err, CAS_ERANGE, "params.collateral",
                           "collateral %g is too large for money_decimals %d", setup->collateral,
                           s->cfg->money_decimals);
    int rc = cas_exchange_open_account(s->ex, (cas_money)llround(money), margin, setup->leverage,
                                       account);
    *deposit = (cas_money)llround(money);
    if (rc < 0)
        return cas_err_set(err, rc, "", "cannot open an account: %s", cas_strerror(rc));
    return 0;
}

static int init_agents(struct cas_sim *s, struct cas_err *err)
{
    const struct cas_config *cfg = s->cfg;
    size_t offset = 0;
    uint32_t g = 0;
    double total_rate = 0;
    for (uint32_t p = 0; p < cfg->n_populations; p++) {
        const struct cas_population_config *pop = &cfg->populations[p];
        size_t size = (pop->type->state_size + 15) & ~(size_t)15;
        double pop_rate = 0;
        for (uint32_t i = 0; i < pop->count; i++, g++) {
            struct agent *a = &s->agents[g];
            a->type = pop->type;
            a->state = s->states + offset;
            offset += size;
            a->instrument = pop->instrument;
            /* per population: adding a population leaves the others' draws alone */
            cas_rng_derive(&a->rng, cfg->seed, ((uint64_t)(p + 1) << 32) | STREAM_AGENT, i);
            const struct cas_instrument_config *ic = &cfg->instruments[pop->instrument];
            double params[CAS_MAX_PARAMS];
            for (uint32_t k = 0; k < pop->type->n_params; k++)
                params[k] = cas_param_draw(&pop->type->params[k], &pop->dists[k], &a->rng);
            struct cas_agent_setup setup = {
                .index = i,
                .count = pop->count,
                .params = params,
                .initial_price = ic->initial_price,
                .instrument = pop->instrument,
                .perpetual = ic->spec.kind == CAS_PERPETUAL,
                .tick_size = ic->tick_size,
                .lot_size = ic->lot_size,
                .step_seconds = cfg->step_seconds,
                .steps = cfg->steps,
                .collateral = 0,
                .leverage = 1,
                .rng = &a->rng,
                .first_wake = NAN,
                .orders = pop->orders,
                .n_orders = pop->n_orders,
            };
            int rc = a->type->init(a->state, &setup, err);
            if (rc == 0)
                rc = open_account(s, &setup, pop->margin, &a->account, &a->stats.deposit, err);
            if (rc == 0 && pop->own_maker_fee)
                rc = cas_exchange_set_maker_fee(s->ex, a->account, pop->maker_fee_ppm);
            if (rc == 0 && a->account < s->n_owner)
                s->owner[a->account] = g;
            if (rc < 0) {
                if (err) {
                    char full[sizeof err->path + 32];
                    snprintf(full, sizeof full, "agents[%u].%s", p, err->path);
                    snprintf(err->path, sizeof err->path, "%.*s", (int)sizeof err->path - 1, full);
                }
                return rc;
            }
            if (setup.position != 0 && setup.perpetual) {
                if (cas__grow((void **)&s->seeds, &s->cap_seeds, s->n_seeds + 1, sizeof *s->seeds) <
                    0)
                    return cas_err_set(err, CAS_ENOMEM, "", "out of memory");
                s->seeds[s->n_seeds++] =
                    (struct seed){.agent = g, .lots = setup.position, .entry = setup.entry};
            }
            a->rate = a->type->rate(a->state);
            pop_rate += a->rate;
            if (a->type->next_wake) { /* scheduled: the first wake-up is init's, if any */
                a->next_t = setup.first_wake;
                if (a->next_t >= 0 && a->next_t < INFINITY)
                    wake_insert(s, g);
            } else if (a->rate > 0) {
                a->next_t = setup.first_wake >= 0 ? setup.first_wake
                                                  : cas_rng_exponential(&a->rng, a->rate);
                wake_insert(s, g);
            }
        }
        /* a step's wake-ups are held at once: a run that would wake its agents more
         * often than this would take seconds a step and gigabytes to schedule */
        total_rate += pop_rate;
        if (!(total_rate <= CAS_SIM_MAX_WAKEUPS)) {
            char path[32];
            snprintf(path, sizeof path, "agents[%u]", p);
            return cas_err_set(err, CAS_ERANGE, path,
                               "the agents would wake %.3g times a step (%.3g of them this "
                               "population's); at most %.0e are allowed: lower its rates",
                               total_rate, pop_rate, CAS_SIM_MAX_WAKEUPS);
        }
    }
    return 0;
}

/* Open the positions held from the start, instrument by instrument: the longs in
 * agent order, each matched against the shorts in agent order, every match a
 * trade at the long's entry price (so each pair's unrealized profit and loss nets
 * to zero and money stays conserved). Lots that find no opposite side are not
 * opened. Then an account that the start price would already have liquidated is
 * topped up to its initial margin: such a position survives to the start only if
 * its holder added margin. */
static int open_seeds(struct cas_sim *s, struct cas_err *err)
{
    for (uint32_t i = 0; i < s->n_instruments; i++) {
        uint32_t l = 0, h = 0;
        for (;;) {
            while (l < s->n_seeds &&
                   (s->agents[s->seeds[l].agent].instrument != i || s->seeds[l].lots <= 0))
                l++;
            while (h < s->n_seeds &&
                   (s->agents[s->seeds[h].agent].instrument != i || s->seeds[h].lots >= 0))
                h++;
            if (l == s->n_seeds || h == s->n_seeds)
                break;
            struct seed *lo = &s->seeds[l], *sh = &s->seeds[h];
            cas_lots q = lo->lots < -sh->lots ? lo->lots : -sh->lots;
            int rc = cas_exchange_open_position(s->ex, i, s->agents[lo->agent].account,
                                                s->agents[sh->agent].account, lo->entry, q);
            if (rc < 0)
                return cas_err_set(err, rc, "", "cannot open the position of agent %u at %lld",
                                   lo->agent, (long long)lo->entry);
            lo->lots -= q;
            sh->lots += q;
            s->counters.seeded_lots += (uint64_t)q;
        }
    }
    for (uint32_t k = 0; k < s->n_seeds; k++) {
        const struct seed *sd = &s->seeds[k];
        struct agent *a = &s->agents[sd->agent];
        s->counters.unmatched_lots += (uint64_t)(sd->lots < 0 ? -sd->lots : sd->lots);
        struct cas_account_view v;
        cas_exchange_account(s->ex, a->account, &v);
        if (v.equity >= v.maintenance || v.initial <= v.equity)
            continue;
        int rc = cas_exchange_deposit(s->ex, a->account, a->instrument, v.initial - v.equity);
        if (rc < 0)
            return cas_err_set(err, rc, "", "cannot top up the account of agent %u", sd->agent);
        a->stats.deposit += v.initial - v.equity;
        s->counters.topped_up++;
    }
    free(s->seeds);
    s->seeds = NULL;
    s->n_seeds = s->cap_seeds = 0;
    return 0;
}

static size_t states_size(const struct cas_config *cfg)
{
    size_t total = 0;
    for (uint32_t p = 0; p < cfg->n_populations; p++)
        total += (size_t)cfg->populations[p].count *
                 ((cfg->populations[p].type->state_size + 15) & ~(size_t)15);
    return total;
}

int cas_sim_create(struct cas_sim **out, const struct cas_config *cfg,
                   const struct cas_sim_observer *observer, struct cas_err *err)
{
    *out = NULL;
    uint64_t n_agents = 0;
    for (uint32_t p = 0; p < cfg->n_populations; p++)
        n_agents += cfg->populations[p].count;
    if (n_agents > MAX_AGENTS)
        return cas_err_set(err, CAS_ERANGE, "agents", "%llu agents in all; at most %u",
                           (unsigned long long)n_agents, MAX_AGENTS);
    struct cas_sim *s = calloc(1, sizeof *s);
    if (!s)
        return cas_err_set(err, CAS_ENOMEM, "", "out of memory");
    s->cfg = cfg;
    if (observer)
        s->obs = *observer;
    s->n_instruments = cfg->n_instruments;
    s->n_agents = (uint32_t)n_agents;
    s->instruments = calloc(cfg->n_instruments, sizeof *s->instruments);
    s->agents = calloc(n_agents ? n_agents : 1, sizeof *s->agents);
    s->states = calloc(1, states_size(cfg) + 16);
    s->wake_ring = malloc(RING * sizeof *s->wake_ring);
    s->exp_ring = calloc(RING, sizeof *s->exp_ring);
    s->exp_slab = malloc(RING * SLAB_IDS * sizeof *s->exp_slab);
    s->far_wake = NONE;
    s->n_owner = (uint32_t)n_agents + 2; /* the shock account may come first */
    s->owner = malloc(s->n_owner * sizeof *s->owner);
    if (!s->instruments || !s->agents || !s->states || !s->wake_ring || !s->exp_ring ||
        !s->exp_slab || !s->owner)
        goto nomem;
    for (uint32_t k = 0; k < RING; k++) {
        s->wake_ring[k] = NONE;
        s->exp_ring[k] = (struct id_bucket){s->exp_slab + (size_t)k * SLAB_IDS, 0, SLAB_IDS, false};
    }
    for (uint32_t k = 0; k < s->n_owner; k++)
        s->owner[k] = UINT32_MAX;
    s->money_scale = cas_pow10(cfg->money_decimals);
    int rc = cas__venue_init(s, err);
    if (rc == 0 && cas_exchange_reserve_accounts(s->ex, cas_exchange_n_accounts(s->ex) +
                                                            (uint32_t)n_agents) < 0)
        goto nomem; /* one allocation for the population: doubling would copy it */
    if (rc < 0) {
        cas_sim_destroy(s);
        return rc;
    }
    cas_exchange_journal(s->ex, s->obs.journal);
    cas_rng_derive(&s->sched, cfg->seed, STREAM_SCHEDULER, 0);
    rc = init_agents(s, err);
    if (rc == 0)
        rc = open_seeds(s, err);
    if (rc < 0) {
        cas_sim_destroy(s);
        return rc;
    }
    /* the agents that can say they are at their capital limit (cas_sim_arbitrage), and the
     * arbitrage desks (cas_sim_desks) */
    uint32_t desks = 0;
    for (uint32_t g = 0; g < s->n_agents; g++)
        desks += s->agents[g].type->desk;
    if (desks && !(s->desks = malloc(desks * sizeof *s->desks)))
        goto nomem;
    for (uint32_t g = 0; g < s->n_agents; g++) {
        const struct agent *a = &s->agents[g];
        if (a->type->desk)
            s->desks[s->n_desks++] = g;
        if (a->type->at_limit) {
            s->instruments[a->instrument].n_arb++;
            s->instruments[a->instrument].n_at_limit += a->type->at_limit(a->state);
        }
    }
    *out = s;
    return 0;
nomem:
    cas_sim_destroy(s);
    return cas_err_set(err, CAS_ENOMEM, "", "out of memory");
}

void cas_sim_destroy(struct cas_sim *s)
{
    if (!s)
        return;
    if (s->agents)
        for (uint32_t g = 0; g < s->n_agents; g++)
            if (s->agents[g].type && s->agents[g].type->release)
                s->agents[g].type->release(s->agents[g].state);
    cas__venue_release(s);
    free(s->owner);
    free(s->instruments);
    free(s->agents);
    free(s->desks);
    free(s->flows);
    free(s->states);
    free(s->wake_ring);
    free(s->pending);
    free(s->woken);
    if (s->exp_ring)
        for (uint32_t k = 0; k < RING; k++)
            if (s->exp_ring[k].heap)
                free(s->exp_ring[k].ids);
    free(s->exp_ring);
    free(s->exp_slab);
    free(s->far_exp);
    free(s->seeds);
    free(s);
}

void cas_sim_observe(struct cas_sim *s, const struct cas_sim_observer *observer)
{
    s->obs = observer ? *observer : (struct cas_sim_observer){0};
    cas_exchange_journal(s->ex, s->obs.journal);
}

/* ---- the step ---- */

static void expire_orders(struct cas_sim *s)
{
    struct id_bucket *b = &s->exp_ring[s->step & (RING - 1)];
    for (uint32_t k = 0; k < b->n; k++)
        if (cas_exchange_cancel(s->ex, b->ids[k]) == 0)
            s->counters.expiries++;
    b->n = 0;
}

static int gather_wakeups(struct cas_sim *s)
{
    double end = (double)(s->step + 1);
    s->n_woken = 0;
    s->n_pending = 0;
    uint32_t *head = &s->wake_ring[s->step & (RING - 1)];
    for (uint32_t g = *head; g != NONE; g = s->agents[g].next_wake)
        if (pending_push(s, (struct wake){s->agents[g].next_t, g}) < 0)
            return CAS_ENOMEM;
    *head = NONE;
    while (s->n_pending > 0) {
        struct wake w = pending_pop(s);
        if (cas__grow((void **)&s->woken, &s->cap_woken, s->n_woken + 1, sizeof w) < 0)
            return CAS_ENOMEM;
        s->woken[s->n_woken++] = w;
        struct agent *a = &s->agents[w.agent];
        a->next_t = a->type->next_wake ? a->type->next_wake(a->state, w.t)
                                       : w.t + cas_rng_exponential(&a->rng, a->rate);
        if (a->next_t < end) {
            if (pending_push(s, (struct wake){a->next_t, w.agent}) < 0)
                return CAS_ENOMEM;
        } else if (a->next_t < INFINITY) {
            wake_insert(s, w.agent);
        }
    }
    for (uint32_t i = s->n_woken; i > 1; i--) {
        uint32_t j = cas_rng_bounded(&s->sched, i);
        struct wake t = s->woken[i - 1];
        s->woken[i - 1] = s->woken[j];
        s->woken[j] = t;
    }
    return 0;
}

static void fill_view(const struct cas_sim *s, const struct agent *a, uint32_t instrument,
                      double now, struct cas_market_view *v)
{
    const struct cas_book *b = cas_exchange_book(s->ex, instrument);
    const struct cas_instrument_config *ic = &s->cfg->instruments[instrument];
    v->step = s->step;
    v->now = now;
    v->has_bid = cas_book_best_bid(b, &v->best_bid);
    v->has_ask = cas_book_best_ask(b, &v->best_ask);
    v->last = cas_exchange_last(s->ex, instrument);
    v->mark = cas_exchange_mark(s->ex, instrument);
    struct cas_holding h;
    cas_exchange_holding(s->ex, a->account, instrument, &h);
    v->position = h.lots;
    v->entry = h.entry;
    v->equity = h.equity;
    v->liquidating = h.liquidating;
    v->contract_units = ic->spec.contract_units;
    if (s->instruments[instrument].perp) /* spot: the mid or last, as cas_sim_price */
        v->index = s->instruments[instrument].index.price;
    else
        v->index =
            v->has_bid && v->has_ask ? (double)(v->best_bid + v->best_ask) / 2 : (double)v->last;
    v->value = cas_sim_value(s, instrument);
    v->funding_rate = cas_sim_funding_rate(s, instrument);
    v->index_instrument = ic->spec.kind == CAS_PERPETUAL && ic->index_source == CAS_INDEX_SPOT
                              ? ic->index_spot
                              : UINT32_MAX;
    v->halted = cas_sim_halted(s, instrument);
}

/* One wake-up. An agent's at_limit answer changes only when it acts, so the
 * instrument's count of arbitrageurs at their limit is kept as they act. */
static void act(struct cas_sim *s, struct agent *a, struct cas_agent_ctx *ctx)
{
    if (!a->type->at_limit) {
        a->type->act(a->state, ctx);
        return;
    }
    bool before = a->type->at_limit(a->state);
    a->type->act(a->state, ctx);
    s->instruments[a->instrument].n_at_limit += (uint32_t)a->type->at_limit(a->state) - before;
}

int cas_sim_step(struct cas_sim *s)
{
    if (s->obs.journal)
        s->obs.journal->n = 0;
    int rc = cas__venue_begin_step(s);
    if (rc < 0)
        return rc;
    if ((rc = calendar_advance(s)) < 0)
        return rc;
    expire_orders(s);
    if ((rc = gather_wakeups(s)) < 0)
        return rc;
    for (uint32_t i = 0; i < s->n_woken; i++) {
        const struct wake *w = &s->woken[i];
        struct agent *a = &s->agents[w->agent];
        struct cas_market_view view;
        fill_view(s, a, a->instrument, w->t, &view);
        struct sink k = {s, w->agent, w->t};
        struct cas_agent_ctx ctx = {&view, &a->rng, &k, submit, &agent_ops, a->instrument};
        act(s, a, &ctx);
        s->counters.wakeups++;
        if (s->error)
            return s->error;
    }
    if ((rc = cas__venue_end_step(s)) < 0)
        return rc;
    if (s->obs.on_step)
        s->obs.on_step(s->obs.ctx, s);
    s->step++;
    return 0;
}

void cas_sim_disable_liquidation(struct cas_sim *s)
{
    cas_exchange_disable_liquidation(s->ex);
}

cas_step cas_sim_now(const struct cas_sim *s)
{
    return s->step;
}

uint32_t cas_sim_n_instruments(const struct cas_sim *s)
{
    return s->n_instruments;
}

const struct cas_book *cas_sim_book(const struct cas_sim *s, uint32_t instrument)
{
    return cas_exchange_book(s->ex, instrument);
}

const struct cas_exchange *cas_sim_exchange(const struct cas_sim *s)
{
    return s->ex;
}

cas_ticks cas_sim_last(const struct cas_sim *s, uint32_t instrument)
{
    return cas_exchange_last(s->ex, instrument);
}

cas_ticks cas_sim_mark(const struct cas_sim *s, uint32_t instrument)
{
    return cas_exchange_mark(s->ex, instrument);
}

double cas_sim_price(const struct cas_sim *s, uint32_t instrument)
{
    cas_ticks bid, ask;
    const struct cas_book *b = cas_exchange_book(s->ex, instrument);
    if (cas_book_best_bid(b, &bid) && cas_book_best_ask(b, &ask))
        return (double)(bid + ask) / 2;
    return (double)cas_exchange_last(s->ex, instrument);
}

double cas_sim_index(const struct cas_sim *s, uint32_t instrument)
{
    if (s->instruments[instrument].perp)
        return s->instruments[instrument].index.price;
    return cas_sim_price(s, instrument);
}

double cas_sim_value(const struct cas_sim *s, uint32_t instrument)
{
    const struct sim_instrument *in = &s->instruments[instrument];
    return in->perp ? in->index.price : in->value.price;
}

double cas_sim_funding_rate(const struct cas_sim *s, uint32_t instrument)
{
    const struct cas_instrument_config *ic = &s->cfg->instruments[instrument];
    return s->instruments[instrument].perp && ic->funding_on
               ? cas_funding_rate(&s->instruments[instrument].funding)
               : 0;
}

bool cas_sim_halted(const struct cas_sim *s, uint32_t instrument)
{
    return cas_exchange_halted(s->ex, instrument);
}

int64_t cas_sim_margin_scale(const struct cas_sim *s, uint32_t instrument)
{
    return cas_exchange_mmr_scale(s->ex, instrument);
}

uint32_t cas_sim_n_agents(const struct cas_sim *s)
{
    return s->n_agents;
}

uint32_t cas_sim_agent_account(const struct cas_sim *s, uint32_t agent)
{
    return s->agents[agent].account;
}

uint32_t cas_sim_shock_account(const struct cas_sim *s)
{
    for (uint32_t k = 0; k < s->cfg->n_shocks; k++)
        if (s->cfg->shocks[k].kind == CAS_SHOCK_MARKET_ORDER ||
            s->cfg->shocks[k].kind == CAS_SHOCK_LIMIT_ORDER)
            return s->shock_account;
    return CAS_NO_ACCOUNT;
}

const struct cas_liq_map *cas_sim_liq_map(const struct cas_sim *s, uint32_t instrument,
                                          uint32_t lag)
{
    return instrument < s->n_instruments ? cas__venue_liq_map(s, instrument, lag) : NULL;
}

double cas_sim_agent_measure(const struct cas_sim *s, uint32_t agent, uint32_t k)
{
    const struct agent *a = &s->agents[agent];
    if (!a->type->measure || k >= a->type->n_measures)
        return NAN;
    return a->type->measure(a->state, k);
}

void cas_sim_agent_stats(const struct cas_sim *s, uint32_t agent, struct cas_agent_stats *out)
{
    *out = s->agents[agent].stats;
}

void cas_sim_desks(const struct cas_sim *s, uint32_t instrument, cas_lots *lots, cas_money *equity,
                   uint32_t *n)
{
    *lots = 0;
    *equity = 0;
    *n = 0;
    for (uint32_t k = 0; k < s->n_desks; k++) {
        const struct agent *a = &s->agents[s->desks[k]];
        struct cas_holding h;
        cas_exchange_holding(s->ex, a->account, instrument, &h);
        *lots += h.lots;
        if (a->instrument == instrument) {
            *equity += h.equity;
            ++*n;
        }
    }
}

void cas_sim_arbitrage(const struct cas_sim *s, uint32_t instrument, uint32_t *at_limit,
                       uint32_t *of)
{
    *at_limit = s->instruments[instrument].n_at_limit;
    *of = s->instruments[instrument].n_arb;
}

struct cas_sim_counters cas_sim_counters(const struct cas_sim *s)
{
    return s->counters;
}
