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

#include "sim/simInt.h"

#define MAX_AGENTS ((1u << 23) - 3)

/* ---- heaps: binary min-heaps with deterministic ties ---- */

static bool wake_less(const struct wake *a, const struct wake *b)
{
    return a->t < b->t || (a->t == b->t && a->agent < b->agent);
}

static void wake_push(struct cas_sim *s, struct wake w)
{
    uint32_t i = s->n_wake++;
    while (i > 0) {
        uint32_t parent = (i - 1) / 2;
        if (!wake_less(&w, &s->wake_heap[parent]))
            break;
        s->wake_heap[i] = s->wake_heap[parent];
        i = parent;
    }
    s->wake_heap[i] = w;
}

static struct wake wake_pop(struct cas_sim *s)
{
    struct wake top = s->wake_heap[0], last = s->wake_heap[--s->n_wake];
    uint32_t i = 0, n = s->n_wake;
    for (;;) {
        uint32_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && wake_less(&s->wake_heap[c + 1], &s->wake_heap[c]))
            c++;
        if (!wake_less(&s->wake_heap[c], &last))
            break;
        s->wake_heap[i] = s->wake_heap[c];
        i = c;
    }
    if (n > 0)
        s->wake_heap[i] = last;
    return top;
}

static bool exp_less(const struct expiry *a, const struct expiry *b)
{
    return a->step < b->step || (a->step == b->step && a->id < b->id);
}

static int exp_push(struct cas_sim *s, struct expiry e)
{
    if (s->n_exp == s->cap_exp) {
        size_t cap = s->cap_exp ? 2 * s->cap_exp : 1024;
        struct expiry *h = realloc(s->exp_heap, cap * sizeof *h);
        if (!h)
            return CAS_ENOMEM;
        s->exp_heap = h;
        s->cap_exp = cap;
    }
    size_t i = s->n_exp++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!exp_less(&e, &s->exp_heap[parent]))
            break;
        s->exp_heap[i] = s->exp_heap[parent];
        i = parent;
    }
    s->exp_heap[i] = e;
    return 0;
}

static struct expiry exp_pop(struct cas_sim *s)
{
    struct expiry top = s->exp_heap[0], last = s->exp_heap[--s->n_exp];
    size_t i = 0, n = s->n_exp;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && exp_less(&s->exp_heap[c + 1], &s->exp_heap[c]))
            c++;
        if (!exp_less(&s->exp_heap[c], &last))
            break;
        s->exp_heap[i] = s->exp_heap[c];
        i = c;
    }
    if (n > 0)
        s->exp_heap[i] = last;
    return top;
}

/* ---- orders ---- */

struct sink {
    struct cas_sim *sim;
    uint32_t agent;
};

static int submit_stop(struct cas_sim *s, const struct agent *a, const struct cas_order_req *req)
{
    struct cas_stop stop = {
        .id = (1ULL << 63) | s->stop_seq++,
        .account = a->account,
        .instrument = a->instrument,
        .side = req->side,
        .trigger = req->stop,
        .qty = req->qty,
        .reduce_only = req->reduce_only,
    };
    return cas_stops_add(s->stops, &stop);
}

static int submit(void *impl, const struct cas_order_req *req)
{
    struct sink *k = impl;
    struct cas_sim *s = k->sim;
    const struct agent *a = &s->agents[k->agent];
    if (req->stop > 0)
        return submit_stop(s, a, req);
    struct cas_order o = {
        .account = a->account,
        .instrument = a->instrument,
        .side = req->side,
        .type = req->type,
        .price = req->price,
        .qty = req->qty,
        .reduce_only = req->reduce_only,
    };
    struct cas_cause cause = {CAS_CAUSE_ORDER, a->account};
    uint64_t id;
    struct cas_submit_result res;
    int rc = cas__venue_submit(s, &o, cause, &id, &res);
    if (rc < 0)
        return rc;
    if (res.rested > 0 && req->expire_at < (double)s->cfg->steps) {
        struct expiry e = {(cas_step)floor(req->expire_at) + 1, id};
        if ((rc = exp_push(s, e)) < 0) {
            cas_exchange_cancel(s->ex, id);
            s->error = rc;
            return rc;
        }
    }
    return 0;
}

/* ---- construction ---- */

static int open_account(struct cas_sim *s, const struct cas_agent_setup *setup,
                        enum cas_margin_mode margin, uint32_t *account, struct cas_err *err)
{
    double money = setup->collateral * pow(10, s->cfg->money_decimals);
    if (!(money >= 0 && money < 9e17))
        return cas_err_set(err, CAS_ERANGE, "params.collateral",
                           "collateral %g is too large for money_decimals %d", setup->collateral,
                           s->cfg->money_decimals);
    int rc = cas_exchange_open_account(s->ex, (cas_money)llround(money), margin,
                                       setup->leverage, account);
    if (rc < 0)
        return cas_err_set(err, rc, "", "cannot open an account: %s", cas_strerror(rc));
    return 0;
}

static int init_agents(struct cas_sim *s, struct cas_err *err)
{
    const struct cas_config *cfg = s->cfg;
    size_t offset = 0;
    uint32_t g = 0;
    for (uint32_t p = 0; p < cfg->n_populations; p++) {
        const struct cas_population_config *pop = &cfg->populations[p];
        size_t size = (pop->type->state_size + 15) & ~(size_t)15;
        for (uint32_t i = 0; i < pop->count; i++, g++) {
            struct agent *a = &s->agents[g];
            a->type = pop->type;
            a->state = s->states + offset;
            offset += size;
            a->instrument = pop->instrument;
            cas_rng_derive(&a->rng, cfg->seed, STREAM_AGENT, g);
            struct cas_agent_setup setup = {
                .index = i,
                .count = pop->count,
                .params = pop->params,
                .initial_price = cfg->instruments[pop->instrument].initial_price,
                .collateral = 0,
                .leverage = 1,
            };
            int rc = a->type->init(a->state, &setup, err);
            if (rc == 0)
                rc = open_account(s, &setup, pop->margin, &a->account, err);
            if (rc < 0) {
                if (err) {
                    char full[sizeof err->path + 32];
                    snprintf(full, sizeof full, "agents[%u].%s", p, err->path);
                    snprintf(err->path, sizeof err->path, "%.*s", (int)sizeof err->path - 1,
                             full);
                }
                return rc;
            }
            a->rate = a->type->rate(a->state);
            if (a->rate > 0)
                wake_push(s, (struct wake){cas_rng_exponential(&a->rng, a->rate), g});
        }
    }
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
    s->wake_heap = calloc(n_agents ? n_agents : 1, sizeof *s->wake_heap);
    if (!s->instruments || !s->agents || !s->states || !s->wake_heap)
        goto nomem;
    int rc = cas__venue_init(s, err);
    if (rc < 0) {
        cas_sim_destroy(s);
        return rc;
    }
    cas_rng_derive(&s->sched, cfg->seed, STREAM_SCHEDULER, 0);
    rc = init_agents(s, err);
    if (rc < 0) {
        cas_sim_destroy(s);
        return rc;
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
    cas__venue_release(s);
    free(s->instruments);
    free(s->agents);
    free(s->states);
    free(s->wake_heap);
    free(s->woken);
    free(s->exp_heap);
    free(s);
}

/* ---- the step ---- */

static void expire_orders(struct cas_sim *s)
{
    while (s->n_exp > 0 && s->exp_heap[0].step <= s->step) {
        struct expiry e = exp_pop(s);
        if (cas_exchange_cancel(s->ex, e.id) == 0)
            s->counters.expiries++;
    }
}

static int gather_wakeups(struct cas_sim *s)
{
    double end = (double)(s->step + 1);
    s->n_woken = 0;
    while (s->n_wake > 0 && s->wake_heap[0].t < end) {
        struct wake w = wake_pop(s);
        if (s->n_woken == s->cap_woken) {
            uint32_t cap = s->cap_woken ? 2 * s->cap_woken : 256;
            struct wake *v = realloc(s->woken, cap * sizeof *v);
            if (!v)
                return CAS_ENOMEM;
            s->woken = v;
            s->cap_woken = cap;
        }
        s->woken[s->n_woken++] = w;
        struct agent *a = &s->agents[w.agent];
        w.t += cas_rng_exponential(&a->rng, a->rate);
        wake_push(s, w);
    }
    for (uint32_t i = s->n_woken; i > 1; i--) {
        uint32_t j = cas_rng_bounded(&s->sched, i);
        struct wake t = s->woken[i - 1];
        s->woken[i - 1] = s->woken[j];
        s->woken[j] = t;
    }
    return 0;
}

static void fill_view(const struct cas_sim *s, const struct agent *a, double now,
                      struct cas_market_view *v)
{
    const struct cas_book *b = cas_exchange_book(s->ex, a->instrument);
    v->step = s->step;
    v->now = now;
    v->has_bid = cas_book_best_bid(b, &v->best_bid);
    v->has_ask = cas_book_best_ask(b, &v->best_ask);
    v->last = cas_exchange_last(s->ex, a->instrument);
    v->mark = cas_exchange_mark(s->ex, a->instrument);
    struct cas_position_view pos;
    cas_exchange_position(s->ex, a->account, a->instrument, &pos);
    v->position = pos.lots;
    struct cas_account_view acc;
    cas_exchange_account(s->ex, a->account, &acc);
    v->equity = acc.equity;
    v->liquidating = acc.liquidating;
}

int cas_sim_step(struct cas_sim *s)
{
    int rc = cas__venue_begin_step(s);
    if (rc < 0)
        return rc;
    expire_orders(s);
    if ((rc = gather_wakeups(s)) < 0)
        return rc;
    for (uint32_t i = 0; i < s->n_woken; i++) {
        const struct wake *w = &s->woken[i];
        struct agent *a = &s->agents[w->agent];
        struct cas_market_view view;
        fill_view(s, a, w->t, &view);
        struct sink k = {s, w->agent};
        struct cas_agent_ctx ctx = {&view, &a->rng, &k, submit};
        a->type->act(a->state, &ctx);
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

double cas_sim_index(const struct cas_sim *s, uint32_t instrument)
{
    return s->instruments[instrument].index.price;
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
    return s->instruments[instrument].halted;
}

int64_t cas_sim_margin_scale(const struct cas_sim *s, uint32_t instrument)
{
    return s->instruments[instrument].scale_ppm;
}

uint32_t cas_sim_n_agents(const struct cas_sim *s)
{
    return s->n_agents;
}

uint32_t cas_sim_agent_account(const struct cas_sim *s, uint32_t agent)
{
    return s->agents[agent].account;
}

struct cas_sim_counters cas_sim_counters(const struct cas_sim *s)
{
    return s->counters;
}
