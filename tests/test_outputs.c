/* test_outputs: the outputs say what happened, checked against the fills.
 *
 * - docs/outputs.md lists exactly the columns the code declares (name, unit,
 *   meaning), and the keys summary.json really has;
 * - over every shipped scenario and several seeds, with every fill recorded
 *   (record.trades) and a row per step (sample_every 1): a cascade's extreme
 *   is at or beyond every member's worst fill, its move at least each
 *   member's slippage from the cascade's starting price; every member's
 *   fills fall inside the cascade's span; a liquidation's worst_fill is the
 *   worst of its fills in trades.csv; prices.min and .max bound every trade;
 *   the largest long cascade of the first instrument is no larger than the
 *   drawdown; a time-series row counts exactly the liquidations of its step
 *   and its low and high are its step's trade extremes.
 */
#include <cjson/cJSON.h>
#include <limits.h>

#include "cascade/record.h"
#include "lib/runs.h"

TestSuite(outputs, .init = runs_setup, .fini = runs_teardown, .timeout = 600);

/* ---- docs/outputs.md against the declarations ---- */

static char *trim(char *s)
{
    while (*s == ' ')
        s++;
    size_t n = strlen(s);
    while (n && s[n - 1] == ' ')
        s[--n] = 0;
    return s;
}

/* Split a markdown table row into its cells (at '|' not escaped by '\'). */
static size_t split_row(char *line, char **cells, size_t max)
{
    size_t n = 0;
    char *start = NULL;
    for (char *p = line; *p; p++) {
        if (*p != '|' || (p > line && p[-1] == '\\'))
            continue;
        *p = 0;
        if (start && n < max)
            cells[n++] = trim(start);
        start = p + 1;
    }
    return n;
}

/* Check the first table after the heading "## `FILE`" against the code's
 * declaration of FILE: the same rows in the same order. */
static void check_doc_table(char *doc, const char *file)
{
    char heading[128];
    snprintf(heading, sizeof heading, "\n## `%s`\n", file);
    char *p = strstr(doc, heading);
    cr_assert_not_null(p, "docs/outputs.md has no section %s", heading + 1);
    p = strstr(p, "\n| ");
    cr_assert_not_null(p, "docs/outputs.md: no table under %s", file);
    p = strchr(p + 1, '\n'); /* the header row */
    p = strchr(p + 1, '\n'); /* the | --- | row */
    size_t k = 0, n = cas_record_n_columns(file);
    cr_assert_gt(n, 0, "%s declares no columns", file);
    for (char *line = p + 1; strncmp(line, "| ", 2) == 0; k++) {
        char *nl = strchr(line, '\n');
        char *copy = strndup(line, (size_t)(nl - line)), *cells[8];
        size_t nc = split_row(copy, cells, 8);
        const struct cas_column *c = cas_record_column(file, k);
        cr_assert_not_null(c, "docs/outputs.md lists more in %s than the code declares: %s", file,
                           line);
        char want[2048];
        snprintf(want, sizeof want, "| `%s` | %s | %s |", c->name, c->unit, c->meaning);
        cr_assert_eq(nc, 3, "%s: not three cells: %s", file, line);
        char name[256];
        snprintf(name, sizeof name, "`%s`", c->name);
        cr_assert(strcmp(cells[0], name) == 0 && strcmp(cells[1], c->unit) == 0 &&
                      strcmp(cells[2], c->meaning) == 0,
                  "docs/outputs.md, %s row %zu differs from the code; the code says:\n%s", file,
                  k + 1, want);
        free(copy);
        line = nl + 1;
    }
    cr_assert_eq(k, n, "docs/outputs.md lists %zu rows in %s; the code declares %zu (next: %s)", k,
                 file, n, k < n ? cas_record_column(file, k)->name : "-");
}

Test(outputs, the_docs_list_exactly_the_declared_columns_and_keys)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/docs/outputs.md", source_root());
    char *doc = slurp_file(path);
    cr_assert_not_null(doc);
    static const char *const files[] = {"timeseries.csv", "liquidations.csv", "cascades.csv",
                                        "trades.csv",     "liqmap.csv",       "accounts.csv",
                                        "summary.json"};
    for (size_t i = 0; i < sizeof files / sizeof *files; i++)
        check_doc_table(doc, files[i]);
    free(doc);
}

/* ---- the files against the declarations ---- */

static void check_header(const char *file)
{
    char path[128];
    snprintf(path, sizeof path, "r/%s", file);
    char *text = slurp_file(path);
    cr_assert_not_null(text, "no %s", path);
    char want[4096] = "";
    for (size_t k = 0; k < cas_record_n_columns(file); k++)
        snprintf(want + strlen(want), sizeof want - strlen(want), "%s%s", k ? "," : "",
                 cas_record_column(file, k)->name);
    strcat(want, "\n");
    cr_assert_eq(strncmp(text, want, strlen(want)), 0, "%s header is not the declared one", file);
    free(text);
}

/* Every leaf's dotted path: objects by key, arrays of objects as [k], the
 * agent types as TYPE; arrays of numbers and nulls are leaves. */
static void flatten(const cJSON *v, const char *prefix, char keys[][128], size_t *n)
{
    if (cJSON_IsObject(v)) {
        for (const cJSON *c = v->child; c; c = c->next) {
            char p[128];
            bool agent = strcmp(prefix, "agents") == 0;
            bool measure = strcmp(prefix, "agents.TYPE.measures") == 0;
            snprintf(p, sizeof p, "%s%s%s", prefix, *prefix ? "." : "",
                     agent     ? "TYPE"
                     : measure ? "NAME"
                               : c->string);
            flatten(c, p, keys, n);
        }
    } else if (cJSON_IsArray(v) && v->child && cJSON_IsObject(v->child)) {
        char p[128];
        snprintf(p, sizeof p, "%s[k]", prefix);
        for (const cJSON *c = v->child; c; c = c->next)
            flatten(c, p, keys, n);
    } else {
        for (size_t k = 0; k < *n; k++)
            if (strcmp(keys[k], prefix) == 0)
                return;
        cr_assert_lt(*n, 256);
        snprintf(keys[(*n)++], 128, "%s", prefix);
    }
}

Test(outputs, files_have_the_declared_columns_and_summary_the_declared_keys)
{
    char config[1024];
    snprintf(config, sizeof config, "%s/configs/long-squeeze.json", source_root());
    cr_assert_eq(run_cascade("run '%s' -o r --quiet --steps 2700 --counterfactual "
                             "--set record.trades=true",
                             config),
                 0);
    cr_assert_eq(run_cascade("run '%s' -o plain --quiet --steps 2500", config), 0);
    cr_assert_eq(run_cascade("run '%s/configs/gamma-squeeze.json' -o dealers --quiet --steps 2600",
                             source_root()),
                 0);
    static const char *const files[] = {"timeseries.csv", "liquidations.csv", "cascades.csv",
                                        "trades.csv",     "liqmap.csv",       "accounts.csv"};
    for (size_t i = 0; i < sizeof files / sizeof *files; i++)
        check_header(files[i]);
    /* the counterfactual's time series has the same columns */
    char *ts = slurp_file("r/timeseries.csv"), *cf = slurp_file("r/timeseries-counterfactual.csv");
    cr_assert(ts && cf && strchr(ts, '\n') && strncmp(ts, cf, (size_t)(strchr(ts, '\n') - ts)) == 0,
              "timeseries-counterfactual.csv has other columns");
    free(ts);
    free(cf);
    static char keys[256][128];
    size_t n = 0;
    const char *runs[] = {"r/summary.json", "plain/summary.json", "dealers/summary.json"};
    for (int k = 0; k < 3; k++) {
        char *text = slurp_file(runs[k]);
        cJSON *json = cJSON_Parse(text);
        cr_assert_not_null(json, "%s is not JSON", runs[k]);
        flatten(json, "", keys, &n);
        cJSON_Delete(json);
        free(text);
    }
    size_t declared = cas_record_n_columns("summary.json");
    for (size_t k = 0; k < n; k++) {
        bool found = false;
        for (size_t d = 0; d < declared && !found; d++)
            found = strcmp(cas_record_column("summary.json", d)->name, keys[k]) == 0;
        cr_assert(found, "summary.json has '%s', which is not declared", keys[k]);
    }
    for (size_t d = 0; d < declared; d++) {
        bool found = false;
        for (size_t k = 0; k < n && !found; k++)
            found = strcmp(cas_record_column("summary.json", d)->name, keys[k]) == 0;
        cr_assert(found, "'%s' is declared but summary.json does not have it",
                  cas_record_column("summary.json", d)->name);
    }
}

/* ---- the figures against the fills ---- */

#define EPS 1e-9

static bool near_or_below(double a, double b) /* a <= b, up to printing */
{
    return a <= b + EPS * fabs(b) + 1e-9;
}

struct fills {
    double worst; /* of one liquidation: lowest sale (long) or highest buy (short) */
    long long first, last;
    size_t n;
};

static void check_run(const char *config, int seed, const char *extra)
{
    char config_path[1024];
    snprintf(config_path, sizeof config_path, "%s/configs/%s", source_root(), config);
    cr_assert_eq(run_cascade("run '%s' -o r --quiet --seed %d --set record.trades=true "
                             "--set record.sample_every=1 --set record.liqmap=false %s",
                             config_path, seed, extra),
                 0, "%s seed %d", config, seed);
    struct table tr, lq, cs, ts;
    table_read(&tr, "r/trades.csv");
    table_read(&lq, "r/liquidations.csv");
    table_read(&cs, "r/cascades.csv");
    table_read(&ts, "r/timeseries.csv");
    char *text = slurp_file("r/summary.json");
    cJSON *sum = cJSON_Parse(text);
    cr_assert_not_null(sum);
    const char *first = cJSON_GetObjectItem(sum, "instrument")->valuestring;
    const cJSON *prices = cJSON_GetObjectItem(sum, "prices");
    double pmin = cJSON_GetObjectItem(prices, "min")->valuedouble;
    double pmax = cJSON_GetObjectItem(prices, "max")->valuedouble;
    double drawdown =
        cJSON_GetObjectItem(cJSON_GetObjectItem(sum, "dislocation"), "max_drawdown_bps")
            ->valuedouble;
    /* the book's opening is left out of the extremes and the drawdown */
    long long opening =
        (long long)cJSON_GetObjectItem(cJSON_GetObjectItem(sum, "opening"), "steps")->valuedouble;

    /* every fill: the price bounds, each liquidation's fills */
    size_t n_liq = lq.n_rows - 1;
    struct fills *f = calloc(n_liq + 1, sizeof *f);
    for (size_t r = 1; r < tr.n_rows; r++) {
        double p = num(&tr, r, "price");
        if (strcmp(cell(&tr, r, "instrument"), first) == 0 && integer(&tr, r, "step") >= opening)
            cr_assert(near_or_below(pmin, p) && near_or_below(p, pmax),
                      "%s seed %d: trade at %g outside prices.min %g / max %g", config, seed, p,
                      pmin, pmax);
        const char *cause = cell(&tr, r, "cause");
        if (strncmp(cause, "liquidation:", 12) != 0)
            continue;
        size_t id = strtoull(cause + 12, NULL, 10);
        cr_assert(id >= 1 && id <= n_liq, "trade of unknown liquidation %s", cause);
        bool sells = strcmp(cell(&lq, id, "side"), "long") == 0;
        cr_assert_str_eq(cell(&tr, r, "taker_side"), sells ? "sell" : "buy");
        struct fills *x = &f[id];
        if (x->n == 0 || (sells ? p < x->worst : p > x->worst))
            x->worst = p;
        long long step = integer(&tr, r, "step");
        x->first = x->n ? x->first : step;
        x->last = step;
        x->n++;
    }
    /* each liquidation's worst_fill is the worst of its fills */
    for (size_t id = 1; id <= n_liq; id++) {
        double w = num(&lq, id, "worst_fill");
        if (f[id].n == 0)
            cr_assert(isnan(w), "liquidation %zu: worst_fill %g without fills", id, w);
        else
            cr_assert(fabs(w - f[id].worst) <= EPS * f[id].worst,
                      "%s seed %d: liquidation %zu worst_fill %g, its fills' worst %g", config,
                      seed, id, w, f[id].worst);
    }
    /* every cascade against its members' fills */
    size_t checked = 0;
    for (size_t c = 1; c < cs.n_rows; c++) {
        long long cid = integer(&cs, c, "id"), start = integer(&cs, c, "start_step");
        bool finished = *cell(&cs, c, "finish_step") != 0;
        long long finish = finished ? integer(&cs, c, "finish_step") : LLONG_MAX;
        bool is_long = strcmp(cell(&cs, c, "side"), "long") == 0;
        double ps = num(&cs, c, "price_start"), pe = num(&cs, c, "price_extreme");
        double move = num(&cs, c, "move_bps");
        const char *instr = cell(&cs, c, "instrument");
        if (is_long && strcmp(instr, first) == 0 && start >= opening)
            cr_assert(near_or_below(move, drawdown + 0.01),
                      "%s seed %d: cascade %lld moves %g bp, more than the drawdown %g", config,
                      seed, cid, move, drawdown);
        for (size_t id = 1; id <= n_liq; id++) {
            if (integer(&lq, id, "cascade") != cid)
                continue;
            if (f[id].n)
                cr_assert(f[id].first >= start && f[id].last <= finish,
                          "%s seed %d: liquidation %zu fills in steps %lld-%lld, outside "
                          "cascade %lld's span %lld-%lld",
                          config, seed, id, f[id].first, f[id].last, cid, start, finish);
            bool same = strcmp(cell(&lq, id, "instrument"), instr) == 0 &&
                        strcmp(cell(&lq, id, "side"), cell(&cs, c, "side")) == 0;
            if (!same || f[id].n == 0)
                continue;
            double w = f[id].worst;
            double slip = (is_long ? ps - w : w - ps) / ps * 1e4;
            cr_assert(is_long ? near_or_below(pe, w) : near_or_below(w, pe),
                      "%s seed %d: cascade %lld extreme %g is not beyond member %zu's fill %g",
                      config, seed, cid, pe, id, w);
            cr_assert(near_or_below(slip, move + 0.01),
                      "%s seed %d: cascade %lld moves %g bp, member %zu slipped %g bp", config,
                      seed, cid, move, id, slip);
            checked++;
        }
    }
    /* a row per step: its liquidations and its trade extremes */
    size_t t = 1;
    for (size_t r = 1; r < ts.n_rows; r++) {
        long long step = integer(&ts, r, "step");
        const char *instr = cell(&ts, r, "instrument");
        long long count = 0;
        for (size_t k = 1; k <= n_liq; k++)
            count +=
                integer(&lq, k, "step") == step && strcmp(cell(&lq, k, "instrument"), instr) == 0;
        cr_assert_eq(integer(&ts, r, "liquidations"), count,
                     "%s seed %d: row %lld %s counts %lld liquidations, liquidations.csv has %lld",
                     config, seed, step, instr, integer(&ts, r, "liquidations"), count);
        double lo = INFINITY, hi = -INFINITY;
        while (t < tr.n_rows && integer(&tr, t, "step") < step)
            t++;
        for (size_t k = t; k < tr.n_rows && integer(&tr, k, "step") == step; k++)
            if (strcmp(cell(&tr, k, "instrument"), instr) == 0) {
                lo = fmin(lo, num(&tr, k, "price"));
                hi = fmax(hi, num(&tr, k, "price"));
            }
        double rlo = num(&ts, r, "low"), rhi = num(&ts, r, "high");
        if (isinf(lo))
            cr_assert(isnan(rlo) && isnan(rhi), "row %lld %s: low/high without trades", step,
                      instr);
        else
            cr_assert(fabs(rlo - lo) <= EPS * lo && fabs(rhi - hi) <= EPS * hi,
                      "%s seed %d: row %lld %s low/high %g/%g, trades %g/%g", config, seed, step,
                      instr, rlo, rhi, lo, hi);
    }
    /* each agent type's lots bought and sold are its accounts' fills in trades.csv, and
     * its take-overs the keeper rows of liquidations.csv whose keeper is of that type */
    struct table ac;
    table_read(&ac, "r/accounts.csv");
    const cJSON *agents = cJSON_GetObjectItem(sum, "agents"), *a;
    size_t n_acc = ac.n_rows - 1;
    const char **type_of = calloc(n_acc + 1, sizeof *type_of); /* by account id */
    for (size_t k = 1; k < ac.n_rows; k++) {
        long long id = integer(&ac, k, "account");
        cr_assert(id >= 0 && (size_t)id <= n_acc, "account ids are 0..%zu", n_acc);
        type_of[id] = cell(&ac, k, "type");
    }
    cJSON_ArrayForEach(a, agents)
    {
        long long bought = 0, sold = 0;
        for (size_t r = 1; r < tr.n_rows; r++) {
            bool taker_buys = strcmp(cell(&tr, r, "taker_side"), "buy") == 0;
            for (int side = 0; side < 2; side++) {
                unsigned long long acct = cas_order_account(
                    strtoull(cell(&tr, r, side ? "maker_order" : "taker_order"), NULL, 10));
                if (acct > n_acc || !type_of[acct] || strcmp(type_of[acct], a->string) != 0)
                    continue; /* the venue's own orders, or another type */
                *((side ? !taker_buys : taker_buys) ? &bought : &sold) += integer(&tr, r, "qty");
            }
        }
        cr_assert_eq((long long)cJSON_GetObjectItem(a, "bought_lots")->valuedouble, bought,
                     "%s seed %d: %s bought", config, seed, a->string);
        cr_assert_eq((long long)cJSON_GetObjectItem(a, "sold_lots")->valuedouble, sold,
                     "%s seed %d: %s sold", config, seed, a->string);
        /* and its accounts at the end: equity minus deposit is its pnl, the positions
         * its position; a position has an entry price, a flat account none */
        double pnl = 0;
        long long position = 0;
        for (size_t k = 1; k < ac.n_rows; k++) {
            if (strcmp(cell(&ac, k, "type"), a->string) != 0)
                continue;
            pnl += num(&ac, k, "equity") - num(&ac, k, "deposit");
            position += integer(&ac, k, "position_lots");
            cr_assert_eq(cell(&ac, k, "entry")[0] != 0, integer(&ac, k, "position_lots") != 0,
                         "%s seed %d: account %s's entry", config, seed, cell(&ac, k, "account"));
            cr_assert_eq(cell(&ac, k, "isolated_margin")[0] != 0,
                         strcmp(cell(&ac, k, "margin"), "isolated") == 0);
        }
        double want = cJSON_GetObjectItem(a, "pnl")->valuedouble;
        cr_assert(fabs(pnl - want) <= 1e-6 * (1 + fabs(want)),
                  "%s seed %d: %s's accounts end with %.6f over their deposits, its pnl is %.6f",
                  config, seed, a->string, pnl, want);
        cr_assert_eq(position, (long long)cJSON_GetObjectItem(a, "position_lots")->valuedouble,
                     "%s seed %d: %s's positions", config, seed, a->string);
    }
    free(type_of);
    long long keeper_rows = 0, takeovers = 0;
    for (size_t r = 1; r < lq.n_rows; r++)
        keeper_rows += strcmp(cell(&lq, r, "mode"), "keeper") == 0;
    cJSON_ArrayForEach(a, agents) takeovers +=
        (long long)cJSON_GetObjectItem(a, "takeovers")->valuedouble;
    cr_assert_eq(takeovers, keeper_rows, "%s seed %d: take-overs", config, seed);
    table_free(&ac);
    cr_log_info("%s seed %d: %zu cascades, %zu liquidations, %zu member fills checked", config,
                seed, cs.n_rows - 1, n_liq, checked);
    free(f);
    cJSON_Delete(sum);
    free(text);
    table_free(&tr);
    table_free(&lq);
    table_free(&cs);
    table_free(&ts);
    runs_remove("r");
}

static const char *const scenarios[] = {
    "long-squeeze.json",           "no-leverage.json",
    "circuit-breaker.json",        "dynamic-margin.json",
    "cross-margin-contagion.json", "front-running.json",
    "gamma-squeeze.json",          "keepers.json",
};

Test(outputs, cascade_figures_hold_against_the_fills_in_every_scenario)
{
    for (size_t s = 0; s < sizeof scenarios / sizeof *scenarios; s++)
        for (int seed = 1; seed <= 3; seed++)
            check_run(scenarios[s], seed, "");
}

Test(outputs, the_default_day_holds_against_the_fills)
{
    for (int seed = 1; seed <= 2; seed++)
        check_run("default.json", seed, "--steps 14400");
}

/* replay.jsonl: each step once, in order; every liquidation's step and the
 * window around it; the configured ranges and nothing else without
 * liquidations. */
static void replay_steps(long long *steps, size_t *n, size_t max)
{
    char *text = slurp_file("r/replay.jsonl");
    cr_assert_not_null(text);
    *n = 0;
    for (char *line = text; *line && *n < max; line = strchr(line, '\n') + 1) {
        cJSON *j = cJSON_Parse(line);
        cr_assert_not_null(j, "replay.jsonl: a line is not JSON");
        steps[(*n)++] = (long long)cJSON_GetObjectItem(j, "step")->valuedouble;
        cr_assert(cJSON_IsArray(cJSON_GetObjectItem(j, "bids")) &&
                  cJSON_IsArray(cJSON_GetObjectItem(j, "events")));
        cJSON_Delete(j);
    }
    free(text);
    for (size_t k = 1; k < *n; k++)
        cr_assert_gt(steps[k], steps[k - 1], "replay.jsonl: step %lld after %lld", steps[k],
                     steps[k - 1]);
}

Test(outputs, replay_covers_the_liquidations_and_the_asked_ranges)
{
    static long long steps[20000];
    size_t n;
    cr_assert_eq(run_cascade("run '%s/configs/long-squeeze.json' -o r --quiet", source_root()), 0);
    replay_steps(steps, &n, 20000);
    struct table lq;
    table_read(&lq, "r/liquidations.csv");
    for (size_t r = 1; r < lq.n_rows; r++) {
        long long s = integer(&lq, r, "step");
        for (long long want = s - 60; want <= s + 60; want++) {
            bool found = false;
            for (size_t k = 0; k < n && !found; k++)
                found = steps[k] == want;
            cr_assert(found, "liquidation %s at step %lld: step %lld not replayed",
                      cell(&lq, r, "id"), s, want);
        }
    }
    table_free(&lq);
    runs_remove("r");
    cr_assert_eq(run_cascade("run '%s/configs/no-leverage.json' -o r --quiet "
                             "--set 'record.replay=[[100, 110], [2390, 2420]]'",
                             source_root()),
                 0);
    replay_steps(steps, &n, 20000);
    cr_assert_eq(n, 11 + 31, "only the asked steps: %zu", n);
    cr_assert_eq(steps[0], 100);
    cr_assert_eq(steps[n - 1], 2420);
}

/* replay.jsonl's events rebuild each step's book: its start's levels with the step's
 * events played over them as the page plays them (an order's fills take from the other
 * side, what it leaves resting joins its side with its last fill) give the step's end
 * book, level for level, and no frame's book is crossed; an order's fills add up to what
 * it filled; each step's fills are trades.csv's rows of that step in order, with their
 * order's side and cause; its liquidation and finished events are the liquidations.csv
 * rows triggered and finished in it, in id order. */
struct side_book {
    double price[4096];
    long long qty[4096];
    size_t n;
};

static void book_add(struct side_book *b, double price, long long d)
{
    for (size_t k = 0; k < b->n; k++)
        if (b->price[k] == price) {
            b->qty[k] += d;
            return;
        }
    cr_assert_lt(b->n, 4096);
    b->price[b->n] = price;
    b->qty[b->n++] = d;
}

/* The best price of a side (bids: highest), or NAN when it has no lots. */
static double book_best(const struct side_book *b, bool bids)
{
    double best = NAN;
    for (size_t k = 0; k < b->n; k++)
        if (b->qty[k] > 0 && (isnan(best) || (bids ? b->price[k] > best : b->price[k] < best)))
            best = b->price[k];
    return best;
}

/* The side's levels with lots, best first, against a list of [price, lots] (the end book's
 * top levels, as many as it has). */
static void book_matches(struct side_book *b, bool bids, const cJSON *levels, long long step)
{
    struct side_book left = *b;
    const cJSON *l;
    cJSON_ArrayForEach(l, levels)
    {
        double best = book_best(&left, bids);
        double p = cJSON_GetArrayItem(l, 0)->valuedouble;
        long long q = (long long)cJSON_GetArrayItem(l, 1)->valuedouble;
        cr_assert(best == p, "step %lld: the rebuilt %s's next level is %g, the end book's %g",
                  step, bids ? "bid" : "ask", best, p);
        for (size_t k = 0; k < left.n; k++)
            if (left.price[k] == p) {
                cr_assert_eq(left.qty[k], q,
                             "step %lld: %g holds %lld lots rebuilt, %lld at the end", step, p,
                             left.qty[k], q);
                left.qty[k] = 0;
            }
    }
}

static void check_replay_events(const char *config, unsigned seed)
{
    cr_assert_eq(run_cascade("run '%s/configs/%s' -o e --quiet --seed %u --set record.trades=true",
                             source_root(), config, seed),
                 0);
    struct table tr, lq;
    table_read(&tr, "e/trades.csv");
    table_read(&lq, "e/liquidations.csv");
    char *text = slurp_file("e/replay.jsonl");
    cr_assert_not_null(text);
    size_t t0 = 1, lines = 0, events = 0; /* trades.csv's row */
    static struct side_book bid, ask;
    for (char *line = text; *line; line = strchr(line, '\n') + 1) {
        cJSON *j = cJSON_Parse(line);
        cr_assert_not_null(j);
        long long step = (long long)cJSON_GetObjectItem(j, "step")->valuedouble;
        const char *ins = cJSON_GetObjectItem(j, "instrument")->valuestring;
        bid.n = ask.n = 0;
        const cJSON *l, *start = cJSON_GetObjectItem(j, "start"), *e, *order = NULL;
        cJSON_ArrayForEach(l, cJSON_GetObjectItem(start, "bids"))
            book_add(&bid, cJSON_GetArrayItem(l, 0)->valuedouble,
                     (long long)cJSON_GetArrayItem(l, 1)->valuedouble);
        cJSON_ArrayForEach(l, cJSON_GetObjectItem(start, "asks"))
            book_add(&ask, cJSON_GetArrayItem(l, 0)->valuedouble,
                     (long long)cJSON_GetArrayItem(l, 1)->valuedouble);
        while (t0 < tr.n_rows && integer(&tr, t0, "step") < step)
            t0++;
        size_t t = t0; /* the step's first row; each instrument's line reads its own */
        long long left = 0, liq_next = 0, done = 0;
        for (size_t r = 1; r < lq.n_rows; r++) /* the first liquidation of the step */
            if (integer(&lq, r, "step") == step && strcmp(cell(&lq, r, "instrument"), ins) == 0) {
                liq_next = (long long)r;
                break;
            }
        cJSON_ArrayForEach(e, cJSON_GetObjectItem(j, "events"))
        {
            const char *kind = cJSON_GetArrayItem(e, 0)->valuestring;
            double a1 = cJSON_GetArrayItem(e, 1) ? cJSON_GetArrayItem(e, 1)->valuedouble : 0;
            events++;
            if (strcmp(kind, "order") == 0) {
                cr_assert(left == 0, "step %lld: an order before the last one's fills", step);
                order = e;
                left = (long long)cJSON_GetArrayItem(e, 7)->valuedouble;
                if (left == 0 && cJSON_GetArrayItem(e, 8)->valuedouble > 0)
                    book_add(strcmp(cJSON_GetArrayItem(e, 3)->valuestring, "buy") ? &ask : &bid,
                             cJSON_GetArrayItem(e, 5)->valuedouble,
                             (long long)cJSON_GetArrayItem(e, 8)->valuedouble);
            } else if (strcmp(kind, "fill") == 0) {
                cr_assert_not_null(order);
                const char *side = cJSON_GetArrayItem(order, 3)->valuestring;
                long long q = (long long)cJSON_GetArrayItem(e, 2)->valuedouble;
                book_add(strcmp(side, "buy") ? &bid : &ask, a1, -q);
                left -= q;
                cr_assert_geq(left, 0, "step %lld: fills beyond the order's 'filled'", step);
                if (left == 0 && cJSON_GetArrayItem(order, 8)->valuedouble > 0)
                    book_add(strcmp(side, "buy") ? &ask : &bid,
                             cJSON_GetArrayItem(order, 5)->valuedouble,
                             (long long)cJSON_GetArrayItem(order, 8)->valuedouble);
                /* the same fill in trades.csv */
                while (t < tr.n_rows && integer(&tr, t, "step") == step &&
                       strcmp(cell(&tr, t, "instrument"), ins) != 0)
                    t++;
                cr_assert(t < tr.n_rows && integer(&tr, t, "step") == step,
                          "step %lld: a fill trades.csv does not have", step);
                cr_assert(num(&tr, t, "price") == a1 && integer(&tr, t, "qty") == q &&
                              strcmp(cell(&tr, t, "taker_side"), side) == 0 &&
                              strcmp(cell(&tr, t, "cause"),
                                     cJSON_GetArrayItem(order, 2)->valuestring) == 0,
                          "step %lld: fill %g x %lld is not trades.csv's row %zu", step, a1, q, t);
                t++;
            } else if (strcmp(kind, "cancel") == 0) {
                cr_assert(left == 0, "step %lld: a cancel among an order's fills", step);
                book_add(strcmp(cJSON_GetArrayItem(e, 2)->valuestring, "buy") ? &ask : &bid,
                         cJSON_GetArrayItem(e, 3)->valuedouble,
                         -(long long)cJSON_GetArrayItem(e, 4)->valuedouble);
            } else if (strcmp(kind, "liquidation") == 0) {
                cr_assert(liq_next > 0 && (size_t)liq_next < lq.n_rows &&
                              integer(&lq, (size_t)liq_next, "id") == (long long)a1 &&
                              integer(&lq, (size_t)liq_next, "step") == step,
                          "step %lld: liquidation %g is not the next of liquidations.csv", step,
                          a1);
                liq_next++;
                while ((size_t)liq_next < lq.n_rows &&
                       strcmp(cell(&lq, (size_t)liq_next, "instrument"), ins) != 0)
                    liq_next++;
            } else {
                cr_assert_str_eq(kind, "finished");
                cr_assert(a1 >= 1 && a1 < (double)lq.n_rows &&
                              integer(&lq, (size_t)a1, "finish_step") == step,
                          "step %lld: liquidation %g did not finish in it", step, a1);
                done++;
            }
            double b = book_best(&bid, true), a = book_best(&ask, false);
            cr_assert(isnan(b) || isnan(a) || b < a,
                      "step %lld: a frame's book is crossed: %g / %g", step, b, a);
        }
        cr_assert_eq(left, 0, "step %lld: the last order's fills fall short", step);
        book_matches(&bid, true, cJSON_GetObjectItem(j, "bids"), step);
        book_matches(&ask, false, cJSON_GetObjectItem(j, "asks"), step);
        /* every liquidation of the step was told */
        cr_assert(liq_next == 0 || (size_t)liq_next >= lq.n_rows ||
                      integer(&lq, (size_t)liq_next, "step") != step,
                  "step %lld: liquidation %lld has no event", step,
                  integer(&lq, (size_t)liq_next, "id"));
        long long finishing = 0;
        for (size_t r = 1; r < lq.n_rows; r++)
            finishing += *cell(&lq, r, "finish_step") && integer(&lq, r, "finish_step") == step &&
                         strcmp(cell(&lq, r, "instrument"), ins) == 0;
        cr_assert_eq(done, finishing, "step %lld: %lld finished events, %lld in liquidations.csv",
                     step, done, finishing);
        cJSON_Delete(j);
        lines++;
    }
    cr_assert_gt(lines, 0, "%s seed %u: nothing replayed", config, seed);
    fprintf(stderr, "outputs: %s seed %u: %zu steps, %zu events rebuild their books\n", config,
            seed, lines, events);
    free(text);
    table_free(&tr);
    table_free(&lq);
    runs_remove("e");
}

Test(outputs, replay_events_rebuild_each_steps_book)
{
    unsigned n = sweep_seeds(3);
    for (unsigned seed = 1; seed <= n; seed++)
        check_replay_events("long-squeeze.json", seed);
    check_replay_events("cross-margin-contagion.json", 1);
}

/* An agent type's own measures: a short-gamma dealer's hedge trades with the
 * move (it must buy when the price rises: positive), a long-gamma one's
 * against it; a front-runner reaches at most the clusters it traded ahead of. */
static double measure_of(const char *type, const char *name)
{
    char *text = slurp_file("m/summary.json");
    cJSON *j = cJSON_Parse(text);
    const cJSON *v = cJSON_GetObjectItem(
        cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "agents"), type),
                            "measures"),
        name);
    cr_assert(cJSON_IsNumber(v), "no agents.%s.measures.%s", type, name);
    double x = v->valuedouble;
    cJSON_Delete(j);
    free(text);
    runs_remove("m");
    return x;
}

Test(outputs, agent_measures_say_what_the_agents_hold)
{
    const char *root = source_root();
    cr_assert_eq(run_cascade("run '%s/configs/gamma-squeeze.json' -o m --quiet --steps 2600", root),
                 0);
    double short_gamma = measure_of("option_dealer", "hedge_lots_per_pct");
    cr_assert_eq(run_cascade("run '%s/configs/gamma-squeeze.json' -o m --quiet --steps 2600 "
                             "--set agents[3].params.short_gamma=0",
                             root),
                 0);
    double long_gamma = measure_of("option_dealer", "hedge_lots_per_pct");
    cr_assert_gt(short_gamma, 0, "short gamma: %g", short_gamma);
    cr_assert_lt(long_gamma, 0, "long gamma: %g", long_gamma);
    cr_assert_eq(run_cascade("run '%s/configs/front-running.json' -o m --quiet", root), 0);
    double reached = measure_of("front_runner", "reached");
    cr_assert_eq(run_cascade("run '%s/configs/front-running.json' -o m --quiet", root), 0);
    double entries = measure_of("front_runner", "entries");
    cr_assert_gt(entries, 0);
    cr_assert_leq(reached, entries);
}

/* Memory does not grow with steps (issue 13): the recorder follows cascades,
 * the drawdown and the shocks' windows as the run goes and keeps only the
 * stylized facts' prices (one a minute after the warm-up: 8 bytes every 60
 * steps, 67 kB for 500,000) and their basis histogram (of a fixed size).
 * Before, it kept 32 bytes per step and instrument: 16 MB more for 500,000
 * steps. */
static double peak_rss_mb(const char *dir)
{
    char path[256];
    snprintf(path, sizeof path, "%s/summary.json", dir);
    char *text = slurp_file(path);
    cJSON *j = cJSON_Parse(text);
    double mb =
        cJSON_GetObjectItem(cJSON_GetObjectItem(j, "performance"), "peak_rss_mb")->valuedouble;
    cJSON_Delete(j);
    free(text);
    return mb;
}

Test(outputs, memory_does_not_grow_with_steps)
{
    const char *args = "--set record.sample_every=10000"
                       " --set 'agents=[{\"type\":\"noise\",\"count\":4}]'";
    cr_assert_eq(run_cascade("run '%s/configs/default.json' -o short -q --steps 10000 %s",
                             source_root(), args),
                 0);
    cr_assert_eq(run_cascade("run '%s/configs/default.json' -o long -q --steps 500000 %s",
                             source_root(), args),
                 0);
    double a = peak_rss_mb("short"), b = peak_rss_mb("long");
    cr_log_info("peak memory: %.1f MiB for 10,000 steps, %.1f MiB for 500,000", a, b);
    cr_assert_lt(b - a, 4, "memory grew by %.1f MiB over 490,000 more steps", b - a);
}

/* ---- summary.json's stylized facts against the time series of every step ---- */

static int ascending(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Sample autocorrelation of x (or |x|) at lag, as docs/outputs.md defines it. */
static double acf_of(const double *x, size_t n, size_t lag, bool absolute)
{
    double m = 0, den = 0, num = 0;
    for (size_t i = 0; i < n; i++)
        m += (absolute ? fabs(x[i]) : x[i]) / (double)n;
    for (size_t i = 0; i < n; i++) {
        double d = (absolute ? fabs(x[i]) : x[i]) - m;
        den += d * d;
    }
    for (size_t i = 0; i + lag < n; i++)
        num +=
            ((absolute ? fabs(x[i]) : x[i]) - m) * ((absolute ? fabs(x[i + lag]) : x[i + lag]) - m);
    return num / den;
}

/* Four hours of the calibrated day with a row every step: the block's measures
 * recomputed here from timeseries.csv (1-minute returns of the mid from the end of
 * the warm-up's last step, 3599; |mark / index - 1| at each step end from 3600 on). */
Test(outputs, stylized_facts_hold_against_every_step)
{
    cr_assert_eq(run_cascade("run '%s/configs/btc-perp.json' --steps 14400 -o sty -q "
                             "--set record.sample_every=1",
                             source_root()),
                 0);
    struct table t;
    table_read(&t, "sty/timeseries.csv");
    cr_assert_eq(t.n_rows - 1, 14400u);
    size_t n_ret = (14400 - 3600) / 60, n_basis = 14400 - 3600;
    double *ret = calloc(n_ret, sizeof *ret), *basis = calloc(n_basis, sizeof *basis);
    double prev = NAN;
    size_t k = 0, b = 0;
    for (size_t r = 1; r < t.n_rows; r++) {
        long long step = integer(&t, r, "step");
        double mid = num(&t, r, "mid"), p = isfinite(mid) ? mid : num(&t, r, "last");
        if (step >= 3599 && (step - 3599) % 60 == 0) {
            if (step > 3599)
                ret[k++] = log(p / prev);
            prev = p;
        }
        if (step >= 3600)
            basis[b++] = fabs(num(&t, r, "mark") / num(&t, r, "index") - 1) * 1e4;
    }
    table_free(&t);
    cr_assert_eq(k, n_ret);
    cr_assert_eq(b, n_basis);
    char *text = slurp_file("sty/summary.json");
    cJSON *sum = cJSON_Parse(text), *st = cJSON_GetObjectItem(sum, "stylized");
#define GET(key) cJSON_GetObjectItem(st, key)->valuedouble
    cr_assert_eq(GET("warmup_s"), 3600);
    cr_assert_eq(GET("horizon_steps"), 60);
    cr_assert_eq(GET("returns"), (double)n_ret);
    /* the mid is printed exactly (to half a tick): these are the recorder's returns */
    double *sorted = malloc(n_ret * sizeof *sorted), m = 0, var = 0;
    for (size_t i = 0; i < n_ret; i++) {
        sorted[i] = fabs(ret[i]);
        m += ret[i] / (double)n_ret;
    }
    for (size_t i = 0; i < n_ret; i++)
        var += (ret[i] - m) * (ret[i] - m) / (double)n_ret;
    qsort(sorted, n_ret, sizeof *sorted, ascending);
    size_t top = n_ret / 20; /* the Hill index from the largest 5% */
    double logs = 0, floor_value = sorted[n_ret - 1 - top];
    for (size_t i = 0; i < top; i++)
        logs += log(sorted[n_ret - 1 - i] / floor_value);
    cr_assert_float_eq(GET("hill_index"), (double)top / logs, 1e-6);
    for (size_t i = 0; i < n_ret; i++)
        sorted[i] = ret[i];
    qsort(sorted, n_ret, sizeof *sorted, ascending);
    double h1 = 0.25 * (double)(n_ret - 1), h3 = 0.75 * (double)(n_ret - 1);
    double q1 =
        sorted[(size_t)h1] + (h1 - floor(h1)) * (sorted[(size_t)h1 + 1] - sorted[(size_t)h1]);
    double q3 =
        sorted[(size_t)h3] + (h3 - floor(h3)) * (sorted[(size_t)h3 + 1] - sorted[(size_t)h3]);
    cr_assert_float_eq(GET("std_over_iqr"), sqrt(var) / (q3 - q1), 1e-6);
    const cJSON *acf_r = cJSON_GetObjectItem(st, "acf_r"),
                *acf_absr = cJSON_GetObjectItem(st, "acf_absr");
    cr_assert_eq(cJSON_GetArraySize(acf_r), 120);
    cr_assert_eq(cJSON_GetArraySize(acf_absr), 120);
    double mean_far = 0;
    for (size_t lag = 1; lag <= 120; lag++) {
        cr_assert_float_eq(cJSON_GetArrayItem(acf_r, (int)lag - 1)->valuedouble,
                           acf_of(ret, n_ret, lag, false), 2e-6, "acf_r at lag %zu", lag);
        cr_assert_float_eq(cJSON_GetArrayItem(acf_absr, (int)lag - 1)->valuedouble,
                           acf_of(ret, n_ret, lag, true), 2e-6, "acf_absr at lag %zu", lag);
        if (lag >= 30)
            mean_far += acf_of(ret, n_ret, lag, true) / 91;
    }
    cr_assert_float_eq(GET("acf_absr_mean_30_120"), mean_far, 1e-9);
    /* the lower median of the step ends' basis, within the 0.01 bp of the recorder's bins
     * (and the 0.0001 bp of the printed index) */
    qsort(basis, n_basis, sizeof *basis, ascending);
    double median = basis[(n_basis + 1) / 2 - 1];
    cr_assert_float_eq(GET("basis_median_bps"), median, 0.011, "median basis %f", median);
    /* no 8-hour print after the first hour of a four-hour run */
    cr_assert_eq(GET("funding_prints"), 0);
    cr_assert(cJSON_IsNull(cJSON_GetObjectItem(st, "funding_at_interest_share")));
#undef GET
    cJSON_Delete(sum);
    free(text);
    free(sorted);
    free(ret);
    free(basis);
}

/* Under 100 returns the Hill index is null: 5% of them would be fewer than 5, and one or
 * two ratios would stand for the tail (an 80-minute squeeze has 20 returns after the hour's
 * warm-up, and printed a "tail index" of hundreds); the other measures stay. */
Test(outputs, hill_index_needs_five_returns_in_the_tail)
{
    cr_assert_eq(run_cascade("run '%s/configs/long-squeeze.json' -o few -q", source_root()), 0);
    char *text = slurp_file("few/summary.json");
    cJSON *sum = cJSON_Parse(text), *st = cJSON_GetObjectItem(sum, "stylized");
    cr_assert_not_null(st);
    cr_assert_eq(cJSON_GetObjectItem(st, "returns")->valuedouble, 20);
    cr_assert(cJSON_IsNull(cJSON_GetObjectItem(st, "hill_index")));
    cr_assert(cJSON_IsNumber(cJSON_GetObjectItem(st, "excess_kurtosis")));
    cJSON_Delete(sum);
    free(text);
    cr_assert_eq(
        run_cascade("run '%s/configs/long-squeeze.json' -o enough -q --steps 9600", source_root()),
        0); /* 9,600 steps: 100 returns after the warm-up, 5 in the tail */
    text = slurp_file("enough/summary.json");
    sum = cJSON_Parse(text);
    st = cJSON_GetObjectItem(sum, "stylized");
    cr_assert_eq(cJSON_GetObjectItem(st, "returns")->valuedouble, 100);
    cr_assert(cJSON_IsNumber(cJSON_GetObjectItem(st, "hill_index")));
    cJSON_Delete(sum);
    free(text);
}

/* A run whose steps are not a multiple of record.sample_every has a last row after its last
 * step: long-squeeze cut after the shock's step (2,401 steps, rows every 10) has its row
 * 2400, whose low is the run's lowest trade (the shock's), as summary.json says. */
Test(outputs, the_last_steps_of_a_run_have_a_row)
{
    cr_assert_eq(run_cascade("run '%s/configs/long-squeeze.json' -o cut -q --seed 3 --steps 2401",
                             source_root()),
                 0);
    struct table t;
    table_read(&t, "cut/timeseries.csv");
    cr_assert_eq(integer(&t, t.n_rows - 1, "step"), 2400);
    cr_assert_eq(integer(&t, t.n_rows - 2, "step"), 2399);
    double low = INFINITY;
    for (size_t k = 1; k < t.n_rows; k++) /* row 0 is the header */
        if (cell(&t, k, "low")[0])
            low = fmin(low, num(&t, k, "low"));
    char *text = slurp_file("cut/summary.json");
    cJSON *sum = cJSON_Parse(text);
    double min = cJSON_GetObjectItem(cJSON_GetObjectItem(sum, "prices"), "min")->valuedouble;
    cJSON_Delete(sum);
    free(text);
    cr_assert_float_eq(low, min, 1e-9, "the rows' lowest trade %g, summary.json's %g", low, min);
    cr_assert_lt(num(&t, t.n_rows - 1, "low"), num(&t, t.n_rows - 2, "low") - 1000,
                 "the shock's trades are in the last row");
    table_free(&t);
}

/* Funding prints after the warm-up, with nobody trading: no premium, so every print is
 * the interest rate (the clamp holds it there), positive or negative as the interest. */
Test(outputs, funding_prints_are_counted_after_the_warm_up)
{
#define FUNDING_RUN(dir, more)                                                                  \
    run_cascade("run '%s/configs/btc-perp.json' --steps 10800 -o " dir " -q --set 'agents=[]' " \
                "--set instruments[0].funding.interval_hours=1" more,                           \
                source_root())
    cr_assert_eq(FUNDING_RUN("up", ""), 0);
    cr_assert_eq(FUNDING_RUN("down", " --set instruments[0].funding.interest=-0.0001"), 0);
    cr_assert_eq(FUNDING_RUN("late", " --set record.stylized_warmup_s=20000"), 0);
    cr_assert_eq(FUNDING_RUN("eight", " --set step_seconds=8"), 0);
#undef FUNDING_RUN
    /* prints at the ends of steps 3599 (in the warm-up), 7199 and 10799 */
    cr_assert_eq(summary_num("up", "funding_prints"), 2);
    cr_assert_eq(summary_num("up", "funding_at_interest_share"), 1);
    cr_assert_eq(summary_num("up", "funding_positive_share"), 1);
    cr_assert_eq(summary_num("down", "funding_prints"), 2);
    cr_assert_eq(summary_num("down", "funding_at_interest_share"), 1);
    cr_assert_eq(summary_num("down", "funding_positive_share"), 0);
    /* a warm-up longer than the run: nothing measured, every figure null */
    cr_assert_eq(summary_num("late", "returns"), 0);
    cr_assert_eq(summary_num("late", "funding_prints"), 0);
    cr_assert(isnan(summary_num("late", "funding_positive_share")));
    cr_assert(isnan(summary_num("late", "basis_median_bps")));
    cr_assert(isnan(summary_num("late", "std_over_iqr")));
    /* 8-second steps: a "minute" is 60 / 8 = 7.5 rounded, 8 steps, 64 s; the warm-up is
     * 3600 / 8 = 450 steps, and the 10350 steps after it hold 1293 whole returns */
    cr_assert_eq(summary_num("eight", "horizon_steps"), 8);
    cr_assert_eq(summary_num("eight", "horizon_s"), 64);
    cr_assert_eq(summary_num("eight", "returns"), (10800 - 450) / 8);
    cr_assert_eq(run_cascade("facts eight"), 0);
    char *out = slurp_file("out.txt");
    cr_assert_not_null(strstr(out, "returns of 64 s after a 3600 s warm-up"), "%s", out);
    cr_assert_not_null(strstr(out, "note: the returns are not of 1 minute"), "%s", out);
    free(out);
}

/* The book's opening (summary.json's opening): on every seed it ends at the end of the
 * first step whose book is calm (bid and ask, and the step's trades, within 1% of the
 * index), or at its cap; the price extremes are those of the steps after it, every trade
 * included, and no earlier trade counts. Seeds 1-8 of no-leverage.json, whose openings run
 * from 1 to 10 steps (seed 1's first step trades at 55,215, below anything its shock does). */
Test(outputs, the_book_opening_is_left_out_of_the_extremes)
{
    int longest = 0;
    for (int seed = 1; seed <= (int)sweep_seeds(8); seed++) {
        char dir[32];
        snprintf(dir, sizeof dir, "open%d", seed);
        cr_assert_eq(run_cascade("run '%s/configs/no-leverage.json' -o %s -q --seed %d --set "
                                 "record.sample_every=1 --set record.trades=true --set "
                                 "record.replay_window_steps=0",
                                 source_root(), dir, seed),
                     0);
        char path[64];
        snprintf(path, sizeof path, "%s/summary.json", dir);
        char *text = slurp_file(path);
        cJSON *sum = cJSON_Parse(text);
        const cJSON *op = cJSON_GetObjectItem(sum, "opening");
        const cJSON *prices = cJSON_GetObjectItem(sum, "prices");
        const cJSON *inst = cJSON_GetArrayItem(cJSON_GetObjectItem(sum, "instruments"), 0);
        int n = (int)cJSON_GetObjectItem(op, "steps")->valuedouble;
        double min = cJSON_GetObjectItem(prices, "min")->valuedouble;
        double max = cJSON_GetObjectItem(prices, "max")->valuedouble;
        cr_assert_float_eq(cJSON_GetObjectItem(inst, "min")->valuedouble, min, 1e-9);
        cr_assert_float_eq(cJSON_GetObjectItem(inst, "max")->valuedouble, max, 1e-9);
        cJSON_Delete(sum);
        free(text);
        cr_assert(n >= 1 && n <= 60, "seed %d: an opening of %d steps", seed, n);
        longest = n > longest ? n : longest;
        struct table ts, tr;
        snprintf(path, sizeof path, "%s/timeseries.csv", dir);
        table_read(&ts, path);
        snprintf(path, sizeof path, "%s/trades.csv", dir);
        table_read(&tr, path);
        /* row k + 1 is the end of step k: calm only at the opening's last step */
        for (int k = 0; k < n && n < 60; k++) {
            double ref = num(&ts, (size_t)k + 1, "index"), lo = ref * 0.99, hi = ref * 1.01;
            bool calm =
                *cell(&ts, (size_t)k + 1, "bid") && *cell(&ts, (size_t)k + 1, "ask") &&
                num(&ts, (size_t)k + 1, "bid") >= lo && num(&ts, (size_t)k + 1, "ask") <= hi &&
                (!*cell(&ts, (size_t)k + 1, "low") ||
                 (num(&ts, (size_t)k + 1, "low") >= lo && num(&ts, (size_t)k + 1, "high") <= hi));
            cr_assert_eq(calm, k == n - 1, "seed %d: step %d is %s", seed, k,
                         calm ? "calm, inside the opening" : "not calm, yet ends the opening");
        }
        /* the extremes: the opening's end price and every later trade and step end */
        double lo = num(&ts, (size_t)n, "mid"), hi = lo;
        for (size_t r = (size_t)n + 1; r < ts.n_rows; r++) {
            double p = num(&ts, r, *cell(&ts, r, "mid") ? "mid" : "last");
            lo = fmin(lo, p), hi = fmax(hi, p);
        }
        for (size_t r = 1; r < tr.n_rows; r++)
            if (integer(&tr, r, "step") >= n)
                lo = fmin(lo, num(&tr, r, "price")), hi = fmax(hi, num(&tr, r, "price"));
        cr_assert_float_eq(lo, min, 1e-9, "seed %d: lowest after the opening %g, summary %g", seed,
                           lo, min);
        cr_assert_float_eq(hi, max, 1e-9, "seed %d: highest %g, summary %g", seed, hi, max);
        table_free(&ts);
        table_free(&tr);
    }
    cr_assert_geq(longest, 5, "some seed's book takes a while to open (seed 1: 10 steps)");
}
