/* test_lab: the lab (build-wasm/lab.html, scripts/lab; docs/lab.md) in headless Chromium
 * against the native program, through tests/browser/lab.mjs (puppeteer-core): on each seed,
 * `#scenario=long-squeeze&seed=N&run` shows the native run's liquidation count; a student's
 * orders show its outcome, and the config the page offers for download, run natively,
 * gives the same outcome and the same run directory byte for byte, and a position it holds to the end has its liquidation price (accounts.csv's) on the report player's ladder; the report in the page
 * has the lab's drawing in the place of every figure it does not skip, figure 2's tallest
 * bar the native run's largest liquidated_notional; a moved slider runs as the native --set; a run to a pause is the native run with --steps, and a run to a price alarm pauses after the step the native run finds and is the native run to that pause; a bad value shows the
 * program's one-line error; the stop button ends a run. Screenshots are kept in the build
 * directory (lab-screenshots/). Seeds 3, 6 and 9, in the release build only (tests/meson.build:
 * the sanitizers do not see the page's JavaScript or the WebAssembly program). Skipped, saying why, without the page (scripts/lab
 * writes it; scripts/test does), node, chromium or the driver (scripts/lib.sh,
 * install_browser_driver, which exports CASCADE_NODE_PATH). */
#include <limits.h>
#include <unistd.h>

#include "lib/runs.h"

TestSuite(lab, .init = runs_setup, .fini = runs_teardown, .timeout = 900);

static void skip(const char *why)
{
    fprintf(stderr, "SKIP lab: %s\n", why); /* in meson's log too */
    cr_skip_test("%s", why);
}

Test(lab, the_page_runs_what_the_native_program_runs)
{
    const char *lab = getenv("CASCADE_LAB"), *bin = getenv("CASCADE_BIN");
    cr_assert(lab && bin, "CASCADE_LAB or CASCADE_BIN is not set (run through meson test)");
    char driver[2048], modules[2048], why[4400];
    snprintf(driver, sizeof driver, "%s/tests/browser/lab.mjs", source_root());
    const char *env = getenv("CASCADE_NODE_PATH");
    snprintf(modules, sizeof modules, "%s", env && env[0] ? env : "");
    if (!modules[0])
        snprintf(modules, sizeof modules, "%s/build-browser/node_modules", source_root());
    char puppeteer[2200];
    snprintf(puppeteer, sizeof puppeteer, "%s/puppeteer-core/package.json", modules);
    if (access(lab, R_OK) != 0) {
        snprintf(why, sizeof why, "%s is absent; scripts/lab writes it (scripts/test does)", lab);
        skip(why);
    }
    if (access(driver, R_OK) != 0)
        skip("tests/browser/lab.mjs is absent");
    if (system("command -v node >/dev/null 2>&1") != 0)
        skip("node is not installed; scripts/lab installs it");
    if (system("command -v chromium >/dev/null 2>&1") != 0)
        skip("chromium is not installed; scripts/test installs it");
    if (access(puppeteer, R_OK) != 0) {
        snprintf(why, sizeof why,
                 "puppeteer-core is not in %s; scripts/lib.sh's install_browser_driver installs it",
                 modules);
        skip(why);
    }
    char cwd[PATH_MAX];
    cr_assert_not_null(getcwd(cwd, sizeof cwd));
    const char *seeds = sweep_seeds(3) == 1 ? "3" : "3 6 9";
    int rc = run_sh("CASCADE_NODE_PATH='%s' CHROMIUM=\"$(command -v chromium)\" timeout 800 node "
                    "'%s' '%s' '%s' '%s/configs' '%s' '%s/lab-screenshots' %s",
                    modules, driver, lab, bin, source_root(), run_tmp, cwd, seeds);
    static char out[1 << 16], err[1 << 16];
    read_into("out.txt", out, sizeof out);
    read_into("err.txt", err, sizeof err);
    fprintf(stderr, "%s", out);
    cr_assert_eq(rc, 0, "tests/browser/lab.mjs failed (exit status %d):\n%s%s", rc, out, err);
}
