/* test_agents_scripted: the scripted type run in process — its orders reach the book at
 * their steps and nowhere else, a limit order rests at its price, a market order fills,
 * the account's leverage sets its margin, and a long opened just before the squeeze's
 * shock is liquidated at 50x and not at 1x; through the program, the same config and
 * seed give the same outputs byte for byte, and each bad entry of a script is one line
 * at its JSON path with exit status 2. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/runs.h"
#include "lib/scenario.h"

static char out[8192], err[8192];
#include "lib/capture.h" /* cascade(ARGS), into out and err */

TestSuite(scripted, .timeout = 240);

enum { MAX_STEPS = 5000, MAX_WATCHED = 4, MAX_TAKES = 64 };

/* What a test watches of a run: the taker fills of the watched accounts' orders, their
 * positions at the end of every step, and their liquidations. */
struct watch {
    const struct cas_sim *sim;
    uint32_t accounts[MAX_WATCHED];
    uint32_t n_accounts;
    struct take {
        cas_step step;
        uint32_t account;
        enum cas_side side;
        cas_ticks price;
        cas_lots qty;
    } takes[MAX_TAKES];
    uint32_t n_takes;
    cas_lots position[MAX_WATCHED][MAX_STEPS];
    uint32_t n_liquidated;
    cas_step liquidated_at;
};

static int watched(const struct watch *w, uint32_t account)
{
    for (uint32_t k = 0; k < w->n_accounts; k++)
        if (w->accounts[k] == account)
            return (int)k;
    return -1;
}

static void on_trade(void *ctx, uint32_t instrument, const struct cas_fill *f,
                     struct cas_cause cause)
{
    (void)instrument;
    struct watch *w = ctx;
    if (cause.kind != CAS_CAUSE_ORDER || watched(w, (uint32_t)cause.id) < 0)
        return;
    cr_assert_lt(w->n_takes, MAX_TAKES);
    w->takes[w->n_takes++] =
        (struct take){cas_sim_now(w->sim), (uint32_t)cause.id, f->taker_side, f->price, f->qty};
}

static void on_liquidation(void *ctx, const struct cas_liquidation *liq)
{
    struct watch *w = ctx;
    if (watched(w, liq->account) < 0)
        return;
    if (w->n_liquidated++ == 0)
        w->liquidated_at = liq->step;
}

static void on_step(void *ctx, const struct cas_sim *sim)
{
    struct watch *w = ctx;
    cas_step s = cas_sim_now(sim);
    for (uint32_t k = 0; k < w->n_accounts && s < MAX_STEPS; k++) {
        struct cas_holding h;
        cas_exchange_holding(cas_sim_exchange(sim), w->accounts[k], 0, &h);
        w->position[k][s] = h.lots;
    }
}

/* Run cfg to its end watching agents first .. first + n - 1; the venue is checked at the
 * end (money, lots, books). */
static struct cas_sim *run_watching(const struct cas_config *cfg, struct watch *w, uint32_t first,
                                    uint32_t n)
{
    memset(w, 0, sizeof *w);
    struct cas_sim_observer obs = {
        .ctx = w, .on_trade = on_trade, .on_liquidation = on_liquidation, .on_step = on_step};
    cr_assert_leq(cfg->steps, MAX_STEPS);
    struct cas_sim *sim = scenario_start(cfg, &obs, cfg->name);
    w->sim = sim;
    cr_assert_leq(n, MAX_WATCHED);
    for (uint32_t k = 0; k < n; k++)
        w->accounts[w->n_accounts++] = cas_sim_agent_account(sim, first + k);
    scenario_finish(sim, cfg, cfg->name);
    return sim;
}

static void parse(struct cas_config *cfg, const char *text, const char *const *sets, size_t n)
{
    struct cas_err e = {0};
    cr_assert_eq(cas_config_parse(cfg, text, "scripted.json", sets, n, &e), 0, "%s: %s", e.path,
                 e.msg);
}

/* Two populations of scripts and nobody else on a perpetual at 60000 (tick 5, lot 0.01: a
 * lot is 600 quote currency): two agents rest a sell at 61000 and a post-only buy at 59000
 * at step 5; the third buys one lot at market at step 17 and sells three by IOC at 59000
 * at step 900 (written first: the script is ordered by step). */
static const char book_config[] =
    "{\"name\": \"scripted-book\", \"steps\": 1000,\n"
    " \"instruments\": [{\"name\": \"P\", \"kind\": \"perpetual\", \"tick_size\": 5,\n"
    "                  \"lot_size\": 0.01, \"initial_price\": 60000}],\n"
    " \"agents\": [\n"
    "  {\"type\": \"scripted\", \"count\": 2, \"params\": {\"orders\": [\n"
    "     {\"step\": 5, \"side\": \"sell\", \"type\": \"limit\", \"price\": 61000, \"lots\": 1},\n"
    "     {\"step\": 5, \"side\": \"buy\", \"type\": \"post_only\", \"price\": 59000,"
    " \"lots\": 2, \"leverage\": 3}]}},\n"
    "  {\"type\": \"scripted\", \"params\": {\"orders\": [\n"
    "     {\"step\": 900, \"side\": \"sell\", \"type\": \"ioc\", \"price\": 59000, \"lots\": 3},\n"
    "     {\"step\": 17, \"side\": \"buy\", \"lots\": 1}]}}]}\n";

static bool add_level_qty(void *ctx, const struct cas_order_info *o)
{
    *(cas_lots *)ctx += o->qty;
    return true;
}

static cas_lots resting(const struct cas_sim *sim, enum cas_side side, cas_ticks price)
{
    cas_lots q = 0;
    cas_book_level_orders(cas_sim_book(sim, 0), side, price, add_level_qty, &q);
    return q;
}

Test(scripted, orders_reach_the_book_at_their_steps)
{
    struct cas_config cfg;
    parse(&cfg, book_config, NULL, 0);
    cr_assert_eq(cfg.populations[1].n_orders, 2);
    cr_assert_eq(cfg.populations[1].orders[0].step, 17, "the script is ordered by step");
    cr_assert_eq(cfg.populations[0].orders[0].price, 12200, "61000 is 12200 ticks of 5");
    cr_assert_eq(cfg.populations[0].orders[0].leverage, 0, "no leverage of its own");
    cr_assert_eq(cfg.populations[0].orders[1].leverage, 3);
    static struct watch w;
    struct cas_sim *sim = run_watching(&cfg, &w, 0, 3);
    /* the third agent's market buy took the best ask, 61000, at step 17; its IOC sell took
     * three of the four lots bid at 59000 at step 900; nothing else of theirs traded */
    cr_assert_eq(w.n_takes, 3, "%u taker fills", w.n_takes);
    cr_assert_eq(w.takes[0].step, 17);
    cr_assert_eq(w.takes[0].side, CAS_BUY);
    cr_assert_eq(w.takes[0].price, 12200);
    cr_assert_eq(w.takes[0].qty, 1);
    cas_lots sold = 0;
    for (uint32_t k = 1; k < w.n_takes; k++) {
        cr_assert_eq(w.takes[k].step, 900);
        cr_assert_eq(w.takes[k].account, w.accounts[2]);
        cr_assert_eq(w.takes[k].side, CAS_SELL);
        cr_assert_eq(w.takes[k].price, 11800);
        sold += w.takes[k].qty;
    }
    cr_assert_eq(sold, 3);
    /* positions step by step: flat until the orders' steps */
    cr_assert_eq(w.position[2][16], 0);
    cr_assert_eq(w.position[2][17], 1);
    cr_assert_eq(w.position[2][899], 1);
    cr_assert_eq(w.position[2][900], -2);
    cr_assert_eq(w.position[0][899] + w.position[1][899], -1, "one resting sell was taken");
    cr_assert_eq(w.position[0][900] + w.position[1][900], 2, "and three lots of their bids");
    /* what was not taken rests at its price */
    cr_assert_eq(resting(sim, CAS_SELL, 12200), 1);
    cr_assert_eq(resting(sim, CAS_BUY, 11800), 1);
    /* woken only at the steps of their scripts: 2 agents x 1 step + 1 agent x 2 steps */
    struct cas_sim_counters c = cas_sim_counters(sim);
    cr_assert_eq(c.wakeups, 4);
    cr_assert_eq(c.orders, 6);
    cr_assert_eq(c.rejected, 0);
    cas_sim_destroy(sim);
    cas_config_release(&cfg);
}

/* The same perpetual, one agent with 1000 of collateral buying 3 lots (about 1,800 of
 * notional) at market at step 50 from a resting sell: at leverage 1 its initial margin
 * is more than its deposit and the venue refuses the order (counted, not retried); at 2
 * it is about 900 and the order fills. */
static const char leverage_config[] =
    "{\"name\": \"scripted-leverage\", \"steps\": 100,\n"
    " \"instruments\": [{\"name\": \"P\", \"kind\": \"perpetual\", \"tick_size\": 5,\n"
    "                  \"lot_size\": 0.01, \"initial_price\": 60000}],\n"
    " \"agents\": [\n"
    "  {\"type\": \"scripted\", \"params\": {\"collateral\": 1000, \"orders\": [\n"
    "     {\"step\": 50, \"side\": \"buy\", \"lots\": 3}]}},\n"
    "  {\"type\": \"scripted\", \"params\": {\"orders\": [\n"
    "     {\"step\": 10, \"side\": \"sell\", \"type\": \"limit\", \"price\": 60000,"
    " \"lots\": 5}]}}]}\n";

/* leverage: the population's; order_leverage > 0: the entry's own, set at its order */
static void run_leverage(int leverage, int order_leverage, cas_lots *position, uint64_t *rejected)
{
    char set[64], entry[64];
    snprintf(set, sizeof set, "agents[0].params.leverage=%d", leverage);
    snprintf(entry, sizeof entry, "agents[0].params.orders[0].leverage=%d", order_leverage);
    const char *sets[] = {set, entry};
    struct cas_config cfg;
    parse(&cfg, leverage_config, sets, order_leverage > 0 ? 2 : 1);
    static struct watch w;
    struct cas_sim *sim = run_watching(&cfg, &w, 0, 1);
    *position = w.position[0][99];
    cr_assert_eq(w.position[0][49], 0);
    cr_assert_eq(w.position[0][50], *position, "a fill comes at the order's step or never");
    *rejected = cas_sim_counters(sim).rejected;
    cas_sim_destroy(sim);
    cas_config_release(&cfg);
}

Test(scripted, the_leverage_sets_the_margin)
{
    cas_lots pos;
    uint64_t rejected;
    run_leverage(1, 0, &pos, &rejected);
    cr_assert_eq(pos, 0, "1x: 1,800 of notional on 1,000 of collateral");
    cr_assert_eq(rejected, 1);
    run_leverage(2, 0, &pos, &rejected);
    cr_assert_eq(pos, 3);
    cr_assert_eq(rejected, 0);
    /* the entry's own leverage is the account's for its order */
    run_leverage(1, 2, &pos, &rejected);
    cr_assert_eq(pos, 3, "an entry's leverage 2 on a population's 1");
    cr_assert_eq(rejected, 0);
    run_leverage(2, 1, &pos, &rejected);
    cr_assert_eq(pos, 0, "an entry's leverage 1 on a population's 2");
    cr_assert_eq(rejected, 1);
}

/* configs/long-squeeze.json with one more population after its five. */
static char *squeeze_with(const char *population)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/configs/long-squeeze.json", source_root());
    char *text = slurp_file(path);
    cr_assert_not_null(text, "%s", path);
    char *shocks = strstr(text, "\"shocks\"");
    cr_assert_not_null(shocks);
    char *end = shocks;
    while (end > text && *end != ']')
        end--;
    size_t head = (size_t)(end - text), size = strlen(text) + strlen(population) + 8;
    char *out_text = malloc(size);
    cr_assert_not_null(out_text);
    snprintf(out_text, size, "%.*s,\n%s\n%s", (int)head, text, population, end);
    free(text);
    return out_text;
}

/* The squeeze's shock, a market sell of 1,000 lots, strikes at step 2400 (shocks[21] of
 * configs/long-squeeze.json). One lot bought at market at step 2390 on isolated margin
 * with 1,000 of collateral: at 50x its margin is about 12 and the shock's fall takes it;
 * at 1x it is the whole notional, about 600, and the fall does not. Measured on seeds
 * 1-8: liquidated at step 2400 on all eight at 50x, on none at 1x. */
static const char squeeze_long[] =
    "{\"type\": \"scripted\", \"margin\": \"isolated\", \"params\": {\"collateral\": 1000,"
    " \"orders\": [{\"step\": 2390, \"side\": \"buy\", \"lots\": 1}]}}";

enum { SQUEEZE_SCRIPTED = 167 }; /* the agents before it: 100 + 4 + 20 + 3 + 40 */

/* leverage: the population's (per_order false) or the entry's (the population's left at 1) */
static void run_squeeze(const char *text, unsigned seed, int leverage, bool per_order,
                        struct watch *w)
{
    char seed_set[32], lev_set[64];
    snprintf(seed_set, sizeof seed_set, "seed=%u", seed);
    snprintf(lev_set, sizeof lev_set, "agents[5].params.%s=%d",
             per_order ? "orders[0].leverage" : "leverage", leverage);
    const char *sets[] = {seed_set, lev_set};
    struct cas_config cfg;
    parse(&cfg, text, sets, 2);
    cr_assert_eq(cfg.shocks[cfg.n_shocks - 1].step, 2400, "the squeeze's shock moved");
    struct cas_sim *sim = run_watching(&cfg, w, SQUEEZE_SCRIPTED, 1);
    cr_assert_eq(w->position[0][2389], 0, "seed %u", seed);
    cr_assert_eq(w->position[0][2390], 1, "seed %u: the long is opened at step 2390", seed);
    cas_sim_destroy(sim);
    cas_config_release(&cfg);
}

Test(scripted, a_long_before_the_squeeze_is_liquidated_at_50x_not_at_1x)
{
    char *text = squeeze_with(squeeze_long);
    static struct watch w;
    unsigned seeds = sweep_seeds(4), liquidated = 0;
    for (unsigned seed = 1; seed <= seeds; seed++) {
        run_squeeze(text, seed, 50, false, &w);
        uint32_t n = w.n_liquidated;
        cas_step at = w.liquidated_at;
        if (n > 0) {
            liquidated++;
            cr_assert_geq(at, 2400, "seed %u: liquidated before the shock", seed);
        }
        /* 50x given by the order itself: the same account from the order on */
        run_squeeze(text, seed, 50, true, &w);
        cr_assert_eq(w.n_liquidated, n, "seed %u", seed);
        cr_assert(n == 0 || w.liquidated_at == at, "seed %u", seed);
        run_squeeze(text, seed, 1, false, &w);
        cr_assert_eq(w.n_liquidated, 0, "seed %u: liquidated at 1x", seed);
    }
    cr_assert_geq(liquidated, sweep_quick() ? 1 : 3, "liquidated at 50x on %u of %u seeds",
                  liquidated, seeds);
    free(text);
}

/* Through the program: the same config and seed, the same files, byte for byte. */
Test(scripted, the_same_config_and_seed_give_the_same_outputs, .init = runs_setup,
     .fini = runs_teardown)
{
    char *text = squeeze_with(
        "{\"type\": \"scripted\", \"count\": 2, \"params\": {\"collateral\": 2000,"
        " \"leverage\": 20, \"orders\": ["
        "{\"step\": 2390, \"side\": \"buy\", \"lots\": 3, \"leverage\": 25},"
        "{\"step\": 2000, \"side\": \"sell\", \"type\": \"limit\", \"price\": 63000, \"lots\": 1},"
        "{\"step\": 2000, \"side\": \"buy\", \"type\": \"ioc\", \"price\": 59000, \"lots\": 1},"
        "{\"step\": 3000, \"side\": \"sell\", \"lots\": 3, \"reduce_only\": true}]}}");
    write_file("s.json", text);
    free(text);
    cr_assert_eq(cascade("run s.json -o a --quiet --set record.trades=true"), 0, "%s", err);
    cr_assert_eq(cascade("run s.json -o b --quiet --set record.trades=true"), 0, "%s", err);
    static const char *const files[] = {"config.json",      "timeseries.csv", "trades.csv",
                                        "liquidations.csv", "cascades.csv",   "accounts.csv",
                                        "liqmap.csv",       "replay.jsonl"};
    for (size_t k = 0; k < sizeof files / sizeof *files; k++) {
        char pa[64], pb[64];
        snprintf(pa, sizeof pa, "a/%s", files[k]);
        snprintf(pb, sizeof pb, "b/%s", files[k]);
        char *x = slurp_file(pa), *y = slurp_file(pb);
        cr_assert(x && y, "%s", files[k]);
        cr_assert_str_eq(x, y, "%s differs", files[k]);
        free(x);
        free(y);
    }
    char *sa = slurp_file("a/summary.json"), *sb = slurp_file("b/summary.json");
    cr_assert(sa && sb);
    char *pa = strstr(sa, "\"performance\""), *pb = strstr(sb, "\"performance\"");
    cr_assert(pa && pb);
    *pa = *pb = 0;
    cr_assert_str_eq(sa, sb, "summary.json differs");
    free(sa);
    free(sb);
    /* the script's fills are in trades.csv at its steps */
    char *trades = slurp_file("a/trades.csv");
    cr_assert_not_null(strstr(trades, "\n2390,BTC-PERP,"), "no trade at step 2390");
    free(trades);
}

/* The lab's lesson (docs/teaching/08-lab.md): students each open one lot long at market at
 * step 2390, isolated margin, collateral 1,000, at leverages of their choice, and compare
 * where each was liquidated. On seeds 11-14 (seed 11 alone under CASCADE_QUICK; the lesson's
 * figures were measured on 1-20, and tests/test_teaching.c asserts them on 1-8): at 5x
 * nobody is liquidated; at 50x and 100x the long is
 * liquidated at step 2400 as a root of its cascade, set off by the whale's sell itself
 * (shock:21); at 20x it is liquidated too, by another liquidation's orders; the higher the
 * leverage, the higher the liquidation price and never a later step or a deeper
 * generation; and what a liquidated long loses is its margin, about its notional (some
 * 600) over the leverage: within 5% of 600 / leverage. */
Test(scripted, the_labs_lesson_where_each_leverage_is_liquidated, .init = runs_setup,
     .fini = runs_teardown)
{
    char *text = squeeze_with(squeeze_long);
    write_file("s.json", text);
    free(text);
    static const int leverages[] = {5, 20, 50, 100};
    unsigned seeds = sweep_seeds(4);
    for (unsigned seed = 11; seed < 11 + seeds; seed++) {
        double last_price = 0;
        long long last_step = 0, last_gen = 0;
        for (size_t k = 0; k < sizeof leverages / sizeof *leverages; k++) {
            int lev = leverages[k];
            cr_assert_eq(cascade("run s.json -o r --quiet --seed %u --set "
                                 "agents[5].params.orders[0].leverage=%d",
                                 seed, lev),
                         0, "%s", err);
            struct table ac, lq;
            table_read(&ac, "r/accounts.csv");
            table_read(&lq, "r/liquidations.csv");
            const char *me = cell(&ac, ac.n_rows - 1, "account");
            cr_assert_str_eq(cell(&ac, ac.n_rows - 1, "type"), "scripted");
            size_t row = 0;
            for (size_t r = 1; r < lq.n_rows; r++)
                if (strcmp(cell(&lq, r, "account"), me) == 0)
                    row = r;
            if (lev == 5) {
                cr_assert_eq(row, 0u, "seed %u: liquidated at 5x", seed);
            } else {
                cr_assert_neq(row, 0u, "seed %u: not liquidated at %dx", seed, lev);
                double price = num(&lq, row, "liquidation_price");
                long long step = integer(&lq, row, "step"), gen = integer(&lq, row, "generation");
                if (lev >= 50) {
                    cr_assert(step == 2400 && gen == 1 &&
                                  strcmp(cell(&lq, row, "trigger"), "shock:21") == 0,
                              "seed %u, %dx: step %lld, generation %lld, trigger %s", seed, lev,
                              step, gen, cell(&lq, row, "trigger"));
                } else {
                    cr_assert_eq(strncmp(cell(&lq, row, "trigger"), "liquidation:", 12), 0,
                                 "seed %u, %dx: trigger %s", seed, lev, cell(&lq, row, "trigger"));
                }
                if (last_price > 0)
                    cr_assert(price > last_price && step <= last_step && gen <= last_gen,
                              "seed %u, %dx: liquidation price %g step %lld generation %lld "
                              "against %g, %lld, %lld at the lower leverage",
                              seed, lev, price, step, gen, last_price, last_step, last_gen);
                last_price = price;
                last_step = step;
                last_gen = gen;
                double loss =
                    num(&ac, ac.n_rows - 1, "deposit") - num(&ac, ac.n_rows - 1, "equity");
                cr_assert(fabs(loss - 600.0 / lev) <= 0.05 * 600.0 / lev, "seed %u, %dx: lost %g",
                          seed, lev, loss);
            }
            table_free(&ac);
            table_free(&lq);
            runs_remove("r");
        }
    }
}

/* Each bad entry: one line naming the file and the JSON path, exit status 2. */
static const struct {
    const char *entry, *line;
} bad_entries[] = {
    {"{\"step\": 20, \"side\": \"long\", \"lots\": 1}",
     "cascade: bad.json: agents[1].params.orders[1].side: unknown side 'long' (known sides: buy,"
     " sell)\n"},
    {"{\"step\": 20, \"side\": \"buy\", \"lots\": 0}",
     "cascade: bad.json: agents[1].params.orders[1].lots: must be between 1 and 1000000000000,"
     " got 0\n"},
    {"{\"step\": 1000, \"side\": \"buy\", \"lots\": 1}",
     "cascade: bad.json: agents[1].params.orders[1].step: must be between 0 and 999, got 1000\n"},
    {"{\"step\": 1.5, \"side\": \"buy\", \"lots\": 1}",
     "cascade: bad.json: agents[1].params.orders[1].step: must be an integer, got 1.5\n"},
    {"{\"side\": \"buy\", \"lots\": 1}",
     "cascade: bad.json: agents[1].params.orders[1].step: missing required key 'step'; give the"
     " step at which the order is sent\n"},
    {"{\"step\": 1, \"side\": \"buy\", \"type\": \"stop\", \"lots\": 1}",
     "cascade: bad.json: agents[1].params.orders[1].type: unknown order type 'stop' (known order"
     " types: market, limit, ioc, post_only)\n"},
    {"{\"step\": 1, \"side\": \"buy\", \"lots\": 1, \"price\": 60000}",
     "cascade: bad.json: agents[1].params.orders[1].price: a market order takes no price; remove"
     " it, or give \"type\": \"limit\", \"ioc\" or \"post_only\"\n"},
    {"{\"step\": 1, \"side\": \"buy\", \"type\": \"limit\", \"lots\": 1, \"price\": 60002}",
     "cascade: bad.json: agents[1].params.orders[1].price: must be a multiple of tick_size 5, got"
     " 60002 (12000.4 ticks)\n"},
    {"{\"step\": 1, \"side\": \"buy\", \"type\": \"post_only\", \"lots\": 1}",
     "cascade: bad.json: agents[1].params.orders[1].price: missing required key 'price'; give the"
     " limit price in quote currency\n"},
    {"{\"step\": 1, \"side\": \"buy\", \"lots\": 1, \"reduce_only\": 1}",
     "cascade: bad.json: agents[1].params.orders[1].reduce_only: must be true or false, got a"
     " number\n"},
    {"{\"step\": 1, \"side\": \"buy\", \"lots\": 1, \"leverage\": 0}",
     "cascade: bad.json: agents[1].params.orders[1].leverage: must be between 1 and 1000, got 0\n"},
    {"{\"step\": 1, \"side\": \"buy\", \"lots\": 1, \"leverage\": 2.5}",
     "cascade: bad.json: agents[1].params.orders[1].leverage: must be an integer, got 2.5\n"},
    {"{\"step\": 1, \"side\": \"buy\", \"lots\": 1, \"qty\": 1}",
     "cascade: bad.json: agents[1].params.orders[1].qty: unknown key 'qty' (known keys: step,"
     " side, type, lots, leverage, price, reduce_only)\n"},
    {"7", "cascade: bad.json: agents[1].params.orders[1]: must be an object {\"step\", \"side\","
          " \"lots\", ...}, got a number\n"},
};

Test(scripted, a_bad_entry_is_one_line_at_its_json_path, .init = runs_setup, .fini = runs_teardown)
{
    char text[2048];
    for (size_t k = 0; k < sizeof bad_entries / sizeof *bad_entries; k++) {
        snprintf(text, sizeof text,
                 "{\"steps\": 1000, \"instruments\": [{\"name\": \"P\", \"kind\": \"perpetual\","
                 " \"tick_size\": 5, \"lot_size\": 0.01, \"initial_price\": 60000}],\n"
                 " \"agents\": [{\"type\": \"noise\"}, {\"type\": \"scripted\", \"params\":"
                 " {\"orders\": [{\"step\": 10, \"side\": \"buy\", \"lots\": 1}, %s]}}]}\n",
                 bad_entries[k].entry);
        write_file("bad.json", text);
        cr_assert_eq(cascade("validate bad.json"), 2, "%s", bad_entries[k].entry);
        cr_assert_str_eq(err, bad_entries[k].line);
        cr_assert_eq(cascade("run bad.json -o r --quiet"), 2, "%s", bad_entries[k].entry);
        cr_assert_str_eq(err, bad_entries[k].line);
    }
    write_file("bad.json", "{\"instruments\": [{\"name\": \"P\", \"initial_price\": 100}],"
                           " \"agents\": [{\"type\": \"noise\", \"params\": {\"orders\": []}}]}");
    cr_assert_eq(cascade("validate bad.json"), 2);
    cr_assert_not_null(strstr(err, "agents[0].params.orders: unknown key 'orders'"), "%s", err);
}

/* The resolved config reads back as the same script. */
Test(scripted, the_resolved_script_reads_back_the_same)
{
    struct cas_config a, b;
    parse(&a, book_config, NULL, 0);
    parse(&b, a.resolved_json, NULL, 0);
    cr_assert_str_eq(a.resolved_json, b.resolved_json);
    for (uint32_t p = 0; p < 2; p++) {
        cr_assert_eq(a.populations[p].n_orders, b.populations[p].n_orders);
        for (uint32_t i = 0; i < a.populations[p].n_orders; i++) {
            const struct cas_script_order *x = &a.populations[p].orders[i],
                                          *y = &b.populations[p].orders[i];
            cr_assert(x->step == y->step && x->side == y->side && x->type == y->type &&
                          x->qty == y->qty && x->leverage == y->leverage && x->price == y->price &&
                          x->reduce_only == y->reduce_only,
                      "agents[%u].params.orders[%u]", p, i);
        }
    }
    cas_config_release(&a);
    cas_config_release(&b);
}
