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

/* The page at PATH (of the scratch directory) shows `text`. */
static void page_shows(const char *path, const char *text)
{
    char *html = slurp_file(path);
    cr_assert_not_null(html, "no page %s", path);
    cr_assert_not_null(strstr(html, text), "%s does not show '%s'", path, text);
    free(html);
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
     * 10x account survives"; "shock:18 -> 1 -> 2 -> 4 -> 5, and 1 -> 3" */
    static const struct {
        int account, leverage, generation;
        const char *trigger;
    } tree[] = {{1, 50, 1, "shock:18"},
                {2, 40, 2, "liquidation:1"},
                {3, 36, 2, "liquidation:1"},
                {4, 30, 3, "liquidation:2"},
                {5, 25, 4, "liquidation:4"}};
    cr_assert_eq(liq.n_rows - 1, 5u, "five liquidations, found %zu", liq.n_rows - 1);
    for (size_t k = 0; k < 5; k++) {
        size_t r = k + 1;
        cr_assert_eq(integer(&liq, r, "account"), tree[k].account, "liquidation %zu", r);
        cr_assert_eq(integer(&liq, r, "leverage"), tree[k].leverage, "liquidation %zu", r);
        cr_assert_str_eq(cell(&liq, r, "trigger"), tree[k].trigger, "liquidation %zu", r);
        cr_assert_eq(integer(&liq, r, "generation"), tree[k].generation, "liquidation %zu", r);
        cr_assert_eq(integer(&liq, r, "cascade"), 1, "liquidation %zu: one cascade", r);
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
