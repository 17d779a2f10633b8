/* test_cascades: liquidations linked into causal trees on a scripted chain
 * whose parents are known, and each tree's span and measures worked by hand,
 * trades inside a step included, fed event by event as a run would. */
#include <criterion/criterion.h>
#include <math.h>

#include "cascade/cascades.h"

#define STEPS 40

static struct cas_liquidation liq(uint64_t id, cas_step step, enum cas_side side,
                                  enum cas_cause_kind kind, uint64_t cause)
{
    return (struct cas_liquidation){.id = id,
                                    .step = step,
                                    .side = side,
                                    .cause = {kind, cause},
                                    .lots = 1,
                                    .mark = 100,
                                    .notional = 1};
}

struct path {
    double initial, close[STEPS], low[STEPS], high[STEPS], index[STEPS];
};

/* A flat path at 100 with no trades, index 100. */
static struct path flat(void)
{
    struct path p = {.initial = 100};
    for (int t = 0; t < STEPS; t++) {
        p.close[t] = 100;
        p.low[t] = p.high[t] = NAN;
        p.index[t] = 100;
    }
    return p;
}

/* Feed a run to a new follower: in each step its liquidations, then its
 * trades (the high, then the low), then the finishes of that step, then its
 * end. */
static struct cas_cascades *replay(const struct cas_liquidation *l, const cas_step *finish,
                                   const cas_money *notional, size_t n, const struct path *p)
{
    struct cas_cascades *cs;
    cr_assert_eq(cas_cascades_create(&cs, 1, &p->initial), 0);
    for (cas_step t = 0; t < STEPS; t++) {
        for (size_t k = 0; k < n; k++)
            if (l[k].step == t) {
                struct cas_liquidation lk = l[k];
                lk.notional = notional[k];
                cr_assert_eq(cas_cascades_liquidation(cs, &lk), 0);
            }
        if (!isnan(p->high[t]))
            cas_cascades_trade(cs, 0, p->high[t]);
        if (!isnan(p->low[t]))
            cas_cascades_trade(cs, 0, p->low[t]);
        for (size_t k = 0; k < n; k++)
            if (finish[k] == t)
                cas_cascades_finished(cs, l[k].id, t);
        cas_cascades_step_end(cs, t, &p->close[t], &p->index[t]);
    }
    return cs;
}

/* The one cascade such a run makes (the test fails when it makes none or several). */
static struct cas_cascade only_cascade(const struct cas_liquidation *l, const cas_step *finish,
                                       const cas_money *notional, size_t n, const struct path *p)
{
    struct cas_cascades *cs = replay(l, finish, notional, n, p);
    cr_assert_eq(cas_cascades_count(cs), 1);
    struct cas_cascade c = *cas_cascades_get(cs, 0);
    cas_cascades_destroy(cs);
    return c;
}

/* A long cascade from shock 1: 1 -> {2, 4}, 2 -> 3 (three generations, four
 * liquidations) triggered at steps 10 and 11, whose orders are worked until
 * step 14 (liquidation 3 is throttled); then a short cascade from an index
 * move: 5 -> 6, triggered at 20 and 21 and finished at once.
 * End-of-step prices: 100 until step 9; 95, 90, 92, 96, 97 at steps 10..14;
 * 100 at 15..19; 103, 104 at 20, 21; 101 at 22; 100 after. Trades inside
 * steps: at step 13 a liquidation sale at 88 (below every end-of-step price:
 * the span's extreme), at step 21 a buy at 106. */
/* clang-format off */
Test(cascades, scripted_chain_builds_the_right_trees_and_spans)
{
    struct cas_liquidation l[] = {
        liq(1, 10, CAS_BUY, CAS_CAUSE_SHOCK, 1),       liq(2, 10, CAS_BUY, CAS_CAUSE_LIQUIDATION, 1),
        liq(3, 11, CAS_BUY, CAS_CAUSE_LIQUIDATION, 2), liq(4, 11, CAS_BUY, CAS_CAUSE_LIQUIDATION, 1),
        liq(5, 20, CAS_SELL, CAS_CAUSE_INDEX, 20),     liq(6, 21, CAS_SELL, CAS_CAUSE_LIQUIDATION, 5),
    };
    cas_step finish[] = {10, 11, 14, 11, 20, 21};
    cas_money notional[] = {10, 20, 30, 40, 50, 60};
    struct path p = flat();
    double close[] = {95, 90, 92, 96, 97};
    for (int t = 10; t <= 14; t++)
        p.close[t] = close[t - 10];
    p.low[13] = 88, p.high[13] = 93;
    p.close[20] = 103, p.close[21] = 104, p.close[22] = 101;
    p.low[21] = 103, p.high[21] = 106;
    p.index[13] = 99;
    struct cas_cascades *cs = replay(l, finish, notional, 6, &p);
    cr_assert_eq(cas_cascades_count(cs), 2);
    struct cas_cascade c[2] = {*cas_cascades_get(cs, 0), *cas_cascades_get(cs, 1)};

    cr_assert_eq(c[0].root, 1);
    cr_assert_eq(c[0].cause.kind, CAS_CAUSE_SHOCK);
    cr_assert_eq(c[0].liquidations, 4);
    cr_assert_eq(c[0].generations, 3);
    cr_assert_eq(c[0].notional, 100);
    cr_assert_eq(c[0].start, 10);
    cr_assert_eq(c[0].end, 11);
    cr_assert_eq(c[0].finish, 14); /* liquidation 3's orders, not its trigger */
    cr_assert_float_eq(c[0].price_start, 100, 1e-12);
    cr_assert_float_eq(c[0].price_extreme, 88, 1e-12); /* the trade inside step 13 */
    cr_assert_eq(c[0].extreme_step, 13);
    cr_assert_float_eq(c[0].index_at_extreme, 99, 1e-12);
    cr_assert_float_eq(c[0].price_end, 97, 1e-12); /* end of step 14 */
    cr_assert_float_eq(c[0].move_bps, 1200, 1e-9);
    cr_assert_eq(c[0].recovery_steps, 1); /* half way is 94: 97 at step 14 */

    cr_assert_eq(c[1].root, 5);
    cr_assert_eq(c[1].side, CAS_SELL);
    cr_assert_eq(c[1].liquidations, 2);
    cr_assert_eq(c[1].generations, 2);
    cr_assert_eq(c[1].finish, 21);
    cr_assert_float_eq(c[1].price_extreme, 106, 1e-12);
    cr_assert_eq(c[1].extreme_step, 21);
    cr_assert_float_eq(c[1].move_bps, 600, 1e-9);
    cr_assert_eq(c[1].recovery_steps, 1); /* 101 <= 103 at step 22 */

    uint64_t want_member[] = {1, 1, 1, 1, 2, 2};
    uint32_t want_gen[] = {1, 2, 3, 2, 1, 2};
    for (int k = 0; k < 6; k++) {
        cr_assert_eq(cas_cascades_of(cs, (uint64_t)k + 1), want_member[k], "liquidation %d", k + 1);
        cr_assert_eq(cas_cascades_generation(cs, (uint64_t)k + 1), want_gen[k], "liquidation %d",
                     k + 1);
    }
    cas_cascades_destroy(cs);
}
/* clang-format on */

/* Cut at the trigger (the old measure), the same chain would have missed the
 * fall of steps 12-14: the span must reach the last member's finish. */
Test(cascades, the_span_reaches_the_last_finish_not_the_last_trigger)
{
    struct cas_liquidation l[] = {liq(1, 5, CAS_BUY, CAS_CAUSE_ORDER, 7)};
    cas_step finish[] = {8};
    cas_money notional[] = {1};
    struct path p = flat();
    p.close[5] = 99, p.close[6] = 97, p.close[7] = 95, p.close[8] = 96;
    p.low[7] = 94.5;
    struct cas_cascade c = only_cascade(l, finish, notional, 1, &p);
    cr_assert_eq(c.end, 5);
    cr_assert_eq(c.finish, 8);
    cr_assert_float_eq(c.price_extreme, 94.5, 1e-12);
    cr_assert_float_eq(c.price_end, 96, 1e-12);
    cr_assert_float_eq(c.move_bps, 550, 1e-9);
}

/* A move that never comes back half way has no recovery; an unfinished
 * member leaves the cascade unfinished, measured to the run's end. */
Test(cascades, no_recovery_and_unfinished)
{
    struct cas_liquidation l[] = {liq(1, 5, CAS_BUY, CAS_CAUSE_ORDER, 7),
                                  liq(2, 6, CAS_BUY, CAS_CAUSE_LIQUIDATION, 1)};
    cas_step finish[] = {5, -1};
    cas_money notional[] = {1, 1};
    struct path p = flat();
    for (int t = 5; t < STEPS; t++)
        p.close[t] = 80 + (t == 5 ? 0 : 1);
    p.close[STEPS - 1] = 79;
    struct cas_cascade c = only_cascade(l, finish, notional, 2, &p);
    cr_assert_eq(c.generations, 2);
    cr_assert_eq(c.finish, -1);
    cr_assert_float_eq(c.price_extreme, 79, 1e-12);
    cr_assert_eq(c.extreme_step, STEPS - 1);
    cr_assert_float_eq(c.move_bps, 2100, 1e-9);
    cr_assert_eq(c.recovery_steps, -1);
}

/* A cascade at step 0 starts from the initial price. */
Test(cascades, step_zero_starts_from_the_initial_price)
{
    struct cas_liquidation l[] = {liq(1, 0, CAS_BUY, CAS_CAUSE_SHOCK, 1)};
    cas_step finish[] = {0};
    cas_money notional[] = {1};
    struct path p = flat();
    p.initial = 110;
    p.close[0] = 100, p.low[0] = 99;
    struct cas_cascade c = only_cascade(l, finish, notional, 1, &p);
    cr_assert_float_eq(c.price_start, 110, 1e-12);
    cr_assert_float_eq(c.price_extreme, 99, 1e-12);
    cr_assert_eq(c.recovery_steps, -1); /* 104.5 never regained */
}

/* A member can join a cascade whose span is over (a keeper's take-over can
 * leave the keeper under water, liquidated later under the take-over's
 * cause): the span runs again to the new member's finish, and its trades
 * count. */
Test(cascades, a_late_member_reopens_the_span)
{
    struct cas_liquidation l[] = {liq(1, 5, CAS_BUY, CAS_CAUSE_INDEX, 5),
                                  liq(2, 20, CAS_BUY, CAS_CAUSE_LIQUIDATION, 1)};
    cas_step finish[] = {5, 21};
    cas_money notional[] = {1, 1};
    struct path p = flat();
    p.close[5] = 90, p.close[6] = 93, p.close[7] = 96;
    p.low[21] = 85;
    p.index[21] = 98;
    struct cas_cascades *cs = replay(l, finish, notional, 1, &p);
    struct cas_cascade once = *cas_cascades_get(cs, 0);
    cas_cascades_destroy(cs);
    cr_assert_eq(once.finish, 5);
    cr_assert_eq(once.recovery_steps, 2); /* 96 >= 95 at step 7 */
    cs = replay(l, finish, notional, 2, &p);
    cr_assert_eq(cas_cascades_count(cs), 1);
    const struct cas_cascade *c = cas_cascades_get(cs, 0);
    cr_assert_eq(c->liquidations, 2);
    cr_assert_eq(c->start, 5);
    cr_assert_eq(c->end, 20);
    cr_assert_eq(c->finish, 21);
    cr_assert_float_eq(c->price_extreme, 85, 1e-12);
    cr_assert_eq(c->extreme_step, 21);
    cr_assert_float_eq(c->index_at_extreme, 98, 1e-12);
    cr_assert_eq(c->recovery_steps, 1); /* 100 >= 92.5 at step 22 */
    cas_cascades_destroy(cs);
}

/* Trades on two instruments, many a step: each running cascade takes the extreme of
 * its own instrument's trades on its own side over its span (the trades of the step it
 * started in included, those before it and after its span not), as if every trade had
 * been given to every running cascade. */
Test(cascades, each_running_cascade_takes_its_instruments_extreme_trades)
{
    double initial[2] = {100, 200}, close[2] = {100, 200}, index[2] = {100, 200};
    struct cas_cascades *cs;
    cr_assert_eq(cas_cascades_create(&cs, 2, initial), 0);
    struct cas_liquidation a = liq(1, 2, CAS_BUY, CAS_CAUSE_INDEX, 2);
    struct cas_liquidation b = liq(2, 3, CAS_SELL, CAS_CAUSE_INDEX, 3);
    b.instrument = 1;
    double low0 = INFINITY, high1 = -INFINITY;
    for (cas_step t = 0; t < 8; t++) {
        if (t == 2)
            cr_assert_eq(cas_cascades_liquidation(cs, &a), 0);
        for (int k = 0; k < 50; k++) {
            double p0 = 100 - (double)((k * 37 + t * 11) % 23) / 2, p1 = 200 + (k * 29 + t) % 17;
            if (t == 3 && k == 25)
                cr_assert_eq(cas_cascades_liquidation(cs, &b), 0);
            cas_cascades_trade(cs, 0, p0 - (t == 0 || t == 7 ? 30 : 0));
            cas_cascades_trade(cs, 1, p1 + (t == 1 || t == 6 ? 50 : 0));
            low0 = t >= 2 && t <= 5 && p0 < low0 ? p0 : low0;
            high1 = t >= 3 && t <= 4 && p1 > high1 ? p1 : high1;
        }
        if (t == 5)
            cas_cascades_finished(cs, 1, t);
        if (t == 4)
            cas_cascades_finished(cs, 2, t);
        cas_cascades_step_end(cs, t, close, index);
    }
    cr_assert_eq(cas_cascades_count(cs), 2);
    cr_assert_float_eq(cas_cascades_get(cs, 0)->price_extreme, low0, 1e-12);
    cr_assert_float_eq(cas_cascades_get(cs, 1)->price_extreme, high1, 1e-12);
    cr_assert_lt(low0, 95);
    cr_assert_gt(high1, 210);
    cas_cascades_destroy(cs);
}

/* Episodes: roots of one event share one, whoever set them off. Roots 1 and 2 at step 5
 * (the first finished at 5, the second worked until 9) and root 3 at 12 (3 steps after the
 * last finish: within a gap of 3) are episode 1; root 4 at 17 (4 steps after 13, beyond 3)
 * starts episode 2, and root 5 at 30 joins it because 4 is still working when the run
 * ends. With a gap of 2, root 3 starts an episode of its own. */
Test(cascades, episodes_group_roots_within_the_gap)
{
    struct cas_liquidation l[] = {
        liq(1, 5, CAS_BUY, CAS_CAUSE_SHOCK, 1), liq(2, 5, CAS_BUY, CAS_CAUSE_SHOCK, 1),
        liq(3, 12, CAS_BUY, CAS_CAUSE_ORDER, 7), liq(4, 17, CAS_SELL, CAS_CAUSE_INDEX, 17),
        liq(5, 30, CAS_BUY, CAS_CAUSE_ORDER, 8)};
    cas_step finish[] = {5, 9, 13, -1, 31};
    cas_money notional[] = {1, 1, 1, 1, 1};
    struct path p = flat();
    struct cas_cascades *cs = replay(l, finish, notional, 5, &p);
    cr_assert_eq(cas_cascades_count(cs), 5);
    cas_cascades_episodes(cs, 3);
    const uint64_t want[] = {1, 1, 1, 2, 2};
    for (size_t k = 0; k < 5; k++)
        cr_assert_eq(cas_cascades_get(cs, k)->episode, want[k], "cascade %zu: episode %llu", k + 1,
                     (unsigned long long)cas_cascades_get(cs, k)->episode);
    cas_cascades_episodes(cs, 2);
    const uint64_t tight[] = {1, 1, 2, 3, 3};
    for (size_t k = 0; k < 5; k++)
        cr_assert_eq(cas_cascades_get(cs, k)->episode, tight[k], "gap 2, cascade %zu", k + 1);
    cas_cascades_destroy(cs);
}
