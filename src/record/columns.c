/* columns: every column of every CSV a run writes, declared once — its
 * header name, unit and meaning (docs/outputs.md lists exactly these; a test
 * holds them together) and how its value is written.
 *
 * To add a column: add a row to its table, with a put function, and the same
 * row to docs/outputs.md; tests/test_outputs.c says what is missing.
 */
#include <math.h>
#include <string.h>

#include "cascade/fmath.h"
#include "cascade/fmt.h"
#include "cascade/sim.h"
#include "record/recordInt.h"

/* ---- printing ---- */

/* clang-format off */
const char *const cas__cause_names[] = {
    [CAS_CAUSE_NONE] = "none",         [CAS_CAUSE_ORDER] = "order",
    [CAS_CAUSE_LIQUIDATION] = "liquidation", [CAS_CAUSE_SHOCK] = "shock",
    [CAS_CAUSE_INDEX] = "index",       [CAS_CAUSE_FUNDING] = "funding",
    [CAS_CAUSE_MARGIN] = "margin",     [CAS_CAUSE_CARRIED] = "carried",
};

/* Numbers go through cas_fmt (src/core/fmt.c): printf's digits, faster. A row
 * is built in a struct line and reaches its stream in one fwrite. */

void cas__line_flush(struct line *l)
{
    fwrite(l->buf, 1, l->n, l->f);
    l->n = 0;
}

void cas__line_long_str(struct line *l, const char *s, size_t k)
{
    cas__line_flush(l);
    fwrite(s, 1, k, l->f);
}

void cas__put_money(FILE *f, cas_money m, int decimals)
{
    char buf[CAS_FMT_MAX];
    fwrite(buf, 1, cas_fmt_scaled(buf, m, decimals), f);
}

static void put_money(struct line *f, cas_money m, int decimals)
{
    f->n += cas_fmt_scaled(cas__line_room(f, CAS_FMT_MAX), m, decimals);
}

static void put_fixed(struct line *f, double x, int decimals)
{
    f->n += cas_fmt_fixed(cas__line_room(f, CAS_FMT_MAX), x, decimals);
}

/* x as "%.10g" (at most 17 characters) */
static void put_g10(struct line *f, double x)
{
    f->n += (size_t)snprintf(cas__line_room(f, CAS_FMT_MAX), CAS_FMT_MAX, "%.10g", x);
}

void cas__put_header(FILE *f, const struct column *cols, size_t n)
{
    for (size_t k = 0; k < n; k++)
        fprintf(f, "%s%s", k ? "," : "", cols[k].doc.name);
    fputc('\n', f);
}

void cas__put_row(FILE *f, const struct column *cols, size_t n, const void *row)
{
    struct line l;           /* not zeroed: 4 KB per row would cost more than the row */
    l.f = f;
    l.n = 0;
    for (size_t k = 0; k < n; k++) {
        if (k)
            cas__line_char(&l, ',');
        cols[k].put(&l, row);
    }
    cas__line_char(&l, '\n');
    cas__line_flush(&l);
}

int cas__decimals_of(double x)
{
    for (int d = 0; d < 12; d++) {
        double scaled = x * cas_pow10(d);
        if (fabs(scaled - round(scaled)) < 1e-9 * scaled)
            return d;
    }
    return 12;
}

/* ---- timeseries.csv ---- */

#define TS(x) ((const struct ts_row *)(x))
#define PERP(x) (TS(x)->ins->spec.kind == CAS_PERPETUAL)

static void ts_step(struct line *f, const void *x) { cas__line_int(f, TS(x)->r->step); }
static void ts_time(struct line *f, const void *x)
{
    const struct cas_recorder *r = TS(x)->r;
    put_fixed(f, (double)(r->step + 1) * r->cfg->step_seconds, r->time_decimals);
}
static void ts_instrument(struct line *f, const void *x) { cas__line_str(f, TS(x)->ins->name); }
static void ts_bid(struct line *f, const void *x)
{
    if (TS(x)->has_bid)
        cas__line_price(f, (double)TS(x)->bid, TS(x)->ins, TS(x)->s->decimals);
}
static void ts_ask(struct line *f, const void *x)
{
    if (TS(x)->has_ask)
        cas__line_price(f, (double)TS(x)->ask, TS(x)->ins, TS(x)->s->decimals);
}
static void ts_mid(struct line *f, const void *x)
{
    if (TS(x)->has_bid && TS(x)->has_ask)
        cas__line_price(f, (double)(TS(x)->bid + TS(x)->ask) / 2, TS(x)->ins,
                       TS(x)->s->decimals + 1);
}
static void ts_last(struct line *f, const void *x)
{
    cas__line_price(f, (double)cas_sim_last(TS(x)->sim, TS(x)->i), TS(x)->ins, TS(x)->s->decimals);
}
static void ts_low(struct line *f, const void *x)
{
    if (isfinite(TS(x)->s->row_low))
        cas__line_price(f, TS(x)->s->row_low, TS(x)->ins, TS(x)->s->decimals);
}
static void ts_high(struct line *f, const void *x)
{
    if (isfinite(TS(x)->s->row_high))
        cas__line_price(f, TS(x)->s->row_high, TS(x)->ins, TS(x)->s->decimals);
}
static void ts_mark(struct line *f, const void *x)
{
    cas__line_price(f, (double)cas_sim_mark(TS(x)->sim, TS(x)->i), TS(x)->ins, TS(x)->s->decimals);
}
static void ts_index(struct line *f, const void *x)
{
    if (PERP(x))
        cas__line_price(f, cas_sim_index(TS(x)->sim, TS(x)->i), TS(x)->ins,
                       TS(x)->s->decimals + 2);
}
static void ts_value(struct line *f, const void *x)
{
    if (!PERP(x))
        cas__line_price(f, cas_sim_value(TS(x)->sim, TS(x)->i), TS(x)->ins, TS(x)->s->decimals + 2);
}
static void ts_spread(struct line *f, const void *x)
{
    if (TS(x)->has_bid && TS(x)->has_ask)
        cas__line_int(f, TS(x)->ask - TS(x)->bid);
}
static void ts_bid_qty(struct line *f, const void *x)
{
    cas__line_int(f, cas_book_best_qty(cas_sim_book(TS(x)->sim, TS(x)->i), CAS_BUY));
}
static void ts_ask_qty(struct line *f, const void *x)
{
    cas__line_int(f, cas_book_best_qty(cas_sim_book(TS(x)->sim, TS(x)->i), CAS_SELL));
}
/* Lots resting within `pct` of the mid on both sides; empty without a mid. */
static void depth_within(struct line *f, const struct ts_row *x, double pct)
{
    if (!x->has_bid || !x->has_ask)
        return;
    const struct cas_book *b = cas_sim_book(x->sim, x->i);
    double mid = (double)(x->bid + x->ask) / 2;
    cas__line_int(f, cas_book_qty_to(b, CAS_BUY, (cas_ticks)ceil(mid * (1 - pct))) +
                   cas_book_qty_to(b, CAS_SELL, (cas_ticks)floor(mid * (1 + pct))));
}
static void ts_depth1(struct line *f, const void *x) { depth_within(f, TS(x), 0.01); }
static void ts_depth5(struct line *f, const void *x) { depth_within(f, TS(x), 0.05); }
static void ts_volume(struct line *f, const void *x) { cas__line_int(f, TS(x)->s->volume); }
static void ts_trades(struct line *f, const void *x) { cas__line_uint(f, TS(x)->s->trades); }
static void ts_oi(struct line *f, const struct ts_row *x, bool longs)
{
    cas_lots l, s;
    cas_exchange_open_interest(cas_sim_exchange(x->sim), x->i, &l, &s);
    cas__line_int(f, longs ? l : s);
}
static void ts_oi_long(struct line *f, const void *x) { ts_oi(f, TS(x), true); }
static void ts_oi_short(struct line *f, const void *x) { ts_oi(f, TS(x), false); }
static void ts_funding(struct line *f, const void *x)
{
    if (PERP(x) && TS(x)->ins->funding_on)
        put_g10(f, cas_sim_funding_rate(TS(x)->sim, TS(x)->i));
}
static void ts_mmr_scale(struct line *f, const void *x)
{
    if (PERP(x))
        put_fixed(f, (double)cas_sim_margin_scale(TS(x)->sim, TS(x)->i) / CAS_PPM, 6);
}
static void ts_liquidations(struct line *f, const void *x) { cas__line_uint(f, TS(x)->s->liquidations); }
static void ts_liquidated(struct line *f, const void *x)
{
    put_money(f, TS(x)->s->liquidated, TS(x)->r->cfg->money_decimals);
}
static void ts_fund(struct line *f, const void *x)
{
    struct cas_exchange_totals t;
    cas_exchange_totals(cas_sim_exchange(TS(x)->sim), &t);
    put_money(f, t.insurance_fund, TS(x)->r->cfg->money_decimals);
}
static void ts_adl(struct line *f, const void *x) { cas__line_uint(f, TS(x)->s->adl); }
static void ts_desk_lots(struct line *f, const void *x) { cas__line_int(f, TS(x)->desk_lots); }
static void ts_desk_equity(struct line *f, const void *x)
{
    if (TS(x)->n_desks > 0)
        put_money(f, TS(x)->desk_equity, TS(x)->r->cfg->money_decimals);
}
static void ts_arb_at_limit(struct line *f, const void *x)
{
    uint32_t at_limit, of;
    cas_sim_arbitrage(TS(x)->sim, TS(x)->i, &at_limit, &of);
    cas__line_uint(f, at_limit);
}
static void ts_halted(struct line *f, const void *x)
{
    cas__line_char(f, cas_sim_halted(TS(x)->sim, TS(x)->i) ? '1' : '0');
}

const struct column cas__ts_columns[] = {
    {{"step", "steps", "the step whose end the row describes; counts cover the steps after the "
                       "previous row up to and including this one"}, ts_step},
    {{"time_s", "seconds", "time at the end of the step: (`step` + 1) × `step_seconds`"}, ts_time},
    {{"instrument", "", "instrument name"}, ts_instrument},
    {{"bid", "quote currency", "best bid; empty when no bid rests"}, ts_bid},
    {{"ask", "quote currency", "best ask; empty when no ask rests"}, ts_ask},
    {{"mid", "quote currency", "(bid + ask) / 2; empty unless both sides are quoted"}, ts_mid},
    {{"last", "quote currency", "last trade price (initial price before any trade)"}, ts_last},
    {{"low", "quote currency", "the lowest trade price since the previous row, trades inside a "
                               "step included; empty when nothing traded"}, ts_low},
    {{"high", "quote currency", "the highest trade price since the previous row; empty when "
                                "nothing traded"}, ts_high},
    {{"mark", "quote currency", "the venue's mark price (perpetuals: by the instrument's "
                                "`mark.method`; spot: mid, else last)"}, ts_mark},
    {{"index", "quote currency", "the perpetual's index price; empty on spot"}, ts_index},
    {{"value", "quote currency", "the spot instrument's fundamental value, which fundamental "
                                 "traders anchor on: the initial price unless the instrument's "
                                 "`value` process or a `news` shock moves it; empty on "
                                 "perpetuals (their value is the index)"}, ts_value},
    {{"spread_ticks", "ticks", "ask − bid; empty unless both sides are quoted"}, ts_spread},
    {{"bid_qty", "lots", "lots resting at the best bid (0 when none)"}, ts_bid_qty},
    {{"ask_qty", "lots", "lots resting at the best ask (0 when none)"}, ts_ask_qty},
    {{"depth_1pct", "lots", "lots resting within ±1% of the mid, both sides; empty without a "
                            "mid"}, ts_depth1},
    {{"depth_5pct", "lots", "the same within ±5%"}, ts_depth5},
    {{"volume", "lots", "lots traded since the previous row"}, ts_volume},
    {{"trades", "fills", "fills since the previous row (one market order sweeping three makers "
                         "is three fills)"}, ts_trades},
    {{"oi_long", "lots", "open interest: long lots held"}, ts_oi_long},
    {{"oi_short", "lots", "open interest: short lots held (equal to `oi_long` on a perpetual)"},
     ts_oi_short},
    {{"funding_rate", "fraction per interval", "the predicted funding rate now (perpetuals with "
                                               "funding; empty otherwise)"}, ts_funding},
    {{"mmr_scale", "×", "the scale dynamic margin applies to the maintenance rates: 1 = the "
                        "configured tiers (perpetuals; empty on spot)"}, ts_mmr_scale},
    {{"liquidations", "count", "liquidations on this instrument since the previous row "
                               "(the `liquidations.csv` rows of those steps)"}, ts_liquidations},
    {{"liquidated_notional", "quote currency", "their notional at the mark when triggered"},
     ts_liquidated},
    {{"insurance_fund", "quote currency", "the venue's insurance fund balance"}, ts_fund},
    {{"adl", "count", "auto-deleveraging events (one per counterparty) since the previous row"},
     ts_adl},
    {{"halted", "0/1", "1 while a price-band halt stops trading on the instrument"}, ts_halted},
    {{"arb_at_limit", "count", "arbitrageurs on the instrument (basis_arb, fundamental) that, at "
                               "their last wake-up, wanted to trade against the mispricing but "
                               "were stopped by their capital limit (`max_notional`) or refused "
                               "margin"}, ts_arb_at_limit},
    {{"desk_lots", "lots", "the basis arbitrageurs' net position on this instrument: their "
                           "perpetual leg on a perpetual's rows, their spot hedge on a spot "
                           "book's"}, ts_desk_lots},
    {{"desk_equity", "quote currency", "the equity of the basis arbitrageurs trading this "
                                       "instrument, both legs at the marks: the capital they "
                                       "have left; empty where none trades"}, ts_desk_equity},
};
const size_t cas__n_ts_columns = sizeof cas__ts_columns / sizeof *cas__ts_columns;

/* ---- liquidations.csv ---- */

#define LQ(x) ((const struct liq_out *)(x))
#define LIQ(x) (&LQ(x)->row->liq)
#define LINS(x) (&LQ(x)->r->cfg->instruments[LIQ(x)->instrument])
#define LDEC(x) (LQ(x)->r->series[LIQ(x)->instrument].decimals)
#define KEEPER(x) (LIQ(x)->mode == CAS_LIQ_KEEPER)

static void lq_id(struct line *f, const void *x) { cas__line_uint(f, LIQ(x)->id); }
static void lq_step(struct line *f, const void *x) { cas__line_int(f, LIQ(x)->step); }
static void lq_account(struct line *f, const void *x) { cas__line_uint(f, LIQ(x)->account); }
static void lq_instrument(struct line *f, const void *x) { cas__line_str(f, LINS(x)->name); }
static void lq_side(struct line *f, const void *x)
{
    cas__line_str(f, LIQ(x)->side == CAS_BUY ? "long" : "short");
}
static void lq_lots(struct line *f, const void *x) { cas__line_int(f, LIQ(x)->lots); }
static void lq_mark(struct line *f, const void *x)
{
    cas__line_price(f, (double)LIQ(x)->mark, LINS(x), LDEC(x));
}
static void lq_vwap(struct line *f, const void *x)
{
    if (LQ(x)->row->finished)
        cas__line_price(f, LQ(x)->row->done.fill_vwap, LINS(x), LDEC(x) + 2);
}
static void lq_worst(struct line *f, const void *x)
{
    cas__line_price(f, LQ(x)->row->worst_fill, LINS(x), LDEC(x));
}
static void lq_bankruptcy(struct line *f, const void *x)
{
    cas__line_price(f, LIQ(x)->bankruptcy, LINS(x), LDEC(x) + 2);
}
static void lq_liq_price(struct line *f, const void *x)
{
    cas__line_price(f, LIQ(x)->liquidation, LINS(x), LDEC(x) + 2);
}
static void lq_leverage(struct line *f, const void *x) { cas__line_int(f, LIQ(x)->leverage); }
static void lq_mode(struct line *f, const void *x) { cas__line_str(f, KEEPER(x) ? "keeper" : "engine"); }
static void lq_filled(struct line *f, const void *x)
{
    cas__line_int(f, KEEPER(x) ? LIQ(x)->lots : LQ(x)->row->done.filled);
}
static void lq_adl(struct line *f, const void *x) { cas__line_int(f, LQ(x)->row->done.adl); }
static void lq_fund(struct line *f, const void *x)
{
    put_money(f, LQ(x)->row->done.insurance_change, LQ(x)->r->cfg->money_decimals);
}
static void lq_finished(struct line *f, const void *x) { cas__line_char(f, LQ(x)->row->finished ? '1' : '0'); }
static void lq_finish_step(struct line *f, const void *x)
{
    if (LQ(x)->row->finished)
        cas__line_int(f, LQ(x)->row->done.step);
}
static void lq_trigger(struct line *f, const void *x) { cas__line_cause(f, LIQ(x)->cause); }
static void lq_cascade(struct line *f, const void *x)
{
    cas__line_uint(f, cas_cascades_of(LQ(x)->r->cascades, LIQ(x)->id));
}
static void lq_generation(struct line *f, const void *x)
{
    cas__line_uint(f, cas_cascades_generation(LQ(x)->r->cascades, LIQ(x)->id));
}

const struct column cas__liq_columns[] = {
    {{"id", "", "1, 2, … in the order liquidations happened"}, lq_id},
    {{"step", "steps", "step in which it was triggered"}, lq_step},
    {{"account", "", "the liquidated account"}, lq_account},
    {{"instrument", "", "instrument name"}, lq_instrument},
    {{"side", "", "`long` or `short`: the liquidated position"}, lq_side},
    {{"lots", "lots", "lots taken over (engine) or transferred to the keeper"}, lq_lots},
    {{"mark", "quote currency", "the mark when it was triggered"}, lq_mark},
    {{"fill_vwap", "quote currency", "volume-weighted price of the engine's fills in the book "
                                     "(empty when none, or while unfinished); for a keeper, the "
                                     "take-over price"}, lq_vwap},
    {{"worst_fill", "quote currency", "the engine's worst fill in the book: its lowest sale "
                                      "for a long, its highest buy for a short (empty when none "
                                      "filled; keepers trade outside the book)"}, lq_worst},
    {{"bankruptcy", "quote currency", "the position's bankruptcy price (equity zero)"},
     lq_bankruptcy},
    {{"liquidation_price", "quote currency", "the position's liquidation price just before it "
                                             "was taken (other positions of the account held "
                                             "at their marks): the level the mark crossed"},
     lq_liq_price},
    {{"leverage", "×", "the account's leverage setting (the venue caps it per instrument and "
                       "tier)"}, lq_leverage},
    {{"mode", "", "`engine` (the venue takes over and works the position) or `keeper` (a "
                  "liquidator takes it over)"}, lq_mode},
    {{"filled_lots", "lots", "engine: lots closed in the book; keeper: lots transferred"},
     lq_filled},
    {{"adl_lots", "lots", "lots closed by auto-deleveraging against opposite positions"}, lq_adl},
    {{"insurance_change", "quote currency", "what the fund gained (surplus, > 0) or paid "
                                            "(shortfall, < 0)"}, lq_fund},
    {{"finished", "0/1", "0 when an engine job was still working when the run ended"},
     lq_finished},
    {{"finish_step", "steps", "step in which its orders were finished (filled, handed to ADL "
                              "or the fund); a keeper's take-over finishes at once; empty while "
                              "unfinished"}, lq_finish_step},
    {{"trigger", "", "the cause of the move that put the account under water: `shock:N` (the "
                     "Nth configured shock), `liquidation:ID` (that liquidation's orders moved "
                     "the mark: a cascade), `carried:ID` (the index moved, its spot books "
                     "sold or bought by orders answering liquidation ID's: a cascade that "
                     "travelled through spot), `order:ACCOUNT` (an order of that account), "
                     "`index:STEP` (the index moved), `funding:N` (the Nth funding payment), "
                     "`margin:SCALE` (dynamic margin raised the rates to SCALE ppm of the "
                     "configured ones)"}, lq_trigger},
    {{"cascade", "", "the id of its cascade in `cascades.csv`"}, lq_cascade},
    {{"generation", "", "its depth in the cascade's tree: 1 for the root, 2 for a liquidation "
                        "the root's orders triggered, …"}, lq_generation},
};
const size_t cas__n_liq_columns = sizeof cas__liq_columns / sizeof *cas__liq_columns;

/* ---- cascades.csv ---- */

#define CS(x) (((const struct cascade_out *)(x))->c)
#define CR(x) (((const struct cascade_out *)(x))->r)
#define CINS(x) (&CR(x)->cfg->instruments[CS(x)->instrument])
#define CDEC(x) (CR(x)->series[CS(x)->instrument].decimals + 1)
#define CPERP(x) (CINS(x)->spec.kind == CAS_PERPETUAL)

static void cs_id(struct line *f, const void *x) { cas__line_uint(f, CS(x)->id); }
static void cs_episode(struct line *f, const void *x) { cas__line_uint(f, CS(x)->episode); }
static void cs_root(struct line *f, const void *x) { cas__line_uint(f, CS(x)->root); }
static void cs_cause(struct line *f, const void *x) { cas__line_cause(f, CS(x)->cause); }
static void cs_instrument(struct line *f, const void *x) { cas__line_str(f, CINS(x)->name); }
static void cs_side(struct line *f, const void *x) { cas__line_str(f, CS(x)->side == CAS_BUY ? "long" : "short"); }
static void cs_start(struct line *f, const void *x) { cas__line_int(f, CS(x)->start); }
static void cs_end(struct line *f, const void *x) { cas__line_int(f, CS(x)->end); }
static void cs_finish(struct line *f, const void *x)
{
    if (CS(x)->finish >= 0)
        cas__line_int(f, CS(x)->finish);
}
static void cs_duration(struct line *f, const void *x)
{
    if (CS(x)->finish >= 0)
        cas__line_int(f, CS(x)->finish - CS(x)->start + 1);
}
static void cs_generations(struct line *f, const void *x) { cas__line_uint(f, CS(x)->generations); }
static void cs_liquidations(struct line *f, const void *x) { cas__line_uint(f, CS(x)->liquidations); }
static void cs_notional(struct line *f, const void *x)
{
    put_money(f, CS(x)->notional, CR(x)->cfg->money_decimals);
}
static void cs_price_start(struct line *f, const void *x)
{
    cas__line_price(f, CS(x)->price_start, CINS(x), CDEC(x));
}
static void cs_price_extreme(struct line *f, const void *x)
{
    cas__line_price(f, CS(x)->price_extreme, CINS(x), CDEC(x));
}
static void cs_extreme_step(struct line *f, const void *x) { cas__line_int(f, CS(x)->extreme_step); }
static void cs_index(struct line *f, const void *x)
{
    if (CPERP(x))
        cas__line_price(f, CS(x)->index_at_extreme, CINS(x), CDEC(x) + 1);
}
static void cs_gap(struct line *f, const void *x)
{
    if (CPERP(x))
        put_fixed(f, (CS(x)->price_extreme / CS(x)->index_at_extreme - 1) * 1e4, 2);
}
static void cs_price_end(struct line *f, const void *x)
{
    cas__line_price(f, CS(x)->price_end, CINS(x), CDEC(x));
}
static void cs_move(struct line *f, const void *x) { put_fixed(f, CS(x)->move_bps, 2); }
static void cs_index_move(struct line *f, const void *x)
{
    const struct cas_cascade *c = CS(x);
    double move = (c->index_start - c->index_at_extreme) / c->index_start * 1e4;
    if (CPERP(x) && isfinite(move))
        put_fixed(f, c->side == CAS_BUY ? move : -move, 2);
}
static void cs_recovery(struct line *f, const void *x)
{
    if (CS(x)->recovery_steps >= 0)
        cas__line_int(f, CS(x)->recovery_steps);
}

const struct column cas__cascade_columns[] = {
    {{"id", "", "1, 2, … in the order of their roots"}, cs_id},
    {{"episode", "", "1, 2, …: cascades of one event share it (a cascade whose first trigger "
                     "comes at most `record.episode_gap_s` after the last step in which an "
                     "earlier one of the episode was still working joins it)"}, cs_episode},
    {{"root_liquidation", "", "the root's liquidation id"}, cs_root},
    {{"root_cause", "", "the root's trigger: `shock:N`, `index:STEP`, `order:ACCOUNT`, "
                        "`funding:N`, `margin:SCALE`"}, cs_cause},
    {{"instrument", "", "the root's instrument, on which the prices below are measured"},
     cs_instrument},
    {{"side", "", "the root's position: `long` (a cascade pushing the price down) or `short`"},
     cs_side},
    {{"start_step", "steps", "when the first member was triggered"}, cs_start},
    {{"end_step", "steps", "when the last member was triggered"}, cs_end},
    {{"finish_step", "steps", "when the last of the members' liquidation orders was finished "
                              "(filled, handed to ADL or to the fund); empty if one was still "
                              "working when the run ended"}, cs_finish},
    {{"duration_steps", "steps", "`finish_step` − `start_step` + 1: the span; empty while "
                                 "unfinished"}, cs_duration},
    {{"generations", "", "depth of the tree: 1 for a lone liquidation"}, cs_generations},
    {{"liquidations", "count", "members"}, cs_liquidations},
    {{"notional", "quote currency", "members' notional at their marks when triggered"},
     cs_notional},
    {{"price_start", "quote currency", "the price at the end of the step before `start_step` "
                                       "(the initial price at step 0)"}, cs_price_start},
    {{"price_extreme", "quote currency", "the lowest (long) or highest (short) trade or "
                                         "end-of-step price over the span, trades inside a "
                                         "step included (to the run's end when unfinished); "
                                         "`price_start` if none went beyond it"},
     cs_price_extreme},
    {{"extreme_step", "steps", "the step in which the extreme was first reached"},
     cs_extreme_step},
    {{"index_at_extreme", "quote currency", "the index at the end of `extreme_step` (empty on "
                                            "spot)"}, cs_index},
    {{"gap_to_index_bps", "bp", "(`price_extreme` / `index_at_extreme` − 1) × 10⁴: how far the "
                                "extreme was from the index (empty on spot)"}, cs_gap},
    {{"price_end", "quote currency", "the price at the end of `finish_step` (of the last step "
                                     "when unfinished)"}, cs_price_end},
    {{"move_bps", "bp", "(`price_start` − `price_extreme`) / `price_start` × 10⁴, positive in "
                        "the cascade's direction"}, cs_move},
    {{"index_move_bps", "bp", "the index's move over the same span: (the index at the end of "
                              "the step before `start_step` − `index_at_extreme`) / that × "
                              "10⁴, positive in the cascade's direction; with an index of spot "
                              "books, the part of the fall that happened on spot (negative when "
                              "the index moved the other way; empty on spot)"}, cs_index_move},
    {{"recovery_half_steps", "steps", "steps from `extreme_step` to the first later end of "
                                      "step at which the price had undone half the move; empty "
                                      "if it never did before the run ended"}, cs_recovery},
};
const size_t cas__n_cascade_columns = sizeof cas__cascade_columns / sizeof *cas__cascade_columns;

/* ---- trades.csv ---- */

#define TR(x) ((const struct trade_out *)(x))
#define TINS(x) (&TR(x)->r->cfg->instruments[TR(x)->i])

static void tr_step(struct line *f, const void *x) { cas__line_int(f, TR(x)->r->step); }
static void tr_instrument(struct line *f, const void *x) { cas__line_str(f, TINS(x)->name); }
static void tr_price(struct line *f, const void *x)
{
    cas__line_price(f, (double)TR(x)->f->price, TINS(x), TR(x)->r->series[TR(x)->i].decimals);
}
static void tr_qty(struct line *f, const void *x) { cas__line_int(f, TR(x)->f->qty); }
static void tr_side(struct line *f, const void *x)
{
    cas__line_str(f, TR(x)->f->taker_side == CAS_BUY ? "buy" : "sell");
}
static void tr_taker(struct line *f, const void *x) { cas__line_uint(f, TR(x)->f->taker_id); }
static void tr_maker(struct line *f, const void *x) { cas__line_uint(f, TR(x)->f->maker_id); }
static void tr_cause(struct line *f, const void *x) { cas__line_cause(f, TR(x)->cause); }

const struct column cas__trade_columns[] = {
    {{"step", "steps", "the step of the fill"}, tr_step},
    {{"instrument", "", "instrument name"}, tr_instrument},
    {{"price", "quote currency", "the maker's price"}, tr_price},
    {{"qty", "lots", "lots filled"}, tr_qty},
    {{"taker_side", "", "`buy` or `sell`: the incoming order's side"}, tr_side},
    {{"taker_order", "", "the incoming order's id; an id's owner account is `(id >> 39) − 1` "
                         "(the venue's own liquidation orders use account 16777215)"}, tr_taker},
    {{"maker_order", "", "the resting order's id"}, tr_maker},
    {{"cause", "", "why the incoming order was sent: `liquidation:ID` (liquidation ID's "
                   "engine order), `carried:ID` (an order answering liquidation ID's: a basis "
                   "arbitrageur's hedge on spot), `order:ACCOUNT` (that account's order, a "
                   "triggered stop included), `shock:N` (the Nth configured shock)"}, tr_cause},
};
const size_t cas__n_trade_columns = sizeof cas__trade_columns / sizeof *cas__trade_columns;

/* ---- liqmap.csv ---- */

#define LM(x) ((const struct liqmap_out *)(x))
#define MINS(x) (&LM(x)->r->cfg->instruments[LM(x)->i])

static void lm_step(struct line *f, const void *x) { cas__line_int(f, LM(x)->m->published); }
static void lm_instrument(struct line *f, const void *x) { cas__line_str(f, MINS(x)->name); }
static void lm_edge(struct line *f, const struct liqmap_out *x, int k)
{
    put_fixed(f, (x->m->lo + k * x->m->bin) * MINS(x)->tick_size, 2);
}
static void lm_lo(struct line *f, const void *x) { lm_edge(f, LM(x), LM(x)->bin); }
static void lm_hi(struct line *f, const void *x) { lm_edge(f, LM(x), LM(x)->bin + 1); }
static void lm_long(struct line *f, const void *x)
{
    put_fixed(f, LM(x)->m->longs[LM(x)->bin], 2);
}
static void lm_short(struct line *f, const void *x)
{
    put_fixed(f, LM(x)->m->shorts[LM(x)->bin], 2);
}

const struct column cas__liqmap_columns[] = {
    {{"step", "steps", "the step at whose end it was published"}, lm_step},
    {{"instrument", "", "instrument name"}, lm_instrument},
    {{"price_lo", "quote currency", "the bin's lowest liquidation price"}, lm_lo},
    {{"price_hi", "quote currency", "the bin's highest liquidation price"}, lm_hi},
    {{"long_notional", "quote currency", "notional of long positions that would be liquidated "
                                         "in the bin"}, lm_long},
    {{"short_notional", "quote currency", "the same for shorts"}, lm_short},
};
const size_t cas__n_liqmap_columns = sizeof cas__liqmap_columns / sizeof *cas__liqmap_columns;

/* ---- accounts.csv ---- */

#define AC(x) ((const struct account_out *)(x))
#define SHOCK(x) (AC(x)->agent == UINT32_MAX)
#define POP(x) (&AC(x)->r->cfg->populations[AC(x)->population])

static void ac_account(struct line *f, const void *x) { cas__line_uint(f, AC(x)->account); }
static void ac_agent(struct line *f, const void *x)
{
    if (!SHOCK(x))
        cas__line_uint(f, AC(x)->agent);
}
static void ac_population(struct line *f, const void *x)
{
    if (!SHOCK(x))
        cas__line_uint(f, AC(x)->population);
}
static void ac_type(struct line *f, const void *x)
{
    cas__line_str(f, SHOCK(x) ? "shock" : POP(x)->type->name);
}
static void ac_instrument(struct line *f, const void *x)
{
    if (!SHOCK(x))
        cas__line_str(f, AC(x)->r->cfg->instruments[POP(x)->instrument].name);
}
static void ac_margin(struct line *f, const void *x)
{
    cas__line_str(f, SHOCK(x) || POP(x)->margin == CAS_CROSS ? "cross" : "isolated");
}
static void ac_deposit(struct line *f, const void *x)
{
    put_money(f, AC(x)->deposit, AC(x)->r->cfg->money_decimals);
}
#define AINS(x) (&AC(x)->r->cfg->instruments[POP(x)->instrument])
#define ADEC(x) (AC(x)->r->series[POP(x)->instrument].decimals)
static void ac_position(struct line *f, const void *x)
{
    if (!SHOCK(x))
        cas__line_int(f, AC(x)->pos.lots);
}
static void ac_entry(struct line *f, const void *x)
{
    if (!SHOCK(x) && AC(x)->pos.lots != 0)
        cas__line_price(f, AC(x)->pos.entry, AINS(x), ADEC(x) + 2);
}
static void ac_isolated(struct line *f, const void *x)
{
    if (!SHOCK(x) && POP(x)->margin != CAS_CROSS)
        put_money(f, AC(x)->pos.margin, AC(x)->r->cfg->money_decimals);
}
static void ac_liq_price(struct line *f, const void *x)
{
    if (!SHOCK(x) && AC(x)->pos.lots != 0)
        cas__line_price(f, AC(x)->pos.liquidation, AINS(x), ADEC(x) + 2);
}
static void ac_equity(struct line *f, const void *x)
{
    put_money(f, AC(x)->end.equity, AC(x)->r->cfg->money_decimals);
}
static void ac_maintenance(struct line *f, const void *x)
{
    put_money(f, AC(x)->end.maintenance, AC(x)->r->cfg->money_decimals);
}

const struct column cas__account_columns[] = {
    {{"account", "", "the venue's account id, as `liquidations.csv`, `trades.csv` (through "
                     "order ids) and the triggers `order:ACCOUNT` name it"}, ac_account},
    {{"agent", "", "the agent's index, counting every population in config order from 0; empty "
                   "for the shock account"}, ac_agent},
    {{"population", "", "the agent's population: its place in the config's `agents` list"},
     ac_population},
    {{"type", "", "the agent type, or `shock` for the account that sends the configured market "
                  "and limit orders"}, ac_type},
    {{"instrument", "", "the instrument the population trades"}, ac_instrument},
    {{"margin", "", "`cross` or `isolated`"}, ac_margin},
    {{"deposit", "quote currency", "what was deposited: at the start, and as margin top-ups since (`holder`)"}, ac_deposit},
    {{"position_lots", "lots", "at the end of the run: the position on the population's instrument, long minus short; empty for the shock account"}, ac_position},
    {{"entry", "quote currency", "at the end: that position's average entry price; empty when flat"}, ac_entry},
    {{"isolated_margin", "quote currency", "at the end: the margin set aside for that position on isolated margin; empty on cross margin"}, ac_isolated},
    {{"liquidation_price", "quote currency", "at the end: the mark at which that position would be liquidated (the account's other positions held at their marks); empty when flat or when no price would liquidate it"}, ac_liq_price},
    {{"equity", "quote currency", "at the end: the account's equity at the final marks, every position included, after fees and funding; minus `deposit`, its profit and loss"}, ac_equity},
    {{"maintenance", "quote currency", "at the end: the account's maintenance margin at the final marks; it is liquidated when `equity` falls below it"}, ac_maintenance},
};
/* clang-format on */
const size_t cas__n_account_columns = sizeof cas__account_columns / sizeof *cas__account_columns;

/* ---- the tables, by file ---- */

static const struct {
    const char *file;
    const struct column *cols;
    const size_t *n;
} tables[] = {
    {"timeseries.csv", cas__ts_columns, &cas__n_ts_columns},
    {"liquidations.csv", cas__liq_columns, &cas__n_liq_columns},
    {"cascades.csv", cas__cascade_columns, &cas__n_cascade_columns},
    {"trades.csv", cas__trade_columns, &cas__n_trade_columns},
    {"liqmap.csv", cas__liqmap_columns, &cas__n_liqmap_columns},
    {"accounts.csv", cas__account_columns, &cas__n_account_columns},
};

size_t cas_record_n_columns(const char *file)
{
    if (strcmp(file, "summary.json") == 0)
        return cas__n_summary_keys;
    for (size_t t = 0; t < sizeof tables / sizeof *tables; t++)
        if (strcmp(file, tables[t].file) == 0)
            return *tables[t].n;
    return 0;
}

const struct cas_column *cas_record_column(const char *file, size_t k)
{
    if (strcmp(file, "summary.json") == 0)
        return k < cas__n_summary_keys ? &cas__summary_keys[k] : NULL;
    for (size_t t = 0; t < sizeof tables / sizeof *tables; t++)
        if (strcmp(file, tables[t].file) == 0)
            return k < *tables[t].n ? &tables[t].cols[k].doc : NULL;
    return NULL;
}
