/* recorder: the time series, the liquidation log and the run summary, from sim events.
 *
 * The "price" of an instrument at a step is its mid when both sides are
 * quoted, else its last trade price. Summary price, book and stylized figures
 * describe the first instrument (named in summary.json); the time series and
 * the liquidation log cover them all. Liquidations are kept in memory, indexed
 * by their id (1, 2, ...), and written in id order at the end, since an
 * engine liquidation's fills and fund change are known only when its job ends.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cascade/cascades.h"
#include "cascade/fmt.h"
#include "cascade/record.h"
#include "cascade/stats.h"

struct series {
    cas_lots volume;        /* since the last row */
    uint64_t trades;        /* since the last row */
    uint64_t liquidations;  /* since the last row */
    cas_money liquidated;   /* notional at the mark, since the last row */
    uint64_t adl;           /* ADL events since the last row */
    int decimals;           /* of the tick size, for printing prices */
};

struct liq_row {
    struct cas_liquidation liq;
    struct cas_liquidation_done done;
    bool finished;
};

struct cas_recorder {
    const struct cas_config *cfg;
    FILE *ts;
    FILE *liqmap;            /* optional */
    FILE *trades;            /* optional */
    cas_step *map_seen;      /* per instrument: step of the last map written */
    struct series *series;
    /* first instrument, over every step */
    double spread_sum, depth_sum;
    double max_basis;          /* max |price / index - 1| (perpetuals) */
    uint64_t spread_steps, steps;
    struct liq_row *liqs;
    size_t n_liqs, cap_liqs;
    /* every instrument's price at the end of every step, for cascade measures */
    double *path;
    size_t n_path, cap_path;
    bool out_of_memory;
};

static int decimals_of(double tick)
{
    for (int d = 0; d < 12; d++) {
        double scaled = tick * pow(10, d);
        if (fabs(scaled - round(scaled)) < 1e-9 * scaled)
            return d;
    }
    return 12;
}

int cas_recorder_create(struct cas_recorder **out, const struct cas_config *cfg, FILE *ts,
                        struct cas_err *err)
{
    struct cas_recorder *r = calloc(1, sizeof *r);
    if (!r || !(r->series = calloc(cfg->n_instruments, sizeof *r->series))) {
        free(r);
        return cas_err_set(err, CAS_ENOMEM, "", "out of memory");
    }
    r->cfg = cfg;
    r->ts = ts;
    for (uint32_t i = 0; i < cfg->n_instruments; i++)
        r->series[i].decimals = decimals_of(cfg->instruments[i].tick_size);
    fputs("step,time_s,instrument,bid,ask,mid,last,mark,index,spread_ticks,bid_qty,ask_qty,"
          "depth_1pct,depth_5pct,volume,trades,oi_long,oi_short,funding_rate,liquidations,"
          "liquidated_notional,insurance_fund,adl,halted\n",
          ts);
    *out = r;
    return 0;
}

void cas_recorder_destroy(struct cas_recorder *r)
{
    if (!r)
        return;
    free(r->series);
    free(r->liqs);
    free(r->path);
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
    fputs("step,instrument,price_lo,price_hi,long_notional,short_notional\n", liqmap);
}

/* A new publication of an instrument's liquidation map: its non-empty bins. */
static void write_liqmaps(struct cas_recorder *r, const struct cas_sim *sim)
{
    for (uint32_t i = 0; i < r->cfg->n_instruments; i++) {
        const struct cas_liq_map *m = cas_sim_liq_map(sim, i, 0);
        if (!m || m->published == r->map_seen[i])
            continue;
        r->map_seen[i] = m->published;
        const struct cas_instrument_config *ins = &r->cfg->instruments[i];
        for (int k = 0; k < CAS_LIQ_BINS; k++) {
            if (m->longs[k] == 0 && m->shorts[k] == 0)
                continue;
            fprintf(r->liqmap, "%lld,%s,%.2f,%.2f,%.2f,%.2f\n", (long long)m->published,
                    ins->name, (m->lo + k * m->bin) * ins->tick_size,
                    (m->lo + (k + 1) * m->bin) * ins->tick_size, m->longs[k], m->shorts[k]);
        }
    }
}

/* ---- events ---- */

static void on_trade(void *ctx, uint32_t instrument, const struct cas_fill *f)
{
    struct cas_recorder *r = ctx;
    r->series[instrument].volume += f->qty;
    r->series[instrument].trades++;
    if (!r->trades)
        return;
    const struct cas_instrument_config *ins = &r->cfg->instruments[instrument];
    fprintf(r->trades, "%llu,%s,%.*f,%lld,%s,%llu,%llu\n", (unsigned long long)r->steps,
            ins->name, r->series[instrument].decimals, (double)f->price * ins->tick_size,
            (long long)f->qty, f->taker_side == CAS_BUY ? "buy" : "sell",
            (unsigned long long)f->taker_id, (unsigned long long)f->maker_id);
}

void cas_recorder_set_trades(struct cas_recorder *r, FILE *trades)
{
    r->trades = trades;
    fputs("step,instrument,price,qty,taker_side,taker_order,maker_order\n", trades);
}

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
    if (liq->mode == CAS_LIQ_KEEPER) {
        row->finished = true;
        row->done.fill_vwap = NAN;
    }
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

/* ---- the time series ---- */

/* The writers format through cas_fmt_* (printf's digits, without printf). */
static void put_price(FILE *f, double ticks, const struct cas_instrument_config *ins, int dec)
{
    char buf[CAS_FMT_MAX + 1];
    buf[0] = ',';
    fwrite(buf, 1, 1 + cas_fmt_fixed(buf + 1, ticks * ins->tick_size, dec), f);
}

static void put_money(FILE *f, cas_money m, int decimals)
{
    char buf[CAS_FMT_MAX];
    fwrite(buf, 1, cas_fmt_scaled(buf, m, decimals), f);
}

/* ",v" */
static void put_int(FILE *f, int64_t v)
{
    char buf[CAS_FMT_MAX + 1];
    buf[0] = ',';
    fwrite(buf, 1, 1 + cas_fmt_i64(buf + 1, v), f);
}

static void put_count(FILE *f, uint64_t v)
{
    char buf[CAS_FMT_MAX + 1];
    buf[0] = ',';
    fwrite(buf, 1, 1 + cas_fmt_u64(buf + 1, v), f);
}

/* Lots resting within `pct` of the mid on both sides. */
static cas_lots depth_within(const struct cas_book *b, cas_ticks bid, cas_ticks ask, double pct)
{
    double mid = (double)(bid + ask) / 2;
    return cas_book_qty_to(b, CAS_BUY, (cas_ticks)ceil(mid * (1 - pct))) +
           cas_book_qty_to(b, CAS_SELL, (cas_ticks)floor(mid * (1 + pct)));
}

static void write_quotes(FILE *f, const struct cas_sim *sim, uint32_t i,
                         const struct cas_instrument_config *ins, int dec)
{
    const struct cas_book *b = cas_sim_book(sim, i);
    cas_ticks bid, ask;
    bool has_bid = cas_book_best_bid(b, &bid), has_ask = cas_book_best_ask(b, &ask);
    bool both = has_bid && has_ask;
    if (has_bid)
        put_price(f, (double)bid, ins, dec);
    else
        fputc(',', f);
    if (has_ask)
        put_price(f, (double)ask, ins, dec);
    else
        fputc(',', f);
    if (both)
        put_price(f, (double)(bid + ask) / 2, ins, dec + 1);
    else
        fputc(',', f);
    put_price(f, (double)cas_sim_last(sim, i), ins, dec);
    put_price(f, (double)cas_sim_mark(sim, i), ins, dec);
    if (ins->spec.kind == CAS_PERPETUAL)
        put_price(f, cas_sim_index(sim, i), ins, dec + 2);
    else
        fputc(',', f);
    if (both)
        put_int(f, ask - bid);
    else
        fputc(',', f);
    put_int(f, cas_book_best_qty(b, CAS_BUY));
    put_int(f, cas_book_best_qty(b, CAS_SELL));
    if (both) {
        put_int(f, depth_within(b, bid, ask, 0.01));
        put_int(f, depth_within(b, bid, ask, 0.05));
    } else {
        fputs(",,", f);
    }
}

static void write_row(struct cas_recorder *r, const struct cas_sim *sim, uint32_t i)
{
    const struct cas_config *cfg = r->cfg;
    const struct cas_instrument_config *ins = &cfg->instruments[i];
    const struct cas_exchange *ex = cas_sim_exchange(sim);
    struct series *s = &r->series[i];
    cas_step done = cas_sim_now(sim) + 1;
    FILE *f = r->ts;
    char buf[CAS_FMT_MAX];
    fwrite(buf, 1, cas_fmt_i64(buf, done), f);
    fputc(',', f);
    fwrite(buf, 1, cas_fmt_fixed(buf, (double)done * cfg->step_seconds,
                                 decimals_of(cfg->step_seconds)), f);
    fputc(',', f);
    fputs(ins->name, f);
    write_quotes(f, sim, i, ins, s->decimals);
    cas_lots longs, shorts;
    cas_exchange_open_interest(ex, i, &longs, &shorts);
    put_int(f, s->volume);
    put_count(f, s->trades);
    put_int(f, longs);
    put_int(f, shorts);
    fputc(',', f);
    if (ins->spec.kind == CAS_PERPETUAL && ins->funding_on)
        fprintf(f, "%.10g", cas_sim_funding_rate(sim, i));
    put_count(f, s->liquidations);
    fputc(',', f);
    put_money(f, s->liquidated, cfg->money_decimals);
    struct cas_exchange_totals t;
    cas_exchange_totals(ex, &t);
    fputc(',', f);
    put_money(f, t.insurance_fund, cfg->money_decimals);
    put_count(f, s->adl);
    fputs(cas_sim_halted(sim, i) ? ",1\n" : ",0\n", f);
    s->volume = 0;
    s->trades = 0;
    s->liquidations = 0;
    s->liquidated = 0;
    s->adl = 0;
}

static void add_path(struct cas_recorder *r, const struct cas_sim *sim)
{
    uint32_t n = r->cfg->n_instruments;
    if (r->n_path + n > r->cap_path) {
        size_t cap = r->cap_path ? 2 * r->cap_path : 4096 * (size_t)n;
        double *v = realloc(r->path, cap * sizeof *v);
        if (!v) {
            r->out_of_memory = true;
            return;
        }
        r->path = v;
        r->cap_path = cap;
    }
    for (uint32_t i = 0; i < n; i++)
        r->path[r->n_path++] = cas_sim_price(sim, i);
}

static void on_step(void *ctx, const struct cas_sim *sim)
{
    struct cas_recorder *r = ctx;
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
    r->steps++;
    double p = cas_sim_price(sim, 0);
    if (r->cfg->instruments[0].spec.kind == CAS_PERPETUAL)
        r->max_basis = fmax(r->max_basis, fabs(p / cas_sim_index(sim, 0) - 1));
    if ((cas_sim_now(sim) + 1) % r->cfg->sample_every == 0) {
        for (uint32_t i = 0; i < r->cfg->n_instruments; i++)
            write_row(r, sim, i);
    }
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

/* ---- the liquidation log ---- */

static void put_cause(FILE *f, struct cas_cause c)
{
    static const char *const names[] = {
        [CAS_CAUSE_NONE] = "none",         [CAS_CAUSE_ORDER] = "order",
        [CAS_CAUSE_LIQUIDATION] = "liquidation", [CAS_CAUSE_SHOCK] = "shock",
        [CAS_CAUSE_INDEX] = "index",       [CAS_CAUSE_FUNDING] = "funding",
        [CAS_CAUSE_MARGIN] = "margin",
    };
    fprintf(f, "%s:%llu", names[c.kind], (unsigned long long)c.id);
}

int cas_recorder_write_liquidations(const struct cas_recorder *r, FILE *f)
{
    const struct cas_config *cfg = r->cfg;
    fputs("id,step,account,instrument,side,lots,mark,fill_vwap,bankruptcy,mode,filled_lots,"
          "adl_lots,insurance_change,finished,trigger\n",
          f);
    for (size_t k = 0; k < r->n_liqs; k++) {
        const struct liq_row *row = &r->liqs[k];
        const struct cas_liquidation *l = &row->liq;
        const struct cas_instrument_config *ins = &cfg->instruments[l->instrument];
        int dec = r->series[l->instrument].decimals;
        fprintf(f, "%llu,%lld,%u,%s,%s,%lld", (unsigned long long)l->id, (long long)l->step,
                l->account, ins->name, l->side == CAS_BUY ? "long" : "short", (long long)l->lots);
        put_price(f, (double)l->mark, ins, dec);
        if (row->finished && isfinite(row->done.fill_vwap))
            put_price(f, row->done.fill_vwap, ins, dec + 2);
        else
            fputc(',', f);
        put_price(f, l->bankruptcy, ins, dec + 2);
        fprintf(f, ",%s,%lld,%lld,", l->mode == CAS_LIQ_KEEPER ? "keeper" : "engine",
                (long long)(l->mode == CAS_LIQ_KEEPER ? l->lots : row->done.filled),
                (long long)row->done.adl);
        put_money(f, row->done.insurance_change, cfg->money_decimals);
        fprintf(f, ",%d,", row->finished ? 1 : 0);
        put_cause(f, l->cause);
        fputc('\n', f);
    }
    return ferror(f) || r->out_of_memory ? CAS_EIO : 0;
}

/* ---- cascades ---- */

static void put_money_key(FILE *f, const char *key, cas_money m, int decimals, const char *sep);
static void put_num(FILE *f, const char *key, double v, const char *sep);

/* The cascades of the run so far, into a new array (free it); NULL when out of memory. */
static struct cas_cascade *build_cascades(const struct cas_recorder *r, size_t *n)
{
    size_t m = r->n_liqs;
    struct cas_liquidation *liqs = malloc((m ? m : 1) * sizeof *liqs);
    cas_money *notional = malloc((m ? m : 1) * sizeof *notional);
    struct cas_cascade *out = malloc((m ? m : 1) * sizeof *out);
    if (!liqs || !notional || !out) {
        free(liqs), free(notional), free(out);
        return NULL;
    }
    for (size_t k = 0; k < m; k++) {
        liqs[k] = r->liqs[k].liq;
        notional[k] = liqs[k].lots * liqs[k].mark *
                      r->cfg->instruments[liqs[k].instrument].spec.contract_units;
    }
    uint32_t ni = r->cfg->n_instruments;
    *n = cas_cascades_build(liqs, notional, m, r->path, (cas_step)(r->n_path / ni), ni, out);
    free(liqs);
    free(notional);
    return out;
}

int cas_recorder_write_cascades(const struct cas_recorder *r, FILE *f)
{
    size_t n;
    struct cas_cascade *cs = build_cascades(r, &n);
    if (!cs)
        return CAS_ENOMEM;
    fputs("id,root_liquidation,root_cause,instrument,side,start_step,end_step,generations,"
          "liquidations,notional,price_start,price_extreme,price_end,move_bps,extreme_step,"
          "recovery_half_steps\n",
          f);
    for (size_t k = 0; k < n; k++) {
        const struct cas_cascade *c = &cs[k];
        const struct cas_instrument_config *ins = &r->cfg->instruments[c->instrument];
        int dec = r->series[c->instrument].decimals + 1;
        fprintf(f, "%llu,%llu,", (unsigned long long)c->id, (unsigned long long)c->root);
        put_cause(f, c->cause);
        fprintf(f, ",%s,%s,%lld,%lld,%u,%llu,", ins->name, c->side == CAS_BUY ? "long" : "short",
                (long long)c->start, (long long)c->end, c->generations,
                (unsigned long long)c->liquidations);
        put_money(f, c->notional, r->cfg->money_decimals);
        put_price(f, c->price_start, ins, dec);
        put_price(f, c->price_extreme, ins, dec);
        put_price(f, c->price_end, ins, dec);
        fprintf(f, ",%.2f,%lld,", c->move_bps, (long long)c->extreme_step);
        if (c->recovery_steps >= 0)
            fprintf(f, "%lld", (long long)c->recovery_steps);
        fputc('\n', f);
    }
    free(cs);
    return ferror(f) || r->out_of_memory ? CAS_EIO : 0;
}

static void write_cascades_summary(FILE *f, const struct cas_recorder *r)
{
    size_t n = 0;
    struct cas_cascade *cs = build_cascades(r, &n);
    uint64_t size = 0;
    cas_money notional = 0;
    double move = 0;
    uint32_t generations = 0;
    for (size_t k = 0; cs && k < n; k++) {
        size = cs[k].liquidations > size ? cs[k].liquidations : size;
        notional = cs[k].notional > notional ? cs[k].notional : notional;
        move = fmax(move, cs[k].move_bps);
        generations = cs[k].generations > generations ? cs[k].generations : generations;
    }
    fprintf(f, "  \"cascades\": {\"count\": %zu, \"largest_size\": %llu, ", n,
            (unsigned long long)size);
    put_money_key(f, "largest_notional", notional, r->cfg->money_decimals, ", ");
    fprintf(f, "\"largest_drop_bps\": %.2f, \"max_generations\": %u},\n", move, generations);
    free(cs);
}

/* ---- the summary ---- */

/* The largest peak-to-trough fall of the first instrument's price, in bp,
 * and the steps from its trough until the price regained the peak (-1 never). */
static void drawdown(const struct cas_recorder *r, double *bps, cas_step *recovery)
{
    uint32_t ni = r->cfg->n_instruments;
    size_t n = r->n_path / ni;
    double peak = 0, best = 0, best_peak = 0;
    size_t trough = 0;
    for (size_t t = 0; t < n; t++) {
        double p = r->path[t * ni];
        peak = fmax(peak, p);
        if (peak > 0 && (peak - p) / peak > best) {
            best = (peak - p) / peak;
            best_peak = peak;
            trough = t;
        }
    }
    *bps = best * 1e4;
    *recovery = -1;
    for (size_t t = trough + 1; best > 0 && t < n; t++)
        if (r->path[t * ni] >= best_peak) {
            *recovery = (cas_step)(t - trough);
            break;
        }
}

static void put_array(FILE *f, const char *key, const double *ret, size_t n, bool absolute,
                      const char *sep)
{
    fprintf(f, "\"%s\": [", key);
    for (size_t lag = 1; lag <= 50; lag++) {
        double v = absolute ? cas_stats_acf_abs(ret, n, lag) : cas_stats_acf(ret, n, lag);
        if (isfinite(v))
            fprintf(f, "%s%.6g", lag > 1 ? ", " : "", v);
        else
            fprintf(f, "%snull", lag > 1 ? ", " : "");
    }
    fprintf(f, "]%s", sep);
}

/* How far each shock moved its instrument's price, in bp in the shock's
 * direction: from the end of the step before it to the extreme before the
 * next shock (at most 3600 steps on). */
static double shock_move(const struct cas_recorder *r, uint32_t k)
{
    const struct cas_config *cfg = r->cfg;
    const struct cas_shock_config *sh = &cfg->shocks[k];
    uint32_t ni = cfg->n_instruments;
    cas_step n = (cas_step)(r->n_path / ni), end = sh->step + 3600;
    for (uint32_t j = k + 1; j < cfg->n_shocks; j++)
        if (cfg->shocks[j].step > sh->step && cfg->shocks[j].step < end)
            end = cfg->shocks[j].step;
    if (end > n)
        end = n;
    bool down = sh->kind == CAS_SHOCK_MARKET_ORDER ? sh->side == CAS_SELL : sh->pct < 0;
    double start = sh->step > 0 && sh->step - 1 < n
                       ? r->path[(size_t)(sh->step - 1) * ni + sh->instrument]
                       : (double)cfg->instruments[sh->instrument].initial_price;
    double extreme = start;
    for (cas_step t = sh->step; t < end; t++) {
        double p = r->path[(size_t)t * ni + sh->instrument];
        extreme = down ? fmin(extreme, p) : fmax(extreme, p);
    }
    return (down ? start - extreme : extreme - start) / start * 1e4;
}

static void write_amplification(FILE *f, const struct cas_recorder *r,
                                const struct cas_recorder *cf)
{
    if (!cf) {
        fputs("  \"amplification\": null,\n", f);
        return;
    }
    fputs("  \"amplification\": [", f);
    for (uint32_t k = 0; k < r->cfg->n_shocks; k++) {
        double with = shock_move(r, k), without = shock_move(cf, k);
        fprintf(f, "%s{\"shock\": %u, \"step\": %lld, \"instrument\": \"%s\", ", k ? ", " : "",
                k + 1, (long long)r->cfg->shocks[k].step,
                r->cfg->instruments[r->cfg->shocks[k].instrument].name);
        put_num(f, "move_bps", with, ", ");
        put_num(f, "move_bps_without_liquidations", without, ", ");
        put_num(f, "factor", without > 0 ? with / without : NAN, "}");
    }
    fputs("],\n", f);
}

static void write_dislocation(FILE *f, const struct cas_recorder *r)
{
    double dd;
    cas_step rec;
    drawdown(r, &dd, &rec);
    fputs("  \"dislocation\": {", f);
    put_num(f, "max_basis_bps",
            r->cfg->instruments[0].spec.kind == CAS_PERPETUAL ? r->max_basis * 1e4 : NAN, ", ");
    put_num(f, "max_drawdown_bps", dd, ", ");
    if (rec >= 0)
        fprintf(f, "\"recovery_steps\": %lld},\n", (long long)rec);
    else
        fputs("\"recovery_steps\": null},\n", f);
}

/* JSON numbers: finite values with 10 significant digits, null otherwise. */
static void put_num(FILE *f, const char *key, double v, const char *sep)
{
    if (isfinite(v))
        fprintf(f, "\"%s\": %.10g%s", key, v, sep);
    else
        fprintf(f, "\"%s\": null%s", key, sep);
}

static void put_money_key(FILE *f, const char *key, cas_money m, int decimals, const char *sep)
{
    fprintf(f, "\"%s\": ", key);
    put_money(f, m, decimals);
    fputs(sep, f);
}

static void write_venue(FILE *f, const struct cas_config *cfg, const struct cas_sim *sim)
{
    struct cas_exchange_totals t;
    cas_exchange_totals(cas_sim_exchange(sim), &t);
    int d = cfg->money_decimals;
    fprintf(f, "  \"accounting\": {\"conserved\": %s, ", t.deposited == t.held ? "true" : "false");
    put_money_key(f, "total_initial", t.deposited, d, ", ");
    put_money_key(f, "total_final", t.held, d, ", ");
    put_money_key(f, "fees", t.fees, d, ", ");
    put_money_key(f, "rounding_residue", t.residue, d, "},\n");
    fprintf(f, "  \"liquidations\": {\"count\": %llu, ", (unsigned long long)t.liquidations);
    put_money_key(f, "notional", t.liquidated_notional, d, ", ");
    fprintf(f, "\"engine\": %llu, \"keeper\": %llu, \"adl\": %llu},\n",
            (unsigned long long)t.engine, (unsigned long long)t.keeper,
            (unsigned long long)t.adl);
    fputs("  \"insurance_fund\": {", f);
    put_money_key(f, "initial", cfg->insurance_fund, d, ", ");
    put_money_key(f, "final", t.insurance_fund, d, ", ");
    put_money_key(f, "min", t.insurance_min, d, "},\n");
}

/* Per agent type, over its populations: count, orders, trades, liquidations
 * and PnL (equity at the end minus the deposit, quote currency). */
static void write_agents(FILE *f, const struct cas_recorder *r, const struct cas_sim *sim)
{
    const struct cas_config *cfg = r->cfg;
    size_t nt;
    const struct cas_agent_type *const *types = cas_agent_types(&nt);
    fputs("  \"agents\": {", f);
    bool first = true;
    for (size_t t = 0; t < nt; t++) {
        uint64_t count = 0, orders = 0, trades = 0, liquidated = 0;
        cas_money pnl = 0;
        uint32_t g = 0;
        for (uint32_t p = 0; p < cfg->n_populations; p++) {
            const struct cas_population_config *pop = &cfg->populations[p];
            for (uint32_t k = 0; k < pop->count; k++, g++) {
                if (pop->type != types[t])
                    continue;
                struct cas_agent_stats st;
                struct cas_account_view v;
                cas_sim_agent_stats(sim, g, &st);
                cas_exchange_account(cas_sim_exchange(sim), cas_sim_agent_account(sim, g), &v);
                count++, orders += st.orders, trades += st.trades, liquidated += st.liquidated;
                pnl += v.equity - st.deposit;
            }
        }
        if (count == 0)
            continue;
        fprintf(f, "%s\"%s\": {\"count\": %llu, \"orders\": %llu, \"trades\": %llu, "
                   "\"liquidated\": %llu, ",
                first ? "" : ", ", types[t]->name, (unsigned long long)count,
                (unsigned long long)orders, (unsigned long long)trades,
                (unsigned long long)liquidated);
        put_money_key(f, "pnl", pnl, cfg->money_decimals, "}");
        first = false;
    }
    fputs("},\n", f);
}

int cas_recorder_write_summary(const struct cas_recorder *r, const struct cas_sim *sim,
                               const struct cas_run_perf *perf,
                               const struct cas_recorder *counterfactual, FILE *f)
{
    const struct cas_config *cfg = r->cfg;
    double tick = cfg->instruments[0].tick_size;
    /* everything below is derived from the first instrument's price path:
     * its extremes over every step, and its samples every sample_every steps */
    uint32_t ni = cfg->n_instruments;
    size_t n = r->n_path / ni, se = (size_t)cfg->sample_every, n_samples = n / se;
    double final = n ? r->path[(n - 1) * ni] : (double)cfg->instruments[0].initial_price;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t t = 0; t < n; t++) {
        lo = fmin(lo, r->path[t * ni]);
        hi = fmax(hi, r->path[t * ni]);
    }
    size_t n_ret = n_samples > 1 ? n_samples - 1 : 0;
    double *ret = malloc((n_ret ? n_ret : 1) * sizeof *ret);
    if (!ret)
        return CAS_ENOMEM;
    for (size_t i = 0; i < n_ret; i++)
        ret[i] = log(r->path[((i + 2) * se - 1) * ni] / r->path[((i + 1) * se - 1) * ni]);
    struct cas_sim_counters c = cas_sim_counters(sim);
    double steps = (double)r->steps;

    fprintf(f, "{\n  \"version\": \"%s\",\n  \"name\": \"%s\",\n", CAS_VERSION, cfg->name);
    fprintf(f, "  \"seed\": %llu,\n  \"steps\": %lld,\n  \"instrument\": \"%s\",\n",
            (unsigned long long)cfg->seed, (long long)cfg->steps, cfg->instruments[0].name);
    fputs("  \"prices\": {", f);
    put_num(f, "initial", (double)cfg->instruments[0].initial_price * tick, ", ");
    put_num(f, "final", final * tick, ", ");
    put_num(f, "min", lo * tick, ", ");
    put_num(f, "max", hi * tick, "},\n");
    fputs("  \"book\": {", f);
    put_num(f, "mean_spread_ticks", r->spread_steps ? r->spread_sum / (double)r->spread_steps : NAN,
            ", ");
    put_num(f, "mean_depth_best_lots", steps > 0 ? r->depth_sum / steps : NAN, "},\n");
    fprintf(f, "  \"stylized\": {\"horizon_steps\": %lld, \"returns\": %zu, ",
            (long long)cfg->sample_every, n_ret);
    put_num(f, "excess_kurtosis", cas_stats_excess_kurtosis(ret, n_ret), ", ");
    put_num(f, "acf_r_lag1", cas_stats_acf(ret, n_ret, 1), ", ");
    put_num(f, "acf_absr_lag1", cas_stats_acf_abs(ret, n_ret, 1), ", ");
    put_num(f, "hill_index", cas_stats_hill(ret, n_ret, n_ret / 20), ", ");
    put_array(f, "acf_r", ret, n_ret, false, ", ");
    put_array(f, "acf_absr", ret, n_ret, true, "},\n");
    write_dislocation(f, r);
    write_venue(f, cfg, sim);
    write_cascades_summary(f, r);
    write_amplification(f, r, counterfactual);
    write_agents(f, r, sim);
    fprintf(f, "  \"activity\": {\"rejected\": %llu, \"stops\": %llu, \"fundings\": %llu},\n",
            (unsigned long long)c.rejected, (unsigned long long)c.stops,
            (unsigned long long)c.fundings);
    fputs("  \"performance\": {", f);
    put_num(f, "wall_s", perf->wall_s, ", ");
    put_num(f, "steps_per_s", perf->wall_s > 0 ? steps / perf->wall_s : NAN, ", ");
    put_num(f, "events_per_s",
            perf->wall_s > 0 ? (double)(c.orders + c.expiries) / perf->wall_s : NAN, ", ");
    fprintf(f, "\"orders\": %llu, \"trades\": %llu, \"expiries\": %llu, \"wakeups\": %llu, ",
            (unsigned long long)c.orders, (unsigned long long)c.trades,
            (unsigned long long)c.expiries, (unsigned long long)c.wakeups);
    put_num(f, "peak_rss_mb", perf->peak_rss_mb, "}\n}\n");
    free(ret);
    return ferror(f) ? CAS_EIO : 0;
}
