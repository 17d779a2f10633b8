/* recorder: follows a run's events and writes its tables.
 *
 * The "price" of an instrument at the end of a step is its mid when both
 * sides are quoted, else its last trade price. Cascades (cascades.c), the
 * drawdown and each shock's move are followed as the run goes, trade by
 * trade and step by step, so that they are measured with what happened inside
 * a step; nothing is kept per step except, for the stylized facts after the
 * warm-up, the first instrument's price every minute of simulated time and a
 * fixed histogram of its basis (struct stylized). Liquidations are
 * kept in memory, indexed by their id (1, 2, ...), and written in id order at
 * the end, since an engine liquidation's fills and fund change are known only
 * when its job ends. Columns are declared in columns.c; summary.json is
 * written by summary.c.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cascade/fmath.h"
#include "core/coreInt.h"
#include "record/recordInt.h"

static void reset_row(struct series *s)
{
    s->volume = 0;
    s->trades = 0;
    s->liquidations = 0;
    s->liquidated = 0;
    s->adl = 0;
    s->row_low = INFINITY;
    s->row_high = -INFINITY;
}

/* ---- the stylized facts ---- */

size_t cas__basis_bin(double bps)
{
    if (bps < 50)
        return bps > 0 ? (size_t)(bps * 100) : 0;
    if (bps < 1000)
        return 5000 + (size_t)(bps - 50);
    if (bps < 10000)
        return 5950 + (size_t)((bps - 1000) / 10);
    return CAS__BASIS_BINS - 1;
}

static int push_price(struct stylized *st, double p)
{
    if (cas__grow((void **)&st->prices, &st->cap_prices, st->n_prices + 1, sizeof *st->prices))
        return CAS_ENOMEM;
    st->prices[st->n_prices++] = p;
    return 0;
}

/* Seconds of simulated time in whole steps, rounded up (forgiving the last bits of a
 * division that should be whole: 3600 / 0.1), at most `most`. */
static cas_step steps_of(const struct cas_config *cfg, double seconds, cas_step most)
{
    double n = seconds / cfg->step_seconds;
    n = ceil(n - 1e-9 * fmax(1, n));
    return n < (double)most ? (cas_step)n : most;
}

/* The warm-up and the minute in steps; the histogram of a perpetual's basis; the first
 * price when there is no warm-up (the initial price: the end of "step -1"). */
static int stylized_init(struct stylized *st, const struct cas_config *cfg)
{
    st->warmup = steps_of(cfg, cfg->stylized_warmup_s, cfg->steps + 1);
    st->minute = (cas_step)llround(60 / cfg->step_seconds);
    if (st->minute < 1)
        st->minute = 1;
    if (cfg->instruments[0].spec.kind == CAS_PERPETUAL &&
        (!(st->basis_n = calloc(CAS__BASIS_BINS, sizeof *st->basis_n)) ||
         !(st->basis_sum = calloc(CAS__BASIS_BINS, sizeof *st->basis_sum))))
        return CAS_ENOMEM;
    return st->warmup == 0 ? push_price(st, (double)cfg->instruments[0].initial_price) : 0;
}

/* At the end of step `step`: the price every minute from the warm-up's end, the basis of
 * every step after it. */
static void stylized_step(struct cas_recorder *r, const struct cas_sim *sim, cas_step step)
{
    struct stylized *st = &r->sty;
    cas_step since = step + 1 - st->warmup;
    if (since < 0)
        return;
    if (since % st->minute == 0 && push_price(st, r->close[0]))
        r->out_of_memory = true;
    if (st->basis_n && since > 0) {
        double mark = (double)cas_exchange_mark(cas_sim_exchange(sim), 0);
        double bps = fabs(mark / cas_sim_index(sim, 0) - 1) * 1e4;
        size_t k = cas__basis_bin(bps);
        st->basis_n[k]++;
        st->basis_sum[k] += isfinite(bps) ? bps : 0;
        st->basis_steps++;
    }
}

static void on_funding(void *ctx, uint32_t instrument, double rate)
{
    struct cas_recorder *r = ctx;
    if (instrument != 0 || r->step < r->sty.warmup)
        return;
    long long paid = llround(rate * CAS_PPM);
    r->sty.fundings++;
    r->sty.at_interest += paid == llround(r->cfg->instruments[0].funding.interest * CAS_PPM);
    r->sty.positive += paid > 0;
}

int cas_recorder_create(struct cas_recorder **out, const struct cas_config *cfg, FILE *ts,
                        struct cas_err *err)
{
    struct cas_recorder *r = calloc(1, sizeof *r);
    uint32_t ni = cfg->n_instruments;
    if (!r || !(r->series = calloc(ni, sizeof *r->series)) ||
        !(r->prev_close = calloc(ni, sizeof *r->prev_close)) ||
        !(r->close = calloc(ni, sizeof *r->close)) || !(r->index = calloc(ni, sizeof *r->index)) ||
        !(r->shocks = calloc(cfg->n_shocks + 1, sizeof *r->shocks))) {
        cas_recorder_destroy(r);
        return cas_err_set(err, CAS_ENOMEM, "", "out of memory");
    }
    for (uint32_t i = 0; i < ni; i++)
        r->prev_close[i] = (double)cfg->instruments[i].initial_price;
    if (cas_cascades_create(&r->cascades, ni, r->prev_close)) {
        cas_recorder_destroy(r);
        return cas_err_set(err, CAS_ENOMEM, "", "out of memory");
    }
    r->final = r->prev_close[0];
    for (uint32_t i = 0; i < ni; i++)
        r->has_perp |= cfg->instruments[i].spec.kind == CAS_PERPETUAL;
    r->cfg = cfg;
    r->ts = ts;
    r->time_decimals = cas__decimals_of(cfg->step_seconds);
    for (uint32_t i = 0; i < ni; i++) {
        r->series[i].decimals = cas__decimals_of(cfg->instruments[i].tick_size);
        reset_row(&r->series[i]);
    }
    r->dd.recovery = -1;
    /* the opening ends by opening_max_s, before the first shock and by the run's end */
    r->opening_cap = steps_of(
        cfg, cfg->opening_max_s,
        cfg->n_shocks && cfg->shocks[0].step < cfg->steps ? cfg->shocks[0].step : cfg->steps);
    r->opening = r->opening_cap > 0 ? -1 : 0;
    r->episode_gap = steps_of(cfg, cfg->episode_gap_s, cfg->steps);
    for (uint32_t i = 0; i < ni; i++) {
        struct series *s = &r->series[i];
        s->step_low = s->low = INFINITY;
        s->step_high = s->high = -INFINITY;
        s->opened = (double)cfg->instruments[i].initial_price;
    }
    if (stylized_init(&r->sty, cfg)) {
        cas_recorder_destroy(r);
        return cas_err_set(err, CAS_ENOMEM, "", "out of memory");
    }
    cas__put_header(ts, cas__ts_columns, cas__n_ts_columns);
    *out = r;
    return 0;
}

void cas_recorder_destroy(struct cas_recorder *r)
{
    if (!r)
        return;
    free(r->series);
    free(r->liqs);
    cas_cascades_destroy(r->cascades);
    free(r->prev_close);
    free(r->close);
    free(r->index);
    free(r->shocks);
    free(r->flows);
    free(r->sty.prices);
    free(r->sty.basis_n);
    free(r->sty.basis_sum);
    free(r->map_seen);
    cas__replay_destroy(r->replay);
    free(r);
}

void cas_recorder_set_liqmap(struct cas_recorder *r, FILE *liqmap)
{
    free(r->map_seen);
    r->map_seen = malloc(r->cfg->n_instruments * sizeof *r->map_seen);
    if (!r->map_seen) {
        r->out_of_memory = true;
        return;
    }
    for (uint32_t i = 0; i < r->cfg->n_instruments; i++)
        r->map_seen[i] = -1;
    r->liqmap = liqmap;
    cas__put_header(liqmap, cas__liqmap_columns, cas__n_liqmap_columns);
}

void cas_recorder_set_replay(struct cas_recorder *r, FILE *replay)
{
    cas__replay_destroy(r->replay);
    r->replay = NULL;
    if (!r->has_perp && r->cfg->n_replay == 0)
        return; /* nothing is ever liquidated and no range is asked: an empty file */
    if (cas__replay_create(&r->replay, r->cfg, replay))
        r->out_of_memory = true;
}

void cas_recorder_set_trades(struct cas_recorder *r, FILE *trades)
{
    r->trades = trades;
    cas__put_header(trades, cas__trade_columns, cas__n_trade_columns);
}

/* A new publication of an instrument's liquidation map: its non-empty bins. */
static void write_liqmaps(struct cas_recorder *r, const struct cas_sim *sim)
{
    for (uint32_t i = 0; i < r->cfg->n_instruments; i++) {
        const struct cas_liq_map *m = cas_sim_liq_map(sim, i, 0);
        if (!m || m->published == r->map_seen[i])
            continue;
        r->map_seen[i] = m->published;
        for (int k = 0; k < CAS_LIQ_BINS; k++) {
            if (m->longs[k] == 0 && m->shorts[k] == 0)
                continue;
            struct liqmap_out row = {r, i, m, k};
            cas__put_row(r->liqmap, cas__liqmap_columns, cas__n_liqmap_columns, &row);
        }
    }
}

/* ---- the first instrument's drawdown, in time order, after the book's opening ---- */

/* Inline minimum and maximum (fmin and fmax are library calls; prices are never NaN). */
static inline double lower(double a, double b)
{
    return b < a ? b : a;
}

static inline double higher(double a, double b)
{
    return b > a ? b : a;
}

static void follow_price(struct cas_recorder *r, double p)
{
    struct drawdown *d = &r->dd;
    if (p >= d->peak) {
        d->peak = p;
        if (d->best > 0 && d->recovery < 0 && p >= d->best_peak)
            d->recovery = r->step - d->trough_step;
        return;
    }
    if ((d->peak - p) / d->peak > d->best) {
        d->best = (d->peak - p) / d->peak;
        d->best_peak = d->peak;
        d->trough_step = r->step;
        d->recovery = -1;
    } else if (d->best > 0 && d->recovery < 0 && p >= d->best_peak) {
        d->recovery = r->step - d->trough_step;
    }
}

/* ---- each shock's move within its window ---- */

/* A trade or end-of-step price of `instrument` in the step running now. */
static void follow_shocks(struct cas_recorder *r, uint32_t instrument, double p)
{
    const struct cas_config *cfg = r->cfg;
    for (uint32_t k = 0; k < cfg->n_shocks; k++) {
        const struct cas_shock_config *sh = &cfg->shocks[k];
        struct shock_move *m = &r->shocks[k];
        if (sh->instrument != instrument || r->step < sh->step ||
            r->step >= sh->step + cfg->amplification_horizon)
            continue;
        if (!m->started) {
            m->started = true;
            m->start = m->extreme = m->end = r->prev_close[instrument];
        }
        if (cas__shock_down(sh) ? p < m->extreme : p > m->extreme)
            m->extreme = p;
    }
}

/* At the end of a step: the windows that end with it. */
static void end_shock_windows(struct cas_recorder *r, const struct cas_sim *sim)
{
    const struct cas_config *cfg = r->cfg;
    for (uint32_t k = 0; k < cfg->n_shocks; k++) {
        const struct cas_shock_config *sh = &cfg->shocks[k];
        cas_step end = sh->step + cfg->amplification_horizon;
        if (end > cfg->steps)
            end = cfg->steps;
        if (r->step >= sh->step && r->step < end)
            r->shocks[k].end = r->close[sh->instrument];
        if (r->step == end - 1)
            r->shocks[k].under_water =
                cas_exchange_count_under_water(cas_sim_exchange(sim), sh->instrument);
    }
}

/* ---- what each account did ---- */

static struct account_flow *flow_of(struct cas_recorder *r, uint64_t account)
{
    if (account >= CAS_ENGINE_ACCOUNT)
        return NULL;
    if (cas__grow_zeroed((void **)&r->flows, &r->cap_flows, (uint32_t)account + 1,
                         sizeof *r->flows)) {
        r->out_of_memory = true;
        return NULL;
    }
    return &r->flows[account];
}

/* ---- events ---- */

static struct liq_row *liq_slot(struct cas_recorder *r, uint64_t id)
{
    if (id == 0)
        return NULL;
    if (id > UINT32_MAX ||
        cas__grow_zeroed((void **)&r->liqs, &r->cap_liqs, (uint32_t)id, sizeof *r->liqs)) {
        r->out_of_memory = true;
        return NULL;
    }
    if (id > r->n_liqs)
        r->n_liqs = id;
    return &r->liqs[id - 1];
}

static void on_trade(void *ctx, uint32_t instrument, const struct cas_fill *f,
                     struct cas_cause cause)
{
    struct cas_recorder *r = ctx;
    struct series *s = &r->series[instrument];
    double p = (double)f->price;
    s->volume += f->qty;
    s->trades++;
    s->row_low = lower(s->row_low, p);
    s->row_high = higher(s->row_high, p);
    if (r->opening < 0) {
        s->step_low = lower(s->step_low, p);
        s->step_high = higher(s->step_high, p);
    } else {
        s->low = lower(s->low, p);
        s->high = higher(s->high, p);
        if (instrument == 0)
            follow_price(r, p);
    }
    if (r->has_perp) /* only perpetuals liquidate: no cascade elsewhere */
        cas_cascades_trade(r->cascades, instrument, p);
    if (r->cfg->n_shocks)
        follow_shocks(r, instrument, p);
    if (cause.kind == CAS_CAUSE_LIQUIDATION && cause.id <= r->n_liqs) {
        /* a fill of that liquidation's engine order */
        struct liq_row *row = &r->liqs[cause.id - 1];
        bool sells = row->liq.side == CAS_BUY;
        if (isnan(row->worst_fill) || (sells ? p < row->worst_fill : p > row->worst_fill))
            row->worst_fill = p;
    }
    if (r->trades) {
        struct trade_out row = {r, instrument, f, cause};
        cas__put_row(r->trades, cas__trade_columns, cas__n_trade_columns, &row);
    }
}

static void on_liquidation(void *ctx, const struct cas_liquidation *liq)
{
    struct cas_recorder *r = ctx;
    struct series *s = &r->series[liq->instrument];
    s->liquidations++;
    s->liquidated = cas_money_add_held(s->liquidated, liq->notional);
    struct liq_row *row = liq_slot(r, liq->id);
    if (!row)
        return;
    row->liq = *liq;
    row->worst_fill = NAN;
    if (cas_cascades_liquidation(r->cascades, liq))
        r->out_of_memory = true;
    if (r->replay)
        cas__replay_liquidation(r->replay, liq->instrument);
}

static void on_liquidation_done(void *ctx, const struct cas_liquidation_done *done)
{
    struct cas_recorder *r = ctx;
    struct liq_row *row = liq_slot(r, done->id);
    if (!row)
        return;
    row->done = *done;
    row->finished = true;
    if (row->liq.mode == CAS_LIQ_KEEPER) {
        struct account_flow *k = flow_of(r, row->liq.keeper);
        if (k) {
            double K = (double)r->cfg->instruments[row->liq.instrument].spec.contract_units;
            double discount = (double)row->liq.mark - done->fill_vwap;
            k->takeovers++;
            k->bonus +=
                (row->liq.side == CAS_BUY ? discount : -discount) * (double)done->filled * K;
        }
    }
    cas_cascades_finished(r->cascades, done->id, done->step);
    if (r->replay)
        cas__replay_liquidation(r->replay, row->liq.instrument);
}

static void on_adl(void *ctx, const struct cas_adl_event *adl)
{
    struct cas_recorder *r = ctx;
    r->series[adl->instrument].adl++;
}

/* ---- the end of a step ---- */

static void write_row(struct cas_recorder *r, const struct cas_sim *sim, uint32_t i)
{
    struct ts_row row = {
        .r = r, .sim = sim, .i = i, .ins = &r->cfg->instruments[i], .s = &r->series[i]};
    const struct cas_book *b = cas_sim_book(sim, i);
    row.has_bid = cas_book_best_bid(b, &row.bid);
    row.has_ask = cas_book_best_ask(b, &row.ask);
    cas_sim_desks(sim, i, &row.desk_lots, &row.desk_equity, &row.n_desks);
    cas__put_row(r->ts, cas__ts_columns, cas__n_ts_columns, &row);
    reset_row(&r->series[i]);
}

/* The end of step r->step: every instrument's price and index. */
static void end_prices(struct cas_recorder *r, const struct cas_sim *sim)
{
    for (uint32_t i = 0; i < r->cfg->n_instruments; i++) {
        /* the price: the mid when both sides are quoted, else the last trade
         * (cas_sim_price), with the first instrument's spread on the way */
        const struct cas_book *b = cas_sim_book(sim, i);
        cas_ticks bid, ask;
        bool both = cas_book_best_bid(b, &bid) && cas_book_best_ask(b, &ask);
        r->close[i] = both ? (double)(bid + ask) / 2 : (double)cas_sim_last(sim, i);
        if (i == 0)
            r->spread0 = both ? (double)(ask - bid) : -1;
        r->index[i] =
            r->cfg->instruments[i].spec.kind == CAS_PERPETUAL ? cas_sim_index(sim, i) : r->close[i];
        if (r->cfg->n_shocks)
            follow_shocks(r, i, r->close[i]);
    }
    r->final = r->close[0];
}

/* Whether instrument i's book was calm in the step ending now: a bid and an ask, and they
 * and every trade of the step within CAS__CALM of the reference (the index of a
 * perpetual, the configured initial price of a spot book). */
static bool calm(const struct cas_recorder *r, const struct cas_sim *sim, uint32_t i)
{
    const struct cas_instrument_config *ins = &r->cfg->instruments[i];
    double ref = ins->spec.kind == CAS_PERPETUAL ? r->index[i] : (double)ins->initial_price;
    double lo = ref * (1 - CAS__CALM), hi = ref * (1 + CAS__CALM);
    const struct series *s = &r->series[i];
    cas_ticks bid, ask;
    const struct cas_book *b = cas_sim_book(sim, i);
    return cas_book_best_bid(b, &bid) && cas_book_best_ask(b, &ask) && (double)bid >= lo &&
           (double)ask <= hi && s->step_low >= lo && s->step_high <= hi;
}

/* At the end of a step of the book's opening: it is over when every instrument was calm
 * or at its cap; the prices after it start from this step's end. */
static void follow_opening(struct cas_recorder *r, const struct cas_sim *sim)
{
    uint32_t n = r->cfg->n_instruments;
    bool over = true;
    for (uint32_t i = 0; i < n && over; i++)
        over = calm(r, sim, i);
    over = over || r->step + 1 >= r->opening_cap;
    for (uint32_t i = 0; i < n; i++)
        r->series[i].step_low = INFINITY, r->series[i].step_high = -INFINITY;
    if (!over)
        return;
    r->opening = r->step + 1;
    for (uint32_t i = 0; i < n; i++)
        r->series[i].opened = r->series[i].low = r->series[i].high = r->close[i];
    follow_price(r, r->close[0]);
}

/* Runs of step ends far from the index, and those no halt or capital limit explains. */
static void follow_far(struct cas_recorder *r, const struct cas_sim *sim, double basis)
{
    if (!(basis > CAS__FAR)) {
        r->far_run = r->unexplained_run = 0;
        return;
    }
    r->far_steps++;
    if (++r->far_run > r->far_longest)
        r->far_longest = r->far_run;
    uint32_t at_limit, of;
    cas_sim_arbitrage(sim, 0, &at_limit, &of);
    if (at_limit > 0 || cas_sim_halted(sim, 0)) {
        r->unexplained_run = 0;
        return;
    }
    if (++r->unexplained_run > r->unexplained_longest)
        r->unexplained_longest = r->unexplained_run;
}

static void on_step(void *ctx, const struct cas_sim *sim)
{
    struct cas_recorder *r = ctx;
    r->step = cas_sim_now(sim);
    end_prices(r, sim);
    if (r->has_perp)
        cas_cascades_step_end(r->cascades, r->step, r->close, r->index);
    end_shock_windows(r, sim);
    if (r->replay)
        cas__replay_step(r->replay, r, sim, r->step);
    if (r->liqmap)
        write_liqmaps(r, sim);
    if (r->spread0 >= 0) {
        r->spread_sum += r->spread0;
        r->spread_steps++;
    }
    const struct cas_book *b = cas_sim_book(sim, 0);
    r->depth_sum += (double)(cas_book_best_qty(b, CAS_BUY) + cas_book_best_qty(b, CAS_SELL)) / 2;
    double p = r->close[0];
    stylized_step(r, sim, r->step);
    if (r->opening < 0) {
        follow_opening(r, sim);
    } else {
        for (uint32_t i = 0; i < r->cfg->n_instruments; i++) {
            r->series[i].low = lower(r->series[i].low, r->close[i]);
            r->series[i].high = higher(r->series[i].high, r->close[i]);
        }
        follow_price(r, p);
    }
    if (r->opening >= 0 && r->opening <= r->step &&
        r->cfg->instruments[0].spec.kind == CAS_PERPETUAL) {
        double basis = fabs(p / cas_sim_index(sim, 0) - 1);
        r->max_basis = fmax(r->max_basis, basis);
        follow_far(r, sim, basis);
    }
    /* every sample_every steps, and after the run's last step (a run cut short by --steps
     * keeps its last steps' trades) */
    if ((r->step + 1) % r->cfg->sample_every == 0 || r->step + 1 == r->cfg->steps)
        for (uint32_t i = 0; i < r->cfg->n_instruments; i++)
            write_row(r, sim, i);
    for (uint32_t i = 0; i < r->cfg->n_instruments; i++)
        r->prev_close[i] = r->close[i];
    r->step++;
}

struct cas_sim_observer cas_recorder_observer(struct cas_recorder *r)
{
    return (struct cas_sim_observer){.ctx = r,
                                     .on_trade = on_trade,
                                     .on_liquidation = on_liquidation,
                                     .on_liquidation_done = on_liquidation_done,
                                     .on_adl = on_adl,
                                     .on_funding = on_funding,
                                     .on_step = on_step,
                                     .journal = r->replay ? cas__replay_journal(r->replay) : NULL};
}

/* ---- liquidations and cascades ---- */

int cas_recorder_write_liquidations(const struct cas_recorder *r, FILE *f)
{
    if (r->replay && cas__replay_failed(r->replay))
        return CAS_ENOMEM;
    cas__put_header(f, cas__liq_columns, cas__n_liq_columns);
    for (size_t k = 0; k < r->n_liqs; k++) {
        struct liq_out row = {r, &r->liqs[k]};
        cas__put_row(f, cas__liq_columns, cas__n_liq_columns, &row);
    }
    return ferror(f) || r->out_of_memory ? CAS_EIO : 0;
}

int cas_recorder_write_accounts(const struct cas_recorder *r, const struct cas_sim *sim, FILE *f)
{
    const struct cas_config *cfg = r->cfg;
    cas__put_header(f, cas__account_columns, cas__n_account_columns);
    uint32_t shock = cas_sim_shock_account(sim), g = 0;
    if (shock != CAS_NO_ACCOUNT) {
        struct cas_exchange_totals t;
        struct cas_account_view v;
        cas_exchange_totals(cas_sim_exchange(sim), &t);
        cas_exchange_account(cas_sim_exchange(sim), shock, &v);
        cas_money deposit = t.deposited - cfg->insurance_fund;
        for (uint32_t a = 0; a < cas_sim_n_agents(sim); a++) {
            struct cas_agent_stats st;
            cas_sim_agent_stats(sim, a, &st);
            deposit -= st.deposit;
        }
        struct account_out row = {r, shock, UINT32_MAX, 0, deposit, v, {0}};
        cas__put_row(f, cas__account_columns, cas__n_account_columns, &row);
    }
    for (uint32_t p = 0; p < cfg->n_populations; p++)
        for (uint32_t k = 0; k < cfg->populations[p].count; k++, g++) {
            struct cas_agent_stats st;
            cas_sim_agent_stats(sim, g, &st);
            struct account_out row = {r, cas_sim_agent_account(sim, g), g, p, st.deposit, {0}, {0}};
            cas_exchange_account(cas_sim_exchange(sim), row.account, &row.end);
            cas_exchange_position(cas_sim_exchange(sim), row.account,
                                  cfg->populations[p].instrument, &row.pos);
            cas__put_row(f, cas__account_columns, cas__n_account_columns, &row);
        }
    return ferror(f) ? CAS_EIO : 0;
}

int cas_recorder_write_cascades(const struct cas_recorder *r, FILE *f)
{
    cas__put_header(f, cas__cascade_columns, cas__n_cascade_columns);
    cas_cascades_episodes(r->cascades, r->episode_gap);
    for (size_t k = 0; k < cas_cascades_count(r->cascades); k++) {
        struct cascade_out row = {r, cas_cascades_get(r->cascades, k)};
        cas__put_row(f, cas__cascade_columns, cas__n_cascade_columns, &row);
    }
    return ferror(f) || r->out_of_memory ? CAS_EIO : 0;
}
