/* test_golden: a scripted cascade whose whole run directory is known, worked out by hand.
 *
 * tests/golden/cascade/config.json scripts a market in which nothing is random: no noise,
 * an index that stays put (gbm, vol_annual 0), the mark at the last trade, no funding, no
 * fees, one maintenance tier, engine liquidation with IOC orders at the bankruptcy price,
 * and the book placed by limit_order shocks. Its run must reproduce
 * tests/golden/cascade/expected/ byte for byte (summary.json's wall-clock "performance"
 * object aside), and its liquidations, fills, prices and cascade must be the ones worked
 * out below. When an output changes on purpose, tests/golden/regen rebuilds expected/; the
 * assertions on liquidations.csv, trades.csv, timeseries.csv and cascades.csv then still
 * hold the run to the hand-worked figures.
 *
 * THE MARKET. One perpetual P: tick 1, lot 1, money_decimals 0, so one tick on one lot is
 * K = 1 money unit and prices, cash and notionals are all plain integers of the quote
 * currency. Initial price (and index) 1000. Maintenance: one tier, mmr 1% (MM of a
 * notional N is ceil(N / 100)), max_leverage 50. Liquidation: engine, ioc_bankruptcy,
 * ioc_penalty 0, max_lots_per_step 100 (so the venue works at most 100 lots a step: one
 * 100-lot job a step here). Insurance fund 0.
 *
 * THE BOOK at step 0 (shocks 1-17, all from the shock account, account 0):
 *   ask  1000 x 1000 lots (shock 1)
 *   bids 990 x 20, 988 x 30, 986 x 30, 984 x 30, 982 x 30, 980 x 30, 978 x 30, 976 x 40,
 *        975 x 50, 974 x 50, 972 x 40, 970 x 30, 968 x 30, 966 x 50, 964 x 50, 940 x 200
 *        (shocks 2-17, in that order)
 *
 * THE ACCOUNTS: six leveraged traders, one per population, cross margin, size_fraction 1,
 * always long, rate 10 (all wake in step 0), hold_steps 1e12, no stop, reentry 0. Agent
 * accounts are 1-6 (the shock account was opened first). Each buys
 * floor(collateral x leverage / 1000) = 100 lots at the ask, 1000, in step 0 (600 lots:
 * 400 stay on the ask, so both sides stay quoted all run). Its cash is then
 * c = collateral - 100 x 1000, and with one position the account is liquidatable at mark m
 * when c + 100 m < ceil(100 m / 100) = m, i.e. when m < -c / 99. The trigger tick is the
 * highest such m; the bankruptcy price is -c / 100; the IOC limit is that rounded up.
 *
 *   acct  leverage  collateral  cash c    liquidation price  trigger  bankruptcy  IOC limit
 *   1     50        2000        -98000    989.90             989      980.00      980
 *   2     40        2500        -97500    984.85             984      975.00      975
 *   3     36        2778        -97222    982.04             982      972.22      973
 *   4     30        3334        -96666    976.42             976      966.66      967
 *   5     25        4000        -96000    969.70             969      960.00      960
 *   6     10        10000       -90000    909.09             909      900.00      (never)
 *
 * (Each entry passes the margin check exactly: 100 x 1000 / leverage rounded up is the
 * collateral, e.g. ceil(100000 / 36) = 2778.)
 *
 * THE CASCADE. Shock 18, step 100: a market sell of 40 lots fills 20 @ 990 and 20 @ 988
 * against the shock account's own bids. Mark = last = 988 <= 989: account 1 is taken over,
 * liquidation 1, trigger shock:18. Everything below follows from the bids; the budget of
 * 100 lots a step lets one job work per step, in the order the jobs were created.
 *
 *   step 100  job 1 (100 lots, limit 980) sells 10 @ 988, 30 @ 986, 30 @ 984, 30 @ 982:
 *             last 982 crosses the triggers 984 (account 2) and 982 (account 3), in that
 *             order: liquidations 2 and 3, both trigger liquidation:1. Jobs 2 and 3 wait:
 *             the step's 100 lots are used. vwap 984.40; 98440 - 98000 = 440 to the fund.
 *   step 101  job 2 (limit 975) sells 30 @ 980, 30 @ 978, 40 @ 976: last 976 crosses 976
 *             (account 4): liquidation 4, trigger liquidation:2. vwap 977.80; +280.
 *   step 102  job 3 (limit 973) sells 50 @ 975, 50 @ 974: last 974 crosses nothing (the
 *             next trigger is 969). vwap 974.50; 97450 - 97222 = +228.
 *   step 103  job 4 (limit 967) sells 40 @ 972, 30 @ 970, 30 @ 968: last 968 crosses 969
 *             (account 5): liquidation 5, trigger liquidation:4. vwap 970.20; +354.
 *   step 104  job 5 (limit 960) sells 50 @ 966, 50 @ 964: last 964; the only open long
 *             left is account 6 (trigger 909). The cascade ends. vwap 965.00; +500.
 *
 * Every job fills in full at or above its bankruptcy price: no ADL, no shortfall; the
 * insurance fund ends at 440 + 280 + 228 + 354 + 500 = 1802. The causal tree:
 *
 *   shock:18 -> 1 -> 2 -> 4 -> 5
 *                 -> 3
 *
 * one cascade of 5 liquidations and 4 generations, notional at the marks of takeover
 * 100 x (988 + 982 + 982 + 976 + 968) = 489600. Open interest falls from 600 to 100 lots
 * (account 6 against the shock account). The traders lose 18212 in all (summary.json's
 * agents.leveraged.pnl): the five liquidated lose their whole collateral, 2000 + 2500 +
 * 2778 + 3334 + 4000 = 14612, and account 6 loses 100 x (1000 - 964) = 3600 at the final
 * mark. accounts.csv's columns at the end say so: the five hold 0 lots with equity 0;
 * account 6 holds 100 lots from 1000 with liquidation price 909.09 (above), equity 10000 -
 * 3600 = 6400 and maintenance 1% of 100 x 964 = 964; the shock account, short 100 lots,
 * has the same maintenance and 18212 - 1802 = 16410 more than its deposit, 1802 being what
 * the insurance fund kept (summary.json's insurance_fund.final).
 *
 * The price ("price" below) at the end of a step is the mid when both sides are quoted,
 * which they always are here: (best bid + 1000) / 2.
 *
 *   end of step  99: best bid 990 -> 995.0     end of step 102: 972 -> 986.0
 *   end of step 100: 980 -> 990.0              end of step 103: 966 -> 983.0
 *   end of step 101: 975 -> 987.5              end of step 104: 940 -> 970.0
 *   step 115: a limit buy 30 @ 955 (shock 19): 977.5 from then on;
 *   step 125: a limit buy 30 @ 960 (shock 20): 980.0 from then on, to the end (step 299).
 *
 * timeseries.csv (sample_every 1: row S is the end of step S) has these mids, and the
 * lowest and highest trade of each step: 990-982 in step 100, 980-976 in 101, 975-974 in
 * 102, 972-968 in 103, 966-964 in 104; no trade in any other step after step 0.
 *
 * THE CASCADE'S FIGURES (cascades.csv):
 *   start_step 100 (the shock's liquidation); end_step 103 (the last member, liquidation
 *   5, was triggered in step 103); finish_step 104 (job 5's last fill);
 *   duration_steps 104 - 100 + 1 = 5;
 *   price_start 995.0 (end of step 99);
 *   price_extreme 964: the lowest of the trades of steps 100-104 (990 ... 964) and of the
 *   end-of-step prices 990, 987.5, 986, 983, 970; first reached in step 104 (extreme_step);
 *   index_at_extreme 1000 (the index never moves): gap_to_index_bps (964 / 1000 - 1) x 1e4
 *   = -360;
 *   move_bps (995 - 964) / 995 x 1e4 = 311.5578;
 *   price_end 970.0 (end of step 104);
 *   recovery: half the move is regained at 964 + (995 - 964) / 2 = 979.5; the price is
 *   970 after step 104, 977.5 from step 115 and 980 from step 125, so
 *   recovery_half_steps = 125 - 104 = 21.
 * THE STYLIZED FACTS (summary.json's stylized; the config sets record.stylized_warmup_s 0,
 * so nothing is left out). One-minute returns are 60 steps apart: the initial price 1000,
 * then the price (the mid) at the ends of steps 59, 119, 179, 239 and 299: 995, 977.5,
 * 980, 980, 980 (above). Five returns: log(995 / 1000), log(977.5 / 995),
 * log(980 / 977.5), 0, 0. Sorted, they are b < a < 0 = 0 < c, so the quartiles (type 7,
 * h = 1 and 3) are a = log 0.995 and 0: IQR -log 0.995; std_over_iqr = the population
 * standard deviation over it, 1.452064759. hill_index is null (5 / 20 = 0 returns in the
 * top 5%), acf_r defined at lags 1-3 only (two pairs at least). The basis at the mark
 * (the last trade) and the index (1000): 0 at the ends of steps 0-99 (mark 1000), then
 * 180, 240, 260, 320 bp (steps 100-103: last trades 982, 976, 974, 968) and 360 bp from
 * step 104 on (964; 196 steps): the 150th of 300 is 360, basis_median_bps. No funding:
 * funding_prints 0, its shares null.
 * And in summary.json: opening.steps 0 (the shocks are at step 0, so the book has no
 * opening to leave out), prices.min 964 (a trade), prices.max 1000 (the entries),
 * dislocation.max_drawdown_bps (1000 - 964) / 1000 x 1e4 = 360, cascades.largest_move_bps
 * 311.5577889, longest_duration_steps 5, max_generations 4, episodes 1 (one cascade, its
 * episode 1: the largest, of 5 liquidations in 1 cascade); liquidations.count 5 and
 * notional 489600; insurance_fund.final 1802.
 */
#include <cjson/cJSON.h>
#include <dirent.h>

#include "lib/runs.h"

static char expected_dir[1024];

/* Each test starts from a fresh run of the golden config in the scratch directory. */
static void run_golden(void)
{
    runs_setup();
    snprintf(expected_dir, sizeof expected_dir, "%s/tests/golden/cascade/expected", source_root());
    cr_assert_eq(
        run_cascade("run '%s/tests/golden/cascade/config.json' -o run --quiet", source_root()), 0,
        "the golden run failed");
}

TestSuite(golden, .init = run_golden, .fini = runs_teardown, .timeout = 60);

Test(golden, run_directory_matches_expected_byte_for_byte)
{
    char run_dir[300], *got[32], *want[32];
    snprintf(run_dir, sizeof run_dir, "%s/run", run_tmp);
    size_t ng = list_dir(run_dir, "", got, 32), nw = list_dir(expected_dir, "", want, 32);
    for (size_t k = 0; k < ng || k < nw; k++)
        cr_assert(k < ng && k < nw && strcmp(got[k], want[k]) == 0,
                  "the run wrote %s where expected/ has %s", k < ng ? got[k] : "nothing",
                  k < nw ? want[k] : "nothing");
    cr_assert_gt(ng, 0u);
    for (size_t k = 0; k < ng; k++) {
        char pg[1400], pw[1400];
        snprintf(pg, sizeof pg, "%s/%s", run_dir, got[k]);
        snprintf(pw, sizeof pw, "%s/%s", expected_dir, want[k]);
        char *g = slurp_file(pg), *w = slurp_file(pw);
        cr_assert(g && w, "cannot read %s or %s", pg, pw);
        if (strcmp(got[k], "summary.json") == 0) {
            strip_performance(g, pg);
            strip_performance(w, pw);
        }
        size_t at = 0;
        while (g[at] && g[at] == w[at])
            at++;
        cr_assert(g[at] == w[at],
                  "%s differs from expected/ at byte %zu (run tests/golden/regen after a"
                  " deliberate change, and check it against test_golden.c)",
                  got[k], at);
        free(g);
        free(w);
        free(got[k]);
        free(want[k]);
    }
}

/* The five liquidations of the table above, in id order. */
static const struct {
    int step, account, leverage;
    double liquidation, bankruptcy, vwap;
    int worst, insurance, finish;
    const char *trigger;
    int generation;
} liqs[] = {
    {100, 1, 50, 989.90, 980.00, 984.40, 982, 440, 100, "shock:18", 1},
    {100, 2, 40, 984.85, 975.00, 977.80, 976, 280, 101, "liquidation:1", 2},
    {100, 3, 36, 982.04, 972.22, 974.50, 974, 228, 102, "liquidation:1", 2},
    {101, 4, 30, 976.42, 966.66, 970.20, 968, 354, 103, "liquidation:2", 3},
    {103, 5, 25, 969.70, 960.00, 965.00, 964, 500, 104, "liquidation:4", 4},
};

Test(golden, liquidations_are_the_hand_worked_tree)
{
    struct table t;
    table_read(&t, "run/liquidations.csv");
    cr_assert_eq(t.n_rows - 1, 5u, "5 liquidations (accounts 1-5; account 6 survives)");
    for (size_t k = 0; k < 5; k++) {
        size_t r = k + 1;
        cr_assert_eq(integer(&t, r, "id"), (long long)r);
        cr_assert_eq(integer(&t, r, "step"), liqs[k].step, "liquidation %zu", r);
        cr_assert_eq(integer(&t, r, "account"), liqs[k].account, "liquidation %zu", r);
        cr_assert_str_eq(cell(&t, r, "side"), "long");
        cr_assert_eq(integer(&t, r, "lots"), 100);
        cr_assert_eq(integer(&t, r, "filled_lots"), 100, "liquidation %zu fills in full", r);
        cr_assert_eq(integer(&t, r, "adl_lots"), 0);
        cr_assert_float_eq(num(&t, r, "bankruptcy"), liqs[k].bankruptcy, 1e-9, "liquidation %zu",
                           r);
        cr_assert_float_eq(num(&t, r, "liquidation_price"), liqs[k].liquidation, 1e-9,
                           "liquidation %zu", r);
        cr_assert_eq(integer(&t, r, "leverage"), liqs[k].leverage, "liquidation %zu", r);
        cr_assert_float_eq(num(&t, r, "fill_vwap"), liqs[k].vwap, 1e-9, "liquidation %zu", r);
        cr_assert_eq(num(&t, r, "worst_fill"), liqs[k].worst, "liquidation %zu", r);
        cr_assert_eq(integer(&t, r, "insurance_change"), liqs[k].insurance, "liquidation %zu", r);
        cr_assert_eq(integer(&t, r, "finish_step"), liqs[k].finish, "liquidation %zu", r);
        cr_assert_str_eq(cell(&t, r, "trigger"), liqs[k].trigger, "liquidation %zu", r);
        cr_assert_eq(integer(&t, r, "cascade"), 1);
        cr_assert_eq(integer(&t, r, "generation"), liqs[k].generation, "liquidation %zu", r);
    }
    table_free(&t);
}

/* Every trade after the entries, in order: the shock's two fills, then each job's. */
Test(golden, fills_walk_down_the_bid_ladder)
{
    static const struct {
        int step, price, lots;
        const char *cause;
    } want[] = {
        {100, 990, 20, "shock:18"},      {100, 988, 20, "shock:18"},
        {100, 988, 10, "liquidation:1"}, {100, 986, 30, "liquidation:1"},
        {100, 984, 30, "liquidation:1"}, {100, 982, 30, "liquidation:1"},
        {101, 980, 30, "liquidation:2"}, {101, 978, 30, "liquidation:2"},
        {101, 976, 40, "liquidation:2"}, {102, 975, 50, "liquidation:3"},
        {102, 974, 50, "liquidation:3"}, {103, 972, 40, "liquidation:4"},
        {103, 970, 30, "liquidation:4"}, {103, 968, 30, "liquidation:4"},
        {104, 966, 50, "liquidation:5"}, {104, 964, 50, "liquidation:5"},
    };
    const size_t n = sizeof want / sizeof *want;
    struct table t;
    table_read(&t, "run/trades.csv");
    cr_assert_eq(t.n_rows - 1, 6 + n, "6 entries and %zu later fills", n);
    unsigned entered = 0; /* bit a: account a bought (in the scheduler's order) */
    for (size_t r = 1; r <= 6; r++) {
        cr_assert_eq(integer(&t, r, "step"), 0);
        cr_assert_eq(integer(&t, r, "price"), 1000, "every long enters at the ask");
        cr_assert_eq(integer(&t, r, "qty"), 100);
        cr_assert_str_eq(cell(&t, r, "taker_side"), "buy");
        unsigned a = 0;
        cr_assert_eq(sscanf(cell(&t, r, "cause"), "order:%u", &a), 1);
        cr_assert(a >= 1 && a <= 6 && !(entered >> a & 1), "entry by account %u", a);
        entered |= 1u << a;
    }
    for (size_t k = 0; k < n; k++) {
        size_t r = 7 + k;
        cr_assert_eq(integer(&t, r, "step"), want[k].step, "fill %zu", k);
        cr_assert_eq(integer(&t, r, "price"), want[k].price, "fill %zu", k);
        cr_assert_eq(integer(&t, r, "qty"), want[k].lots, "fill %zu", k);
        cr_assert_str_eq(cell(&t, r, "taker_side"), "sell");
        cr_assert_str_eq(cell(&t, r, "cause"), want[k].cause, "fill %zu", k);
    }
    table_free(&t);
}

/* The end-of-step prices and each step's trade range around the cascade and the
 * recovery, as worked out above. */
Test(golden, price_path_is_the_hand_worked_one)
{
    static const struct {
        int step;
        double mid;
        int low, high; /* 0: no trade in the step */
    } want[] = {
        {99, 995.0, 0, 0},      {100, 990.0, 982, 990}, {101, 987.5, 976, 980},
        {102, 986.0, 974, 975}, {103, 983.0, 968, 972}, {104, 970.0, 964, 966},
        {105, 970.0, 0, 0},     {114, 970.0, 0, 0},     {115, 977.5, 0, 0},
        {124, 977.5, 0, 0},     {125, 980.0, 0, 0},     {299, 980.0, 0, 0},
    };
    struct table t;
    table_read(&t, "run/timeseries.csv");
    cr_assert_eq(t.n_rows - 1, 300u, "one row per step");
    for (size_t k = 0; k < sizeof want / sizeof *want; k++) {
        size_t r = (size_t)want[k].step + 1;
        cr_assert_eq(integer(&t, r, "step"), want[k].step);
        cr_assert_eq(num(&t, r, "mid"), want[k].mid, "step %d", want[k].step);
        if (want[k].low == 0) {
            cr_assert_str_empty(cell(&t, r, "low"), "step %d trades nothing", want[k].step);
            continue;
        }
        cr_assert_eq(num(&t, r, "low"), want[k].low, "step %d", want[k].step);
        cr_assert_eq(num(&t, r, "high"), want[k].high, "step %d", want[k].step);
    }
    table_free(&t);
}

Test(golden, cascade_figures_are_the_hand_worked_ones)
{
    struct table t;
    table_read(&t, "run/cascades.csv");
    cr_assert_eq(t.n_rows - 1, 1u, "one cascade");
    cr_assert_eq(integer(&t, 1, "root_liquidation"), 1);
    cr_assert_str_eq(cell(&t, 1, "root_cause"), "shock:18");
    cr_assert_str_eq(cell(&t, 1, "side"), "long");
    cr_assert_eq(integer(&t, 1, "liquidations"), 5);
    cr_assert_eq(integer(&t, 1, "generations"), 4);
    cr_assert_eq(integer(&t, 1, "notional"), 489600);
    cr_assert_eq(integer(&t, 1, "start_step"), 100);
    cr_assert_eq(integer(&t, 1, "end_step"), 103);
    cr_assert_eq(integer(&t, 1, "finish_step"), 104);
    cr_assert_eq(integer(&t, 1, "duration_steps"), 5);
    cr_assert_eq(num(&t, 1, "price_start"), 995);
    cr_assert_eq(num(&t, 1, "price_extreme"), 964);
    cr_assert_eq(integer(&t, 1, "extreme_step"), 104);
    cr_assert_eq(num(&t, 1, "index_at_extreme"), 1000);
    cr_assert_eq(num(&t, 1, "gap_to_index_bps"), -360);
    cr_assert_eq(num(&t, 1, "price_end"), 970);
    cr_assert_float_eq(num(&t, 1, "move_bps"), 31.0 / 995 * 1e4, 0.006);
    cr_assert_eq(integer(&t, 1, "recovery_half_steps"), 21);
    table_free(&t);
}

/* summary.json's stylized block: the hand-worked returns, quartiles and basis above. */
Test(golden, stylized_facts_are_the_hand_worked_ones)
{
    char *text = slurp_file("run/summary.json");
    cJSON *sum = cJSON_Parse(text), *st = cJSON_GetObjectItem(sum, "stylized");
    cr_assert(cJSON_IsObject(st));
    double r[5] = {log(995.0 / 1000), log(977.5 / 995), log(980 / 977.5), 0, 0}, m = 0, v = 0;
    for (int k = 0; k < 5; k++)
        m += r[k] / 5;
    for (int k = 0; k < 5; k++)
        v += (r[k] - m) * (r[k] - m) / 5;
    double sd_iqr = sqrt(v) / (0 - r[0]);
    cr_assert_float_eq(sd_iqr, 1.452064759, 1e-9, "the worked figure itself");
#define GET(key) cJSON_GetObjectItem(st, key)
    cr_assert_eq(GET("warmup_s")->valuedouble, 0);
    cr_assert_eq(GET("horizon_steps")->valuedouble, 60);
    cr_assert_eq(GET("returns")->valuedouble, 5);
    cr_assert_float_eq(GET("std_over_iqr")->valuedouble, sd_iqr, 1e-9);
    cr_assert(cJSON_IsNull(GET("hill_index")));
    cr_assert(cJSON_IsNull(GET("acf_absr_mean_30_120")));
    const cJSON *acf = GET("acf_r");
    cr_assert_eq(cJSON_GetArraySize(acf), 120);
    double den = 0, num1 = 0;
    for (int k = 0; k < 5; k++)
        den += (r[k] - m) * (r[k] - m);
    for (int k = 0; k + 1 < 5; k++)
        num1 += (r[k] - m) * (r[k + 1] - m);
    cr_assert_float_eq(cJSON_GetArrayItem(acf, 0)->valuedouble, num1 / den, 1e-6);
    cr_assert(cJSON_IsNumber(cJSON_GetArrayItem(acf, 2)));
    cr_assert(cJSON_IsNull(cJSON_GetArrayItem(acf, 3)), "lag 4 has one pair");
    cr_assert_eq(GET("basis_median_bps")->valuedouble, 360);
    cr_assert_eq(GET("funding_prints")->valuedouble, 0);
    cr_assert(cJSON_IsNull(GET("funding_at_interest_share")));
    cr_assert(cJSON_IsNull(GET("funding_positive_share")));
#undef GET
    cJSON_Delete(sum);
    free(text);
}
