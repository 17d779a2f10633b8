/* test_cascades: liquidations linked into causal trees on a scripted chain
 * whose parents are known, and each tree's measures worked by hand. */
#include <criterion/criterion.h>

#include "cascade/cascades.h"

static struct cas_liquidation liq(uint64_t id, cas_step step, enum cas_side side,
                                  enum cas_cause_kind kind, uint64_t cause)
{
    return (struct cas_liquidation){.id = id, .step = step, .side = side,
                                    .cause = {kind, cause}, .lots = 1, .mark = 100};
}

/* A long cascade from shock 1: 1 -> {2, 4}, 2 -> 3 (three generations, four
 * liquidations); then a short cascade from an index move: 5 -> 6. Prices:
 * 100 until step 9; 95, 90, 92, 96 at steps 10..13; 100 at 14..19; 103, 104
 * at 20, 21; 101 at 22; 100 after. */
Test(cascades, scripted_chain_builds_the_right_trees)
{
    struct cas_liquidation l[] = {
        liq(1, 10, CAS_BUY, CAS_CAUSE_SHOCK, 1),       liq(2, 10, CAS_BUY, CAS_CAUSE_LIQUIDATION, 1),
        liq(3, 11, CAS_BUY, CAS_CAUSE_LIQUIDATION, 2), liq(4, 11, CAS_BUY, CAS_CAUSE_LIQUIDATION, 1),
        liq(5, 20, CAS_SELL, CAS_CAUSE_INDEX, 20),     liq(6, 21, CAS_SELL, CAS_CAUSE_LIQUIDATION, 5),
    };
    cas_money notional[] = {10, 20, 30, 40, 50, 60};
    double prices[40];
    for (int t = 0; t < 40; t++)
        prices[t] = 100;
    prices[10] = 95, prices[11] = 90, prices[12] = 92, prices[13] = 96;
    prices[20] = 103, prices[21] = 104, prices[22] = 101;
    struct cas_cascade c[6];
    size_t n = cas_cascades_build(l, notional, 6, prices, 40, 1, c);
    cr_assert_eq(n, 2);

    cr_assert_eq(c[0].root, 1);
    cr_assert_eq(c[0].cause.kind, CAS_CAUSE_SHOCK);
    cr_assert_eq(c[0].liquidations, 4);
    cr_assert_eq(c[0].generations, 3);
    cr_assert_eq(c[0].notional, 100);
    cr_assert_eq(c[0].start, 10);
    cr_assert_eq(c[0].end, 11);
    cr_assert_float_eq(c[0].price_start, 100, 1e-12);
    cr_assert_float_eq(c[0].price_extreme, 90, 1e-12);
    cr_assert_float_eq(c[0].price_end, 90, 1e-12);
    cr_assert_float_eq(c[0].move_bps, 1000, 1e-9);
    cr_assert_eq(c[0].extreme_step, 11);
    cr_assert_eq(c[0].recovery_steps, 2); /* 96 >= 95 at step 13 */

    cr_assert_eq(c[1].root, 5);
    cr_assert_eq(c[1].side, CAS_SELL);
    cr_assert_eq(c[1].liquidations, 2);
    cr_assert_eq(c[1].generations, 2);
    cr_assert_float_eq(c[1].price_extreme, 104, 1e-12);
    cr_assert_float_eq(c[1].move_bps, 400, 1e-9);
    cr_assert_eq(c[1].recovery_steps, 1); /* 101 <= 102 at step 22 */
}

/* A move that never comes back half way has no recovery. */
Test(cascades, no_recovery_is_minus_one)
{
    struct cas_liquidation l[] = {liq(1, 5, CAS_BUY, CAS_CAUSE_ORDER, 7)};
    cas_money notional[] = {1};
    double prices[10] = {100, 100, 100, 100, 100, 80, 81, 82, 83, 84};
    struct cas_cascade c[1];
    cr_assert_eq(cas_cascades_build(l, notional, 1, prices, 10, 1, c), 1);
    cr_assert_eq(c[0].generations, 1);
    cr_assert_float_eq(c[0].move_bps, 2000, 1e-9);
    cr_assert_eq(c[0].recovery_steps, -1);
}
