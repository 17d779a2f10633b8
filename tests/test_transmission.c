/* test_transmission: a cascade that travels from the perpetual to spot and back (issue 19).
 * tests/data/transmission.json is the long squeeze with its index made of a spot book of
 * its own liquidity, marked by Binance's median, ten arbitrage desks that hedge on spot,
 * and 400 leveraged traders. Over seeds: the desks' orders answering liquidations carry
 * them as `carried:ID`, the index moves those spot sales make carry them on, and the
 * liquidations those moves trigger are the carried liquidation's children in one tree. */
#include <math.h>

#include "lib/runs.h"

TestSuite(transmission, .init = runs_setup, .fini = runs_teardown, .timeout = 600);

/* The id in "carried:ID", or 0 when the text is another cause. */
static long long carried_id(const char *cause)
{
    return strncmp(cause, "carried:", 8) == 0 ? strtoll(cause + 8, NULL, 10) : 0;
}

/* The row of liquidation `id` (rows are written as liquidations finish, not in id order). */
static size_t row_of(const struct table *l, long long id)
{
    for (size_t r = 1; r < l->n_rows; r++)
        if (integer(l, r, "id") == id)
            return r;
    cr_assert_fail("no liquidation %lld", id);
    return 0;
}

/* Lots (or notional) by liquidation: a small table the checks below fill from trades.csv. */
struct tally {
    long long id[4096];
    double v[4096];
    size_t n;
};

static void tally_add(struct tally *t, long long id, double v)
{
    size_t k = 0;
    while (k < t->n && t->id[k] != id)
        k++;
    if (k == t->n) {
        cr_assert_lt(t->n, 4096);
        t->id[t->n] = id;
        t->v[t->n++] = 0;
    }
    t->v[k] += v;
}

/* The id with the most (the smaller on a tie), or 0 when the table is empty. */
static long long tally_most(const struct tally *t)
{
    long long best = 0;
    double most = 0;
    for (size_t k = 0; k < t->n; k++)
        if (t->v[k] > most || (t->v[k] == most && t->id[k] < best)) {
            best = t->id[k];
            most = t->v[k];
        }
    return best;
}

/* The liquidation a trade's cause names (liquidation:ID or carried:ID), or 0. */
static long long forced_id(const char *cause)
{
    if (strncmp(cause, "liquidation:", 12) == 0)
        return strtoll(cause + 12, NULL, 10);
    return carried_id(cause);
}

/* Every carried hedge names, of the liquidations whose orders (or orders answering them)
 * took the perpetual's side it answers in its step and the one before, up to the hedge,
 * the one with the most lots; every carried trigger names, of the carried spot trades of
 * the step before the index moved, in the direction of the move, the one with the most
 * notional. Recomputed from trades.csv and timeseries.csv (every step). */
static void carried_causes_are_the_largest(const struct table *t, const struct table *l,
                                           const struct table *ts, unsigned seed)
{
    static struct tally tl;
    size_t hedges = 0, triggers = 0;
    for (size_t r = 1; r < t->n_rows; r++) {
        long long id = carried_id(cell(t, r, "cause"));
        if (!id || strcmp(cell(t, r, "instrument"), "BTC") != 0)
            continue;
        long long step = integer(t, r, "step");
        const char *side = cell(t, r, "taker_side");
        tl.n = 0;
        for (size_t q = 1; q < r; q++)
            if (strcmp(cell(t, q, "instrument"), "BTC-PERP") == 0 &&
                strcmp(cell(t, q, "taker_side"), side) == 0 && integer(t, q, "step") >= step - 1 &&
                forced_id(cell(t, q, "cause")))
                tally_add(&tl, forced_id(cell(t, q, "cause")), num(t, q, "qty"));
        cr_assert_eq(tally_most(&tl), id, "seed %u: the hedge at row %zu carries %lld", seed, r,
                     id);
        hedges++;
    }
    for (size_t r = 1; r < l->n_rows; r++) {
        long long id = carried_id(cell(l, r, "trigger")), step = integer(l, r, "step");
        if (!id)
            continue;
        double now = NAN, before = NAN;
        for (size_t k = 1; k < ts->n_rows; k++)
            if (strcmp(cell(ts, k, "instrument"), "BTC-PERP") == 0) {
                if (integer(ts, k, "step") == step)
                    now = num(ts, k, "index");
                if (integer(ts, k, "step") == step - 1)
                    before = num(ts, k, "index");
            }
        cr_assert(now != before, "seed %u: liquidation row %zu: the index moved", seed, r);
        const char *side = now < before ? "sell" : "buy";
        tl.n = 0;
        for (size_t q = 1; q < t->n_rows; q++)
            if (integer(t, q, "step") == step - 1 && strcmp(cell(t, q, "instrument"), "BTC") == 0 &&
                strcmp(cell(t, q, "taker_side"), side) == 0 && carried_id(cell(t, q, "cause")))
                tally_add(&tl, carried_id(cell(t, q, "cause")),
                          num(t, q, "qty") * num(t, q, "price"));
        cr_assert_eq(tally_most(&tl), id, "seed %u: liquidation row %zu carried from %lld", seed, r,
                     id);
        triggers++;
    }
    cr_assert_gt(hedges, 0);
    cr_assert_gt(triggers, 0);
}

Test(transmission, carried_liquidations_are_children_of_what_carried_them)
{
    for (unsigned seed = 1; seed <= sweep_seeds(4); seed++) {
        char dir[32], path[96];
        snprintf(dir, sizeof dir, "t-%u", seed);
        cr_assert_eq(run_cascade("run '%s/tests/data/transmission.json' --seed %u -o %s --quiet"
                                 " --set record.trades=true --set record.sample_every=1",
                                 source_root(), seed, dir),
                     0);
        struct table l, c, t, ts;
        snprintf(path, sizeof path, "%s/liquidations.csv", dir);
        table_read(&l, path);
        snprintf(path, sizeof path, "%s/cascades.csv", dir);
        table_read(&c, path);
        snprintf(path, sizeof path, "%s/trades.csv", dir);
        table_read(&t, path);
        snprintf(path, sizeof path, "%s/timeseries.csv", dir);
        table_read(&ts, path);
        size_t carried = 0;
        for (size_t r = 1; r < l.n_rows; r++) {
            long long parent = carried_id(cell(&l, r, "trigger"));
            if (!parent)
                continue;
            carried++;
            long long id = integer(&l, r, "id");
            cr_assert(parent >= 1 && parent < id, "seed %u: liquidation %lld carried from %lld",
                      seed, id, parent);
            size_t p = row_of(&l, parent);
            cr_assert_eq(integer(&l, r, "cascade"), integer(&l, p, "cascade"),
                         "seed %u: liquidation %lld is in its parent's tree", seed, id);
            cr_assert_eq(integer(&l, r, "generation"), integer(&l, p, "generation") + 1);
        }
        cr_assert_geq(carried, 1, "seed %u: no liquidation was carried", seed);
        /* the largest cascade (most liquidations, then notional), told: a carried member
         * says how it was set off */
        size_t big = 1;
        for (size_t r = 2; r < c.n_rows; r++)
            if (integer(&c, r, "liquidations") > integer(&c, big, "liquidations") ||
                (integer(&c, r, "liquidations") == integer(&c, big, "liquidations") &&
                 num(&c, r, "notional") > num(&c, big, "notional")))
                big = r;
        cr_assert_eq(run_cascade("narrate %s --cascade %s", dir, cell(&c, big, "id")), 0);
        char *told = slurp_file("out.txt");
        cr_assert_not_null(strstr(told, "'s orders, carried across markets by arbitrage"),
                           "seed %u: %s", seed, told);
        free(told);
        for (size_t r = 1; r < c.n_rows; r++)
            cr_assert_eq(carried_id(cell(&c, r, "root_cause")), 0, "a root is never carried");
        /* the desks' spot sales answering a liquidation's sales name it */
        size_t spot_carried = 0;
        for (size_t r = 1; r < t.n_rows; r++) {
            long long id = carried_id(cell(&t, r, "cause"));
            if (!id)
                continue;
            cr_assert(id >= 1 && (size_t)id < l.n_rows, "seed %u: carried:%lld", seed, id);
            spot_carried += strcmp(cell(&t, r, "instrument"), "BTC") == 0;
        }
        cr_assert_geq(spot_carried, 1, "seed %u: no spot trade carried a liquidation", seed);
        /* each cascade's index move, against the index of timeseries.csv (every step) */
        for (size_t r = 1; r < c.n_rows; r++) {
            long long start = integer(&c, r, "start_step");
            double before = NAN, extreme = num(&c, r, "index_at_extreme");
            for (size_t k = 1; k < ts.n_rows; k++)
                if (integer(&ts, k, "step") == start - 1 &&
                    strcmp(cell(&ts, k, "instrument"), "BTC-PERP") == 0)
                    before = num(&ts, k, "index");
            if (start == 0)
                continue;
            double move = (before - extreme) / before * 1e4;
            if (strcmp(cell(&c, r, "side"), "short") == 0)
                move = -move;
            cr_assert_float_eq(num(&c, r, "index_move_bps"), move, 0.02, "seed %u cascade %s", seed,
                               cell(&c, r, "id"));
        }
        /* the desks' legs offset each other (same tick and lot sizes; a hedge the spot book
         * cannot take yet, before its first quotes, waits for the next wake-up), and the
         * capital they have left ends at their deposits plus their profit */
        double last_equity = NAN;
        size_t rows = 0, open = 0;
        for (size_t k = 1; k + 1 < ts.n_rows; k += 2, rows++) {
            cr_assert_eq(integer(&ts, k, "step"), integer(&ts, k + 1, "step"));
            long long perp = integer(&ts, k, "desk_lots"), spot = integer(&ts, k + 1, "desk_lots");
            open += perp != -spot;
            cr_assert_str_eq(cell(&ts, k + 1, "desk_equity"), "", "no desk trades spot");
            last_equity = num(&ts, k, "desk_equity");
        }
        cr_assert_str_eq(cell(&ts, 1, "instrument"), "BTC-PERP");
        cr_assert_leq(open * 100, rows, "seed %u: %zu of %zu rows unhedged", seed, open, rows);
        snprintf(path, sizeof path, "%s/summary.json", dir);
        char *summary = slurp_file(path);
        const char *desks = strstr(summary, "\"basis_arb\": {");
        cr_assert_not_null(desks);
        const char *pnl = strstr(desks, "\"pnl\": ");
        cr_assert_not_null(pnl);
        double deposits = 10 * 3e6; /* ten desks of collateral 3,000,000 */
        cr_assert_float_eq(last_equity, deposits + strtod(pnl + 7, NULL), 1e-3, "seed %u", seed);
        free(summary);
        carried_causes_are_the_largest(&t, &l, &ts, seed);
        table_free(&l);
        table_free(&c);
        table_free(&t);
        table_free(&ts);
    }
}
