/* test_scenario_crowded: the default day crowded with leverage, on the venue's own rules
 * (issue 19: "no market crashes for no reason"). A program of its own: its 96 days are the
 * longest of the release build's tests. */
#include "lib/runs.h"

#include <stdlib.h>

TestSuite(scenario_crowded, .init = runs_setup, .fini = runs_teardown, .timeout = 900);

/* configs/README.md: "the default day with its leveraged population at 1, 2 and 4 times its
 * count, 1 and 15 times its collateral, and 20x and 40x leverage (12 combinations, no
 * shock) never trades below 70% of its start, on seeds 1-8". The day runs on Binance's
 * rules as its profile gives them: the median mark, the 5% price band, liquidation by IOC
 * orders at the bankruptcy price. Under the perpetual's own mid, no band and market-order
 * liquidation (as shipped before issue 19) the crowdest of them fell to 29% of its start on
 * seed 111. Also, from issue 10, whose runs traded the perpetual down to a tick while the
 * index stayed near 60,000: every day ends within 3% of its index and is never more than 3%
 * from it for more than 300 steps in a row. Last measured: lowest trade 94.2% of the start
 * over the 96 days (seed 2), farthest end 0.24%, longest run 3% away 6 steps; on the unseen
 * seeds 301-305 (60 days): 95.1%, 0.40% and 8 steps. The sanitized build
 * (CASCADE_QUICK) runs seed 1 only, each day's first four hours. */
Test(scenario_crowded, twelve_crowded_days_never_fall_below_seventy_percent)
{
    static const int counts[] = {40, 80, 160}, collateral[] = {200, 3000}, leverage[] = {20, 40};
    unsigned last_seed = sweep_seeds(8);
    double lowest = 1, worst_end = 0, worst_far = 0;
    for (unsigned s = 1; s <= last_seed; s++)
        for (int n = 0; n < 3; n++)
            for (int c = 0; c < 2; c++)
                for (int l = 0; l < 2; l++) {
                    char dir[64];
                    snprintf(dir, sizeof dir, "crowded-%u-%d-%d-%d", s, counts[n], collateral[c],
                             leverage[l]);
                    cr_assert_eq(run_cascade("run --seed %u -o %s --quiet%s"
                                             " --set record.replay_window_steps=0"
                                             " --set record.liqmap=false"
                                             " --set agents[4].count=%d"
                                             " --set agents[4].params.collateral=%d"
                                             " --set agents[4].params.leverage=%d",
                                             s, dir, sweep_quick() ? " --steps 14400" : "",
                                             counts[n], collateral[c], leverage[l]),
                                 0);
                    double low = summary_num(dir, "min") / 60000;
                    double far = summary_num(dir, "far_longest_steps");
                    char path[96];
                    snprintf(path, sizeof path, "%s/timeseries.csv", dir);
                    struct table t;
                    table_read(&t, path);
                    double end =
                        fabs(num(&t, t.n_rows - 1, "mark") / num(&t, t.n_rows - 1, "index") - 1);
                    table_free(&t);
                    cr_log_info("%s: lowest trade %.1f%% of the start, longest run 3%% away "
                                "%.0f steps, end %.2f%% from the index",
                                dir, low * 100, far, end * 100);
                    cr_assert_gt(low, 0.7, "%s: traded at %.1f%% of the start", dir, low * 100);
                    cr_assert_lt(end, 0.03, "%s: ends %.1f%% from the index", dir, end * 100);
                    cr_assert_leq(far, 300, "%s: %.0f steps in a row more than 3%% away", dir, far);
                    lowest = low < lowest ? low : lowest;
                    worst_end = end > worst_end ? end : worst_end;
                    worst_far = far > worst_far ? far : worst_far;
                    runs_remove(dir);
                }
    cr_log_info("lowest %.1f%%, farthest end %.2f%%, longest run 3%% away %.0f steps", lowest * 100,
                worst_end * 100, worst_far);
}
