/* test_player: the replay player steps inside a step, in headless Chromium (issue 22).
 *
 * On each seed of configs/long-squeeze.json (seeds 1-2; the release build only), the
 * run's page is opened by tests/browser/player.mjs at #replay=STEP.K for every frame K of
 * the largest cascade's first step STEP, and held to replay.jsonl: data-step, data-event
 * and data-events (the step's events in replay.jsonl) of every frame; frame 0's best
 * prices are the step's start book's and the last frame's its end book's; some frame's
 * data-best-bid is at or below the step's lowest trade; no two of the ladder's text
 * labels intersect (their bounding boxes in the page's layout) in any frame of a fill, a
 * liquidation, the step's ends or every 25th; the narration has a line per event, marks
 * the frame's line, scrolls, and tells each liquidation before its orders; #replay=STEP
 * is frame 0 and &play moves on; the page raises no error. Its screenshots of the player
 * mid-cascade are kept in the build directory (player-seedN-STEP-K.png).
 *
 * On the page of two runs (seeds 1 and 2), player.mjs --two: both players load, every id is
 * one element's, and each player follows its own address key.
 *
 * Needs gnuplot, chromium, node and the driver (puppeteer-core in CASCADE_NODE_PATH:
 * scripts/lib.sh install_browser_driver, which scripts/test runs); without them the test
 * prints one line saying so and is skipped, never passed. */
#include <criterion/criterion.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/runs.h"

TestSuite(player, .init = runs_setup, .fini = runs_teardown, .timeout = 900);

static bool installed(const char *prog)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", prog);
    return system(cmd) == 0;
}

/* Skip, saying so on one line, unless every program the test needs is here. */
static void need(void)
{
    const char *missing = NULL, *node_path = getenv("CASCADE_NODE_PATH");
    char driver[PATH_MAX];
    snprintf(driver, sizeof driver, "%s/puppeteer-core/package.json", node_path ? node_path : "");
    if (!installed("gnuplot"))
        missing = "gnuplot (apt-get install gnuplot-nox)";
    else if (!installed("chromium"))
        missing = "chromium (apt-get install chromium)";
    else if (!installed("node"))
        missing = "node (apt-get install nodejs)";
    else if (!node_path || access(driver, R_OK) != 0)
        missing = "the browser driver (CASCADE_NODE_PATH: scripts/lib.sh install_browser_driver)";
    if (missing) {
        fprintf(stderr, "SKIP player: %s is not installed; scripts/test installs it\n", missing);
        cr_skip_test("%s is not installed", missing);
    }
}

Test(player, frames_inside_the_largest_cascades_first_step)
{
    need();
    char cwd[PATH_MAX];
    cr_assert_not_null(getcwd(cwd, sizeof cwd));
    unsigned n = sweep_seeds(2);
    for (unsigned seed = 1; seed <= n; seed++) {
        char dir[32];
        snprintf(dir, sizeof dir, "s%u", seed);
        cr_assert_eq(run_cascade("run '%s/configs/long-squeeze.json' --seed %u -o %s --quiet",
                                 source_root(), seed, dir),
                     0);
        cr_assert_eq(run_cascade("report %s", dir), 0);
        size_t len = 0;
        char page[64];
        snprintf(page, sizeof page, "%s/report.html", dir);
        free(slurp_file_len(page, &len));
        int status = run_sh("timeout 600 node '%s/tests/browser/player.mjs' %s '%s/player-seed%u'",
                            source_root(), dir, cwd, seed);
        char *said = slurp_file("out.txt"), *why = slurp_file("err.txt");
        fprintf(stderr, "player: long-squeeze seed %u (page %zu bytes):\n%s%s", seed, len,
                said ? said : "", why ? why : "");
        cr_assert_eq(status, 0, "player.mjs failed on seed %u: %s", seed, why ? why : "");
        cr_assert_not_null(strstr(said, "player: every check holds"));
        free(said);
        free(why);
        runs_remove(dir);
    }
}

/* The page of two runs (issue 22): seeds 1 and 2 of long-squeeze, each run's section with its
 * own player; tests/browser/player.mjs --two holds both players to their own addresses
 * (#replay=STEP.K the first's, #b-replay=STEP.K the second's) and every id to one element. */
Test(player, two_players_on_the_page_of_two_runs)
{
    need();
    for (unsigned seed = 1; seed <= 2; seed++)
        cr_assert_eq(run_cascade("run '%s/configs/long-squeeze.json' --seed %u -o seed%u --quiet",
                                 source_root(), seed, seed),
                     0);
    cr_assert_eq(run_cascade("report seed1 seed2 -o two.html"), 0);
    int status = run_sh("timeout 120 node '%s/tests/browser/player.mjs' --two two.html seed1 seed2",
                        source_root());
    char *said = slurp_file("out.txt"), *why = slurp_file("err.txt");
    fprintf(stderr, "player: the page of two runs:\n%s%s", said ? said : "", why ? why : "");
    cr_assert_eq(status, 0, "player.mjs --two failed: %s", why ? why : "");
    cr_assert_not_null(strstr(said, "player: every check of the two-run page holds"));
    free(said);
    free(why);
}
