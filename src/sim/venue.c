/* venue: the rules of each instrument wired to the exchange — index, mark,
 * funding, price band, dynamic margin, stop orders and shocks — and each spot
 * instrument's fundamental value.
 *
 * The exchange keeps accounts and runs the risk engine; this file decides
 * when the rules act: indexes and values move and marks refresh at the start
 * of a step, shocks strike right after, samples, funding payments, bands and
 * margin scales are taken at its end, and every order is followed by the stop
 * orders its trades triggered. The exchange computes marks itself, by each
 * instrument's method (src/rules/mark.c), and asks this file for what the
 * method reads besides the book (read_mark_context) each time.
 *
 * Each figure has one owner. This file owns the rules' state: the index, the
 * funding clock and its samples, the band's window, the volatility behind the
 * dynamic margin, each spot book's value. The exchange owns what its risk
 * engine acts on: the mark, the halt, the maintenance scale; this file sets
 * them and reads them back, and keeps no copy.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "cascade/fmath.h"
#include "core/coreInt.h"
#include "sim/simInt.h"

#define SHOCK_COLLATERAL \
    1e9                      /* quote currency: the shock account never runs short; it is
                                opened only when a market- or limit-order shock is configured */
#define SCALE_STEP_PPM 10000 /* apply a new margin scale once it moved 1% */

/* ---- exchange events, passed on to the observer ---- */

/* ---- forced flow, by liquidation ---- */

static int flow_add(struct flow_window *w, cas_step step, uint64_t liq, cas_lots lots)
{
    if (w->step != step) {
        w->step = step;
        w->n = 0;
    }
    uint32_t k = 0;
    while (k < w->n && w->e[k].liq != liq)
        k++;
    if (k == w->n) {
        if (cas__grow((void **)&w->e, &w->cap, w->n + 1, sizeof *w->e) < 0)
            return CAS_ENOMEM;
        w->e[w->n++] = (struct flow){liq, 0};
    }
    w->e[k].lots += (double)lots;
    return 0;
}

/* Add window w's flows, if it describes step `step` or the one before, each times
 * `weight`, to s->flows. */
static int flow_gather(struct cas_sim *s, const struct flow_window *w, cas_step step, double weight)
{
    if ((w->step != step && w->step != step - 1) || w->n == 0 || !(weight > 0))
        return 0;
    if (cas__grow((void **)&s->flows, &s->cap_flows, s->n_flows + w->n, sizeof *s->flows) < 0)
        return CAS_ENOMEM;
    for (uint32_t k = 0; k < w->n; k++)
        s->flows[s->n_flows++] = (struct flow){w->e[k].liq, weight * w->e[k].lots};
    return 0;
}

static int by_liq(const void *a, const void *b)
{
    uint64_t x = ((const struct flow *)a)->liq, y = ((const struct flow *)b)->liq;
    return (x > y) - (x < y);
}

/* The liquidation whose gathered flows add up to the most (the smaller id on a tie), as
 * `carried`; `own` when none was gathered. Empties s->flows. */
static struct cas_cause flow_most(struct cas_sim *s, struct cas_cause own)
{
    if (s->n_flows > 1) /* qsort's base must not be NULL, even for no element */
        qsort(s->flows, s->n_flows, sizeof *s->flows, by_liq);
    uint64_t best = 0;
    double most = 0;
    for (uint32_t k = 0; k < s->n_flows;) {
        uint64_t liq = s->flows[k].liq;
        double sum = 0;
        for (; k < s->n_flows && s->flows[k].liq == liq; k++)
            sum += s->flows[k].lots;
        if (sum > most) { /* ids ascend: a tie keeps the smaller */
            best = liq;
            most = sum;
        }
    }
    s->n_flows = 0;
    return most > 0 ? (struct cas_cause){CAS_CAUSE_CARRIED, best} : own;
}

struct cas_cause cas__venue_answer_cause(struct cas_sim *s, uint32_t i, enum cas_side side,
                                         struct cas_cause own)
{
    const struct sim_instrument *in = &s->instruments[i];
    s->n_flows = 0;
    if (flow_gather(s, &in->flow[side][0], s->step, 1) < 0 ||
        flow_gather(s, &in->flow[side][1], s->step, 1) < 0) {
        s->error = s->error ? s->error : CAS_ENOMEM;
        return own;
    }
    return flow_most(s, own);
}

static void on_fill(void *ctx, uint32_t instrument, const struct cas_fill *fill, uint32_t taker,
                    uint32_t maker, struct cas_cause cause)
{
    struct cas_sim *s = ctx;
    s->counters.trades++;
    if ((cause.kind == CAS_CAUSE_LIQUIDATION || cause.kind == CAS_CAUSE_CARRIED) &&
        flow_add(&s->instruments[instrument].flow[fill->taker_side][s->step & 1], s->step, cause.id,
                 fill->qty) < 0 &&
        !s->error)
        s->error = CAS_ENOMEM;
    cas__agents_hear_fill(s, instrument, fill, taker, maker);
    if (s->obs.on_trade)
        s->obs.on_trade(s->obs.ctx, instrument, fill, cause);
}

static void on_liquidation(void *ctx, const struct cas_liquidation *liq)
{
    struct cas_sim *s = ctx;
    cas__agents_hear_liquidation(s, liq);
    if (s->obs.on_liquidation)
        s->obs.on_liquidation(s->obs.ctx, liq);
}

static void on_liquidation_done(void *ctx, const struct cas_liquidation_done *done)
{
    struct cas_sim *s = ctx;
    if (s->obs.on_liquidation_done)
        s->obs.on_liquidation_done(s->obs.ctx, done);
}

static void on_adl(void *ctx, const struct cas_adl_event *adl)
{
    struct cas_sim *s = ctx;
    if (s->obs.on_adl)
        s->obs.on_adl(s->obs.ctx, adl);
}

/* ---- prices ---- */

/* What the exchange's mark method reads besides its book, asked each time it
 * computes a mark: the index and the funding clock, as they are at that
 * moment (the exchange keeps no copy). */
static void read_mark_context(void *ctx, uint32_t i, double *index, double *rate, double *left)
{
    const struct cas_sim *s = ctx;
    const struct cas_instrument_config *ic = &s->cfg->instruments[i];
    const struct sim_instrument *in = &s->instruments[i];
    *index = in->index.price;
    *rate = *left = 0;
    if (in->perp && ic->funding_on) {
        cas_step interval = ic->funding.interval;
        *rate = cas_funding_rate(&in->funding);
        *left = (double)(interval - s->step % interval) / (double)interval;
    }
}

struct cas_exchange_observer cas__venue_observer(struct cas_sim *s)
{
    return (struct cas_exchange_observer){
        s, on_fill, on_liquidation, on_liquidation_done, on_adl, read_mark_context};
}

/* ---- orders and stops ---- */

/* A halting band is a circuit breaker on trades: once the last trade price
 * leaves the band, trading on the instrument stops for halt_steps. */
static void trip_if_outside(struct cas_sim *s, uint32_t i)
{
    struct sim_instrument *in = &s->instruments[i];
    cas_ticks lo, hi, last = cas_exchange_last(s->ex, i);
    cas_band_limits(&in->band, (double)cas_exchange_mark(s->ex, i), &lo, &hi);
    if (last >= lo && last <= hi)
        return;
    cas_band_trip(&in->band, s->step);
    cas_exchange_set_halt(s->ex, i, true);
}

/* After every order: a halting band trips once the last trade leaves it (the
 * test is inline: most venues have no halting band). */
static inline void check_halt(struct cas_sim *s, uint32_t i)
{
    const struct sim_instrument *in = &s->instruments[i];
    if (in->halt_band && !cas_exchange_halted(s->ex, i))
        trip_if_outside(s, i);
}

static int submit_one(struct cas_sim *s, const struct cas_order *o, struct cas_cause cause,
                      uint64_t *id, struct cas_submit_result *res)
{
    enum cas_reject why = CAS_REJECT_NONE;
    int rc = cas_exchange_submit(s->ex, o, cause, id, res, &why);
    check_halt(s, o->instrument);
    if (rc == CAS_EINVAL && why != CAS_REJECT_NONE) {
        s->counters.rejected++;
        return rc;
    }
    if (rc < 0) {
        if (rc == CAS_ENOMEM && !s->error)
            s->error = rc;
        return rc;
    }
    s->counters.orders++;
    return 0;
}

/* Send the stops the last trade prices trigger as market orders, until none is left. */
static void fire_stops(struct cas_sim *s)
{
    struct cas_stop batch[64];
    bool fired = true;
    while (fired && !s->error) {
        fired = false;
        for (uint32_t i = 0; i < s->n_instruments; i++) {
            cas_ticks last = cas_exchange_last(s->ex, i);
            uint32_t n = cas_stops_triggered(s->stops, i, last, batch, 64);
            for (uint32_t k = 0; k < n; k++) {
                struct cas_order o = {.account = batch[k].account,
                                      .instrument = i,
                                      .side = batch[k].side,
                                      .type = CAS_MARKET,
                                      .qty = batch[k].qty,
                                      .reduce_only = batch[k].reduce_only};
                uint64_t id;
                struct cas_submit_result res;
                s->counters.stops++;
                submit_one(s, &o, (struct cas_cause){CAS_CAUSE_ORDER, o.account}, &id, &res);
            }
            fired |= n > 0;
        }
    }
}

int cas__venue_submit(struct cas_sim *s, const struct cas_order *o, struct cas_cause cause,
                      uint64_t *id, struct cas_submit_result *res)
{
    int rc = submit_one(s, o, cause, id, res);
    if (cas_stops_pending(s->stops) > 0)
        fire_stops(s);
    return s->error ? s->error : rc;
}

/* ---- construction ---- */

static int init_index(struct cas_sim *s, uint32_t i, struct cas_err *err)
{
    const struct cas_instrument_config *ic = &s->cfg->instruments[i];
    struct cas_index *ix = &s->instruments[i].index;
    double p0 = (double)ic->initial_price;
    if (!s->instruments[i].perp) {
        cas_index_init_spot(ix, p0);
        return 0;
    }
    switch (ic->index_source) {
    case CAS_INDEX_GBM: {
        struct cas_rng rng;
        cas_rng_derive(&rng, s->cfg->seed, STREAM_INDEX, i);
        cas_index_init_gbm(ix, p0, &ic->gbm, &rng);
        return 0;
    }
    case CAS_INDEX_PATH: {
        int rc = cas_index_load_path(ix, ic->index_file, ic->tick_size, err);
        if (rc == CAS_EIO && err) /* the file could not be read: name the key that named it */
            snprintf(err->path, sizeof err->path, "instruments[%u].index.file", i);
        return rc;
    }
    case CAS_INDEX_SPOT: cas_index_init_spot(ix, p0); return 0;
    }
    return 0;
}

/* A spot instrument's value: a GBM from the initial price on its own stream, so its path
 * depends on the seed and its "value" object only; without one it is never advanced and
 * stays where news puts it. */
static void init_value(struct cas_sim *s, uint32_t i)
{
    const struct cas_instrument_config *ic = &s->cfg->instruments[i];
    struct cas_rng rng;
    cas_rng_derive(&rng, s->cfg->seed, STREAM_VALUE, i);
    cas_index_init_gbm(&s->instruments[i].value, (double)ic->initial_price, &ic->value, &rng);
}

static int init_rules(struct cas_sim *s, uint32_t i, struct cas_err *err)
{
    const struct cas_instrument_config *ic = &s->cfg->instruments[i];
    struct sim_instrument *in = &s->instruments[i];
    in->perp = ic->spec.kind == CAS_PERPETUAL;
    in->halt_band = ic->band_on && ic->band.action == CAS_BAND_HALT;
    if (!in->perp)
        init_value(s, i);
    if (in->perp && !(in->liq_maps = calloc(LIQ_MAP_KEEP, sizeof *in->liq_maps)))
        return cas_err_set(err, CAS_ENOMEM, "", "out of memory");
    int rc = init_index(s, i, err);
    if (rc < 0)
        return rc;
    if (in->perp && ic->funding_on)
        cas_funding_init(&in->funding, &ic->funding);
    if (ic->band_on && cas_band_init(&in->band, &ic->band) < 0)
        return cas_err_set(err, CAS_ENOMEM, "", "out of memory");
    if (in->perp && ic->dynamic_margin_on && cas_volmargin_init(&in->vol, &ic->dynamic_margin) < 0)
        return cas_err_set(err, CAS_ENOMEM, "", "out of memory");
    return 0;
}

/* A rejecting band bounds the prices orders may trade or rest at; a halting
 * one leaves orders alone and watches trades (check_halt). */
static void apply_band(struct cas_sim *s, uint32_t i)
{
    if (s->cfg->instruments[i].band.action != CAS_BAND_REJECT)
        return;
    cas_ticks lo, hi;
    cas_band_limits(&s->instruments[i].band, (double)cas_exchange_mark(s->ex, i), &lo, &hi);
    cas_exchange_set_band(s->ex, i, lo, hi);
}

int cas__venue_init(struct cas_sim *s, struct cas_err *err)
{
    const struct cas_config *cfg = s->cfg;
    s->publish_liq_maps = cfg->record_liqmap;
    for (uint32_t p = 0; p < cfg->n_populations; p++)
        s->publish_liq_maps |= cfg->populations[p].type->reads_liq_map;
    struct cas_instrument_spec *specs = calloc(cfg->n_instruments, sizeof *specs);
    if (!specs || !(s->stops = cas_stops_create())) {
        free(specs);
        return cas_err_set(err, CAS_ENOMEM, "", "out of memory");
    }
    struct cas_mark *marks = calloc(cfg->n_instruments, sizeof *marks);
    if (!marks) {
        free(specs);
        return cas_err_set(err, CAS_ENOMEM, "", "out of memory");
    }
    for (uint32_t i = 0; i < cfg->n_instruments; i++) {
        const struct cas_instrument_config *ic = &cfg->instruments[i];
        specs[i] = ic->spec;
        cas_mark_init(&marks[i], ic->spec.kind == CAS_PERPETUAL ? ic->mark_method : CAS_MARK_MID,
                      ic->mark_ema_steps);
    }
    struct cas_exchange_observer obs = cas__venue_observer(s);
    int rc = cas_exchange_create(&s->ex, specs, cfg->n_instruments, cfg->insurance_fund, &obs,
                                 marks, err);
    free(specs);
    free(marks);
    if (rc < 0)
        return rc;
    for (uint32_t i = 0; i < cfg->n_instruments; i++) {
        if ((rc = init_rules(s, i, err)) < 0) {
            if (err && !err->path[0])
                snprintf(err->path, sizeof err->path, "instruments[%u]", i);
            return rc;
        }
        if (s->instruments[i].perp)
            cas_exchange_update_mark(s->ex, i, (struct cas_cause){CAS_CAUSE_NONE, 0});
        if (cfg->instruments[i].band_on)
            apply_band(s, i);
    }
    bool orders = false;
    uint32_t ramps = 0;
    for (uint32_t k = 0; k < cfg->n_shocks; k++) {
        enum cas_shock_kind kind = cfg->shocks[k].kind;
        orders |= kind == CAS_SHOCK_MARKET_ORDER || kind == CAS_SHOCK_LIMIT_ORDER;
        ramps += kind == CAS_SHOCK_NEWS && cfg->shocks[k].over_steps > 1;
    }
    if (ramps && !(s->ramps = calloc(ramps, sizeof *s->ramps)))
        return cas_err_set(err, CAS_ENOMEM, "", "out of memory");
    if (!orders)
        return 0;
    double shock_money = fmin(SHOCK_COLLATERAL * cas_pow10(cfg->money_decimals), 1e17);
    rc = cas_exchange_open_account(s->ex, (cas_money)shock_money, CAS_CROSS, 1000,
                                   &s->shock_account);
    if (rc < 0)
        return cas_err_set(err, rc, "", "cannot open the shock account: %s", cas_strerror(rc));
    return 0;
}

void cas__venue_release(struct cas_sim *s)
{
    if (s->instruments)
        for (uint32_t i = 0; i < s->n_instruments; i++) {
            cas_index_release(&s->instruments[i].index);
            cas_band_release(&s->instruments[i].band);
            cas_volmargin_release(&s->instruments[i].vol);
            free(s->instruments[i].liq_maps);
            for (int side = 0; side < 2; side++)
                for (int w = 0; w < 2; w++)
                    free(s->instruments[i].flow[side][w].e);
        }
    cas_stops_destroy(s->stops);
    free(s->ramps);
    free(s->liq_accounts);
    cas_exchange_destroy(s->ex);
}

/* ---- the public liquidation map ---- */

/* Bin the open interest of every account by liquidation price around the
 * mark, once every LIQ_MAP_EVERY steps. Only the accounts the exchange names
 * as candidates are read (those whose trigger lies near the window, from the
 * risk index: O(found), not O(accounts)), in account order, so the sums are
 * those a scan of every account makes; all of them if it cannot say. */
static void publish_liq_map(struct cas_sim *s, uint32_t i)
{
    struct sim_instrument *in = &s->instruments[i];
    struct cas_liq_map *m = &in->liq_maps[in->map_head];
    double mark = (double)cas_exchange_mark(s->ex, i);
    double K = (double)s->cfg->instruments[i].spec.contract_units;
    double unit = cas_pow10(-s->cfg->money_decimals);
    *m = (struct cas_liq_map){.published = s->step,
                              .lo = mark * (1 - LIQ_MAP_SPAN / 2),
                              .bin = mark * LIQ_MAP_SPAN / CAS_LIQ_BINS};
    uint32_t n, *list = NULL;
    if (cas_exchange_liquidation_candidates(s->ex, i, m->lo, m->lo + m->bin * CAS_LIQ_BINS,
                                            &s->liq_accounts, &n, &s->cap_liq_accounts) == 0)
        list = s->liq_accounts;
    else
        n = cas_exchange_n_accounts(s->ex); /* out of memory: every account */
    for (uint32_t k = 0; k < n; k++) {
        struct cas_position_view pos;
        cas_exchange_position(s->ex, list ? list[k] : k, i, &pos);
        if (pos.lots == 0 || !isfinite(pos.liquidation))
            continue;
        double b = floor((pos.liquidation - m->lo) / m->bin);
        if (b < 0 || b >= CAS_LIQ_BINS)
            continue;
        double notional = (double)llabs(pos.lots) * mark * K * unit;
        if (pos.lots > 0)
            m->longs[(size_t)b] += notional;
        else
            m->shorts[(size_t)b] += notional;
    }
    in->map_head = (in->map_head + 1) % LIQ_MAP_KEEP;
    if (in->n_maps < LIQ_MAP_KEEP)
        in->n_maps++;
}

const struct cas_liq_map *cas__venue_liq_map(const struct cas_sim *s, uint32_t i, uint32_t lag)
{
    const struct sim_instrument *in = &s->instruments[i];
    if (!in->perp || lag >= in->n_maps)
        return NULL;
    return &in->liq_maps[(in->map_head + LIQ_MAP_KEEP - 1 - lag) % LIQ_MAP_KEEP];
}

/* ---- the step ---- */

struct holder {
    cas_lots lots;
    uint32_t account; /* accounts follow agent order */
};

static int holder_cmp(const void *a, const void *b)
{
    const struct holder *x = a, *y = b;
    if (x->lots != y->lots)
        return x->lots > y->lots ? -1 : 1;
    return x->account < y->account ? -1 : x->account > y->account;
}

/* A closing market-order shock: the holders of the opposite position each send a
 * reduce-only market order for what they hold, largest first and by agent index among
 * equals, until sh->qty lots are sent; what they do not hold is not sent. The holders are
 * the agents of population sh->holders, or (UINT32_MAX) the shock account alone, closing
 * what earlier opening shocks built. */
static int close_positions(struct cas_sim *s, const struct cas_shock_config *sh,
                           struct cas_cause cause)
{
    uint32_t lo = 0, hi = 1;
    if (sh->holders != UINT32_MAX) {
        for (uint32_t p = 0; p < sh->holders; p++)
            lo += s->cfg->populations[p].count;
        hi = lo + s->cfg->populations[sh->holders].count;
    }
    struct holder *h = malloc((hi > lo ? hi - lo : 1) * sizeof *h);
    if (!h)
        return CAS_ENOMEM;
    uint32_t n = 0;
    for (uint32_t g = lo; g < hi; g++) {
        uint32_t account = sh->holders == UINT32_MAX ? s->shock_account : s->agents[g].account;
        struct cas_holding hold;
        cas_exchange_holding(s->ex, account, sh->instrument, &hold);
        cas_lots held = sh->side == CAS_SELL ? hold.lots : -hold.lots;
        if (held > 0 && !hold.liquidating)
            h[n++] = (struct holder){held, account};
    }
    qsort(h, n, sizeof *h, holder_cmp);
    int rc = 0;
    cas_lots sent = 0;
    for (uint32_t i = 0; i < n && sent < sh->qty && rc == 0; i++) {
        cas_lots q = h[i].lots < sh->qty - sent ? h[i].lots : sh->qty - sent;
        sent += q;
        struct cas_order o = {.account = h[i].account,
                              .instrument = sh->instrument,
                              .side = sh->side,
                              .type = CAS_MARKET,
                              .qty = q,
                              .reduce_only = true};
        uint64_t id;
        struct cas_submit_result res;
        rc = cas__venue_submit(s, &o, cause, &id, &res);
        if (rc == CAS_EINVAL || rc == CAS_ERANGE)
            rc = 0;
    }
    free(h);
    return rc;
}

/* News: the spot value moves by (1 + pct), spread geometrically over over_steps steps:
 * (1 + pct)^(1 / over_steps) in this step, and, through its ramp, in each of the next
 * over_steps - 1 (run_ramps). The market learns of it only through the agents who anchor
 * on the value. */
static void strike_news(struct cas_sim *s, uint32_t k)
{
    const struct cas_shock_config *sh = &s->cfg->shocks[k];
    struct cas_index *value = &s->instruments[sh->instrument].value;
    if (sh->over_steps <= 1) {
        cas_index_jump(value, sh->pct);
        return;
    }
    double pct = cas_exp(cas_log1p(sh->pct) / (double)sh->over_steps) - 1;
    cas_index_jump(value, pct);
    s->ramps[s->n_ramps++] = (struct ramp){k, pct};
}

/* The news ramps that struck in earlier steps move their values on; those whose last step
 * has passed are dropped. In the order they struck, so overlapping ramps multiply the same
 * way on every run. */
static void run_ramps(struct cas_sim *s)
{
    uint32_t kept = 0;
    for (uint32_t r = 0; r < s->n_ramps; r++) {
        const struct cas_shock_config *sh = &s->cfg->shocks[s->ramps[r].shock];
        if (s->step >= sh->step + sh->over_steps)
            continue;
        cas_index_jump(&s->instruments[sh->instrument].value, s->ramps[r].pct);
        s->ramps[kept++] = s->ramps[r];
    }
    s->n_ramps = kept;
}

static int apply_shock(struct cas_sim *s, uint32_t k)
{
    const struct cas_shock_config *sh = &s->cfg->shocks[k];
    struct cas_cause cause = {CAS_CAUSE_SHOCK, k + 1};
    if (sh->kind == CAS_SHOCK_NEWS) {
        strike_news(s, k);
        return 0;
    }
    if (sh->kind == CAS_SHOCK_INDEX_JUMP) {
        cas_index_jump(&s->instruments[sh->instrument].index, sh->pct);
        int rc = cas_exchange_update_mark(s->ex, sh->instrument, cause);
        check_halt(s, sh->instrument);
        return rc;
    }
    if (sh->kind == CAS_SHOCK_MARKET_ORDER && sh->position == CAS_SHOCK_CLOSE)
        return close_positions(s, sh, cause);
    /* A limit order rests until filled: the shock account never cancels. */
    bool limit = sh->kind == CAS_SHOCK_LIMIT_ORDER;
    struct cas_order o = {.account = s->shock_account,
                          .instrument = sh->instrument,
                          .side = sh->side,
                          .type = limit ? CAS_LIMIT : CAS_MARKET,
                          .price = limit ? sh->price : 0,
                          .qty = sh->qty};
    uint64_t id;
    struct cas_submit_result res;
    int rc = cas__venue_submit(s, &o, cause, &id, &res);
    /* a refused shock (a halted market, a band, a book that cannot hold the price) is not
     * an error */
    return rc == CAS_EINVAL || rc == CAS_ERANGE ? 0 : rc;
}

/* Move the index to this step; returns the move's cause. An exogenous index is its own
 * cause. An index of spot books moved by trades that carried a liquidation's orders there
 * (cas_order_req.answer) is that liquidation's carried effect: the liquidation with the
 * most notional among the constituents' carried taker orders in the direction of the move,
 * over the last step and this one, added up across the books, each book's weighted by the
 * weight it counted with in this index (none when the outlier rule dropped it). */
static struct cas_cause move_index(struct cas_sim *s, uint32_t i)
{
    const struct cas_instrument_config *ic = &s->cfg->instruments[i];
    struct cas_index *ix = &s->instruments[i].index;
    struct cas_cause own = {CAS_CAUSE_INDEX, (uint64_t)s->step};
    if (ic->index_source != CAS_INDEX_SPOT) {
        cas_index_advance(ix, s->step);
        return own;
    }
    double prices[CAS_MAX_CONSTITUENTS]; /* in the perpetual's ticks */
    for (uint32_t k = 0; k < ic->n_constituents; k++) {
        const struct cas_instrument_config *spot = &s->cfg->instruments[ic->constituent[k]];
        prices[k] = cas_sim_price(s, ic->constituent[k]) * spot->tick_size / ic->tick_size;
    }
    double was = ix->price, used[CAS_MAX_CONSTITUENTS];
    cas_index_set(ix, cas_index_composite(prices, ic->weight, ic->n_constituents, ic->outliers,
                                          ic->outlier_band, used));
    if (ix->price == was)
        return own;
    enum cas_side side = ix->price < was ? CAS_SELL : CAS_BUY;
    s->n_flows = 0;
    for (uint32_t k = 0; k < ic->n_constituents; k++) {
        uint32_t c = ic->constituent[k];
        double lot_notional =
            cas_sim_price(s, c) * (double)s->cfg->instruments[c].spec.contract_units;
        for (int w = 0; w < 2; w++)
            if (flow_gather(s, &s->instruments[c].flow[side][w], s->step, used[k] * lot_notional) <
                0) {
                s->error = s->error ? s->error : CAS_ENOMEM;
                return own;
            }
    }
    return flow_most(s, own);
}

int cas__venue_begin_step(struct cas_sim *s)
{
    int rc = cas_exchange_begin_step(s->ex, s->step, (struct cas_cause){CAS_CAUSE_NONE, 0});
    for (uint32_t i = 0; rc == 0 && i < s->n_instruments; i++) {
        struct sim_instrument *in = &s->instruments[i];
        if (cas_exchange_halted(s->ex, i) && !cas_band_halted(&in->band, s->step))
            cas_exchange_set_halt(s->ex, i, false);
        if (!in->perp) {
            if (s->cfg->instruments[i].value_on)
                cas_index_advance(&in->value, s->step);
            continue;
        }
        struct cas_cause cause = move_index(s, i);
        rc = cas_exchange_update_mark(s->ex, i, cause);
        check_halt(s, i);
    }
    if (s->n_ramps)
        run_ramps(s);
    while (rc == 0 && s->next_shock < s->cfg->n_shocks &&
           s->cfg->shocks[s->next_shock].step <= s->step)
        rc = apply_shock(s, s->next_shock++);
    return rc < 0 ? rc : s->error;
}

static int pay_funding(struct cas_sim *s, uint32_t i)
{
    double rate = cas_funding_settle(&s->instruments[i].funding);
    s->counters.fundings++;
    if (s->obs.on_funding)
        s->obs.on_funding(s->obs.ctx, i, rate);
    return cas_exchange_pay_funding(s->ex, i, (int64_t)llround(rate * CAS_PPM));
}

static int update_margin_scale(struct cas_sim *s, uint32_t i, double mark)
{
    struct sim_instrument *in = &s->instruments[i];
    cas_volmargin_observe(&in->vol, mark);
    int64_t scale = cas_volmargin_scale_ppm(&in->vol), now = cas_exchange_mmr_scale(s->ex, i);
    if (llabs(scale - now) * CAS_PPM < SCALE_STEP_PPM * now)
        return 0;
    return cas_exchange_set_mmr_scale(s->ex, i, scale);
}

int cas__venue_end_step(struct cas_sim *s)
{
    int rc = 0;
    for (uint32_t i = 0; rc == 0 && i < s->n_instruments; i++) {
        const struct cas_instrument_config *ic = &s->cfg->instruments[i];
        struct sim_instrument *in = &s->instruments[i];
        cas_exchange_sample_mark(s->ex, i);
        double mark = (double)cas_exchange_mark(s->ex, i);
        if (ic->band_on) {
            cas_band_observe(&in->band, mark);
            apply_band(s, i);
        }
        if (!in->perp)
            continue;
        if (ic->funding_on) {
            cas_funding_sample(
                &in->funding,
                cas_funding_premium(&in->funding, cas_exchange_book(s->ex, i), in->index.price));
            if ((s->step + 1) % ic->funding.interval == 0)
                rc = pay_funding(s, i);
        }
        if (rc == 0 && ic->dynamic_margin_on)
            rc = update_margin_scale(s, i, mark);
        if (rc == 0 && s->publish_liq_maps && s->step % LIQ_MAP_EVERY == 0)
            publish_liq_map(s, i);
    }
    return rc < 0 ? rc : s->error;
}
