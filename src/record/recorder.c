/* recorder: follows a run's events and writes its tables.
 *
 * The "price" of an instrument at the end of a step is its mid when both
 * sides are quoted, else its last trade price. Besides that end-of-step price
 * the recorder keeps, per step and instrument, the lowest and highest trade
 * and the index (struct cas_price_path), so that cascades and amplification
 * are measured with what happened inside a step. Liquidations are kept in
 * memory, indexed by their id (1, 2, ...), and written in id order at the
 * end, since an engine liquidation's fills and fund change are known only
 * when its job ends. Columns are declared in columns.c; summary.json is
 * written by summary.c.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "record/recordInt.h"

static int decimals_of(double tick)
{
    for (int d = 0; d < 12; d++) {
        double scaled = tick * pow(10, d);
        if (fabs(scaled - round(scaled)) < 1e-9 * scaled)
            return d;
    }
    return 12;
}

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

int cas_recorder_create(struct cas_recorder **out, const struct cas_config *cfg, FILE *ts,
                        struct cas_err *err)
{
    struct cas_recorder *r = calloc(1, sizeof *r);
    uint32_t ni = cfg->n_instruments;
    if (!r || !(r->series = calloc(ni, sizeof *r->series)) ||
        !(r->initial = calloc(ni, sizeof *r->initial)) ||
        !(r->under_water = calloc(cfg->n_shocks + 1, sizeof *r->under_water))) {
        cas_recorder_destroy(r);
        return cas_err_set(err, CAS_ENOMEM, "", "out of memory");
    }
    r->cfg = cfg;
    r->ts = ts;
    for (uint32_t i = 0; i < ni; i++) {
        r->series[i].decimals = decimals_of(cfg->instruments[i].tick_size);
        r->series[i].step_low = INFINITY;
        r->series[i].step_high = -INFINITY;
        r->initial[i] = (double)cfg->instruments[i].initial_price;
        reset_row(&r->series[i]);
    }
    r->lo = INFINITY;
    r->hi = -INFINITY;
    r->dd.recovery = -1;
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
    free(r->initial);
    free(r->close);
    free(r->low);
    free(r->high);
    free(r->index);
    free(r->under_water);
    free(r->map_seen);
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

/* ---- the first instrument's extremes and drawdown, in time order ---- */

static void follow_price(struct cas_recorder *r, double p)
{
    r->lo = fmin(r->lo, p);
    r->hi = fmax(r->hi, p);
    struct drawdown *d = &r->dd;
    d->peak = fmax(d->peak, p);
    if (d->peak > 0 && (d->peak - p) / d->peak > d->best) {
        d->best = (d->peak - p) / d->peak;
        d->best_peak = d->peak;
        d->trough_step = r->step;
        d->recovery = -1;
    } else if (d->best > 0 && d->recovery < 0 && p >= d->best_peak) {
        d->recovery = r->step - d->trough_step;
    }
}

/* ---- events ---- */

static struct liq_row *liq_slot(struct cas_recorder *r, uint64_t id)
{
    if (id == 0)
        return NULL;
    while (id > r->cap_liqs) {
        size_t cap = r->cap_liqs ? 2 * r->cap_liqs : 256;
        struct liq_row *v = realloc(r->liqs, cap * sizeof *v);
        if (!v) {
            r->out_of_memory = true;
            return NULL;
        }
        memset(v + r->cap_liqs, 0, (cap - r->cap_liqs) * sizeof *v);
        r->liqs = v;
        r->cap_liqs = cap;
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
    s->row_low = fmin(s->row_low, p);
    s->row_high = fmax(s->row_high, p);
    s->step_low = fmin(s->step_low, p);
    s->step_high = fmax(s->step_high, p);
    if (instrument == 0)
        follow_price(r, p);
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
    s->liquidated += liq->lots * liq->mark * r->cfg->instruments[liq->instrument].spec.contract_units;
    struct liq_row *row = liq_slot(r, liq->id);
    if (!row)
        return;
    row->liq = *liq;
    row->worst_fill = NAN;
}

static void on_liquidation_done(void *ctx, const struct cas_liquidation_done *done)
{
    struct cas_recorder *r = ctx;
    struct liq_row *row = liq_slot(r, done->id);
    if (!row)
        return;
    row->done = *done;
    row->finished = true;
}

static void on_adl(void *ctx, const struct cas_adl_event *adl)
{
    struct cas_recorder *r = ctx;
    r->series[adl->instrument].adl++;
}

/* ---- the end of a step ---- */

static void write_row(struct cas_recorder *r, const struct cas_sim *sim, uint32_t i)
{
    struct ts_row row = {.r = r, .sim = sim, .i = i, .ins = &r->cfg->instruments[i],
                         .s = &r->series[i]};
    const struct cas_book *b = cas_sim_book(sim, i);
    row.has_bid = cas_book_best_bid(b, &row.bid);
    row.has_ask = cas_book_best_ask(b, &row.ask);
    cas__put_row(r->ts, cas__ts_columns, cas__n_ts_columns, &row);
    reset_row(&r->series[i]);
}

static int grow_path(struct cas_recorder *r, size_t need)
{
    if (need <= r->cap_path)
        return 0;
    size_t cap = r->cap_path ? 2 * r->cap_path : 4096 * (size_t)r->cfg->n_instruments;
    double **arrays[] = {&r->close, &r->low, &r->high, &r->index};
    for (size_t k = 0; k < 4; k++) {
        double *v = realloc(*arrays[k], cap * sizeof *v);
        if (!v)
            return -1;
        *arrays[k] = v;
    }
    r->cap_path = cap;
    return 0;
}

static void add_path(struct cas_recorder *r, const struct cas_sim *sim)
{
    uint32_t n = r->cfg->n_instruments;
    if (grow_path(r, r->n_path + n)) {
        r->out_of_memory = true;
        return;
    }
    for (uint32_t i = 0; i < n; i++) {
        struct series *s = &r->series[i];
        size_t k = r->n_path++;
        r->close[k] = cas_sim_price(sim, i);
        r->low[k] = isfinite(s->step_low) ? s->step_low : NAN;
        r->high[k] = isfinite(s->step_high) ? s->step_high : NAN;
        r->index[k] = r->cfg->instruments[i].spec.kind == CAS_PERPETUAL ? cas_sim_index(sim, i)
                                                                         : r->close[k];
        s->step_low = INFINITY;
        s->step_high = -INFINITY;
    }
}

/* Accounts under water at the end of each shock's amplification horizon
 * (the run's last step when it ends sooner). */
static void count_under_water(struct cas_recorder *r, const struct cas_sim *sim)
{
    const struct cas_config *cfg = r->cfg;
    for (uint32_t k = 0; k < cfg->n_shocks; k++) {
        cas_step end = cfg->shocks[k].step + cfg->amplification_horizon;
        if (end > cfg->steps)
            end = cfg->steps;
        if (r->step == end - 1)
            r->under_water[k] =
                cas_exchange_count_under_water(cas_sim_exchange(sim), cfg->shocks[k].instrument);
    }
}

static void on_step(void *ctx, const struct cas_sim *sim)
{
    struct cas_recorder *r = ctx;
    r->step = cas_sim_now(sim);
    add_path(r, sim);
    if (r->liqmap)
        write_liqmaps(r, sim);
    const struct cas_book *b = cas_sim_book(sim, 0);
    cas_ticks bid, ask;
    if (cas_book_best_bid(b, &bid) && cas_book_best_ask(b, &ask)) {
        r->spread_sum += (double)(ask - bid);
        r->spread_steps++;
    }
    r->depth_sum += (double)(cas_book_best_qty(b, CAS_BUY) + cas_book_best_qty(b, CAS_SELL)) / 2;
    double p = cas_sim_price(sim, 0);
    follow_price(r, p);
    if (r->cfg->instruments[0].spec.kind == CAS_PERPETUAL)
        r->max_basis = fmax(r->max_basis, fabs(p / cas_sim_index(sim, 0) - 1));
    count_under_water(r, sim);
    if ((r->step + 1) % r->cfg->sample_every == 0)
        for (uint32_t i = 0; i < r->cfg->n_instruments; i++)
            write_row(r, sim, i);
    r->step++;
}

struct cas_sim_observer cas_recorder_observer(struct cas_recorder *r)
{
    return (struct cas_sim_observer){
        .ctx = r,
        .on_trade = on_trade,
        .on_liquidation = on_liquidation,
        .on_liquidation_done = on_liquidation_done,
        .on_adl = on_adl,
        .on_step = on_step,
    };
}

/* ---- liquidations and cascades ---- */

struct cas_price_path cas__recorder_path(const struct cas_recorder *r)
{
    uint32_t ni = r->cfg->n_instruments;
    return (struct cas_price_path){.n_steps = (cas_step)(r->n_path / ni), .n_instruments = ni,
                                   .initial = r->initial, .close = r->close, .low = r->low,
                                   .high = r->high, .index = r->index};
}

struct cas_cascade *cas__recorder_cascades(const struct cas_recorder *r, size_t *n,
                                           uint64_t *member_cascade, uint32_t *generation)
{
    size_t m = r->n_liqs;
    struct cas_liquidation *liqs = malloc((m ? m : 1) * sizeof *liqs);
    cas_money *notional = malloc((m ? m : 1) * sizeof *notional);
    cas_step *finish = malloc((m ? m : 1) * sizeof *finish);
    struct cas_cascade *out = malloc((m ? m : 1) * sizeof *out);
    if (!liqs || !notional || !finish || !out) {
        free(liqs), free(notional), free(finish), free(out);
        return NULL;
    }
    for (size_t k = 0; k < m; k++) {
        liqs[k] = r->liqs[k].liq;
        finish[k] = r->liqs[k].finished ? r->liqs[k].done.step : -1;
        notional[k] = liqs[k].lots * liqs[k].mark *
                      r->cfg->instruments[liqs[k].instrument].spec.contract_units;
    }
    struct cas_price_path path = cas__recorder_path(r);
    *n = cas_cascades_build(liqs, finish, notional, m, &path, out, member_cascade, generation);
    free(liqs);
    free(notional);
    free(finish);
    return out;
}

int cas_recorder_write_liquidations(const struct cas_recorder *r, FILE *f)
{
    size_t m = r->n_liqs, n;
    uint64_t *cascade = malloc((m ? m : 1) * sizeof *cascade);
    uint32_t *generation = malloc((m ? m : 1) * sizeof *generation);
    struct cas_cascade *cs = cascade && generation
                                 ? cas__recorder_cascades(r, &n, cascade, generation)
                                 : NULL;
    int rc = CAS_ENOMEM;
    if (cs) {
        cas__put_header(f, cas__liq_columns, cas__n_liq_columns);
        for (size_t k = 0; k < m; k++) {
            struct liq_out row = {r, &r->liqs[k], cascade[k], generation[k]};
            cas__put_row(f, cas__liq_columns, cas__n_liq_columns, &row);
        }
        rc = ferror(f) || r->out_of_memory ? CAS_EIO : 0;
    }
    free(cs);
    free(cascade);
    free(generation);
    return rc;
}

int cas_recorder_write_cascades(const struct cas_recorder *r, FILE *f)
{
    size_t n;
    struct cas_cascade *cs = cas__recorder_cascades(r, &n, NULL, NULL);
    if (!cs)
        return CAS_ENOMEM;
    cas__put_header(f, cas__cascade_columns, cas__n_cascade_columns);
    for (size_t k = 0; k < n; k++) {
        struct cascade_out row = {r, &cs[k]};
        cas__put_row(f, cas__cascade_columns, cas__n_cascade_columns, &row);
    }
    free(cs);
    return ferror(f) || r->out_of_memory ? CAS_EIO : 0;
}
