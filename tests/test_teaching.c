/* test_teaching: the lessons in docs/teaching/ hold. Every command the lessons give runs, as
 * a student would type it, from a copy of the repository's top (configs/, tests/ and runs/),
 * with `cascade` on the PATH, each exercise in a fresh directory. And each lesson's claims, in
 * "What to look at" and "The answer", are asserted over seeds 1-8 of its runs (seed 1 alone
 * under CASCADE_QUICK: tests/lib/runs.h, sweep_seeds), from its run directories' files
 * (columns read by name), narrate's output and the pages it cites, made on the seed its
 * commands show. A lesson's test runs its commands' runs with --seed added; each assertion
 * quotes the claim it holds, and fails if the mechanism behind it were switched off. The
 * claims were also checked by hand on seeds 9-16, which no test runs. */
#include <cjson/cJSON.h>
#include <dirent.h>
#include <limits.h>

#include "lib/runs.h"

TestSuite(teaching, .init = runs_setup, .fini = runs_teardown, .timeout = 900);

#define SEEDS 8 /* the seeds a lesson's claims are asserted over */
#define PAGES 9 /* lessons 0-8 */

/* Run the ```sh blocks of one page, line by line; returns how many ran. */
static int run_page(const char *dir, const char *page)
{
    char path[2400];
    snprintf(path, sizeof path, "%s/%s", dir, page);
    char *text = slurp_file(path);
    cr_assert_not_null(text, "cannot read %s", path);
    int ran = 0;
    char work[1024];
    snprintf(work, sizeof work, "%s/%s.d", run_tmp, page);
    const char *bin = getenv("CASCADE_BIN");
    cr_assert_not_null(bin);
    char cmd[8192];
    snprintf(cmd, sizeof cmd,
             "mkdir -p '%s/bin' '%s' && ln -sf '%s' '%s/bin/cascade' && ln -sfn '%s/configs' "
             "'%s/configs' && ln -sfn '%s/tests' '%s/tests'",
             run_tmp, work, bin, run_tmp, source_root(), work, source_root(), work);
    cr_assert_eq(system(cmd), 0);
    bool in_block = false;
    for (char *line = text, *nl; *line; line = nl + 1) {
        nl = strchr(line, '\n');
        if (!nl)
            break;
        *nl = 0;
        if (strncmp(line, "```", 3) == 0) {
            in_block = !in_block && strcmp(line, "```sh") == 0;
            continue;
        }
        if (!in_block || !*line || line[0] == '#')
            continue;
        snprintf(cmd, sizeof cmd, "cd '%s' && PATH='%s/bin':\"$PATH\" %s >out.txt 2>err.txt", work,
                 run_tmp, line);
        int status = system(cmd);
        char errpath[1200];
        snprintf(errpath, sizeof errpath, "%s/err.txt", work);
        char *err = slurp_file(errpath);
        cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s: '%s' failed: %s", page, line,
                  err ? err : "");
        free(err);
        ran++;
    }
    cr_assert(!in_block, "%s: an unclosed ```sh block", page);
    free(text);
    return ran;
}

Test(teaching, every_command_of_every_exercise_runs)
{
    if (system("command -v gnuplot >/dev/null 2>&1") != 0)
        cr_skip_test("SKIP teaching: gnuplot is not installed; scripts/test installs it");
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/docs/teaching", source_root());
    DIR *d = opendir(dir);
    cr_assert_not_null(d, "no docs/teaching");
    int pages = 0, commands = 0;
    for (struct dirent *e; (e = readdir(d));) {
        size_t len = strlen(e->d_name);
        if (len < 4 || e->d_name[0] < '0' || e->d_name[0] > '9' ||
            strcmp(e->d_name + len - 3, ".md") != 0)
            continue;
        int n = run_page(dir, e->d_name);
        cr_assert_gt(n, 0, "%s gives no command", e->d_name);
        cr_log_info("%s: %d commands ran", e->d_name, n);
        pages++;
        commands += n;
    }
    closedir(d);
    cr_assert_eq(pages, PAGES,
                 "the golden run's lesson, one exercise per mechanism and the lab's: %d pages, "
                 "found %d",
                 PAGES, pages);
    cr_assert_gt(commands, 20);
}

/* The lessons' runs, outputs and pages. */

/* `cascade run CONFIG -o DIR --seed SEED --quiet ARGS`, CONFIG from the top of the repository
 * and DIR removed first; it must succeed. */
static void lesson_run(const char *dir, const char *config, unsigned seed, const char *args)
{
    runs_remove(dir);
    int status = run_cascade("run '%s/%s' -o %s --seed %u --quiet %s", source_root(), config, dir,
                             seed, args);
    char err[2048];
    read_into("err.txt", err, sizeof err);
    cr_assert_eq(status, 0, "%s --seed %u %s failed: %s", config, seed, args, err);
}

/* `cascade ARGS`, which must succeed: its standard output (free it). */
__attribute__((format(printf, 1, 2))) static char *lesson_out(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int status = run_cascade_v(fmt, ap);
    va_end(ap);
    char err[2048];
    read_into("err.txt", err, sizeof err);
    cr_assert_eq(status, 0, "cascade %s failed: %s", fmt, err);
    char *out = slurp_file("out.txt");
    cr_assert_not_null(out);
    return out;
}

/* A file of the scratch directory, whole (free it). */
static char *lesson_file(const char *dir, const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    char *text = slurp_file(path);
    cr_assert_not_null(text, "cannot read %s", path);
    return text;
}

static void read_csv(struct table *t, const char *dir, const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    table_read(t, path);
}

/* DIR/summary.json, parsed (cJSON_Delete it). */
static cJSON *summary_of(const char *dir)
{
    char *text = lesson_file(dir, "summary.json");
    cJSON *j = cJSON_Parse(text);
    free(text);
    cr_assert_not_null(j, "%s/summary.json does not parse", dir);
    return j;
}

/* The number at a dotted path of a JSON object ("agents.front_runner.pnl"). */
static double jnum(const cJSON *j, const char *path)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    char *save = NULL;
    for (char *key = strtok_r(buf, ".", &save); key; key = strtok_r(NULL, ".", &save)) {
        j = cJSON_GetObjectItemCaseSensitive(j, key);
        cr_assert_not_null(j, "summary.json has no %s", path);
    }
    cr_assert(cJSON_IsNumber(j), "summary.json's %s is not a number", path);
    return j->valuedouble;
}

/* summary.json's amplification entry of a shock (1-based, as `shock:N` names it). */
static const cJSON *amplification_of(const cJSON *summary, int shock)
{
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(summary, "amplification"), *e;
    cr_assert(cJSON_IsArray(list), "no amplification: run with --counterfactual");
    cJSON_ArrayForEach(e, list)
    {
        if (jnum(e, "shock") == shock)
            return e;
    }
    cr_assert_fail("no amplification entry for shock %d", shock);
    return NULL;
}

/* Rows of t whose `column` begins with `prefix`. */
static size_t count_prefix(const struct table *t, const char *column, const char *prefix)
{
    size_t n = 0;
    for (size_t r = 1; r < t->n_rows; r++)
        n += strncmp(cell(t, r, column), prefix, strlen(prefix)) == 0;
    return n;
}

/* The step of the first liquidation of liquidations.csv; LLONG_MAX when none. */
static long long first_liquidation(const struct table *liq)
{
    long long first = LLONG_MAX;
    for (size_t r = 1; r < liq->n_rows; r++)
        if (integer(liq, r, "step") < first)
            first = integer(liq, r, "step");
    return first;
}

/* timeseries.csv's price of row r: the mid, else the last trade. */
static double ts_price(const struct table *ts, size_t r)
{
    double mid = num(ts, r, "mid");
    return isnan(mid) ? num(ts, r, "last") : mid;
}

/* Whether row r of timeseries.csv is the instrument's (NULL: the run has one). */
static bool ts_of(const struct table *ts, size_t r, const char *instrument)
{
    return !instrument || strcmp(cell(ts, r, "instrument"), instrument) == 0;
}

/* The row of timeseries.csv describing the end of `step` on the instrument. */
static size_t ts_row(const struct table *ts, const char *instrument, long long step)
{
    for (size_t r = 1; r < ts->n_rows; r++)
        if (integer(ts, r, "step") == step && ts_of(ts, r, instrument))
            return r;
    cr_assert_fail("timeseries.csv has no row for step %lld", step);
    return 0;
}

/* The fall from the price at the end of step from - 1 to the lowest trade or end-of-step
 * price of the steps from `from` to the run's end, on the instrument, in bp of the first. */
static double fall_bps(const struct table *ts, const char *instrument, long long from)
{
    double start = ts_price(ts, ts_row(ts, instrument, from - 1)), low = start;
    for (size_t r = 1; r < ts->n_rows; r++) {
        if (integer(ts, r, "step") < from || !ts_of(ts, r, instrument))
            continue;
        low = fmin(low, ts_price(ts, r));
        if (!isnan(num(ts, r, "low")))
            low = fmin(low, num(ts, r, "low"));
    }
    return (start - low) / start * 1e4;
}

/* The largest |price / index - 1| at the ends of the steps from `from` on (every row). */
static double dislocation_from(const struct table *ts, long long from)
{
    double most = 0;
    for (size_t r = 1; r < ts->n_rows; r++)
        if (integer(ts, r, "step") >= from)
            most = fmax(most, fabs(ts_price(ts, r) / num(ts, r, "index") - 1));
    return most;
}

/* A page's headline row `label`: the figures of its first two columns. */
static void headline_row(const char *html, const char *label, double *a, double *b)
{
    char pat[256];
    snprintf(pat, sizeof pat, "<tr><th>%s</th><td>", label);
    const char *at = strstr(html, pat);
    cr_assert_not_null(at, "the page has no headline row '%s'", label);
    double v[2];
    at += strlen(pat);
    for (int k = 0; k < 2; k++) {
        char digits[64];
        size_t n = 0;
        for (; *at && *at != '<' && n + 1 < sizeof digits; at++)
            if (*at != ',')
                digits[n++] = *at;
        digits[n] = 0;
        v[k] = strtod(digits, NULL);
        at = strstr(at, "<td>");
        cr_assert(k == 1 || at, "headline row '%s' has one column", label);
        if (at)
            at += 4;
    }
    *a = v[0];
    *b = v[1];
}

/* The page at PATH (of the scratch directory) shows `text`. */
static void page_shows(const char *path, const char *text)
{
    char *html = slurp_file(path);
    cr_assert_not_null(html, "no page %s", path);
    cr_assert_not_null(strstr(html, text), "%s does not show '%s'", path, text);
    free(html);
}

/* The step of the first line of narrate's output that tells a liquidation; LLONG_MAX when
 * none does. */
static long long narrated_first_liquidation(const char *out)
{
    for (const char *line = out; line && *line; line = strchr(line, '\n'), line += line != NULL) {
        if (strncmp(line, "step ", 5) != 0)
            continue;
        char *end;
        long long step = strtoll(line + 5, &end, 10);
        while (*end == ' ')
            end++;
        if (strncmp(end, "liquidation ", 12) == 0)
            return step;
    }
    return LLONG_MAX;
}

/* Lesson 0, the golden run (docs/teaching/00-golden.md). Nothing in it is random: one seed
 * tells it, and seed 2 writes the same liquidations and cascades. */
Test(teaching, lesson_00_the_golden_cascade)
{
    static const char config[] = "tests/golden/cascade/config.json";
    lesson_run("golden", config, 1, "");
    struct table liq, cas, acc;
    read_csv(&liq, "golden", "liquidations.csv");
    read_csv(&cas, "golden", "cascades.csv");
    read_csv(&acc, "golden", "accounts.csv");
    /* "five liquidations, of the accounts at 50x, 40x, 36x, 30x and 25x, in that order; the
     * 10x account survives"; "shock:18 -> 1 -> 2 -> 4 -> 5, and 1 -> 3"; the marks: "the
     * sell prints 988 ... its sales walk the bids down to 982" */
    static const struct {
        int account, leverage, generation, mark;
        const char *trigger;
    } tree[] = {{1, 50, 1, 988, "shock:18"},
                {2, 40, 2, 982, "liquidation:1"},
                {3, 36, 2, 982, "liquidation:1"},
                {4, 30, 3, 976, "liquidation:2"},
                {5, 25, 4, 968, "liquidation:4"}};
    cr_assert_eq(liq.n_rows - 1, 5u, "five liquidations, found %zu", liq.n_rows - 1);
    for (size_t k = 0; k < 5; k++) {
        size_t r = k + 1;
        cr_assert_eq(integer(&liq, r, "account"), tree[k].account, "liquidation %zu", r);
        cr_assert_eq(integer(&liq, r, "leverage"), tree[k].leverage, "liquidation %zu", r);
        cr_assert_str_eq(cell(&liq, r, "trigger"), tree[k].trigger, "liquidation %zu", r);
        cr_assert_eq(integer(&liq, r, "generation"), tree[k].generation, "liquidation %zu", r);
        cr_assert_eq(integer(&liq, r, "cascade"), 1, "liquidation %zu: one cascade", r);
        cr_assert_eq(num(&liq, r, "mark"), tree[k].mark, "liquidation %zu", r);
        /* "its mark is below its liquidation price"; "the engine sold it above its
         * bankruptcy price, and the insurance fund gained" */
        cr_assert_lt(num(&liq, r, "mark"), num(&liq, r, "liquidation_price"), "liquidation %zu", r);
        cr_assert_geq(num(&liq, r, "worst_fill"), num(&liq, r, "bankruptcy"), "liquidation %zu", r);
        cr_assert_gt(num(&liq, r, "insurance_change"), 0, "liquidation %zu", r);
        long long step = integer(&liq, r, "step");
        cr_assert(step >= 100 && step <= 103, "liquidation %zu in step %lld", r, step);
    }
    /* "the 50x trader's liquidation price is 989.90, its bankruptcy price 980" */
    cr_assert_float_eq(num(&liq, 1, "liquidation_price"), 989.90, 1e-9);
    cr_assert_float_eq(num(&liq, 1, "bankruptcy"), 980, 1e-9);
    for (size_t r = 1; r < acc.n_rows; r++)
        if (integer(&acc, r, "account") == 6) {
            cr_assert_eq(integer(&acc, r, "position_lots"), 100, "the 10x account survives");
            cr_assert_float_eq(num(&acc, r, "liquidation_price"), 909.09, 1e-9);
        }
    /* "one cascade: 5 liquidations, 4 generations, root shock:18, from step 100 to 104
     * (5 steps); from 995 to 964, 311.56 bp; half the move undone 21 steps later" */
    cr_assert_eq(cas.n_rows - 1, 1u, "one cascade, found %zu", cas.n_rows - 1);
    cr_assert_str_eq(cell(&cas, 1, "root_cause"), "shock:18");
    cr_assert_eq(integer(&cas, 1, "liquidations"), 5);
    cr_assert_eq(integer(&cas, 1, "generations"), 4);
    cr_assert_eq(integer(&cas, 1, "start_step"), 100);
    cr_assert_eq(integer(&cas, 1, "finish_step"), 104);
    cr_assert_eq(integer(&cas, 1, "duration_steps"), 5);
    cr_assert_float_eq(num(&cas, 1, "price_start"), 995, 1e-9);
    cr_assert_float_eq(num(&cas, 1, "price_extreme"), 964, 1e-9);
    cr_assert_float_eq(num(&cas, 1, "move_bps"), 311.56, 0.005);
    cr_assert_eq(integer(&cas, 1, "recovery_half_steps"), 21);
    /* narrate tells each link of the tree */
    char *out = lesson_out("narrate golden");
    static const char *const told[] = {
        "Episode 1 of golden-cascade (seed 1), the largest: 5 liquidations in 1 cascade on P, "
        "from step 100 to 104: cascade 1, 4 generations.",
        "set off by shock 18: the root of cascade 1",
        "account 3 (leveraged, 36×) long 100 lots on P; the mark 982 crossed its liquidation "
        "price 982.04, set off by liquidation 1's orders (generation 2 of cascade 1)",
        "set off by liquidation 4's orders (generation 4 of cascade 1)",
        "half the move was undone 21 steps after the extreme"};
    for (size_t k = 0; k < sizeof told / sizeof *told; k++)
        cr_assert_not_null(strstr(out, told[k]), "narrate does not say '%s':\n%s", told[k], out);
    free(out);
    /* the report draws the tree */
    free(lesson_out("report golden"));
    page_shows("golden/report.html",
               "Cascade 1: 5 liquidations in 4 generations on P, steps 100 to 104");
    page_shows("golden/report.html", "Figure 1: prices, liquidations and cascades");
    /* "another seed writes the same files" */
    char *liq1 = lesson_file("golden", "liquidations.csv");
    char *cas1 = lesson_file("golden", "cascades.csv");
    lesson_run("golden-2", config, 2, "");
    char *liq2 = lesson_file("golden-2", "liquidations.csv");
    char *cas2 = lesson_file("golden-2", "cascades.csv");
    cr_assert_str_eq(liq1, liq2, "seed 2 liquidates otherwise");
    cr_assert_str_eq(cas1, cas2, "seed 2 cascades otherwise");
    free(liq1);
    free(liq2);
    free(cas1);
    free(cas2);
    table_free(&liq);
    table_free(&cas);
    table_free(&acc);
}

/* Lesson 1, leverage amplification (docs/teaching/01-leverage.md): configs/long-squeeze.json
 * against configs/no-leverage.json, both with --counterfactual; shock 21 is the whale's
 * closing sell at step 2400, measured over the 600 steps of the amplification horizon. */
Test(teaching, lesson_01_leverage_amplifies_the_shock)
{
    unsigned seeds = sweep_seeds(SEEDS), by_order = 0;
    double ratio_sum = 0;
    for (unsigned s = 1; s <= seeds; s++) {
        lesson_run("squeeze", "configs/long-squeeze.json", s,
                   "--counterfactual --set record.trades=true");
        lesson_run("control", "configs/no-leverage.json", s, "--counterfactual");
        struct table liq, cas;
        read_csv(&liq, "squeeze", "liquidations.csv");
        read_csv(&cas, "squeeze", "cascades.csv");
        /* "every liquidation in the shock's step or the three after" */
        cr_assert_gt(liq.n_rows, 1u, "seed %u: the squeeze liquidated nobody", s);
        for (size_t r = 1; r < liq.n_rows; r++)
            cr_assert(integer(&liq, r, "step") >= 2400 && integer(&liq, r, "step") <= 2403,
                      "seed %u: liquidation %s in step %lld", s, cell(&liq, r, "id"),
                      integer(&liq, r, "step"));
        /* "cascades rooted at shock:21 have children"; "liquidations set off by another
         * liquidation's orders" */
        size_t with_children = 0;
        for (size_t r = 1; r < cas.n_rows; r++)
            with_children += strcmp(cell(&cas, r, "root_cause"), "shock:21") == 0 &&
                             integer(&cas, r, "generations") > 1;
        cr_assert_gt(with_children, 0u, "seed %u: no cascade of shock:21 has children", s);
        cr_assert_gt(count_prefix(&liq, "trigger", "liquidation:"), 0u,
                     "seed %u: no liquidation set off by a liquidation", s);
        by_order += count_prefix(&liq, "trigger", "order:") > 0;
        /* "amplification[20], shock 21: factor above 1.1; the control's exactly 1" */
        cJSON *sq = summary_of("squeeze"), *ct = summary_of("control");
        const cJSON *a = amplification_of(sq, 21), *c = amplification_of(ct, 21);
        /* "shock 21 is the last entry; the first twenty, the whale's buys, have a factor of
         * 1" */
        const cJSON *list = cJSON_GetObjectItemCaseSensitive(sq, "amplification");
        cr_assert_eq(cJSON_GetArraySize(list), 21);
        cr_assert_eq(cJSON_GetArrayItem(list, 20), a);
        for (int k = 1; k <= 20; k++)
            cr_assert_eq(jnum(amplification_of(sq, k), "factor"), 1, "seed %u: shock %d", s, k);
        /* "the control's fall is about the counterfactual's" (within 5%) */
        double cf = jnum(a, "without_liquidations.move_bps");
        cr_assert_lt(fabs(jnum(c, "move_bps") / cf - 1), 0.05, "seed %u: %g bp against %g", s,
                     jnum(c, "move_bps"), cf);
        cr_assert_eq(jnum(a, "horizon_steps"), 600);
        cr_assert_gt(jnum(a, "factor"), 1.1, "seed %u: factor %g", s, jnum(a, "factor"));
        cr_assert_eq(jnum(c, "factor"), 1, "seed %u: the control's factor %g", s,
                     jnum(c, "factor"));
        cr_assert_eq(jnum(ct, "liquidations.count"), 0, "seed %u: the control liquidated", s);
        /* "the squeeze falls further on every seed: 1.1 to 5 times as far" */
        double ratio = jnum(a, "move_bps") / jnum(c, "move_bps");
        cr_assert(ratio > 1.1 && ratio < 5, "seed %u: the squeeze's fall %g bp, the control's %g",
                  s, jnum(a, "move_bps"), jnum(c, "move_bps"));
        ratio_sum += ratio;
        /* "the control's traders buy at least seven tenths of the lots" */
        double bought = jnum(sq, "agents.leveraged.bought_lots");
        double control_bought = jnum(ct, "agents.leveraged.bought_lots");
        cr_assert_geq(control_bought, 0.7 * bought, "seed %u: %g lots against %g", s,
                      control_bought, bought);
        /* narrate: "one episode, all of them told, in several cascades, the largest of
         * at least 2 generations; set off by the shock or by another's orders" */
        char *out = lesson_out("narrate squeeze");
        char want[160];
        snprintf(want, sizeof want,
                 "Episode 1 of long-squeeze (seed %u), the largest: %.0f "
                 "liquidations in ",
                 s, jnum(sq, "cascades.largest_episode_size"));
        cr_assert_not_null(strstr(out, want), "seed %u: no '%s' in: %.300s", s, want, out);
        cr_assert_eq(jnum(sq, "cascades.episodes"), 1, "seed %u: one episode", s);
        cr_assert_eq(jnum(sq, "cascades.largest_episode_size"), jnum(sq, "liquidations.count"),
                     "seed %u: the episode is every liquidation", s);
        cr_assert_gt(jnum(sq, "cascades.largest_episode_cascades"), 1, "seed %u", s);
        const char *in = strstr(out, "its largest cascade is cascade ");
        cr_assert_not_null(in, "seed %u: narrate: %.300s", s, out);
        in = strstr(in, " liquidations in ");
        cr_assert_not_null(in, "seed %u", s);
        cr_assert_geq(strtol(in + strlen(" liquidations in "), NULL, 10), 2,
                      "seed %u: the largest cascade has one generation", s);
        cr_assert_not_null(strstr(out, "set off by liquidation "), "seed %u", s);
        cr_assert_not_null(strstr(out, "set off by shock 21"), "seed %u", s);
        free(out);
        if (s == 1) { /* the pages, on the configs' seed */
            free(lesson_out("report squeeze control -o squeeze-vs-control.html"));
            char *html = lesson_file(".", "squeeze-vs-control.html");
            double n_squeeze, n_control;
            headline_row(html, "liquidations", &n_squeeze, &n_control);
            cr_assert_eq(n_squeeze, (double)(liq.n_rows - 1));
            cr_assert_eq(n_control, 0);
            cr_assert_not_null(strstr(html, "Figure 1: the price in both runs"));
            free(html);
            free(lesson_out("report squeeze"));
            page_shows("squeeze/report.html", "The largest cascades, as trees");
            page_shows("squeeze/report.html", "<h2>Replay");
        }
        cJSON_Delete(sq);
        cJSON_Delete(ct);
        table_free(&liq);
        table_free(&cas);
    }
    if (sweep_quick())
        return;
    /* "on some seeds another trader's order sets off liquidations too" */
    cr_assert_gt(by_order, 0u, "no trigger order:ACCOUNT on seeds 1-8");
    /* "more than twice as far on average" */
    cr_assert_gt(ratio_sum / SEEDS, 2, "on average %g times as far", ratio_sum / SEEDS);
}

/* Realized volatility of 60-step log returns of the price at the ends of steps 899, 959, ...
 * (timeseries.csv's rows, every 10 steps) to the run's end. */
static double vol_60(const struct table *ts)
{
    double prev = NAN, sum = 0;
    int n = 0;
    for (size_t r = 1; r < ts->n_rows; r++) {
        long long step = integer(ts, r, "step");
        if (step < 899 || step % 60 != 59)
            continue;
        double p = ts_price(ts, r);
        if (!isnan(prev)) {
            sum += log(p / prev) * log(p / prev);
            n++;
        }
        prev = p;
    }
    cr_assert_gt(n, 40);
    return sqrt(sum / n);
}

/* Lesson 2, short gamma (docs/teaching/02-gamma.md): configs/gamma-squeeze.json with the
 * dealers short gamma and long gamma (agents[3].params.short_gamma=0); the selling starts at
 * step 2400. */
Test(teaching, lesson_02_short_gamma_feeds_the_move)
{
    unsigned seeds = sweep_seeds(SEEDS);
    for (unsigned s = 1; s <= seeds; s++) {
        lesson_run("short-gamma", "configs/gamma-squeeze.json", s, "");
        lesson_run("long-gamma", "configs/gamma-squeeze.json", s,
                   "--set agents[3].params.short_gamma=0");
        struct table a, b;
        read_csv(&a, "short-gamma", "timeseries.csv");
        read_csv(&b, "long-gamma", "timeseries.csv");
        /* "1.5 to 2 times the long-gamma run's volatility" */
        double ratio = vol_60(&a) / vol_60(&b);
        cr_assert(ratio > 1.5 && ratio < 2, "seed %u: volatility ratio %g", s, ratio);
        /* "a deeper fall from step 2400 to the run's end, on every seed" */
        cr_assert_gt(fall_bps(&a, NULL, 2400), fall_bps(&b, NULL, 2400),
                     "seed %u: %g bp against %g", s, fall_bps(&a, NULL, 2400),
                     fall_bps(&b, NULL, 2400));
        if (s == 1) {
            free(lesson_out("report short-gamma long-gamma -o gamma.html"));
            page_shows("gamma.html", "Figure 1: the price in both runs");
            free(lesson_out("report short-gamma"));
            free(lesson_out("report long-gamma"));
            for (int k = 0; k < 2; k++) {
                const char *page = k ? "long-gamma/report.html" : "short-gamma/report.html";
                page_shows(page, "Figure 7: distribution of returns");
                page_shows(page, "Figure 8: autocorrelation of returns");
            }
        }
        table_free(&a);
        table_free(&b);
    }
}

/* Lesson 3, front-running (docs/teaching/03-front-running.md): configs/front-running.json
 * with the front-runners trading and with no collateral (agents[5].params.collateral=0); the
 * index falls 2% at step 2400. */
Test(teaching, lesson_03_front_runners_bring_the_cascade_forward)
{
    unsigned seeds = sweep_seeds(SEEDS), set_off = 0;
    double liq_sum[2] = {0}, notional_sum[2] = {0};
    for (unsigned s = 1; s <= seeds; s++) {
        lesson_run("front", "configs/front-running.json", s, "--set record.trades=true");
        lesson_run("no-front", "configs/front-running.json", s,
                   "--set agents[5].params.collateral=0");
        struct table liq[2], acc;
        read_csv(&liq[0], "front", "liquidations.csv");
        read_csv(&liq[1], "no-front", "liquidations.csv");
        read_csv(&acc, "front", "accounts.csv");
        cJSON *sum[2] = {summary_of("front"), summary_of("no-front")};
        /* "they earn on every seed: 100 to 2,000" */
        double pnl = jnum(sum[0], "agents.front_runner.pnl");
        cr_assert(pnl > 100 && pnl < 2000, "seed %u: the front-runners made %g", s, pnl);
        /* "nobody is liquidated before the fall; the first liquidation comes earlier with
         * them" */
        long long first = first_liquidation(&liq[0]), first_without = first_liquidation(&liq[1]);
        cr_assert(first >= 2400 && first < LLONG_MAX, "seed %u: first liquidation %lld", s, first);
        cr_assert(first_without >= 2400 && first_without < LLONG_MAX, "seed %u", s);
        cr_assert_lt(first, first_without, "seed %u: step %lld with them, %lld without", s, first,
                     first_without);
        /* narrate --from 2400 opens with that liquidation */
        char *out = lesson_out("narrate front --from 2400");
        cr_assert_eq(narrated_first_liquidation(out), first, "seed %u:\n%s", s, out);
        free(out);
        out = lesson_out("narrate no-front --from 2400");
        cr_assert_eq(narrated_first_liquidation(out), first_without, "seed %u:\n%s", s, out);
        free(out);
        /* "a front-runner's order is the trigger of some liquidations on at least 4 of 8" */
        size_t by_front = 0;
        for (size_t r = 1; r < liq[0].n_rows; r++) {
            unsigned account;
            if (sscanf(cell(&liq[0], r, "trigger"), "order:%u", &account) != 1)
                continue;
            for (size_t k = 1; k < acc.n_rows; k++)
                by_front += (unsigned)integer(&acc, k, "account") == account &&
                            strcmp(cell(&acc, k, "type"), "front_runner") == 0;
        }
        set_off += by_front > 0;
        for (int k = 0; k < 2; k++) {
            liq_sum[k] += jnum(sum[k], "liquidations.count");
            notional_sum[k] += jnum(sum[k], "liquidations.notional");
            cJSON_Delete(sum[k]);
            table_free(&liq[k]);
        }
        table_free(&acc);
        if (s == 1) {
            free(lesson_out("report front no-front -o front.html"));
            page_shows("front.html", "Figure 1: the price in both runs");
            free(lesson_out("report front"));
            page_shows("front/report.html", "Figure 3: liquidation levels");
        }
    }
    if (sweep_quick())
        return;
    cr_assert_geq(set_off, 4u, "front-runners set off liquidations on %u of 8 seeds", set_off);
    /* "summed over seeds 1-8, liquidations and notional within 10% of each other" */
    cr_assert(fabs(liq_sum[0] / liq_sum[1] - 1) < 0.1, "%g liquidations against %g", liq_sum[0],
              liq_sum[1]);
    cr_assert(fabs(notional_sum[0] / notional_sum[1] - 1) < 0.1, "%g notional against %g",
              notional_sum[0], notional_sum[1]);
}

/* Rows of liquidations.csv taken over past bankruptcy: the mark below the bankruptcy price
 * of a long, above a short's. */
static size_t past_bankruptcy(const struct table *liq)
{
    size_t n = 0;
    for (size_t r = 1; r < liq->n_rows; r++) {
        double mark = num(liq, r, "mark"), bankruptcy = num(liq, r, "bankruptcy");
        n += strcmp(cell(liq, r, "side"), "long") == 0 ? mark < bankruptcy : mark > bankruptcy;
    }
    return n;
}

/* Lesson 4, keepers (docs/teaching/04-keepers.md): configs/keepers.json with its three keepers
 * and with one slow keeper; the whole run, 3,600 steps. */
Test(teaching, lesson_04_slow_keepers_leave_bad_debt)
{
    unsigned seeds = sweep_seeds(SEEDS);
    for (unsigned s = 1; s <= seeds; s++) {
        lesson_run("keepers", "configs/keepers.json", s, "");
        lesson_run("slow-keeper", "configs/keepers.json", s,
                   "--set agents[5].count=1 --set agents[5].params.rate=0.01");
        struct table fast, slow;
        read_csv(&fast, "keepers", "liquidations.csv");
        read_csv(&slow, "slow-keeper", "liquidations.csv");
        cJSON *f = summary_of("keepers"), *w = summary_of("slow-keeper");
        /* "three prompt keepers: no take-over past bankruptcy, the fund pays nothing" */
        cr_assert_gt(fast.n_rows, 1u, "seed %u: no take-over", s);
        cr_assert_eq(past_bankruptcy(&fast), 0u, "seed %u", s);
        cr_assert_eq(jnum(f, "insurance_fund.min"), jnum(f, "insurance_fund.initial"), "seed %u",
                     s);
        /* "one slow keeper: the fund pays 4,000 to 60,000; more than half of the take-overs
         * past bankruptcy" */
        double paid = jnum(w, "insurance_fund.initial") - jnum(w, "insurance_fund.min");
        cr_assert(paid > 4000 && paid < 60000, "seed %u: the fund paid %g", s, paid);
        cr_assert_gt(2 * past_bankruptcy(&slow), slow.n_rows - 1, "seed %u: %zu of %zu", s,
                     past_bankruptcy(&slow), slow.n_rows - 1);
        if (s == 1) {
            free(lesson_out("report keepers slow-keeper -o keepers.html"));
            page_shows("keepers.html", "Figure 1: the price in both runs");
            free(lesson_out("report keepers"));
            free(lesson_out("report slow-keeper"));
            page_shows("keepers/report.html", "Figure 6: the insurance fund");
            page_shows("slow-keeper/report.html", "Figure 6: the insurance fund");
        }
        cJSON_Delete(f);
        cJSON_Delete(w);
        table_free(&fast);
        table_free(&slow);
    }
}

/* The longest engine job of liquidations.csv: steps from its trigger to its finish. */
static long long longest_job(const struct table *liq)
{
    long long most = 0;
    for (size_t r = 1; r < liq->n_rows; r++)
        if (*cell(liq, r, "finish_step") &&
            integer(liq, r, "finish_step") - integer(liq, r, "step") > most)
            most = integer(liq, r, "finish_step") - integer(liq, r, "step");
    return most;
}

/* Lesson 5, a circuit breaker (docs/teaching/05-circuit-breaker.md): configs/long-squeeze.json
 * against configs/circuit-breaker.json, every step recorded; the whale's sell at step 2400,
 * measured from it to the run's end. */
Test(teaching, lesson_05_the_band_damps_the_squeeze)
{
    unsigned seeds = sweep_seeds(SEEDS), smaller = 0, liquidating = 0, longer = 0;
    double dis_sum[2] = {0};
    for (unsigned s = 1; s <= seeds; s++) {
        lesson_run("squeeze-5", "configs/long-squeeze.json", s, "--set record.sample_every=1");
        lesson_run("band", "configs/circuit-breaker.json", s, "--set record.sample_every=1");
        struct table ts[2], liq[2];
        cJSON *sum[2];
        const char *dirs[2] = {"squeeze-5", "band"};
        for (int k = 0; k < 2; k++) {
            read_csv(&ts[k], dirs[k], "timeseries.csv");
            read_csv(&liq[k], dirs[k], "liquidations.csv");
            sum[k] = summary_of(dirs[k]);
        }
        /* "the band holds the fall under 2.5%, smaller than the squeeze's on every seed" */
        double fall = fall_bps(&ts[1], NULL, 2400), fall_without = fall_bps(&ts[0], NULL, 2400);
        cr_assert(fall < 250 && fall < fall_without, "seed %u: %g bp with the band, %g without", s,
                  fall, fall_without);
        /* "fewer liquidations on every seed" */
        cr_assert_gt(liq[0].n_rows, 1u, "seed %u: the squeeze liquidated nobody", s);
        cr_assert_lt(liq[1].n_rows, liq[0].n_rows, "seed %u", s);
        /* "it refuses tens of thousands of orders; the squeeze none" */
        cr_assert_gt(jnum(sum[1], "activity.rejected"), 10000, "seed %u", s);
        cr_assert_eq(jnum(sum[0], "activity.rejected"), 0, "seed %u", s);
        double dis = dislocation_from(&ts[1], 2400), dis_without = dislocation_from(&ts[0], 2400);
        smaller += dis < dis_without;
        dis_sum[0] += dis_without;
        dis_sum[1] += dis;
        if (liq[1].n_rows > 1) {
            liquidating++;
            longer += longest_job(&liq[1]) > longest_job(&liq[0]);
        }
        for (int k = 0; k < 2; k++) {
            table_free(&ts[k]);
            table_free(&liq[k]);
            cJSON_Delete(sum[k]);
        }
        if (s == 1) {
            free(lesson_out("report squeeze-5 band -o band.html"));
            char *html = lesson_file(".", "band.html");
            double without, with;
            headline_row(html, "liquidations", &without, &with);
            cr_assert_lt(with, without, "the page: %g liquidations with the band, %g without", with,
                         without);
            free(html);
        }
    }
    if (sweep_quick())
        return;
    /* "a smaller dislocation on at least 7 of 8 seeds, and on average" */
    cr_assert_geq(smaller, 7u, "a smaller dislocation on %u seeds", smaller);
    cr_assert_lt(dis_sum[1], dis_sum[0]);
    /* "where the band lets anyone be liquidated, the longest job lasts longer, on at least
     * three quarters of those seeds" */
    cr_assert_gt(liquidating, 0u, "the band let nobody be liquidated on seeds 1-8");
    cr_assert_geq(4 * longer, 3 * liquidating, "longer on %u of %u", longer, liquidating);
}

/* Lesson 6, cross-margin contagion (docs/teaching/06-cross-margin.md):
 * configs/cross-margin-contagion.json under cross and isolated margin (agents[8]); the sell
 * hits BTC-PERP-A at step 2400. */
struct contagion {
    size_t on_a, on_b, b_from_a;
};

static struct contagion contagion_of(const char *dir)
{
    struct table liq;
    read_csv(&liq, dir, "liquidations.csv");
    struct contagion c = {0};
    for (size_t r = 1; r < liq.n_rows; r++) {
        bool b = strcmp(cell(&liq, r, "instrument"), "BTC-PERP-B") == 0;
        c.on_a += strcmp(cell(&liq, r, "instrument"), "BTC-PERP-A") == 0;
        c.on_b += b;
        if (!b)
            continue;
        const char *trigger = cell(&liq, r, "trigger");
        bool from_a = strncmp(trigger, "shock:", 6) == 0;
        unsigned id;
        if (sscanf(trigger, "liquidation:%u", &id) == 1 && id >= 1 && id < liq.n_rows)
            from_a = strcmp(cell(&liq, id, "instrument"), "BTC-PERP-A") == 0;
        c.b_from_a += from_a;
    }
    table_free(&liq);
    return c;
}

Test(teaching, lesson_06_cross_margin_carries_the_shock)
{
    unsigned seeds = sweep_seeds(SEEDS);
    for (unsigned s = 1; s <= seeds; s++) {
        lesson_run("cross", "configs/cross-margin-contagion.json", s, "");
        lesson_run("isolated", "configs/cross-margin-contagion.json", s,
                   "--set agents[8].margin=isolated");
        struct contagion cross = contagion_of("cross"), apart = contagion_of("isolated");
        /* "cross margin: 20-32 on B, as many as on A, more than half of them set off from A" */
        cr_assert(cross.on_b >= 20 && cross.on_b <= 32, "seed %u: %zu on B", s, cross.on_b);
        cr_assert_eq(cross.on_b, cross.on_a, "seed %u", s);
        cr_assert_gt(2 * cross.b_from_a, cross.on_b, "seed %u: %zu of %zu from A", s,
                     cross.b_from_a, cross.on_b);
        /* "A falls more than 5% from step 2400 to the run's end; B less than 1%" */
        struct table ts;
        read_csv(&ts, "cross", "timeseries.csv");
        double fall_a = fall_bps(&ts, "BTC-PERP-A", 2400),
               fall_b = fall_bps(&ts, "BTC-PERP-B", 2400);
        cr_assert(fall_a > 500 && fall_b < 100, "seed %u: A fell %g bp, B %g", s, fall_a, fall_b);
        table_free(&ts);
        /* "isolated margin: at most 3 on B, none set off from A" */
        cr_assert_gt(apart.on_a, 0u, "seed %u", s);
        cr_assert_leq(apart.on_b, 3u, "seed %u: %zu on B", s, apart.on_b);
        cr_assert_eq(apart.b_from_a, 0u, "seed %u", s);
        if (s == 1) {
            free(lesson_out("report cross --instrument BTC-PERP-B -o cross-b.html"));
            page_shows("cross-b.html", "The headline and the figures describe <b>BTC-PERP-B</b>");
            page_shows("cross-b.html", "BTC-PERP-B (this page)"); /* the instruments table */
            free(lesson_out("report cross isolated --instrument BTC-PERP-B -o contagion-b.html"));
            char *html = lesson_file(".", "contagion-b.html");
            double a, b;
            headline_row(html, "liquidations", &a, &b);
            cr_assert_eq(a, (double)cross.on_b, "the page's B: %g", a);
            cr_assert_eq(b, (double)apart.on_b, "the page's B: %g", b);
            free(html);
        }
    }
}

/* Lesson 7, dynamic margin (docs/teaching/07-dynamic-margin.md): configs/dynamic-margin.json
 * (every step recorded) against configs/long-squeeze.json; the whale's sell at step 2400. Its
 * commands show seed 4, where the difference is largest. */
Test(teaching, lesson_07_dynamic_margin_reacts_after_the_cascade)
{
    unsigned seeds = sweep_seeds(SEEDS), at_cap = 0, more = 0, no_margin_trigger = 0, early = 0;
    for (unsigned s = 1; s <= seeds; s++) {
        lesson_run("dynamic", "configs/dynamic-margin.json", s, "--set record.sample_every=1");
        lesson_run("fixed", "configs/long-squeeze.json", s, "");
        struct table ts, liq, fixed;
        read_csv(&ts, "dynamic", "timeseries.csv");
        read_csv(&liq, "dynamic", "liquidations.csv");
        read_csv(&fixed, "fixed", "liquidations.csv");
        /* "already 1.2-1.8x at the end of step 2399" */
        double before = num(&ts, ts_row(&ts, NULL, 2399), "mmr_scale");
        cr_assert(before >= 1.2 && before <= 1.8, "seed %u: scale %g before the shock", s, before);
        /* "it rises at the end of step 2400 or 2401, at its cap (3x) by step 2409" */
        double at_2401 = num(&ts, ts_row(&ts, NULL, 2401), "mmr_scale"), most = 0;
        cr_assert_gt(at_2401, before, "seed %u: %g at step 2401", s, at_2401);
        for (long long step = 2400; step <= 2409; step++)
            most = fmax(most, num(&ts, ts_row(&ts, NULL, step), "mmr_scale"));
        cr_assert_eq(most, 3, "seed %u: %g at most by step 2409", s, most);
        at_cap += at_2401 == 3;
        /* "never fewer liquidations than fixed margin; more on some seeds" */
        cr_assert_geq(liq.n_rows, fixed.n_rows, "seed %u: %zu against %zu", s, liq.n_rows - 1,
                      fixed.n_rows - 1);
        more += liq.n_rows > fixed.n_rows;
        no_margin_trigger += count_prefix(&liq, "trigger", "margin:") == 0;
        /* "fixed margin liquidates nobody before the shock; dynamic margin one account on some
         * seeds" */
        cr_assert_geq(first_liquidation(&fixed), 2400, "seed %u", s);
        early += first_liquidation(&liq) < 2400;
        /* "most of the cascade runs inside the shock's step" */
        size_t in_step = 0, after = 0;
        for (size_t r = 1; r < liq.n_rows; r++) {
            in_step += integer(&liq, r, "step") == 2400;
            after += integer(&liq, r, "step") >= 2400;
        }
        cr_assert_gt(2 * in_step, after, "seed %u: %zu of %zu in step 2400", s, in_step, after);
        if (s == 4 || sweep_quick()) {
            free(lesson_out("report fixed dynamic -o dynamic.html"));
            char *html = lesson_file(".", "dynamic.html");
            double a, b;
            headline_row(html, "liquidations", &a, &b);
            cr_assert_eq(a, (double)(fixed.n_rows - 1));
            cr_assert_eq(b, (double)(liq.n_rows - 1));
            cr_assert(sweep_quick() || b > a, "seed 4's page: %g against %g", b, a);
            free(html);
        }
        table_free(&ts);
        table_free(&liq);
        table_free(&fixed);
    }
    if (sweep_quick())
        return;
    cr_assert_geq(more, 2u, "more liquidations on %u of 8 seeds", more);
    cr_assert_geq(at_cap, 6u, "at its cap by step 2401 on %u of 8 seeds", at_cap);
    cr_assert_geq(no_margin_trigger, 6u, "no margin: trigger on %u of 8 seeds", no_margin_trigger);
    cr_assert_geq(early, 1u, "dynamic margin liquidated nobody before the shock on seeds 1-8");
}

/* Lesson 8, a long inside the squeeze (docs/teaching/08-lab.md): configs/long-squeeze.json
 * with one student, as the lab adds one: a scripted population that buys one lot at market at
 * step 2390 on isolated margin with 1,000 of collateral, at each leverage of the lesson. */
static const int lab_leverages[] = {2, 5, 10, 20, 30, 50, 100};
#define LAB_N (sizeof lab_leverages / sizeof *lab_leverages)

/* What became of the student in one run. */
struct student {
    bool liquidated;
    long long step, generation;
    double liquidation_price, loss;
    char trigger[64];
    size_t others; /* the run's other liquidations */
};

/* configs/long-squeeze.json with the student's population appended to its agents, as lab.json
 * of the scratch directory. */
static void write_lab_config(void)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/configs/long-squeeze.json", source_root());
    char *text = slurp_file(path);
    cr_assert_not_null(text, "%s", path);
    char *end = strstr(text, "\"shocks\"");
    cr_assert_not_null(end);
    while (end > text && *end != ']')
        end--;
    char full[1024];
    snprintf(full, sizeof full, "%s/lab.json", run_tmp);
    FILE *f = fopen(full, "w");
    cr_assert_not_null(f);
    fprintf(f,
            "%.*s,\n{\"type\": \"scripted\", \"margin\": \"isolated\", \"params\": "
            "{\"collateral\": 1000, \"orders\": [{\"step\": 2390, \"side\": \"buy\", "
            "\"lots\": 1}]}}\n%s",
            (int)(end - text), text, end);
    fclose(f);
    free(text);
}

static struct student lab_run(unsigned seed, int leverage)
{
    runs_remove("lab");
    int status = run_cascade("run lab.json -o lab --seed %u --quiet --set "
                             "agents[5].params.orders[0].leverage=%d",
                             seed, leverage);
    char err[2048];
    read_into("err.txt", err, sizeof err);
    cr_assert_eq(status, 0, "seed %u, %dx: %s", seed, leverage, err);
    struct table acc, liq;
    read_csv(&acc, "lab", "accounts.csv");
    read_csv(&liq, "lab", "liquidations.csv");
    size_t me = acc.n_rows - 1;
    cr_assert_str_eq(cell(&acc, me, "type"), "scripted");
    struct student st = {.loss = num(&acc, me, "deposit") - num(&acc, me, "equity"),
                         .others = liq.n_rows - 1};
    for (size_t r = 1; r < liq.n_rows; r++) {
        if (strcmp(cell(&liq, r, "account"), cell(&acc, me, "account")) != 0)
            continue;
        cr_assert(!st.liquidated, "seed %u, %dx: liquidated twice", seed, leverage);
        st.liquidated = true;
        st.others--;
        st.step = integer(&liq, r, "step");
        st.generation = integer(&liq, r, "generation");
        st.liquidation_price = num(&liq, r, "liquidation_price");
        snprintf(st.trigger, sizeof st.trigger, "%s", cell(&liq, r, "trigger"));
    }
    table_free(&acc);
    table_free(&liq);
    return st;
}

Test(teaching, lesson_08_where_each_leverage_is_liquidated)
{
    write_lab_config();
    unsigned seeds = sweep_seeds(SEEDS), deep = 0, shallow = 0, deep_10x = 0;
    for (unsigned s = 1; s <= seeds; s++) {
        struct student st[LAB_N];
        for (size_t k = 0; k < LAB_N; k++)
            st[k] = lab_run(s, lab_leverages[k]);
        const struct student *last = NULL;
        for (size_t k = 0; k < LAB_N; k++) {
            int lev = lab_leverages[k];
            const struct student *a = &st[k];
            if (lev <= 5) { /* "never liquidated; within 10 of where it began" */
                cr_assert(!a->liquidated, "seed %u: liquidated at %dx", s, lev);
                cr_assert_lt(fabs(a->loss), 10, "seed %u, %dx: lost %g", s, lev, a->loss);
                continue;
            }
            if (lev >= 50) { /* "at step 2400, by shock:21, a root" */
                cr_assert(a->liquidated && a->step == 2400 && a->generation == 1 &&
                              strcmp(a->trigger, "shock:21") == 0,
                          "seed %u, %dx: step %lld, generation %lld, trigger %s", s, lev, a->step,
                          a->generation, a->trigger);
            }
            if (lev == 20 || lev == 30) { /* "liquidated where the cascade runs deep" */
                cr_assert(a->others >= 25 || a->others <= 11,
                          "seed %u: %zu other liquidations, neither deep nor shallow", s,
                          a->others);
                cr_assert_eq(a->liquidated, a->others >= 25, "seed %u, %dx: %zu others", s, lev,
                             a->others);
            }
            if (lev == 10) { /* "only on deep seeds" */
                cr_assert(!a->liquidated || a->others >= 25, "seed %u", s);
                deep_10x += a->liquidated;
            }
            if (!a->liquidated)
                continue;
            if (lev == 10 || lev == 20) /* "another trader's liquidation takes them" */
                cr_assert(strncmp(a->trigger, "liquidation:", 12) == 0 && a->step >= 2400 &&
                              a->step <= 2405 && a->generation >= 2,
                          "seed %u, %dx: step %lld, generation %lld, trigger %s", s, lev, a->step,
                          a->generation, a->trigger);
            /* the liquidation prices, as measured on seeds 1-20 */
            static const struct {
                int lev;
                double low, high;
            } prices[] = {
                {10, 53881, 54681}, {20, 56873, 57717}, {50, 58668, 59637}, {100, 59266, 60245}};
            for (size_t p = 0; p < sizeof prices / sizeof *prices; p++)
                if (prices[p].lev == lev)
                    cr_assert(a->liquidation_price >= prices[p].low - 0.5 &&
                                  a->liquidation_price <= prices[p].high + 0.5,
                              "seed %u, %dx: liquidation price %g", s, lev, a->liquidation_price);
            /* "it loses the margin it set aside, 600 over the leverage, within 2%" */
            cr_assert(fabs(a->loss * lev / 600 - 1) < 0.02, "seed %u, %dx: lost %g", s, lev,
                      a->loss);
            /* "the higher the leverage, the higher the liquidation price, never a later step
             * or a deeper generation" */
            if (last)
                cr_assert(a->liquidation_price > last->liquidation_price && a->step <= last->step &&
                              a->generation <= last->generation,
                          "seed %u, %dx against a lower leverage", s, lev);
            last = a;
        }
        deep += st[0].others >= 25;
        shallow += st[0].others <= 11;
    }
    if (sweep_quick())
        return;
    /* "deep on 6 of seeds 1-8, shallow on 2; 10x liquidated on some of the deep ones" */
    cr_assert_geq(deep, 5u, "%u deep seeds", deep);
    cr_assert_geq(shallow, 1u, "%u shallow seeds", shallow);
    cr_assert_geq(deep_10x, 1u, "10x liquidated on no seed");
}
