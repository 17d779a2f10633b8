/* recorder: the time series and the run summary, from sim events.
 *
 * The "price" of an instrument at a step is its mid when both sides are
 * quoted, else its last trade price. Summary figures describe the first
 * instrument (named in summary.json); the time series covers them all.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cascade/record.h"
#include "cascade/stats.h"

struct series {
    cas_lots volume; /* since the last row */
    uint64_t trades; /* since the last row */
    int decimals;    /* of the tick size, for printing prices */
};

struct cas_recorder {
    const struct cas_config *cfg;
    FILE *ts;
    struct series *series;
    /* first instrument, over every step */
    double price_min, price_max, price_final; /* in ticks; halves for mids */
    double spread_sum, depth_sum;
    uint64_t spread_steps, steps;
    /* first instrument's price at each sample, for returns */
    double *samples;
    size_t n_samples, cap_samples;
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
    r->price_min = INFINITY;
    r->price_max = -INFINITY;
    r->price_final = (double)cfg->instruments[0].initial_price;
    fputs("step,time_s,instrument,bid,ask,mid,last,spread_ticks,bid_qty,ask_qty,volume,trades\n",
          ts);
    *out = r;
    return 0;
}

void cas_recorder_destroy(struct cas_recorder *r)
{
    if (!r)
        return;
    free(r->series);
    free(r->samples);
    free(r);
}

static void on_trade(void *ctx, uint32_t instrument, const struct cas_fill *f)
{
    struct cas_recorder *r = ctx;
    r->series[instrument].volume += f->qty;
    r->series[instrument].trades++;
}

static void put_price(FILE *f, double ticks, const struct cas_instrument_config *ins, int dec)
{
    fprintf(f, ",%.*f", dec, ticks * ins->tick_size);
}

static void write_row(struct cas_recorder *r, const struct cas_sim *sim, uint32_t i)
{
    const struct cas_instrument_config *ins = &r->cfg->instruments[i];
    const struct cas_book *b = cas_sim_book(sim, i);
    struct series *s = &r->series[i];
    cas_ticks bid, ask;
    bool has_bid = cas_book_best_bid(b, &bid), has_ask = cas_book_best_ask(b, &ask);
    cas_step done = cas_sim_now(sim) + 1;
    FILE *f = r->ts;
    fprintf(f, "%lld,%.*f,%s", (long long)done, decimals_of(r->cfg->step_seconds),
            (double)done * r->cfg->step_seconds, ins->name);
    if (has_bid)
        put_price(f, (double)bid, ins, s->decimals);
    else
        fputc(',', f);
    if (has_ask)
        put_price(f, (double)ask, ins, s->decimals);
    else
        fputc(',', f);
    if (has_bid && has_ask)
        put_price(f, (double)(bid + ask) / 2, ins, s->decimals + 1);
    else
        fputc(',', f);
    put_price(f, (double)cas_sim_last(sim, i), ins, s->decimals);
    if (has_bid && has_ask)
        fprintf(f, ",%lld", (long long)(ask - bid));
    else
        fputc(',', f);
    fprintf(f, ",%lld,%lld,%lld,%llu\n", (long long)cas_book_best_qty(b, CAS_BUY),
            (long long)cas_book_best_qty(b, CAS_SELL), (long long)s->volume,
            (unsigned long long)s->trades);
    s->volume = 0;
    s->trades = 0;
}

static double price_of(const struct cas_sim *sim, uint32_t i)
{
    const struct cas_book *b = cas_sim_book(sim, i);
    cas_ticks bid, ask;
    if (cas_book_best_bid(b, &bid) && cas_book_best_ask(b, &ask))
        return (double)(bid + ask) / 2;
    return (double)cas_sim_last(sim, i);
}

static void add_sample(struct cas_recorder *r, double price)
{
    if (r->n_samples == r->cap_samples) {
        size_t cap = r->cap_samples ? 2 * r->cap_samples : 1024;
        double *v = realloc(r->samples, cap * sizeof *v);
        if (!v)
            return; /* statistics then cover the samples kept so far */
        r->samples = v;
        r->cap_samples = cap;
    }
    r->samples[r->n_samples++] = price;
}

static void on_step(void *ctx, const struct cas_sim *sim)
{
    struct cas_recorder *r = ctx;
    const struct cas_book *b = cas_sim_book(sim, 0);
    cas_ticks bid, ask;
    if (cas_book_best_bid(b, &bid) && cas_book_best_ask(b, &ask)) {
        r->spread_sum += (double)(ask - bid);
        r->spread_steps++;
    }
    r->depth_sum += (double)(cas_book_best_qty(b, CAS_BUY) + cas_book_best_qty(b, CAS_SELL)) / 2;
    r->steps++;
    double p = price_of(sim, 0);
    r->price_final = p;
    r->price_min = fmin(r->price_min, p);
    r->price_max = fmax(r->price_max, p);
    if ((cas_sim_now(sim) + 1) % r->cfg->sample_every == 0) {
        for (uint32_t i = 0; i < r->cfg->n_instruments; i++)
            write_row(r, sim, i);
        add_sample(r, p);
    }
}

struct cas_sim_observer cas_recorder_observer(struct cas_recorder *r)
{
    return (struct cas_sim_observer){.ctx = r, .on_trade = on_trade, .on_step = on_step};
}

/* JSON numbers: finite values with 10 significant digits, null otherwise. */
static void put_num(FILE *f, const char *key, double v, const char *sep)
{
    if (isfinite(v))
        fprintf(f, "\"%s\": %.10g%s", key, v, sep);
    else
        fprintf(f, "\"%s\": null%s", key, sep);
}

int cas_recorder_write_summary(const struct cas_recorder *r, const struct cas_sim *sim,
                               const struct cas_run_perf *perf, FILE *f)
{
    const struct cas_config *cfg = r->cfg;
    double tick = cfg->instruments[0].tick_size;
    size_t n_ret = r->n_samples > 1 ? r->n_samples - 1 : 0;
    double *ret = malloc((n_ret ? n_ret : 1) * sizeof *ret);
    if (!ret)
        return CAS_ENOMEM;
    for (size_t i = 0; i < n_ret; i++)
        ret[i] = log(r->samples[i + 1] / r->samples[i]);
    struct cas_sim_counters c = cas_sim_counters(sim);
    double steps = (double)r->steps;

    fprintf(f, "{\n  \"version\": \"%s\",\n  \"name\": \"%s\",\n", CAS_VERSION, cfg->name);
    fprintf(f, "  \"seed\": %llu,\n  \"steps\": %lld,\n  \"instrument\": \"%s\",\n",
            (unsigned long long)cfg->seed, (long long)cfg->steps, cfg->instruments[0].name);
    fputs("  \"prices\": {", f);
    put_num(f, "initial", (double)cfg->instruments[0].initial_price * tick, ", ");
    put_num(f, "final", r->price_final * tick, ", ");
    put_num(f, "min", r->price_min * tick, ", ");
    put_num(f, "max", r->price_max * tick, "},\n");
    fputs("  \"book\": {", f);
    put_num(f, "mean_spread_ticks", r->spread_steps ? r->spread_sum / (double)r->spread_steps : NAN,
            ", ");
    put_num(f, "mean_depth_best_lots", steps > 0 ? r->depth_sum / steps : NAN, "},\n");
    fprintf(f, "  \"stylized\": {\"horizon_steps\": %lld, \"returns\": %zu, ",
            (long long)cfg->sample_every, n_ret);
    put_num(f, "excess_kurtosis", cas_stats_excess_kurtosis(ret, n_ret), ", ");
    put_num(f, "acf_r_lag1", cas_stats_acf(ret, n_ret, 1), ", ");
    put_num(f, "acf_absr_lag1", cas_stats_acf_abs(ret, n_ret, 1), "},\n");
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
