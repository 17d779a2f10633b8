/* test_exchange: margin arithmetic, settlement, the risk engine, engine and
 * keeper liquidation, the insurance fund, ADL and funding.
 *
 * Every unit case is a small integer example worked on paper in its comment
 * (K = contract units, "lev" = leverage, mmr 0.5% unless said); a randomized
 * property test then trades ~50 accounts through shocks, funding and both
 * liquidation modes and runs cas_exchange_check (money conserved exactly,
 * long lots = short lots, heaps = full scan, books valid) after every
 * operation.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cascade/exchange.h"
#include "cascade/rng.h"

#define BUY CAS_BUY
#define SELL CAS_SELL
#define NOCAUSE ((struct cas_cause){CAS_CAUSE_NONE, 0})
#define SHOCK(n) ((struct cas_cause){CAS_CAUSE_SHOCK, (n)})

/* ---- helpers ---------------------------------------------------------- */

#define MAXREC 256

struct rec {
    struct cas_liquidation liq[MAXREC];
    struct cas_liquidation_done done[MAXREC];
    struct cas_adl_event adl[MAXREC];
    struct cas_cause fill_cause[MAXREC];
    uint64_t fill_taker[MAXREC];
    uint32_t fill_taker_acct[MAXREC];
    size_t n_liq, n_done, n_adl, n_fill;
};

static void on_fill(void *ctx, uint32_t instrument, const struct cas_fill *f, uint32_t taker,
                    uint32_t maker, struct cas_cause cause)
{
    struct rec *r = ctx;
    (void)instrument;
    (void)maker;
    if (r->n_fill < MAXREC) {
        r->fill_cause[r->n_fill] = cause;
        r->fill_taker[r->n_fill] = f->taker_id;
        r->fill_taker_acct[r->n_fill] = taker;
    }
    r->n_fill++;
}

/* An observer callback that keeps each event of type T in r->ARR (the first MAXREC of
 * them) and counts them all in r->N. */
#define KEEP_EVENTS(name, T, arr, n)        \
    static void name(void *ctx, const T *e) \
    {                                       \
        struct rec *r = ctx;                \
        if (r->n < MAXREC)                  \
            r->arr[r->n] = *e;              \
        r->n++;                             \
    }

KEEP_EVENTS(on_liq, struct cas_liquidation, liq, n_liq)
KEEP_EVENTS(on_done, struct cas_liquidation_done, done, n_done)
KEEP_EVENTS(on_adl, struct cas_adl_event, adl, n_adl)

/* K = 1, price 100, one tier at 0.5%, max leverage 100, no fees, engine
 * mode, IOC at the bankruptcy price. */
/* clang-format off */
static struct cas_instrument_spec perp(void)
{
    struct cas_instrument_spec s = {.kind = CAS_PERPETUAL, .contract_units = 1,
                                    .initial_price = 100, .max_leverage = 100,
                                    .n_tiers = 1, .liq_mode = CAS_LIQ_ENGINE,
                                    .liq_style = CAS_LIQ_IOC_BANKRUPTCY};
    strcpy(s.name, "PERP");
    s.tiers[0] = (struct cas_tier){.floor = 0, .mmr_ppm = 5000, .max_leverage = 100};
    return s;
}
/* clang-format on */

/* clang-format off */
static struct cas_exchange *make(const struct cas_instrument_spec *specs, uint32_t n,
                                 cas_money fund, struct rec *r)
{
    struct cas_exchange_observer obs = {.ctx = r, .on_fill = on_fill, .on_liquidation = on_liq,
                                        .on_liquidation_done = on_done, .on_adl = on_adl};
    struct cas_exchange *ex = NULL;
    struct cas_err err = {0};
    cr_assert_eq(cas_exchange_create(&ex, specs, n, fund, r ? &obs : NULL, NULL, &err), 0,
                 "%s", err.msg);
    return ex;
}
/* clang-format on */

static void ok(const struct cas_exchange *ex)
{
    char why[256] = "";
    cr_assert(cas_exchange_check(ex, why, sizeof why), "check: %s", why);
}

static uint32_t open_acct(struct cas_exchange *ex, cas_money c, enum cas_margin_mode m, int32_t lev)
{
    uint32_t id;
    cr_assert_eq(cas_exchange_open_account(ex, c, m, lev, &id), 0);
    return id;
}

static int submit(struct cas_exchange *ex, uint32_t a, uint32_t i, enum cas_side side,
                  enum cas_order_type type, cas_ticks price, cas_lots qty, enum cas_reject *rej,
                  struct cas_submit_result *res)
{
    struct cas_order o = {
        .account = a, .instrument = i, .side = side, .type = type, .price = price, .qty = qty};
    uint64_t id;
    return cas_exchange_submit(ex, &o, (struct cas_cause){CAS_CAUSE_ORDER, a}, &id, res, rej);
}

/* Rest a limit order that must be accepted. */
static void rest(struct cas_exchange *ex, uint32_t a, uint32_t i, enum cas_side side,
                 cas_ticks price, cas_lots qty)
{
    enum cas_reject rej;
    struct cas_submit_result res;
    cr_assert_eq(submit(ex, a, i, side, CAS_LIMIT, price, qty, &rej, &res), 0, "reject %d", rej);
    ok(ex);
}

/* `buyer` buys qty lots at `price` from `seller` (who rests the ask). */
static void trade(struct cas_exchange *ex, uint32_t i, uint32_t buyer, uint32_t seller,
                  cas_ticks price, cas_lots qty)
{
    enum cas_reject rej;
    struct cas_submit_result res;
    rest(ex, seller, i, SELL, price, qty);
    cr_assert_eq(submit(ex, buyer, i, BUY, CAS_LIMIT, price, qty, &rej, &res), 0, "reject %d", rej);
    cr_assert_eq(res.filled, qty);
    ok(ex);
}

static struct cas_position_view position(const struct cas_exchange *ex, uint32_t a, uint32_t i)
{
    struct cas_position_view v;
    cas_exchange_position(ex, a, i, &v);
    return v;
}

static struct cas_account_view account_of(const struct cas_exchange *ex, uint32_t a)
{
    struct cas_account_view v;
    cas_exchange_account(ex, a, &v);
    return v;
}

static struct cas_exchange_totals totals(const struct cas_exchange *ex)
{
    struct cas_exchange_totals t;
    cas_exchange_totals(ex, &t);
    return t;
}

#define BIG ((cas_money)1000000000)

/* perp() whose engine closes a position with market orders. */
static struct cas_instrument_spec market_style(void)
{
    struct cas_instrument_spec s = perp();
    s.liq_style = CAS_LIQ_MARKET;
    return s;
}

/* perp() starting at `price`, with these maker and taker fees (ppm of notional). */
static struct cas_instrument_spec with_fees(cas_ticks price, int64_t maker_ppm, int64_t taker_ppm)
{
    struct cas_instrument_spec s = perp();
    s.initial_price = price;
    s.maker_fee_ppm = maker_ppm;
    s.taker_fee_ppm = taker_ppm;
    return s;
}

/* perp() with these n margin tiers. */
static struct cas_instrument_spec tiered(const struct cas_tier *tiers, uint32_t n)
{
    struct cas_instrument_spec s = perp();
    s.n_tiers = n;
    memcpy(s.tiers, tiers, n * sizeof *tiers);
    return s;
}

/* A maintenance margin worked by hand: lots, mark, scale (ppm) and the margin. */
struct mm_case {
    cas_lots lots;
    cas_ticks mark;
    int64_t scale;
    cas_money want;
};

static void expect_maintenance(const struct cas_instrument_spec *s, const struct mm_case *c,
                               size_t n)
{
    for (size_t k = 0; k < n; k++)
        cr_assert_eq(cas_margin_maintenance(s, c[k].lots, c[k].mark, c[k].scale), c[k].want,
                     "MM(%lld lots at %lld, scale %lld)", (long long)c[k].lots,
                     (long long)c[k].mark, (long long)c[k].scale);
}

/* The venue of a test of the exchange, keeper and funding suites, opened by the test
 * (open_venue) and destroyed after it; r is what its observer recorded. */
static struct rec r;
static struct cas_exchange *ex;

static void open_venue(const struct cas_instrument_spec *specs, uint32_t n, cas_money fund)
{
    r = (struct rec){0};
    ex = make(specs, n, fund, &r);
}

/* ... with one perp() */
static void open_perp(cas_money fund)
{
    struct cas_instrument_spec s = perp();
    open_venue(&s, 1, fund);
}

static void close_venue(void)
{
    cas_exchange_destroy(ex);
    ex = NULL;
}

/* An account to open: collateral, margin mode, leverage, where its id goes, and the lots
 * it then buys (> 0) or sells (< 0) at 100 on instrument 0 from the list's first account.
 * A NULL `id` ends a list of them. */
struct acct {
    cas_money collateral;
    enum cas_margin_mode mode;
    int32_t lev;
    uint32_t *id;
    cas_lots lots;
};

/* Open the accounts of the list on the venue, in order, each with its position. */
static void open_accounts(const struct acct *list)
{
    for (const struct acct *o = list; o->id; o++) {
        *o->id = open_acct(ex, o->collateral, o->mode, o->lev);
        if (o->lots > 0)
            trade(ex, 0, *o->id, *list->id, 100, o->lots);
        else if (o->lots < 0)
            trade(ex, 0, *list->id, *o->id, 100, -o->lots);
    }
}

/* The stage of most liquidation tests: a market maker m (cross, BIG at 100x), a trader a
 * (isolated, 100 at 10x: bankruptcy price 90, trigger 90) long 10 lots bought from m at 100,
 * and b (cross, 100000 at 10x), who will bid. */
static void long_at_100(uint32_t *m, uint32_t *a, uint32_t *b)
{
    open_accounts((struct acct[]){{BIG, CAS_CROSS, 100, m, 0},
                                  {100, CAS_ISOLATED, 10, a, 10},
                                  {100000, CAS_CROSS, 10, b, 0},
                                  {0}});
}

/* Move instrument 0's mark (no cause) and check the venue. */
static void mark_to(cas_ticks mark)
{
    cr_assert_eq(cas_exchange_set_mark(ex, 0, mark, NOCAUSE), 0);
    ok(ex);
}

/* After long_at_100: b bids qty at `bid` and the mark falls to 89, past a's trigger. */
static void bid_then_fall(uint32_t b, cas_ticks bid, cas_lots qty)
{
    rest(ex, b, 0, BUY, bid, qty);
    mark_to(89);
}

/* An order of account a on the venue's instrument 0 that must be refused for `why`. */
static void refused(uint32_t a, enum cas_side side, enum cas_order_type type, cas_ticks price,
                    cas_lots qty, enum cas_reject why)
{
    enum cas_reject rej;
    struct cas_submit_result res;
    cr_assert_eq(submit(ex, a, 0, side, type, price, qty, &rej, &res), CAS_EINVAL);
    cr_assert_eq(rej, why, "refused for %d, expected %d", rej, why);
}

/* ... that must be accepted: what it did. */
static struct cas_submit_result accepted(uint32_t a, enum cas_side side, enum cas_order_type type,
                                         cas_ticks price, cas_lots qty)
{
    enum cas_reject rej;
    struct cas_submit_result res;
    cr_assert_eq(submit(ex, a, 0, side, type, price, qty, &rej, &res), 0, "reject %d", rej);
    return res;
}

TestSuite(exchange, .fini = close_venue);
TestSuite(keeper, .fini = close_venue);
TestSuite(funding, .fini = close_venue);

/* ---- margin arithmetic -------------------------------------------------- */

/* K = 1, mmr 0.5%.
 * Long 10 lots bought at 100 with 100 of margin: cash = 100 - 1000 = -900.
 *   LP: -900 + 10p = 0.005 * 10p  =>  p = 900 / 9.95 = 90.452261...
 *   BP: -900 + 10p = 0            =>  p = 90
 * Short 10 lots sold at 100 with 100 of margin: cash = 100 + 1000 = 1100.
 *   LP: 1100 - 10p = 0.005 * 10p  =>  p = 1100 / 10.05 = 109.452736...
 *   BP: p = 110
 * Over-collateralised long (cash >= 0): no liquidation price. */
Test(margin, liquidation_and_bankruptcy_prices_on_paper)
{
    struct cas_instrument_spec s = perp();
    cr_assert_float_eq(cas_margin_liquidation_price(&s, 10, -900, CAS_PPM), 900.0 / 9.95, 1e-9);
    cr_assert_float_eq(cas_margin_bankruptcy_price(&s, 10, -900), 90.0, 1e-12);
    cr_assert_float_eq(cas_margin_liquidation_price(&s, -10, 1100, CAS_PPM), 1100.0 / 10.05, 1e-9);
    cr_assert_float_eq(cas_margin_bankruptcy_price(&s, -10, 1100), 110.0, 1e-12);
    cr_assert(isnan(cas_margin_liquidation_price(&s, 10, 0, CAS_PPM)));
    cr_assert(isnan(cas_margin_bankruptcy_price(&s, 10, 5)));
    cr_assert(isnan(cas_margin_liquidation_price(&s, 0, -900, CAS_PPM)));
    /* scale 2x: mmr 1%: p = 900 / 9.9 */
    cr_assert_float_eq(cas_margin_liquidation_price(&s, 10, -900, 2 * CAS_PPM), 900.0 / 9.9, 1e-9);
}

/* Tiers (K = 1): [0: 1%], [10000: 2%], [50000: 5%].
 * cum_1 = ceil(10000 * 2%) - ceil(10000 * 1%) = 200 - 100 = 100
 * cum_2 = 100 + ceil(50000 * 5%) - ceil(50000 * 2%) = 100 + 2500 - 1000 = 1600
 * MM(9999) = ceil(99.99) = 100; MM(10000) = 200 - 100 = 100 (continuous);
 * MM(10001) = ceil(200.02) - 100 = 101; MM(49999) = ceil(999.98) - 100 = 900;
 * MM(50000) = 2500 - 1600 = 900; MM(60000) = 3000 - 1600 = 1400.
 * At scale 1.5x: rates 1.5%, 3%, 7.5%: cum_1 = 300 - 150 = 150;
 * MM(10000) = 150 both ways; MM(10001) = ceil(300.03) - 150 = 151. */
Test(margin, tier_boundaries_are_continuous)
{
    struct cas_instrument_spec s =
        tiered((struct cas_tier[]){{0, 10000, 50}, {10000, 20000, 25}, {50000, 50000, 10}}, 3);
    expect_maintenance(&s,
                       (struct mm_case[]){{1, 9999, CAS_PPM, 100},
                                          {1, 10000, CAS_PPM, 100},
                                          {-1, 10001, CAS_PPM, 101},
                                          {1, 49999, CAS_PPM, 900},
                                          {1, 50000, CAS_PPM, 900},
                                          {2, 30000, CAS_PPM, 1400},
                                          {1, 10000, 1500000, 150},
                                          {1, 10001, 1500000, 151}},
                       8);
    /* nondecreasing everywhere, by at most what the top rate allows */
    cas_money prev = 0;
    for (cas_ticks n = 1; n <= 70000; n++) {
        cas_money mm = cas_margin_maintenance(&s, 1, n, CAS_PPM);
        cr_assert(mm >= prev && mm - prev <= 1, "MM(%lld) = %lld after %lld", (long long)n,
                  (long long)mm, (long long)prev);
        prev = mm;
    }
    /* LP in the second tier: long 1 lot, cash -20000 + (whatever): with cash
     * = -19000 the root p satisfies -19000 + p = 0.02p - 100 => p = 18900/0.98 */
    cr_assert_float_eq(cas_margin_liquidation_price(&s, 1, -19000, CAS_PPM), 18900.0 / 0.98, 1e-6);
}

/* A floor that is not a round number: tiers [0: 1%], [333: 1.5%].
 * cum_1 = ceil(333 * 1.5%) - ceil(333 * 1%) = ceil(4.995) - ceil(3.33) = 5 - 4 = 1
 * MM(332) = ceil(3.32) = 4; MM(333) = 5 - 1 = 4 = ceil(3.33) (tier 0's value);
 * MM(334) = ceil(5.01) - 1 = 5. */
Test(margin, rounding_at_an_odd_floor_keeps_mm_continuous)
{
    struct cas_instrument_spec s = tiered((struct cas_tier[]){{0, 10000, 50}, {333, 15000, 50}}, 2);
    expect_maintenance(
        &s, (struct mm_case[]){{1, 332, CAS_PPM, 4}, {1, 333, CAS_PPM, 4}, {1, 334, CAS_PPM, 5}},
        3);
}

/* ---- positions as the exchange reports them ----------------------------- */

/* Isolated lev 10 long 10 at 100 (margin 100): LP 90.452, BP 90, margin 100.
 * Cross, collateral 100, same trade: same prices (cash -900).
 * Short, isolated lev 10, 10 at 100: LP 109.453, BP 110. */
Test(exchange, position_prices_isolated_and_cross)
{
    open_perp(0);
    uint32_t m, iso, cr, sh;
    open_accounts((struct acct[]){{BIG, CAS_CROSS, 100, &m, 0},
                                  {100, CAS_ISOLATED, 10, &iso, 10},
                                  {100, CAS_CROSS, 10, &cr, 10},
                                  {100, CAS_ISOLATED, 10, &sh, -10},
                                  {0}});
    struct cas_position_view v = position(ex, iso, 0);
    cr_assert_eq(v.lots, 10);
    cr_assert_float_eq(v.entry, 100.0, 1e-12);
    cr_assert_eq(v.margin, 100);
    cr_assert_float_eq(v.liquidation, 900.0 / 9.95, 1e-9);
    cr_assert_float_eq(v.bankruptcy, 90.0, 1e-12);
    v = position(ex, cr, 0);
    cr_assert_eq(v.margin, 0);
    cr_assert_float_eq(v.liquidation, 900.0 / 9.95, 1e-9);
    cr_assert_float_eq(v.bankruptcy, 90.0, 1e-12);
    v = position(ex, sh, 0);
    cr_assert_eq(v.lots, -10);
    cr_assert_float_eq(v.liquidation, 1100.0 / 10.05, 1e-9);
    cr_assert_float_eq(v.bankruptcy, 110.0, 1e-12);
    struct cas_account_view av = account_of(ex, iso);
    cr_assert_eq(av.cash, 0); /* all 100 moved into the position */
    cr_assert_eq(av.equity, 100);
    cr_assert_eq(av.maintenance, 5); /* ceil(1000 * 0.5%) */
    cr_assert_eq(av.initial, 100);
}

/* Cross account, collateral 200, lev 10: long 10 A at 100, long 4 B at 50
 * (B: K = 1, price 50): cash = 200 - 1000 - 200 = -1000.
 * A's LP counts B at its mark less B's MM (Binance's TMM_other, UPNL_other):
 *   B at 50: cash' = -1000 + 200 - ceil(1) = -801 => LP = 801 / 9.95; BP = 80
 *   B at 60: cash' = -1000 + 240 - ceil(1.2) = -762 => LP = 762 / 9.95; BP = 76
 * so B's +40 of PnL moves A's bankruptcy price down by 40 / 10 = 4 ticks. */
Test(exchange, cross_liquidation_price_shifts_by_the_other_positions_pnl)
{
    struct cas_instrument_spec s[2] = {perp(), perp()};
    s[1].initial_price = 50;
    open_venue(s, 2, 0);
    uint32_t m, a;
    open_accounts((struct acct[]){{BIG, CAS_CROSS, 100, &m, 0}, {200, CAS_CROSS, 10, &a, 10}, {0}});
    trade(ex, 1, a, m, 50, 4);
    struct cas_position_view v = position(ex, a, 0);
    cr_assert_float_eq(v.liquidation, 801.0 / 9.95, 1e-9);
    cr_assert_float_eq(v.bankruptcy, 80.0, 1e-12);
    cr_assert_eq(cas_exchange_set_mark(ex, 1, 60, NOCAUSE), 0);
    ok(ex);
    v = position(ex, a, 0);
    cr_assert_float_eq(v.liquidation, 762.0 / 9.95, 1e-9);
    cr_assert_float_eq(v.bankruptcy, 76.0, 1e-12);
    /* the account is checked as a whole: A at 77 leaves equity -1000 + 770
     * + 240 = 10 >= MM ceil(3.85) + ceil(1.2) = 6; at 76: 0 < 6 liquidates */
    mark_to(77);
    cr_assert_eq(position(ex, a, 0).lots, 10);
    mark_to(76);
    cr_assert_eq(position(ex, a, 0).lots, 0);
    cr_assert_eq(position(ex, a, 1).lots, 0);
    cr_assert_eq(totals(ex).engine, 2); /* one job per position */
}

/* ---- settlement --------------------------------------------------------- */

/* 7 lots at 1000 ticks, K = 1: notional 7000; maker fee 200 ppm = 1.4 -> 2;
 * taker fee 500 ppm = 3.5 -> 4 (what an account owes is rounded up).
 * Taker (buyer): 100000 - 7000 - 4 = 92996; maker: 100000 + 7000 - 2. */
Test(exchange, maker_and_taker_fees_round_up)
{
    struct cas_instrument_spec s = with_fees(1000, 200, 500);
    open_venue(&s, 1, 0);
    uint32_t mk, tk;
    open_accounts(
        (struct acct[]){{100000, CAS_CROSS, 10, &mk, 0}, {100000, CAS_CROSS, 10, &tk, 0}, {0}});
    trade(ex, 0, tk, mk, 1000, 7);
    struct cas_account_view v = account_of(ex, tk);
    cr_assert_eq(v.cash, 92996);
    cr_assert_eq(v.fees_paid, 4);
    v = account_of(ex, mk);
    cr_assert_eq(v.cash, 106998);
    cr_assert_eq(v.fees_paid, 2);
    cr_assert_eq(totals(ex).fees, 6);
    cr_assert_eq(cas_exchange_last(ex, 0), 1000);
}

/* A maker with a fee of its own, -150 ppm: on 7000, -1.05, rounded up to -1 (a rebate
 * rounds toward zero); the taker still pays 500 ppm, 3.5 -> 4. The fees held drop by the
 * rebate, and money is conserved (trade() checks the exchange after each trade). */
Test(exchange, an_account_s_own_maker_fee_is_a_rebate)
{
    struct cas_instrument_spec s = with_fees(1000, 200, 500);
    open_venue(&s, 1, 0);
    uint32_t mk, tk;
    open_accounts(
        (struct acct[]){{100000, CAS_CROSS, 10, &mk, 0}, {100000, CAS_CROSS, 10, &tk, 0}, {0}});
    cr_assert_eq(cas_exchange_set_maker_fee(ex, mk, -150), 0);
    cr_assert_eq(cas_exchange_set_maker_fee(ex, mk, -10001), CAS_EINVAL, "beyond -1%");
    cr_assert_eq(cas_exchange_set_maker_fee(ex, 99, 0), CAS_EINVAL, "no such account");
    trade(ex, 0, tk, mk, 1000, 7); /* 7000 x -150 ppm = -1.05: a rebate of 1 */
    struct cas_account_view v = account_of(ex, mk);
    cr_assert_eq(v.fees_paid, -1);
    cr_assert_eq(v.cash, 107001);
    cr_assert_eq(account_of(ex, tk).fees_paid, 4);
    cr_assert_eq(totals(ex).fees, 3);
    /* as a taker it pays the instrument's taker fee: its own fee is a maker's only */
    trade(ex, 0, mk, tk, 1000, 7);
    cr_assert_eq(account_of(ex, mk).fees_paid, -1 + 4);
    cr_assert_eq(account_of(ex, tk).fees_paid, 4 + 2);
}

/* Entry price and realized PnL, on paper (K = 1): a buys 10 at 100 (cost
 * 1000, entry 100), buys 10 more at 110 (cost 2100, entry 105), sells 5 at
 * 120: realized 5 x 120 - 2100 x 5/20 = 600 - 525 = 75, entry stays 105;
 * then sells 20 at 90 (closes 15, opens 5 short): realized 75 + 15 x 90 -
 * 1575 = -150, and the new short's entry is 90. */
Test(exchange, entry_price_and_realized_pnl)
{
    open_perp(0);
    uint32_t a, b;
    open_accounts(
        (struct acct[]){{100000, CAS_CROSS, 10, &a, 0}, {100000, CAS_CROSS, 10, &b, -10}, {0}});
    trade(ex, 0, a, b, 110, 10);
    struct cas_position_view v = position(ex, a, 0);
    cr_assert_float_eq(v.entry, 105, 1e-9);
    cr_assert_eq(v.realized_pnl, 0);
    trade(ex, 0, b, a, 120, 5);
    v = position(ex, a, 0);
    cr_assert_eq(v.lots, 15);
    cr_assert_eq(v.realized_pnl, 75);
    cr_assert_float_eq(v.entry, 105, 1e-9);
    trade(ex, 0, b, a, 90, 20);
    v = position(ex, a, 0);
    cr_assert_eq(v.lots, -5);
    cr_assert_eq(v.realized_pnl, -150);
    cr_assert_float_eq(v.entry, 90, 1e-9);
}

/* The owner of an order is in its id: ((account + 1) << 39) | seq; the
 * engine's orders have no owner. */
/* The journal has every change of a book in the order the book saw it: a submitted order
 * before its fills, with what it filled and left resting; a cancelled one with what it
 * took out; a refused order nothing; a liquidation's trigger, its engine order (no
 * account, the liquidation's cause), its fill and its end. */
Test(exchange, the_journal_keeps_every_change_of_a_book_in_order)
{
    open_perp(0);
    uint32_t m, a, b;
    open_accounts((struct acct[]){{BIG, CAS_CROSS, 100, &m, 0},
                                  {100, CAS_ISOLATED, 10, &a, 0},
                                  {BIG, CAS_CROSS, 100, &b, 0},
                                  {0}});
    rest(ex, m, 0, SELL, 101, 2);
    struct cas_journal j = {0};
    cas_exchange_journal(ex, &j);
    struct cas_order o = {
        .account = b, .instrument = 0, .side = BUY, .type = CAS_LIMIT, .price = 102, .qty = 5};
    uint64_t id;
    cr_assert_eq(
        cas_exchange_submit(ex, &o, (struct cas_cause){CAS_CAUSE_ORDER, b}, &id, NULL, NULL), 0);
    cr_assert_eq(j.n, 2);
    const struct cas_journal_event *e = &j.ev[0];
    cr_assert(e->kind == CAS_J_ORDER && e->id == id && e->account == b && e->side == BUY &&
              e->type == CAS_LIMIT && e->price == 102 && e->qty == 5 && e->filled == 2 &&
              e->rested == 3 && e->cause_kind == CAS_CAUSE_ORDER && e->cause_id == b);
    e = &j.ev[1];
    cr_assert(e->kind == CAS_J_FILL && e->id == id && e->side == BUY && e->price == 101 &&
                  e->qty == 2,
              "its fill comes after it");
    cr_assert_eq(cas_exchange_cancel(ex, id), 0);
    cr_assert_eq(j.n, 3);
    e = &j.ev[2];
    cr_assert(e->kind == CAS_J_CANCEL && e->id == id && e->account == b && e->side == BUY &&
              e->price == 102 && e->qty == 3);
    o = (struct cas_order){
        .account = a, .instrument = 0, .side = BUY, .type = CAS_LIMIT, .price = 95, .qty = 1000};
    cr_assert_neq(cas_exchange_submit(ex, &o, NOCAUSE, &id, NULL, NULL), 0);
    cr_assert_eq(j.n, 3, "a refused order changes no book");
    /* a's long is liquidated into b's bid */
    rest(ex, b, 0, BUY, 90, 10);
    trade(ex, 0, a, m, 100, 10);
    j.n = 0;
    cr_assert_eq(cas_exchange_set_mark(ex, 0, 89, NOCAUSE), 0);
    ok(ex);
    cr_assert_geq(j.n, 4);
    cr_assert_eq(j.ev[0].kind, CAS_J_LIQUIDATION);
    uint64_t liq = j.ev[0].id;
    e = &j.ev[1];
    cr_assert(e->kind == CAS_J_ORDER && e->account == CAS_NO_ACCOUNT && e->side == SELL &&
              e->filled == 10 && e->cause_kind == CAS_CAUSE_LIQUIDATION && e->cause_id == liq);
    cr_assert(j.ev[2].kind == CAS_J_FILL && j.ev[2].id == e->id && j.ev[2].price == 90 &&
              j.ev[2].qty == 10);
    cr_assert(j.ev[j.n - 1].kind == CAS_J_FINISHED && j.ev[j.n - 1].id == liq);
    cas_exchange_journal(ex, NULL);
    free(j.ev);
}

Test(exchange, order_owner_from_the_id)
{
    open_perp(0);
    uint32_t m, a, b;
    open_accounts((struct acct[]){{BIG, CAS_CROSS, 100, &m, 0},
                                  {100, CAS_ISOLATED, 10, &a, 0},
                                  {BIG, CAS_CROSS, 100, &b, 0},
                                  {0}});
    struct cas_order o = {
        .account = b, .instrument = 0, .side = BUY, .type = CAS_LIMIT, .price = 95, .qty = 3};
    uint64_t id;
    cr_assert_eq(cas_exchange_submit(ex, &o, NOCAUSE, &id, NULL, NULL), 0);
    cr_assert_eq(id >> 39, (uint64_t)b + 1);
    cr_assert_eq(cas_exchange_order_owner(ex, id), b);
    cr_assert_eq(cas_exchange_order_owner(ex, 12345), CAS_NO_ACCOUNT);
    cr_assert_eq(cas_exchange_order_owner(ex, (uint64_t)77 << 39), CAS_NO_ACCOUNT);
    trade(ex, 0, a, m, 100, 10);
    r.n_fill = 0;
    cr_assert_eq(cas_exchange_set_mark(ex, 0, 89, NOCAUSE), 0); /* a's engine order hits b */
    ok(ex);
    cr_assert_eq(r.n_fill, 1);
    cr_assert_eq(r.fill_taker_acct[0], CAS_NO_ACCOUNT);
    cr_assert_eq(cas_exchange_order_owner(ex, r.fill_taker[0]), CAS_NO_ACCOUNT);
    cr_assert_eq(cas_exchange_cancel(ex, id), CAS_ENOTFOUND); /* filled */
}

/* ---- order screening ---------------------------------------------------- */

/* Cross, collateral 100, lev 10 (mark 100, asks at 100 from m):
 * buy 11: equity 100 < IM 110 -> refused; buy 10: 100 >= 100 accepted.
 * Resting bids count: b (collateral 100) rests 5 at 99: equity 100 - 495 +
 * 500 = 105 >= IM(5) = 50; then 6 more at 99: equity 100 - 594 + 600 = 106 <
 * IM(11) = 110 -> refused. The instrument caps leverage: c asks for 50x on a
 * 10x instrument and is held to 10x. Reducing orders always pass. */
/* clang-format off */
Test(exchange, initial_margin_check)
{
    struct cas_instrument_spec s = perp();
    s.max_leverage = 10;
    open_venue(&s, 1, 0);
    uint32_t m, a, b, c;
    open_accounts((struct acct[]){{BIG, CAS_CROSS, 10, &m, 0}, {100, CAS_CROSS, 10, &a, 0},
                                  {100, CAS_CROSS, 10, &b, 0}, {100, CAS_CROSS, 50, &c, 0}, {0}});
    rest(ex, m, 0, SELL, 100, 100);
    refused(a, BUY, CAS_LIMIT, 100, 11, CAS_REJECT_MARGIN);
    refused(a, BUY, CAS_MARKET, 0, 11, CAS_REJECT_MARGIN);
    refused(c, BUY, CAS_LIMIT, 100, 11, CAS_REJECT_MARGIN);
    cr_assert_eq(accepted(a, BUY, CAS_LIMIT, 100, 10).filled, 10);
    ok(ex);
    cr_assert_eq(accepted(b, BUY, CAS_LIMIT, 99, 5).rested, 5);
    refused(b, BUY, CAS_LIMIT, 99, 6, CAS_REJECT_MARGIN);
    accepted(b, BUY, CAS_LIMIT, 99, 1);
    /* a is at exactly IM; after a drop to 95 it is under IM but above MM */
    cr_assert_eq(cas_exchange_set_mark(ex, 0, 95, NOCAUSE), 0);
    refused(a, BUY, CAS_LIMIT, 94, 1, CAS_REJECT_MARGIN);
    accepted(a, SELL, CAS_LIMIT, 120, 4);
    ok(ex);
}
/* clang-format on */

/* A leverage setting changed on the way (a scripted agent's entry, as a trader sets it
 * before an order). a (cross, collateral 100, 5x) cannot buy 10 at 100 (IM 200); set to
 * 10x it cannot buy 11 (IM 110) but buys 10 (IM 100); set to 50x it is still held to the
 * instrument's 10x. iso (isolated, collateral 300, 10x) sets aside notional / leverage at
 * what it opens: 10 lots at 100 at 10x, 100; set to 5x, 5 lots more, 100 more; set to 20x
 * (held to 10x), 5 more, 50 more. Margin already set aside stays. A setting below 1, or
 * of no account, is refused. */
/* clang-format off */
Test(exchange, a_changed_leverage_applies_from_the_next_order)
{
    struct cas_instrument_spec s = perp();
    s.max_leverage = 10;
    open_venue(&s, 1, 0);
    uint32_t m, a, iso;
    open_accounts((struct acct[]){{BIG, CAS_CROSS, 10, &m, 0}, {100, CAS_CROSS, 5, &a, 0},
                                  {300, CAS_ISOLATED, 10, &iso, 0}, {0}});
    rest(ex, m, 0, SELL, 100, 100);
    refused(a, BUY, CAS_LIMIT, 100, 10, CAS_REJECT_MARGIN);
    cr_assert_eq(cas_exchange_set_leverage(ex, a, 10), 0);
    refused(a, BUY, CAS_LIMIT, 100, 11, CAS_REJECT_MARGIN);
    cr_assert_eq(accepted(a, BUY, CAS_LIMIT, 100, 10).filled, 10);
    cr_assert_eq(cas_exchange_set_leverage(ex, a, 50), 0);
    refused(a, BUY, CAS_LIMIT, 100, 1, CAS_REJECT_MARGIN);
    cr_assert_eq(accepted(iso, BUY, CAS_MARKET, 0, 10).filled, 10);
    cr_assert_eq(position(ex, iso, 0).margin, 100);
    cr_assert_eq(cas_exchange_set_leverage(ex, iso, 5), 0);
    cr_assert_eq(accepted(iso, BUY, CAS_MARKET, 0, 5).filled, 5);
    cr_assert_eq(position(ex, iso, 0).margin, 200);
    cr_assert_eq(cas_exchange_set_leverage(ex, iso, 20), 0);
    cr_assert_eq(accepted(iso, BUY, CAS_MARKET, 0, 5).filled, 5);
    cr_assert_eq(position(ex, iso, 0).margin, 250);
    cr_assert_eq(account_of(ex, iso).cash, 50);
    cr_assert_eq(cas_exchange_set_leverage(ex, iso, 0), CAS_EINVAL);
    cr_assert_eq(cas_exchange_set_leverage(ex, 99, 2), CAS_EINVAL);
    ok(ex);
}
/* clang-format on */

/* Reduce-only: nothing to reduce, or the wrong side, is refused; more than
 * the position is clipped to it. */
/* clang-format off */
Test(exchange, reduce_only_is_clipped_to_the_position)
{
    open_perp(0);
    uint32_t m, a;
    open_accounts((struct acct[]){{BIG, CAS_CROSS, 100, &m, 0}, {1000, CAS_CROSS, 10, &a, 0}, {0}});
    struct cas_order o = {.account = a, .instrument = 0, .side = SELL, .type = CAS_LIMIT,
                          .price = 100, .qty = 3, .reduce_only = true};
    enum cas_reject rej;
    struct cas_submit_result res;
    uint64_t id;
    cr_assert_eq(cas_exchange_submit(ex, &o, NOCAUSE, &id, &res, &rej), CAS_EINVAL);
    cr_assert_eq(rej, CAS_REJECT_REDUCE_ONLY);
    trade(ex, 0, a, m, 100, 10);
    o.side = BUY;
    cr_assert_eq(cas_exchange_submit(ex, &o, NOCAUSE, &id, &res, &rej), CAS_EINVAL);
    cr_assert_eq(rej, CAS_REJECT_REDUCE_ONLY);
    o.side = SELL;
    o.qty = 15;
    o.price = 101;
    cr_assert_eq(cas_exchange_submit(ex, &o, NOCAUSE, &id, &res, &rej), 0);
    cr_assert_eq(res.rested, 10);
    ok(ex);
}
/* clang-format on */

/* Band [90, 110]: a limit at 111 or 89 is refused, 105 accepted; a market
 * buy whose best ask (112) is outside is refused. A halt refuses all. */
/* Money is kept in 64 bits: an order whose notional passes 2^59 money units is refused, as
 * is every order of an account whose cash is already past 2^61, and nothing changes. The
 * config fuzzer found a spot book priced near 2^40 ticks whose sellers' cash overflowed
 * after two fills (tests/fuzz/corpus/config/spot-cash-overflow). */
Test(exchange, an_order_beyond_the_range_of_money_is_refused)
{
    struct cas_instrument_spec s = perp();
    s.contract_units = (int64_t)1 << 20;
    open_venue(&s, 1, 0);
    uint32_t m, a;
    open_accounts((struct acct[]){{BIG, CAS_CROSS, 100, &m, 0}, {BIG, CAS_CROSS, 100, &a, 0}, {0}});
    rest(ex, m, 0, SELL, (cas_ticks)1 << 38, 1);                         /* 2^58: within */
    refused(a, BUY, CAS_LIMIT, (cas_ticks)1 << 39, 2, CAS_REJECT_SIZE);  /* 2^60 */
    refused(a, SELL, CAS_LIMIT, (cas_ticks)1 << 38, 4, CAS_REJECT_SIZE); /* 2^60 */
    cr_assert_eq(cas_book_orders(cas_exchange_book(ex, 0)), 1u, "a refused order rested");
    ok(ex);
}

Test(exchange, band_and_halt_refuse_orders)
{
    open_perp(0);
    uint32_t m, a;
    open_accounts(
        (struct acct[]){{BIG, CAS_CROSS, 100, &m, 0}, {100000, CAS_CROSS, 10, &a, 0}, {0}});
    rest(ex, m, 0, SELL, 112, 5);
    cas_exchange_set_band(ex, 0, 90, 110);
    refused(a, BUY, CAS_LIMIT, 111, 1, CAS_REJECT_BAND);
    refused(a, SELL, CAS_LIMIT, 89, 1, CAS_REJECT_BAND);
    refused(a, BUY, CAS_MARKET, 0, 1, CAS_REJECT_BAND);
    accepted(a, BUY, CAS_LIMIT, 105, 1);
    cas_exchange_set_halt(ex, 0, true);
    refused(a, BUY, CAS_LIMIT, 100, 1, CAS_REJECT_HALTED);
    cas_exchange_set_halt(ex, 0, false);
    cas_exchange_set_band(ex, 0, 0, INT64_MAX);
    cr_assert_eq(accepted(a, BUY, CAS_MARKET, 0, 1).filled, 1);
    ok(ex);
}

/* ---- the risk engine ---------------------------------------------------- */

/* Four isolated longs of 10 at 100 (K = 1, mmr 0.5%); trigger = highest p
 * with cash + 10p < ceil(0.05p):
 *   lev 20: cash -950, trigger 95 (95: 0 < 5; 96: 10 >= 5)
 *   lev 10: cash -900, trigger 90;  lev 5: -800, 80;  lev 4: -750, 75.
 * A second lev-10 account has the same trigger 90: ties go by account id.
 * Mark 85 crosses 95, 90, 90 (in that order) but not 80 or 75. No bids: the
 * IOCs fill nothing, and the market maker (the only short) is deleveraged. */
Test(exchange, mark_move_liquidates_exactly_the_crossed_in_order)
{
    open_perp(0);
    uint32_t m = open_acct(ex, BIG, CAS_CROSS, 100);
    int32_t levs[5] = {10, 5, 20, 4, 10};
    uint32_t id[5];
    for (int k = 0; k < 5; k++) {
        id[k] = open_acct(ex, 1000 / levs[k], CAS_ISOLATED, levs[k]);
        trade(ex, 0, id[k], m, 100, 10);
    }
    cr_assert_eq(cas_exchange_set_mark(ex, 0, 96, SHOCK(1)), 0);
    ok(ex);
    cr_assert_eq(r.n_liq, 0);
    cr_assert_eq(cas_exchange_set_mark(ex, 0, 85, SHOCK(2)), 0);
    ok(ex);
    cr_assert_eq(r.n_liq, 3);
    cr_assert_eq(r.liq[0].account, id[2]);
    cr_assert_eq(r.liq[1].account, id[0]);
    cr_assert_eq(r.liq[2].account, id[4]);
    cr_assert_float_eq(r.liq[0].bankruptcy, 95.0, 1e-12);
    cr_assert_eq(r.liq[0].mark, 85);
    cr_assert_eq(r.liq[0].lots, 10);
    cr_assert_eq(r.liq[0].side, BUY);
    cr_assert_eq(position(ex, id[1], 0).lots, 10);
    cr_assert_eq(position(ex, id[3], 0).lots, 10);
    cr_assert_eq(r.n_adl, 3); /* each job deleverages m at its bankruptcy price */
    cr_assert_eq(position(ex, m, 0).lots, -20);
    cr_assert_eq(r.n_done, 3);
    cr_assert_eq(r.done[0].insurance_change, 0);
    cr_assert_eq(totals(ex).liquidated_notional, 3 * 850);
    cr_assert_eq(r.liq[0].notional, 850);
}

/* Two shorts of 4 lots of 2^30 units each (notional 2^32 x price): a mark of
 * 2^40 puts each notional at 2^72, past 64 bits. Each liquidation's notional and
 * the venue's total are held to INT64_MAX, not wrapped (the config fuzzer found
 * a run whose index ran away to such marks). */
Test(exchange, liquidated_notional_is_held_to_the_largest_money_not_wrapped)
{
    struct cas_instrument_spec s = perp();
    s.contract_units = (int64_t)1 << 30;
    open_venue(&s, 1, 0);
    uint32_t m = open_acct(ex, INT64_MAX / 8, CAS_CROSS, 100);
    uint32_t a = open_acct(ex, (cas_money)1 << 36, CAS_ISOLATED, 10);
    uint32_t b = open_acct(ex, (cas_money)1 << 36, CAS_ISOLATED, 10);
    trade(ex, 0, m, a, 100, 4);
    trade(ex, 0, m, b, 100, 4);
    cr_assert_eq(cas_exchange_set_mark(ex, 0, CAS_BOOK_MAX_PRICE, SHOCK(1)), 0);
    ok(ex);
    cr_assert_eq(r.n_liq, 2);
    cr_assert_eq(r.liq[0].notional, INT64_MAX);
    cr_assert_eq(r.liq[1].notional, INT64_MAX);
    cr_assert_eq(totals(ex).liquidated_notional, INT64_MAX);
    cr_assert_eq(cas_money_add_held(INT64_MIN + 1, -2), INT64_MIN);
    cr_assert_eq(cas_money_add_held(INT64_MAX - 1, 1), INT64_MAX);
    cr_assert_eq(cas_money_add_held(-5, 3), -2);
}

/* Surplus: a (lev 10, BP 90) is liquidated at mark 89; its IOC sell at 90
 * fills 10 at b's bid of 92: job cash -900 + 920 = 20 goes to the fund. */
Test(exchange, surplus_goes_to_the_fund)
{
    open_perp(1000);
    uint32_t m, a, b;
    long_at_100(&m, &a, &b);
    bid_then_fall(b, 92, 10);
    cr_assert_eq(r.n_done, 1);
    cr_assert_eq(r.done[0].filled, 10);
    cr_assert_eq(r.done[0].adl, 0);
    cr_assert_float_eq(r.done[0].fill_vwap, 92.0, 1e-12);
    cr_assert_eq(r.done[0].insurance_change, 20);
    cr_assert_eq(totals(ex).insurance_fund, 1020);
    cr_assert_eq(position(ex, b, 0).lots, 10);
    cr_assert_eq(cas_exchange_mark(ex, 0), 92); /* no mark methods: the last trade */
    struct cas_account_view v = account_of(ex, a);
    cr_assert_eq(v.cash, 0);
    cr_assert_eq(v.liquidations, 1);
}

/* Shortfall, market style: bids 5 at 88 and 5 at 86; closing 10 yields 870,
 * job cash -900 + 870 = -30, within the fund (1000): the fund pays 30. */
Test(exchange, shortfall_is_paid_by_the_fund)
{
    struct cas_instrument_spec s = market_style();
    open_venue(&s, 1, 1000);
    uint32_t m, a, b;
    long_at_100(&m, &a, &b);
    rest(ex, b, 0, BUY, 88, 5);
    rest(ex, b, 0, BUY, 86, 5);
    mark_to(89);
    cr_assert_eq(r.n_done, 1);
    cr_assert_eq(r.done[0].insurance_change, -30);
    cr_assert_float_eq(r.done[0].fill_vwap, 87.0, 1e-12);
    struct cas_exchange_totals t = totals(ex);
    cr_assert_eq(t.insurance_fund, 970);
    cr_assert_eq(t.insurance_min, 970);
    cr_assert_eq(t.adl, 0);
}

/* Empty fund, market style. a: isolated lev 7, long 10 at 100: margin
 * ceil(1000/7) = 143, cash -857, BP 85.7, trigger 86 (86: 3 < 5; 87: 13 >= 5).
 * x long 5 (well collateralised). Shorts s1, s2, s3 sold 5 each at 100 with
 * collateral 200, 50, 100. Only bid: 10 at 80: closing gives 800, cash -57 <
 * -fund 0, so ADL all 10 lots at 85.7. At mark 85 every short has PnL%
 * 15/100 and equity c + 500 - 425 = c + 75, effective leverage 425/(c + 75):
 * ranks s2 > s3 > s1, so s2 and s3 are closed, 5 lots each; each pays
 * 5 * 85.7 = 428.5 -> 429 (owed: up), the job receives 428 (down), residue 1
 * each. Job cash -857 + 856 = -1: the fund pays 1 and stands at -1. */
/* clang-format off */
Test(exchange, empty_fund_deleverages_by_rank_at_the_bankruptcy_price)
{
    struct cas_instrument_spec s = market_style();
    open_venue(&s, 1, 0);
    uint32_t a, x, s1, s2, s3, b;
    open_accounts((struct acct[]){{143, CAS_ISOLATED, 7, &a, 0}, {100000, CAS_CROSS, 10, &x, 0},
                                  {200, CAS_CROSS, 10, &s1, 0}, {50, CAS_CROSS, 10, &s2, 0},
                                  {100, CAS_CROSS, 10, &s3, 0}, {100000, CAS_CROSS, 10, &b, 0},
                                  {0}});
    rest(ex, a, 0, BUY, 100, 10);
    rest(ex, x, 0, BUY, 100, 5);
    enum cas_reject rej;
    struct cas_submit_result res;
    uint32_t sh[3] = {s1, s2, s3};
    for (int k = 0; k < 3; k++) {
        cr_assert_eq(submit(ex, sh[k], 0, SELL, CAS_MARKET, 0, 5, &rej, &res), 0, "rej %d", rej);
        ok(ex);
    }
    cr_assert_eq(position(ex, a, 0).lots, 10);
    cr_assert_eq(position(ex, a, 0).margin, 143);
    rest(ex, b, 0, BUY, 80, 10);
    cr_assert_eq(cas_exchange_set_mark(ex, 0, 87, NOCAUSE), 0);
    cr_assert_eq(r.n_liq, 0);
    mark_to(85);
    cr_assert_eq(r.n_liq, 1);
    cr_assert_eq(r.n_adl, 2);
    cr_assert_eq(r.adl[0].account, s2);
    cr_assert_eq(r.adl[1].account, s3);
    cr_assert_eq(r.adl[0].lots, 5);
    cr_assert_float_eq(r.adl[0].price, 85.7, 1e-9);
    cr_assert_eq(position(ex, s1, 0).lots, -5);
    cr_assert_eq(position(ex, s2, 0).lots, 0);
    struct cas_account_view v = account_of(ex, s2);
    cr_assert_eq(v.cash, 50 + 500 - 429);
    v = account_of(ex, s3);
    cr_assert_eq(v.cash, 100 + 500 - 429);
    cr_assert_eq(r.done[0].adl, 10);
    cr_assert_eq(r.done[0].filled, 0);
    cr_assert_eq(r.done[0].insurance_change, -1);
    struct cas_exchange_totals t = totals(ex);
    cr_assert_eq(t.residue, 2);
    cr_assert_eq(t.insurance_fund, -1);
    cr_assert_eq(t.insurance_min, -1);
    cr_assert_eq(t.adl, 2);
    cr_assert_eq(cas_book_orders(cas_exchange_book(ex, 0)), 1); /* b's bid untouched */
}
/* clang-format on */

/* IOC style: a (BP 90) at mark 89; the IOC sells 4 at b's bid of 91, the
 * other 6 are deleveraged against m (the only short) at 90: m pays 540.
 * Job cash -900 + 364 + 540 = 4: surplus to the fund. */
Test(exchange, ioc_style_deleverages_what_the_ioc_leaves)
{
    open_perp(1000);
    uint32_t m, a, b;
    open_accounts((struct acct[]){{1000000, CAS_CROSS, 100, &m, 0},
                                  {100, CAS_ISOLATED, 10, &a, 10},
                                  {100000, CAS_CROSS, 10, &b, 0},
                                  {0}});
    rest(ex, b, 0, BUY, 91, 4);
    rest(ex, b, 0, BUY, 89, 4); /* below the IOC's limit: not touched */
    mark_to(89);
    cr_assert_eq(r.n_done, 1);
    cr_assert_eq(r.done[0].filled, 4);
    cr_assert_eq(r.done[0].adl, 6);
    cr_assert_eq(r.done[0].insurance_change, 4);
    cr_assert_eq(r.n_adl, 1);
    cr_assert_eq(r.adl[0].account, m);
    cr_assert_eq(r.adl[0].lots, 6);
    cr_assert_eq(position(ex, m, 0).lots, -4);
    struct cas_account_view v = account_of(ex, m);
    cr_assert_eq(v.cash, 1000000 + 1000 - 540);
    cr_assert_eq(totals(ex).insurance_fund, 1004);
}

/* Throttle 3 lots per step: the IOC sells 3 at 95 per step (b's bid), the
 * job ends at step 3: 10 filled at 95, fund +(-900 + 950) = 50. */
Test(exchange, throttled_job_continues_over_steps)
{
    struct cas_instrument_spec s = perp();
    s.liq_max_lots_per_step = 3;
    open_venue(&s, 1, 0);
    uint32_t m, a, b;
    long_at_100(&m, &a, &b);
    bid_then_fall(b, 95, 10);
    cr_assert_eq(position(ex, b, 0).lots, 3);
    cr_assert_eq(r.n_done, 0);
    struct cas_account_view v = account_of(ex, a);
    cr_assert(v.liquidating);
    refused(a, BUY, CAS_LIMIT, 90, 1, CAS_REJECT_LIQUIDATING);
    for (cas_step st = 1; st <= 3; st++) {
        cr_assert_eq(cas_exchange_begin_step(ex, st, NOCAUSE), 0);
        ok(ex);
        cr_assert_eq(position(ex, b, 0).lots, st < 3 ? 3 * (st + 1) : 10);
    }
    cr_assert_eq(r.n_done, 1);
    cr_assert_eq(r.done[0].step, 3);
    cr_assert_eq(r.done[0].filled, 10);
    cr_assert_eq(r.done[0].insurance_change, 50);
    v = account_of(ex, a);
    cr_assert(!v.liquidating);
}

/* Slices of 20% (2 lots) for positions of notional >= 500 (10 x 89 = 890),
 * one slice per 2 steps: steps 0, 2, 4, 6, 8. */
Test(exchange, slicing_works_one_slice_per_cooldown)
{
    struct cas_instrument_spec s = perp();
    s.liq_slice_ppm = 200000;
    s.liq_slice_above = 500;
    s.liq_slice_cooldown = 2;
    open_venue(&s, 1, 0);
    uint32_t m, a, b;
    long_at_100(&m, &a, &b);
    bid_then_fall(b, 95, 10);
    cas_lots expect[9] = {2, 2, 4, 4, 6, 6, 8, 8, 10};
    cr_assert_eq(position(ex, b, 0).lots, 2);
    for (cas_step st = 1; st <= 8; st++) {
        cr_assert_eq(cas_exchange_begin_step(ex, st, NOCAUSE), 0);
        ok(ex);
        cr_assert_eq(position(ex, b, 0).lots, expect[st], "step %lld", (long long)st);
        cr_assert_eq(r.n_done, st < 8 ? 0u : 1u);
    }
}

/* Halted: the takeover happens but the job's order waits; lifting the halt
 * lets it trade at the next step. Band [95, 110]: the IOC's limit 90 is
 * outside, the job waits until the band is lifted. */
Test(exchange, engine_orders_wait_for_halt_and_band)
{
    open_perp(0);
    uint32_t m, a, c, b;
    open_accounts((struct acct[]){{BIG, CAS_CROSS, 100, &m, 0},
                                  {100, CAS_ISOLATED, 10, &a, 10},
                                  {100, CAS_ISOLATED, 10, &c, 10},
                                  {100000, CAS_CROSS, 10, &b, 0},
                                  {0}});
    rest(ex, b, 0, BUY, 96, 20);
    cas_exchange_set_halt(ex, 0, true);
    mark_to(89);
    cr_assert_eq(r.n_liq, 2);
    cr_assert_eq(r.n_done, 0);
    cr_assert_eq(cas_exchange_begin_step(ex, 1, NOCAUSE), 0);
    cr_assert_eq(r.n_done, 0);
    cas_exchange_set_halt(ex, 0, false);
    cas_exchange_set_band(ex, 0, 95, 110);
    cr_assert_eq(cas_exchange_begin_step(ex, 2, NOCAUSE), 0);
    ok(ex);
    cr_assert_eq(r.n_done, 0);
    cr_assert_eq(position(ex, b, 0).lots, 0);
    cas_exchange_set_band(ex, 0, 0, INT64_MAX);
    cr_assert_eq(cas_exchange_begin_step(ex, 3, NOCAUSE), 0);
    ok(ex);
    cr_assert_eq(r.n_done, 2);
    cr_assert_eq(position(ex, b, 0).lots, 20);
}

/* Causes: a1 (lev 20, trigger 95) and a2 (lev 10, trigger 90); only bid 10
 * at 89. set_mark 94 under SHOCK 3 liquidates a1 (cause SHOCK 3); its market
 * sell fills at 89, the mark follows to 89 and crosses a2's trigger: a2's
 * liquidation records liquidation 1 as its cause. a1's fills carry cause
 * LIQUIDATION 1. */
Test(exchange, liquidation_causes_form_a_tree)
{
    struct cas_instrument_spec s = market_style();
    open_venue(&s, 1, 100000);
    uint32_t m, a1, a2, b;
    open_accounts((struct acct[]){{BIG, CAS_CROSS, 100, &m, 0},
                                  {50, CAS_ISOLATED, 20, &a1, 10},
                                  {100, CAS_ISOLATED, 10, &a2, 10},
                                  {100000, CAS_CROSS, 10, &b, 0},
                                  {0}});
    rest(ex, b, 0, BUY, 89, 10);
    r.n_fill = 0;
    cr_assert_eq(cas_exchange_set_mark(ex, 0, 94, SHOCK(3)), 0);
    ok(ex);
    cr_assert_eq(r.n_liq, 2);
    cr_assert_eq(r.liq[0].account, a1);
    cr_assert_eq(r.liq[0].id, 1);
    cr_assert_eq(r.liq[0].cause.kind, CAS_CAUSE_SHOCK);
    cr_assert_eq(r.liq[0].cause.id, 3);
    cr_assert_eq(r.liq[1].account, a2);
    cr_assert_eq(r.liq[1].mark, 89);
    cr_assert_eq(r.liq[1].cause.kind, CAS_CAUSE_LIQUIDATION);
    cr_assert_eq(r.liq[1].cause.id, 1);
    cr_assert_eq(r.n_fill, 1);
    cr_assert_eq(r.fill_cause[0].kind, CAS_CAUSE_LIQUIDATION);
    cr_assert_eq(r.fill_cause[0].id, 1);
    /* a1: -950 + 890 = -60 from the fund; a2's job waits for bids */
    cr_assert_eq(r.n_done, 1);
    cr_assert_eq(r.done[0].insurance_change, -60);
}

/* ---- keeper mode ---------------------------------------------------------- */

/* Close factor 50%, bonus 5%. t (isolated lev 10, long 10, cash -900,
 * trigger 90) is listed at mark 89 and not liquidated automatically. Each
 * request takes min(lots, max(1, floor(50% x position))) at 89 x 0.95 =
 * 84.55 per lot: the keeper pays ceil(q x 84.55), t receives floor:
 *   q = 5: pays 423, t gets 422: t 5 lots, cash -478
 *   q = 2: 169.1 -> 170 / 169:  t 3 lots, cash -309
 *   q = 1: 84.55 -> 85 / 84:    2 lots -225; 1 lot -141; 0 lots -57
 * t is flat with -57: the fund (1000) pays it: 943. Residue 5. */
Test(keeper, close_factor_bonus_and_bad_debt)
{
    struct cas_instrument_spec s = perp();
    s.liq_mode = CAS_LIQ_KEEPER;
    s.close_factor_ppm = 500000;
    s.liq_bonus_ppm = 50000;
    open_venue(&s, 1, 1000);
    uint32_t m, t, k, poor;
    open_accounts((struct acct[]){{BIG, CAS_CROSS, 100, &m, 0},
                                  {100, CAS_ISOLATED, 10, &t, 10},
                                  {100000, CAS_CROSS, 10, &k, 0},
                                  {1, CAS_CROSS, 1, &poor, 0},
                                  {0}});
    uint32_t list[4];
    cas_lots taken;
    cr_assert_eq(cas_exchange_keeper_liquidate(ex, k, t, 0, 10, &taken), CAS_ENOTFOUND);
    cr_assert_eq(cas_exchange_set_mark(ex, 0, 89, SHOCK(7)), 0);
    ok(ex);
    cr_assert_eq(r.n_liq, 0);
    cr_assert_eq(cas_exchange_liquidatable(ex, 0, list, 4), 1);
    cr_assert_eq(list[0], t);
    cr_assert_eq(cas_exchange_keeper_liquidate(ex, poor, t, 0, 10, &taken), CAS_EINVAL);
    cas_lots left[5] = {5, 3, 2, 1, 0};
    cas_money cash[5] = {-478, -309, -225, -141, 0};
    for (int n = 0; n < 5; n++) {
        cr_assert_eq(cas_exchange_keeper_liquidate(ex, k, t, 0, 10, &taken), 0);
        ok(ex);
        cr_assert_eq(position(ex, t, 0).lots, left[n]);
        cr_assert_eq(position(ex, t, 0).margin - 100 * left[n], cash[n]); /* margin = cash + cost */
    }
    cr_assert_eq(taken, 1);
    cr_assert_eq(r.n_liq, 5);
    cr_assert_eq(r.liq[0].mode, CAS_LIQ_KEEPER);
    cr_assert_eq(r.liq[0].keeper, k);
    cr_assert_eq(r.liq[0].lots, 5);
    cr_assert_float_eq(r.liq[0].bankruptcy, 90.0, 1e-12);
    cr_assert_eq(r.liq[0].cause.kind, CAS_CAUSE_SHOCK);
    cr_assert_eq(r.liq[0].cause.id, 7);
    cr_assert_eq(r.liq[1].lots, 2);
    struct cas_exchange_totals tt = totals(ex);
    cr_assert_eq(tt.insurance_fund, 943);
    cr_assert_eq(tt.insurance_min, 943);
    cr_assert_eq(tt.residue, 5);
    cr_assert_eq(tt.keeper, 5);
    cr_assert_eq(position(ex, k, 0).lots, 10);
    struct cas_account_view v = account_of(ex, k);
    cr_assert_eq(v.cash, 100000 - 423 - 170 - 85 - 85 - 85);
    v = account_of(ex, t);
    cr_assert_eq(v.cash, 0);
    cr_assert_eq(cas_exchange_liquidatable(ex, 0, list, 4), 0);
}

/* ---- funding ------------------------------------------------------------- */

/* K = 10, mark 1000, rate 1234 ppm: per lot 10000 x 0.001234 = 12.34.
 * a long 7 pays 86.38 -> 87; b short 4 gets 49.36 -> 49; c short 3 gets
 * 37.02 -> 37; residue 87 - 86 = 1. Rate -1234: a gets 86, b pays 50, c pays
 * 38; residue +2. */
Test(funding, amounts_signs_and_residue)
{
    struct cas_instrument_spec s = perp();
    s.contract_units = 10;
    s.initial_price = 1000;
    open_venue(&s, 1, 0);
    uint32_t a, b, c;
    open_accounts((struct acct[]){{100000, CAS_CROSS, 10, &a, 0},
                                  {100000, CAS_ISOLATED, 10, &b, 0},
                                  {100000, CAS_CROSS, 10, &c, 0},
                                  {0}});
    trade(ex, 0, a, b, 1000, 4);
    trade(ex, 0, a, c, 1000, 3);
    struct cas_account_view va, vb, vc;
    va = account_of(ex, a);
    vb = account_of(ex, b);
    vc = account_of(ex, c);
    cr_assert_eq(cas_exchange_pay_funding(ex, 0, 1234), 0);
    ok(ex);
    struct cas_account_view wa, wb, wc;
    wa = account_of(ex, a);
    wb = account_of(ex, b);
    wc = account_of(ex, c);
    cr_assert_eq(wa.equity - va.equity, -87);
    cr_assert_eq(wb.equity - vb.equity, 49);
    cr_assert_eq(wc.equity - vc.equity, 37);
    cr_assert_eq(wa.funding_paid, 87);
    cr_assert_eq(wb.funding_paid, -49);
    cr_assert_eq(totals(ex).residue, 1);
    cr_assert_eq(position(ex, b, 0).margin, 4000 + 49); /* isolated: into the position */
    cr_assert_eq(cas_exchange_pay_funding(ex, 0, -1234), 0);
    ok(ex);
    va = account_of(ex, a);
    vc = account_of(ex, c);
    cr_assert_eq(va.funding_paid, 87 - 86);
    cr_assert_eq(vc.funding_paid, -37 + 38);
    cr_assert_eq(totals(ex).residue, 3);
}

/* Dynamic margin: a (lev 10, cash -900) survives mark 91 at 0.5% (10 >= 5)
 * but not at 4x the rate: MM = ceil(910 x 2%) = 19 > 10. */
Test(exchange, raising_the_mmr_scale_liquidates)
{
    open_perp(0);
    uint32_t m, a;
    open_accounts(
        (struct acct[]){{BIG, CAS_CROSS, 100, &m, 0}, {100, CAS_ISOLATED, 10, &a, 10}, {0}});
    cr_assert_eq(cas_exchange_set_mark(ex, 0, 91, NOCAUSE), 0);
    cr_assert_eq(r.n_liq, 0);
    cr_assert_eq(cas_exchange_set_mmr_scale(ex, 0, 4 * CAS_PPM), 0);
    ok(ex);
    cr_assert_eq(r.n_liq, 1);
    cr_assert_eq(r.liq[0].cause.kind, CAS_CAUSE_MARGIN);
}

/* ---- property test ----------------------------------------------------- */

#define NACC 50

struct world {
    struct cas_exchange *ex;
    struct cas_rng rng;
    uint64_t ids[512];
    uint32_t n_ids;
    uint32_t n_inst;
    uint64_t shocks;
};

static void random_order(struct world *w)
{
    struct cas_rng *g = &w->rng;
    uint32_t i = (uint32_t)cas_rng_bounded(g, w->n_inst);
    cas_ticks mark = cas_exchange_mark(w->ex, i);
    struct cas_order o = {.account = cas_rng_bounded(g, NACC + 4),
                          .instrument = i,
                          .side = cas_rng_bounded(g, 2) ? BUY : SELL,
                          .qty = cas_rng_range(g, 1, 20),
                          .reduce_only = cas_rng_bounded(g, 10) == 0};
    uint32_t kind = cas_rng_bounded(g, 10);
    o.type = kind < 6 ? CAS_LIMIT : kind < 8 ? CAS_MARKET : kind < 9 ? CAS_IOC : CAS_POST_ONLY;
    o.price = mark + cas_rng_range(g, -mark / 20 - 1, mark / 20 + 1);
    if (o.price < 1)
        o.price = 1;
    uint64_t id;
    struct cas_submit_result res;
    enum cas_reject rej;
    int rc = cas_exchange_submit(w->ex, &o, (struct cas_cause){CAS_CAUSE_ORDER, o.account}, &id,
                                 &res, &rej);
    cr_assert(rc == 0 || rc == CAS_EINVAL, "submit rc %d", rc);
    if (rc == 0 && res.rested > 0 && w->n_ids < 512)
        w->ids[w->n_ids++] = id;
}

static void random_op(struct world *w, bool keeper)
{
    struct cas_rng *g = &w->rng;
    uint32_t op = cas_rng_bounded(g, 100);
    uint32_t i = cas_rng_bounded(g, w->n_inst);
    if (op < 70) {
        random_order(w);
    } else if (op < 82 && w->n_ids > 0) {
        uint32_t k = cas_rng_bounded(g, w->n_ids);
        int rc = cas_exchange_cancel(w->ex, w->ids[k]);
        cr_assert(rc == 0 || rc == CAS_ENOTFOUND);
        w->ids[k] = w->ids[--w->n_ids];
    } else if (op < 90) {
        cas_ticks m = cas_exchange_mark(w->ex, i);
        double jump = cas_rng_normal(g, 0, 0.04);
        cas_ticks to = (cas_ticks)((double)m * (1 + jump));
        to = to < 40 ? 40 : to > 400 ? 400 : to;
        cr_assert_eq(cas_exchange_set_mark(w->ex, i, to, SHOCK(++w->shocks)), 0);
    } else if (op < 93) {
        cr_assert_eq(cas_exchange_pay_funding(w->ex, i % 2, cas_rng_range(g, -3000, 3000)), 0);
    } else if (op < 95) {
        cr_assert_eq(cas_exchange_set_mmr_scale(w->ex, i, cas_rng_range(g, 500000, 3000000)), 0);
    } else if (op < 97) {
        cas_exchange_set_halt(w->ex, i, cas_rng_bounded(g, 3) == 0);
        cas_ticks m = cas_exchange_mark(w->ex, i);
        if (cas_rng_bounded(g, 2))
            cas_exchange_set_band(w->ex, i, m * 9 / 10, m * 11 / 10);
        else
            cas_exchange_set_band(w->ex, i, 0, INT64_MAX);
    } else if (keeper) {
        uint32_t list[8];
        uint32_t n = cas_exchange_liquidatable(w->ex, i, list, 8);
        if (n == 0)
            return;
        cas_lots taken;
        int rc = cas_exchange_keeper_liquidate(w->ex, cas_rng_bounded(g, NACC + 4), list[0], i,
                                               cas_rng_range(g, 1, 30), &taken);
        cr_assert(rc == 0 || rc == CAS_EINVAL, "keeper rc %d", rc);
    }
}

static void run_world(uint64_t seed, bool keeper, bool mid_marks, int steps)
{
    struct cas_instrument_spec s[3] = {perp(), perp(), perp()};
    for (int k = 0; k < 3; k++) {
        s[k].n_tiers = 2;
        s[k].tiers[0] = (struct cas_tier){0, 5000, 50};
        s[k].tiers[1] = (struct cas_tier){20000, 12000, 20};
        s[k].maker_fee_ppm = 150;
        s[k].taker_fee_ppm = 420;
        s[k].liq_mode = keeper ? CAS_LIQ_KEEPER : CAS_LIQ_ENGINE;
        s[k].close_factor_ppm = 500000;
        s[k].liq_bonus_ppm = 20000;
        s[k].adl_rank = k == 1 ? CAS_ADL_PNL : CAS_ADL_PNL_LEVERAGE;
    }
    s[1].contract_units = 3;
    s[1].initial_price = 200;
    s[1].liq_style = CAS_LIQ_MARKET;
    s[1].liq_max_lots_per_step = 15;
    s[1].liq_slice_ppm = 300000;
    s[1].liq_slice_above = 3000;
    s[1].liq_slice_cooldown = 2;
    s[0].liq_ioc_penalty_ppm = 10000;
    s[2].kind = CAS_SPOT;
    s[2].n_tiers = 0;
    struct world w = {.n_inst = 3};
    cas_rng_init(&w.rng, seed, 11);
    struct cas_mark ms[3];
    for (int k = 0; k < 3; k++)
        cas_mark_init(&ms[k], CAS_MARK_MID, 1);
    struct cas_err err = {0};
    cr_assert_eq(cas_exchange_create(&w.ex, s, 3, cas_rng_range(&w.rng, 0, 20000), NULL,
                                     mid_marks ? ms : NULL, &err),
                 0, "%s", err.msg);
    for (int a = 0; a < NACC; a++)
        open_acct(w.ex, cas_rng_range(&w.rng, 500, 50000),
                  cas_rng_bounded(&w.rng, 2) ? CAS_CROSS : CAS_ISOLATED,
                  (int32_t)cas_rng_range(&w.rng, 1, 50));
    for (int a = 0; a < 4; a++) /* deep-pocketed liquidity */
        open_acct(w.ex, 5000000, CAS_CROSS, 5);
    char why[256];
    for (int st = 0; st < steps; st++) {
        cr_assert_eq(cas_exchange_begin_step(w.ex, st, NOCAUSE), 0);
        cr_assert(cas_exchange_check(w.ex, why, sizeof why), "seed %llu step %d: %s",
                  (unsigned long long)seed, st, why);
        for (int k = 0; k < 8; k++) {
            random_op(&w, keeper);
            cr_assert(cas_exchange_check(w.ex, why, sizeof why), "seed %llu step %d op %d: %s",
                      (unsigned long long)seed, st, k, why);
        }
    }
    struct cas_exchange_totals t = totals(w.ex);
    cr_assert(t.liquidations > 0, "seed %llu: the run liquidated no one", (unsigned long long)seed);
    cr_assert(keeper ? t.keeper > 0 : t.engine > 0);
    if (getenv("CAS_TEST_VERBOSE"))
        fprintf(
            stderr,
            "seed %llu: liq %llu engine %llu keeper %llu adl %llu fund %lld min %lld fees %lld residue %lld oi %lld\n",
            (unsigned long long)seed, (unsigned long long)t.liquidations,
            (unsigned long long)t.engine, (unsigned long long)t.keeper, (unsigned long long)t.adl,
            (long long)t.insurance_fund, (long long)t.insurance_min, (long long)t.fees,
            (long long)t.residue, (long long)t.open_interest[0]);
    cas_exchange_destroy(w.ex);
}

Test(property, random_trading_conserves_money_and_lots_engine, .timeout = 120)
{
    run_world(1, false, false, 1500);
    run_world(2, false, true, 1500);
}

Test(property, random_trading_conserves_money_and_lots_keeper, .timeout = 120)
{
    run_world(3, true, false, 1500);
    run_world(4, true, true, 800);
}

/* The exchange computes marks by the instrument's method from its own book and last
 * trade and from the context the venue gives it, which the exchange asks for (the
 * observer's mark_context) and keeps no copy of; without a method the mark is the last
 * trade. A fair mark (BitMEX) is the index carried by the funding basis. */
struct context {
    double index, rate, left;
    int asked;
};

static void answer_context(void *ctx, uint32_t i, double *index, double *rate, double *left)
{
    struct context *c = ctx;
    cr_assert_eq(i, 0);
    c->asked++;
    *index = c->index;
    *rate = c->rate;
    *left = c->left;
}

Test(exchange, marks_by_the_method_from_the_context)
{
    struct cas_instrument_spec s = perp();
    struct cas_mark fair;
    cas_mark_init(&fair, CAS_MARK_FAIR, 1);
    struct cas_err err = {0};
    struct context c = {0};
    struct cas_exchange_observer obs = {.ctx = &c, .mark_context = answer_context};
    cr_assert_eq(cas_exchange_create(&ex, &s, 1, 0, &obs, &fair, &err), 0, "%s", err.msg);
    c = (struct context){80, 0.05, 0.5, 0};
    cr_assert_eq(cas_exchange_mark(ex, 0), 100, "a new context alone moves nothing");
    cr_assert_eq(c.asked, 0);
    cr_assert_eq(cas_exchange_update_mark(ex, 0, NOCAUSE), 0);
    cr_assert_eq(cas_exchange_mark(ex, 0), 82, "80 x (1 + 0.05 x 0.5) = 82");
    cr_assert_eq(c.asked, 1, "asked once for one mark");
    c = (struct context){120, -0.1, 1, 0};
    cr_assert_eq(cas_exchange_update_mark(ex, 0, NOCAUSE), 0);
    cr_assert_eq(cas_exchange_mark(ex, 0), 108);
    cr_assert_eq(cas_exchange_update_mark(ex, 1, NOCAUSE), CAS_EINVAL);
}

/* A position from before the run: the buyer pays price x lots x K to the seller, each keeps
 * the profit or loss the mark gives that price, money and lots stay conserved, both are
 * indexed for liquidation; a deposit adds to an account's cash (cross) or to the
 * position's margin (isolated), counted as deposited. */
Test(exchange, positions_from_before_the_run_and_deposits)
{
    open_perp(0);
    uint32_t l = open_acct(ex, 30, CAS_CROSS, 10), s = open_acct(ex, 30, CAS_ISOLATED, 10);
    uint32_t x = open_acct(ex, 0, CAS_CROSS, 1);
    cr_assert_eq(cas_exchange_open_position(ex, 0, l, s, 110, 3), 0); /* entered at 110 */
    struct cas_position_view pl = position(ex, l, 0), ps = position(ex, s, 0);
    cr_assert_eq(pl.lots, 3);
    cr_assert_eq(ps.lots, -3);
    cr_assert_float_eq(pl.entry, 110, 1e-9);
    cr_assert_float_eq(ps.entry, 110, 1e-9);
    struct cas_account_view al, as;
    cas_exchange_account(ex, l, &al);
    cas_exchange_account(ex, s, &as);
    /* at the mark of 100 the long has lost 30, the short gained it */
    cr_assert_eq(al.equity, 30 + 3 * (100 - 110));
    cr_assert_eq(as.equity, 30 - 3 * (100 - 110));
    cr_assert_eq(al.fees_paid + as.fees_paid, 0, "no fee");
    cas_lots longs, shorts;
    cas_exchange_open_interest(ex, 0, &longs, &shorts);
    cr_assert(longs == 3 && shorts == 3);
    /* the long (equity 0) is under water: the next mark would liquidate it (the check
     * says so: no risk run has seen it yet) */
    cr_assert_eq(cas_exchange_count_under_water(ex, 0), 1);
    char why[256];
    cr_assert(!cas_exchange_check(ex, why, sizeof why), "the long is under water, unliquidated");
    /* refused: the same account, an unknown account, no lots, no price */
    cr_assert_eq(cas_exchange_open_position(ex, 0, l, l, 100, 1), CAS_EINVAL);
    cr_assert_eq(cas_exchange_open_position(ex, 0, l, 99, 100, 1), CAS_EINVAL);
    cr_assert_eq(cas_exchange_open_position(ex, 0, l, x, 100, 0), CAS_EINVAL);
    cr_assert_eq(cas_exchange_open_position(ex, 0, l, x, 0, 1), CAS_EINVAL);
    /* a deposit of 40 takes the long out of the water; one into the isolated short goes
     * to the position's margin */
    struct cas_exchange_totals t0, t1;
    cas_exchange_totals(ex, &t0);
    cr_assert_eq(cas_exchange_deposit(ex, l, 0, 40), 0);
    cr_assert_eq(cas_exchange_deposit(ex, s, 0, 5), 0);
    cr_assert_eq(cas_exchange_deposit(ex, x, 0, -1), CAS_EINVAL);
    ok(ex);
    cas_exchange_totals(ex, &t1);
    cr_assert_eq(t1.deposited, t0.deposited + 45);
    cas_exchange_account(ex, l, &al);
    cr_assert_eq(al.equity, 40);
    cr_assert_eq(cas_exchange_count_under_water(ex, 0), 0);
    cr_assert_eq(position(ex, s, 0).margin, ps.margin + 5);
}

/* ---- the readers of the risk index at scale -------------------------------------- */

/* A venue of `n` accounts (isolated and, unless cross_only, cross) each holding one
 * position of random size and leverage, opened against a deep maker at prices spread
 * over +/-20% of 1000 (so that liquidation prices form a map), on a tiered perpetual;
 * then liquidation is switched off, so that marks, funding and margin scales can move
 * freely and every position stays. */
static struct cas_exchange *scale_world(struct cas_rng *g, uint32_t n, bool cross_only)
{
    struct cas_instrument_spec s = perp();
    s.initial_price = 1000;
    s.n_tiers = 3;
    s.tiers[0] = (struct cas_tier){0, 4000, 100};
    s.tiers[1] = (struct cas_tier){50000, 10000, 50};
    s.tiers[2] = (struct cas_tier){200000, 25000, 20};
    struct cas_exchange *x = make(&s, 1, 0, NULL);
    uint32_t maker = open_acct(x, (cas_money)1 << 50, CAS_CROSS, 100);
    for (uint32_t k = 0; k < n; k++) {
        bool iso = !cross_only && cas_rng_bounded(g, 2);
        uint32_t a = open_acct(x, cas_rng_range(g, 200, 20000), iso ? CAS_ISOLATED : CAS_CROSS,
                               (int32_t)cas_rng_range(g, 1, 60));
        cas_ticks price = 800 + cas_rng_range(g, 0, 400);
        cas_lots q = cas_rng_range(g, 1, 300);
        enum cas_side side = cas_rng_bounded(g, 2) ? BUY : SELL;
        enum cas_reject rej;
        struct cas_submit_result res;
        rest(x, maker, 0, side == BUY ? SELL : BUY, price, q);
        submit(x, a, 0, side, CAS_IOC, price, q, &rej, &res); /* refused: the maker's order
                                                                  rests on, harmlessly */
    }
    cas_exchange_disable_liquidation(x);
    return x;
}

/* One random change of a scale world: a mark, a funding payment or a margin scale. */
static void scale_move(struct cas_exchange *x, struct cas_rng *g)
{
    uint32_t op = cas_rng_bounded(g, 4);
    if (op < 2)
        cr_assert_eq(cas_exchange_set_mark(x, 0, 600 + cas_rng_range(g, 0, 800), NOCAUSE), 0);
    else if (op == 2)
        cr_assert_eq(cas_exchange_pay_funding(x, 0, cas_rng_range(g, -20000, 20000)), 0);
    else
        cr_assert_eq(cas_exchange_set_mmr_scale(x, 0, cas_rng_range(g, 300000, 5000000)), 0);
}

/* The liquidation map as the venue bins it (src/sim/venue.c), over `list` (or every
 * account when NULL), in the order given. */
static void bin_map(const struct cas_exchange *x, const uint32_t *list, uint32_t n, double lo,
                    double bin, double *longs, double *shorts)
{
    for (uint32_t k = 0; k < n; k++) {
        struct cas_position_view v;
        cas_exchange_position(x, list ? list[k] : k, 0, &v);
        if (v.lots == 0 || !isfinite(v.liquidation))
            continue;
        double b = floor((v.liquidation - lo) / bin);
        if (b < 0 || b >= 128)
            continue;
        double notional = (double)(v.lots < 0 ? -v.lots : v.lots) * 1000.0;
        (v.lots > 0 ? longs : shorts)[(size_t)b] += notional;
    }
}

/* The map read from the candidates is the map a scan of every account makes, to the
 * byte, over many random states and windows; and the candidates are in account order,
 * without repeats, and include every account whose price is in the window. */
Test(exchange, liquidation_candidates_give_the_map_a_full_scan_gives, .timeout = 120)
{
    struct cas_rng g;
    cas_rng_init(&g, 18, 1);
    struct cas_exchange *x = scale_world(&g, 600, false);
    uint32_t *acc = NULL, n = 0, cap = 0, fewer = 0;
    for (int round = 0; round < 200; round++) {
        scale_move(x, &g);
        ok(x);
        double mark = (double)cas_exchange_mark(x, 0);
        double span = round % 3 == 0 ? 0.5 : cas_rng_uniform(&g, 0, 0.6);
        double lo = mark * (1 - span / 2), bin = mark * span / 128;
        cr_assert_eq(cas_exchange_liquidation_candidates(x, 0, lo, lo + bin * 128, &acc, &n, &cap),
                     0);
        for (uint32_t k = 1; k < n; k++)
            cr_assert_lt(acc[k - 1], acc[k], "candidates out of order or repeated");
        double l1[128] = {0}, s1[128] = {0}, l2[128] = {0}, s2[128] = {0};
        bin_map(x, acc, n, lo, bin, l1, s1);
        bin_map(x, NULL, cas_exchange_n_accounts(x), lo, bin, l2, s2);
        cr_assert(memcmp(l1, l2, sizeof l1) == 0 && memcmp(s1, s2, sizeof s1) == 0,
                  "round %d: the map from the candidates differs from the scan's", round);
        fewer += n < cas_exchange_n_accounts(x) / 2;
    }
    cr_assert_gt(fewer, 100, "the candidates were rarely fewer than half the accounts");
    free(acc);
    cas_exchange_destroy(x);
}

/* With liquidation off, the positions past the mark's trigger on each side are exactly
 * the accounts under water (cross accounts of one position: equity below maintenance),
 * in account order, and count_under_water counts them. */
Test(exchange, triggered_positions_are_the_accounts_under_water, .timeout = 120)
{
    struct cas_rng g;
    cas_rng_init(&g, 18, 2);
    struct cas_exchange *x = scale_world(&g, 400, true);
    uint32_t *lo = NULL, *hi = NULL, nl = 0, ns = 0, cl = 0, cs = 0, seen = 0;
    for (int round = 0; round < 200; round++) {
        scale_move(x, &g);
        cas_ticks mark = cas_exchange_mark(x, 0);
        cr_assert_eq(cas_exchange_triggered(x, 0, BUY, mark, CAS_BOOK_MAX_PRICE, &lo, &nl, &cl), 0);
        cr_assert_eq(cas_exchange_triggered(x, 0, SELL, 1, mark, &hi, &ns, &cs), 0);
        uint32_t kl = 0, ks = 0, under = 0;
        for (uint32_t a = 1; a < cas_exchange_n_accounts(x); a++) {
            struct cas_account_view v = account_of(x, a);
            cas_lots lots = position(x, a, 0).lots;
            bool water = lots != 0 && v.equity < v.maintenance;
            under += water;
            bool listed = lots > 0 ? kl < nl && lo[kl] == a : ks < ns && hi[ks] == a;
            cr_assert_eq(listed, water, "round %d account %u: listed %d, under water %d", round, a,
                         listed, water);
            kl += listed && lots > 0;
            ks += listed && lots < 0;
        }
        cr_assert_eq(kl, nl);
        cr_assert_eq(ks, ns);
        cr_assert_eq(cas_exchange_count_under_water(x, 0), under);
        seen += under > 0 && under < 200;
    }
    cr_assert_gt(seen, 50, "too few rounds with some accounts under water");
    free(lo);
    free(hi);
    cas_exchange_destroy(x);
}

/* ADL closes the opposite positions in rank order (here PnL: the shorts that gained
 * most first, the lower account among equals), as a sort of all of them would, and
 * stops when the job is closed. */
Test(exchange, adl_takes_the_top_ranked_positions_in_sorted_order)
{
    struct cas_instrument_spec s = market_style();
    s.adl_rank = CAS_ADL_PNL;
    open_venue(&s, 1, 0);
    uint32_t a, m, b, sh[60];
    open_accounts((struct acct[]){{143, CAS_ISOLATED, 7, &a, 0},
                                  {BIG, CAS_CROSS, 10, &m, 0},
                                  {100000, CAS_CROSS, 10, &b, 0},
                                  {0}});
    struct cas_rng g;
    cas_rng_init(&g, 18, 3);
    cas_lots total = 0;
    double rank[60];
    for (int k = 0; k < 60; k++) {
        sh[k] = open_acct(ex, 100000, CAS_CROSS, 10);
        cas_ticks price = 95 + cas_rng_range(&g, 0, 10); /* ties among equal prices */
        trade(ex, 0, m, sh[k], price, 1 + k % 3);
        total += 1 + k % 3;
        rank[k] = (double)((price - 85) * (1 + k % 3)); /* PnL at the mark of 85 */
    }
    trade(ex, 0, a, m, 100, 10); /* a: long 10 at 100 (bankruptcy 85.7) */
    rest(ex, b, 0, BUY, 80, 10);
    mark_to(85);
    cr_assert_eq(r.n_liq, 1);
    cr_assert_gt(r.n_adl, 2);
    int order[60];
    for (int k = 0; k < 60; k++)
        order[k] = k;
    for (int i = 1; i < 60; i++) /* insertion sort: rank descending, account ascending */
        for (int j = i;
             j > 0 && (rank[order[j]] > rank[order[j - 1]] ||
                       (rank[order[j]] == rank[order[j - 1]] && sh[order[j]] < sh[order[j - 1]]));
             j--) {
            int t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    cas_lots closed = 0;
    for (size_t k = 0; k < r.n_adl; k++) {
        cr_assert_eq(r.adl[k].account, sh[order[k]], "ADL %zu: account %u, expected %u", k,
                     r.adl[k].account, sh[order[k]]);
        closed += r.adl[k].lots;
    }
    cr_assert_eq(closed, 10);
    cr_assert_gt(total, 10);
}
