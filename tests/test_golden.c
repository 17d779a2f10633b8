/* test_golden: a scripted cascade whose whole run directory is known, worked out by hand.
 *
 * tests/golden/cascade/config.json scripts a market in which nothing is random: no noise,
 * an index that stays put (gbm, vol_annual 0), the mark at the last trade, no funding, no
 * fees, one maintenance tier, engine liquidation with IOC orders at the bankruptcy price,
 * and the book placed by limit_order shocks. Its run must reproduce
 * tests/golden/cascade/expected/ byte for byte (summary.json's wall-clock "performance"
 * object aside), and its liquidations must be the ones worked out below. When an output
 * changes on purpose, tests/golden/regen rebuilds expected/; the assertions on
 * liquidations.csv and trades.csv then still hold the run to the hand-worked figures.
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
 * mark.
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
 * THE CASCADE'S FIGURES, under issue 9's definitions:
 *   start_step 100 (the shock's liquidation); finish_step 104 (job 5's last fill; the
 *   last member, liquidation 5, was triggered in 103); duration_steps 104 - 100 + 1 = 5;
 *   price_start 995.0 (end of step 99);
 *   price_extreme 964: the lowest of the trades of steps 100-104 (990 ... 964) and of the
 *   end-of-step prices 990, 987.5, 986, 983, 970; first reached in step 104 (extreme_step);
 *   move_bps (995 - 964) / 995 x 1e4 = 311.5578;
 *   price_end 970.0 (end of step 104);
 *   recovery: half the move is regained at 964 + (995 - 964) / 2 = 979.5; the price is
 *   970 after step 104, 977.5 from step 115 and 980 from step 125, so
 *   recovery_half_steps = 125 - 104 = 21.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

static char tmp[256];
static char run_dir[300];
static char expected_dir[1024];

static void run_golden(void)
{
    const char *bin = getenv("CASCADE_BIN"), *root = getenv("CASCADE_SOURCE_ROOT");
    cr_assert_not_null(bin, "CASCADE_BIN is not set (run through meson test)");
    cr_assert_not_null(root, "CASCADE_SOURCE_ROOT is not set (run through meson test)");
    snprintf(tmp, sizeof tmp, "/tmp/cascade-golden-XXXXXX");
    cr_assert_not_null(mkdtemp(tmp));
    snprintf(run_dir, sizeof run_dir, "%s/run", tmp);
    snprintf(expected_dir, sizeof expected_dir, "%s/tests/golden/cascade/expected", root);
    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             "'%s' run '%s/tests/golden/cascade/config.json' -o '%s' --quiet >/dev/null"
             " 2>'%s/err.txt'",
             bin, root, run_dir, tmp);
    int status = system(cmd);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s failed", cmd);
}

static void remove_tmp(void)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(golden, .init = run_golden, .fini = remove_tmp, .timeout = 60);

/* The whole file, NUL-terminated; *len its length. */
static char *slurp(const char *dir, const char *name, size_t *len)
{
    char path[1400];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open %s", path);
    cr_assert_eq(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    rewind(f);
    char *buf = malloc((size_t)n + 1);
    cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = 0;
    fclose(f);
    if (len)
        *len = (size_t)n;
    return buf;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names of the files in dir, sorted; returns how many (at most 32). */
static size_t list_files(const char *dir, char *names[32])
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d, "cannot open %s", dir);
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        cr_assert_lt(n, 32u);
        names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_str);
    return n;
}

/* Cut summary.json's "performance" object (and the ", " or ",\n  " before it) out of s. */
static void strip_performance(char *s)
{
    char *key = strstr(s, "\"performance\"");
    cr_assert_not_null(key, "summary.json has no \"performance\" object");
    char *open = strchr(key, '{'), *end = open;
    cr_assert_not_null(open);
    for (int depth = 0; *end; end++) {
        depth += *end == '{';
        depth -= *end == '}';
        if (depth == 0)
            break;
    }
    cr_assert_eq(*end, '}', "unbalanced \"performance\" object");
    char *from = key;
    while (from > s && (from[-1] == ' ' || from[-1] == '\n'))
        from--;
    if (from > s && from[-1] == ',')
        from--;
    memmove(from, end + 1, strlen(end + 1) + 1);
}

Test(golden, run_directory_matches_expected_byte_for_byte)
{
    char *got[32], *want[32];
    size_t ng = list_files(run_dir, got), nw = list_files(expected_dir, want);
    for (size_t k = 0; k < ng || k < nw; k++)
        cr_assert(k < ng && k < nw && strcmp(got[k], want[k]) == 0,
                  "the run wrote %s where expected/ has %s", k < ng ? got[k] : "nothing",
                  k < nw ? want[k] : "nothing");
    cr_assert_gt(ng, 0u);
    for (size_t k = 0; k < ng; k++) {
        size_t lg, lw;
        char *g = slurp(run_dir, got[k], &lg), *w = slurp(expected_dir, want[k], &lw);
        if (strcmp(got[k], "summary.json") == 0) {
            strip_performance(g);
            strip_performance(w);
            lg = strlen(g);
            lw = strlen(w);
        }
        size_t at = 0;
        while (at < lg && at < lw && g[at] == w[at])
            at++;
        cr_assert(at == lg && at == lw,
                  "%s differs from expected/ at byte %zu (run tests/golden/regen after a"
                  " deliberate change, and check it against test_golden.c)",
                  got[k], at);
        free(g);
        free(w);
        free(got[k]);
        free(want[k]);
    }
}

/* ---- reading the run's CSV files by column name ---- */

#define MAX_ROWS 64
#define MAX_COLS 40

struct csv {
    char *text;
    char *head[MAX_COLS];
    char *cell[MAX_ROWS][MAX_COLS];
    size_t rows, cols;
};

/* Split the fields of one line in place (no quoting in these files); returns how many. */
static size_t split(char *line, char **out)
{
    size_t n = 0;
    for (char *p = line;; p++) {
        cr_assert_lt(n, (size_t)MAX_COLS);
        out[n++] = p;
        p = p + strcspn(p, ",");
        if (*p != ',')
            break;
        *p = 0;
    }
    return n;
}

static void csv_read(struct csv *c, const char *name)
{
    *c = (struct csv){.text = slurp(run_dir, name, NULL)};
    char *save = NULL, *line = strtok_r(c->text, "\n", &save);
    cr_assert_not_null(line, "%s is empty", name);
    c->cols = split(line, c->head);
    while ((line = strtok_r(NULL, "\n", &save))) {
        cr_assert_lt(c->rows, (size_t)MAX_ROWS, "%s has too many rows", name);
        cr_assert_eq(split(line, c->cell[c->rows]), c->cols, "%s: a short row", name);
        c->rows++;
    }
}

static bool csv_has(const struct csv *c, const char *col)
{
    for (size_t k = 0; k < c->cols; k++)
        if (strcmp(c->head[k], col) == 0)
            return true;
    return false;
}

static const char *csv_get(const struct csv *c, size_t row, const char *col)
{
    for (size_t k = 0; k < c->cols; k++)
        if (strcmp(c->head[k], col) == 0)
            return c->cell[row][k];
    cr_assert_fail("no column '%s'", col);
    return NULL;
}

static double csv_num(const struct csv *c, size_t row, const char *col)
{
    const char *s = csv_get(c, row, col);
    char *end;
    double v = strtod(s, &end);
    cr_assert(*s && !*end, "column %s, row %zu: '%s' is not a number", col, row + 1, s);
    return v;
}

/* The five liquidations of the table above, in id order. */
static const struct {
    int step, account;
    double bankruptcy, vwap;
    int insurance;
    const char *trigger;
} liqs[] = {
    {100, 1, 980.00, 984.40, 440, "shock:18"},
    {100, 2, 975.00, 977.80, 280, "liquidation:1"},
    {100, 3, 972.22, 974.50, 228, "liquidation:1"},
    {101, 4, 966.66, 970.20, 354, "liquidation:2"},
    {103, 5, 960.00, 965.00, 500, "liquidation:4"},
};

Test(golden, liquidations_are_the_hand_worked_tree)
{
    struct csv c;
    csv_read(&c, "liquidations.csv");
    cr_assert_eq(c.rows, 5u, "5 liquidations (accounts 1-5; account 6 survives)");
    for (size_t r = 0; r < 5; r++) {
        cr_assert_eq(csv_num(&c, r, "id"), (double)(r + 1));
        cr_assert_eq(csv_num(&c, r, "step"), liqs[r].step, "liquidation %zu", r + 1);
        cr_assert_eq(csv_num(&c, r, "account"), liqs[r].account, "liquidation %zu", r + 1);
        cr_assert_str_eq(csv_get(&c, r, "side"), "long");
        cr_assert_eq(csv_num(&c, r, "lots"), 100);
        cr_assert_eq(csv_num(&c, r, "filled_lots"), 100, "liquidation %zu fills in full", r + 1);
        cr_assert_eq(csv_num(&c, r, "adl_lots"), 0);
        cr_assert_float_eq(csv_num(&c, r, "bankruptcy"), liqs[r].bankruptcy, 1e-9,
                           "liquidation %zu", r + 1);
        cr_assert_float_eq(csv_num(&c, r, "fill_vwap"), liqs[r].vwap, 1e-9, "liquidation %zu",
                           r + 1);
        cr_assert_eq(csv_num(&c, r, "insurance_change"), liqs[r].insurance, "liquidation %zu",
                     r + 1);
        cr_assert_str_eq(csv_get(&c, r, "trigger"), liqs[r].trigger, "liquidation %zu", r + 1);
    }
    free(c.text);
}

/* Every trade after the entries, in order: the shock's two fills, then each job's. */
Test(golden, fills_walk_down_the_bid_ladder)
{
    static const int want[][3] = {/* step, price, lots */
                                  {100, 990, 20}, {100, 988, 20},                 /* shock 18 */
                                  {100, 988, 10}, {100, 986, 30}, {100, 984, 30}, /* job 1 */
                                  {100, 982, 30},
                                  {101, 980, 30}, {101, 978, 30}, {101, 976, 40}, /* job 2 */
                                  {102, 975, 50}, {102, 974, 50},                 /* job 3 */
                                  {103, 972, 40}, {103, 970, 30}, {103, 968, 30}, /* job 4 */
                                  {104, 966, 50}, {104, 964, 50}};                /* job 5 */
    const size_t n = sizeof want / sizeof *want;
    struct csv c;
    csv_read(&c, "trades.csv");
    cr_assert_eq(c.rows, 6 + n, "6 entries and %zu later fills", n);
    for (size_t r = 0; r < 6; r++) {
        cr_assert_eq(csv_num(&c, r, "step"), 0);
        cr_assert_eq(csv_num(&c, r, "price"), 1000, "every long enters at the ask");
        cr_assert_eq(csv_num(&c, r, "qty"), 100);
        cr_assert_str_eq(csv_get(&c, r, "taker_side"), "buy");
    }
    for (size_t k = 0; k < n; k++) {
        size_t r = 6 + k;
        cr_assert_eq(csv_num(&c, r, "step"), want[k][0], "fill %zu", k);
        cr_assert_eq(csv_num(&c, r, "price"), want[k][1], "fill %zu", k);
        cr_assert_eq(csv_num(&c, r, "qty"), want[k][2], "fill %zu", k);
        cr_assert_str_eq(csv_get(&c, r, "taker_side"), "sell");
    }
    free(c.text);
}

/* The cascade as cascades.csv measures it. start_step, price_start and the tree's size
 * hold under any definition of the span; the figures that depend on where the span ends
 * are checked once the recorder measures it to the last member's last order (issue 9:
 * the column finish_step), and are then the hand-worked ones above. */
Test(golden, cascade_figures_are_the_hand_worked_ones)
{
    struct csv c;
    csv_read(&c, "cascades.csv");
    cr_assert_eq(c.rows, 1u, "one cascade");
    cr_assert_str_eq(csv_get(&c, 0, "root_cause"), "shock:18");
    cr_assert_eq(csv_num(&c, 0, "liquidations"), 5);
    cr_assert_eq(csv_num(&c, 0, "generations"), 4);
    cr_assert_eq(csv_num(&c, 0, "notional"), 489600);
    cr_assert_eq(csv_num(&c, 0, "start_step"), 100);
    cr_assert_eq(csv_num(&c, 0, "price_start"), 995);
    if (csv_has(&c, "finish_step")) {
        cr_assert_eq(csv_num(&c, 0, "finish_step"), 104);
        cr_assert_eq(csv_num(&c, 0, "duration_steps"), 5);
        cr_assert_eq(csv_num(&c, 0, "price_extreme"), 964);
        cr_assert_eq(csv_num(&c, 0, "extreme_step"), 104);
        cr_assert_float_eq(csv_num(&c, 0, "move_bps"), 31.0 / 995 * 1e4, 0.006);
        cr_assert_eq(csv_num(&c, 0, "price_end"), 970);
        cr_assert_eq(csv_num(&c, 0, "recovery_half_steps"), 21);
    }
    free(c.text);
}
