/* page: the report's page (cas_report_write) — a run directory in, one self-contained HTML
 * page out: the headline figures, the instruments, the figures (figures.c), the table of
 * the largest cascades, what each agent type did, the trees and the replay player
 * (cascade_page.c); or, for two runs, one page comparing them.
 *
 * It opens offline from the file: its one script is inline, with its data; no external
 * file, no network address. The page is written to a temporary name beside its
 * destination and renamed into place, so it appears whole or not at all; gnuplot's
 * directory is removed when the page is done, written or not. An error fills the
 * caller's struct cas_err and returns its CAS_E* code; nothing is printed.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "cascade/core.h"
#include "cascade/report.h"
#include "report/cascade_page.h"
#include "report/csv.h"
#include "report/figures.h"
#include "report/gnuplot.h"
#include "report/html.h"
#include "report/reportInt.h"

#define TOP_CASCADES 10
#define TOP_EPISODES 5

/* ---- the tables ---- */

/* A number with `decimals` decimals (significant digits when negative) and
 * its integer part grouped by commas; anything else as it is. */
static void format_value(char *out, size_t n, const char *value, int decimals)
{
    char *end;
    double v = strtod(value, &end);
    if (!value[0] || strcmp(value, "null") == 0) {
        snprintf(out, n, "none");
        return;
    }
    if (*end || !isfinite(v)) {
        snprintf(out, n, "%s", value);
        return;
    }
    char num[64];
    if (decimals < 0) {
        snprintf(out, n, "%.*g", -decimals, v);
        return;
    }
    snprintf(num, sizeof num, "%.*f", decimals, v);
    const char *digits = num + (num[0] == '-');
    size_t int_len = strcspn(digits, "."), o = 0;
    if (num[0] == '-' && o + 1 < n)
        out[o++] = '-';
    for (size_t i = 0; digits[i] && o + 1 < n; i++) {
        if (i > 0 && i < int_len && (int_len - i) % 3 == 0 && o + 2 < n)
            out[o++] = ',';
        out[o++] = digits[i];
    }
    out[o] = 0;
}

static int by_size(const void *a, const void *b)
{
    const struct cascade_row *x = a, *y = b;
    if (x->liquidations != y->liquidations)
        return x->liquidations > y->liquidations ? -1 : 1;
    if (x->notional != y->notional)
        return x->notional > y->notional ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* One episode of the run, from its cascades' rows. */
struct episode_row {
    long long id, cascades, liquidations, from, largest, largest_liqs;
    double to, notional;  /* to: NaN while a cascade of it is unfinished */
    double largest_value; /* the largest cascade's notional */
};

static int by_episode_size(const void *a, const void *b)
{
    const struct episode_row *x = a, *y = b;
    if (x->liquidations != y->liquidations)
        return x->liquidations > y->liquidations ? -1 : 1;
    if (x->notional != y->notional)
        return x->notional > y->notional ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* The largest episodes: cascades of one event (cascades.csv's episode column). */
static int episode_table(const struct cas_report *r, FILE *html)
{
    struct episode_row *e = calloc(r->n_cas, sizeof *e);
    if (!e)
        return cas__report_oom(r->err);
    size_t n = 0;
    for (size_t k = 0; k < r->n_cas; k++) {
        const struct cascade_row *c = &r->cas[k];
        if (!n || e[n - 1].id != c->episode)
            e[n++] = (struct episode_row){.id = c->episode, .from = c->start, .to = c->finish};
        struct episode_row *x = &e[n - 1];
        x->cascades++;
        x->liquidations += c->liquidations;
        x->notional += c->notional;
        x->from = c->start < x->from ? c->start : x->from;
        x->to = isnan(x->to) || isnan(c->finish) ? NAN : fmax(x->to, c->finish);
        /* the largest as everywhere (cas__cascade_before): liquidations, then notional,
         * then the lower id (rows are in id order) */
        if (c->liquidations > x->largest_liqs ||
            (c->liquidations == x->largest_liqs && c->notional > x->largest_value))
            x->largest = c->id, x->largest_liqs = c->liquidations, x->largest_value = c->notional;
    }
    qsort(e, n, sizeof *e, by_episode_size);
    fprintf(
        html,
        "<section class=\"episodes\"><h2>The largest episodes</h2>\n<table class=\"cascades episodes\">"
        "\n<thead><tr><th>#</th><th>episode</th><th>steps</th><th>cascades</th>"
        "<th>liquidations</th><th>notional</th><th>its largest cascade (liquidations)</th>"
        "</tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < n && i < TOP_EPISODES; i++) {
        char notional[64], num[64];
        snprintf(num, sizeof num, "%.2f", e[i].notional);
        format_value(notional, sizeof notional, num, 0);
        fprintf(html, "<tr><td>%zu</td><td>%lld</td><td>", i + 1, e[i].id);
        if (isnan(e[i].to))
            fprintf(html, "%lld–end (unfinished)", e[i].from);
        else if ((double)e[i].from == e[i].to)
            fprintf(html, "%lld", e[i].from);
        else
            fprintf(html, "%lld–%.0f", e[i].from, e[i].to);
        fprintf(html, "</td><td>%lld</td><td>%lld</td><td>%s</td><td>%lld (%lld)</td></tr>\n",
                e[i].cascades, e[i].liquidations, notional, e[i].largest, e[i].largest_liqs);
    }
    fprintf(html,
            "</tbody>\n</table>\n<p class=\"small\">By liquidations (then notional): %zu "
            "episode%s in all. An episode is the cascades of one event: a cascade whose first "
            "liquidation comes within <code>record.episode_gap_s</code> of the last step in "
            "which an earlier cascade of the episode was still working joins it "
            "(docs/outputs.md).</p></section>\n",
            n, n == 1 ? "" : "s");
    free(e);
    return 0;
}

static int cascade_table(const struct cas_report *r, FILE *html)
{
    int rc = r->n_cas ? episode_table(r, html) : 0;
    if (rc)
        return rc;
    fprintf(html, "<section><h2>The %d largest cascades</h2>\n", TOP_CASCADES);
    if (!r->n_cas) {
        fputs("<p class=\"note\">No cascades: nobody was liquidated in this run.</p></section>\n",
              html);
        return 0;
    }
    struct cascade_row *k = malloc(r->n_cas * sizeof *k);
    if (!k)
        return cas__report_oom(r->err);
    memcpy(k, r->cas, r->n_cas * sizeof *k);
    qsort(k, r->n_cas, sizeof *k, by_size);
    fputs("<table class=\"cascades\">\n<thead><tr><th>#</th><th>id</th><th>episode</th>"
          "<th>root cause</th>"
          "<th>instrument</th><th>side</th><th>steps</th><th>generations</th>"
          "<th>liquidations</th><th>notional</th><th>price: start → extreme</th>"
          "<th>move (bp)</th><th>½ recovered (steps)</th></tr></thead>\n<tbody>\n",
          html);
    size_t n = r->n_cas < TOP_CASCADES ? r->n_cas : TOP_CASCADES;
    for (size_t i = 0; i < n; i++) {
        fprintf(html, "<tr><td>%zu</td><td>%lld</td><td>%lld</td><td>", i + 1, k[i].id,
                k[i].episode);
        cas__html_text(html, k[i].root_cause);
        fputs("</td><td>", html);
        cas__html_text(html, k[i].instrument);
        fputs("</td><td>", html);
        cas__html_text(html, k[i].side);
        char notional[64], num[64];
        snprintf(num, sizeof num, "%.2f", k[i].notional);
        format_value(notional, sizeof notional, num, 0);
        if (!isfinite(k[i].finish))
            fprintf(html, "</td><td>%lld–end (unfinished)", k[i].start);
        else if ((double)k[i].start == k[i].finish)
            fprintf(html, "</td><td>%lld", k[i].start);
        else
            fprintf(html, "</td><td>%lld–%.0f", k[i].start, k[i].finish);
        fprintf(html,
                "</td><td>%lld</td><td>%lld</td><td>%s</td><td>%.10g → %.10g</td>"
                "<td>%.2f</td><td>",
                k[i].generations, k[i].liquidations, notional, k[i].price_start, k[i].price_extreme,
                k[i].move_bps);
        if (isfinite(k[i].recovery))
            fprintf(html, "%.0f", k[i].recovery);
        else
            fputs("never", html);
        fputs("</td></tr>\n", html);
    }
    fprintf(html,
            "</tbody>\n</table>\n<p class=\"small\">By liquidations (then notional), from "
            "cascades.csv: %zu cascade%s in all. A cascade is a causal tree of "
            "liquidations: each member's trigger was its parent's orders, or its parent's "
            "orders carried to the index's spot books by arbitrage.</p>"
            "</section>\n",
            r->n_cas, r->n_cas == 1 ? "" : "s");
    free(k);
    return 0;
}

/* ---- the page ---- */

static const char page_style[] =
    "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;"
    "color:#222;background:#fff;max-width:960px;margin:0 auto;padding:1em 1.5em;"
    "line-height:1.4}\n"
    "h1{font-size:1.6em;margin:.2em 0}h2{font-size:1.2em;margin:1.4em 0 .5em;"
    "border-bottom:1px solid #ddd}\n"
    "figure{margin:1.2em 0}svg.fig{width:100%;height:auto;display:block}\n"
    "figcaption{font-size:.92em;color:#333;margin-top:.2em}\n"
    "figure.skipped{border:1px dashed #bbb;padding:.4em .8em;color:#555;background:#fafafa}\n"
    ".note{color:#8a4b00}.small{font-size:.85em;color:#555}\n"
    "table{border-collapse:collapse;font-size:.9em}td,th{padding:.2em .6em;"
    "border-bottom:1px solid #eee;text-align:left}\n"
    "table.cascades td,table.cascades th{text-align:right;font-variant-numeric:tabular-nums;"
    "padding:.2em .4em}table.cascades td{white-space:nowrap}\n"
    "table.headline{columns:2}table.headline td{font-variant-numeric:tabular-nums}\n"
    "table.headline th{font-weight:normal;color:#444}\n";

/* What each agent type did: summary.json's "agents". */
static void agents_table(const struct cas_report *r, FILE *html, const char *title)
{
    const cJSON *agents = cJSON_GetObjectItemCaseSensitive(r->sum, "agents"), *a;
    fputs("<h3>", html);
    cas__html_text(html, title);
    fputs("</h3>\n", html);
    if (!cJSON_IsObject(agents) || !agents->child) {
        fputs("<p class=\"note\">No agents.</p>\n", html);
        return;
    }
    static const char *const cols[] = {"count",     "orders",        "trades",    "liquidated",
                                       "pnl",       "bought_lots",   "sold_lots", "position_lots",
                                       "takeovers", "takeover_bonus"};
    fputs("<table class=\"agents\"><thead><tr><th>type</th><th>agents</th><th>orders</th>"
          "<th>fills</th><th>liquidated</th><th>PnL (quote)</th><th>PnL per agent</th>"
          "<th>lots bought</th><th>lots sold</th><th>position at the end (lots)</th>"
          "<th>take-overs</th><th>take-over discount (quote)</th><th>the type's own "
          "figures</th></tr></thead><tbody>\n",
          html);
    cJSON_ArrayForEach(a, agents)
    {
        double v[10];
        for (int k = 0; k < 10; k++)
            v[k] = cJSON_GetNumberValue(cJSON_GetObjectItem(a, cols[k]));
        fputs("<tr><td>", html);
        cas__html_text(html, a->string);
        fprintf(html,
                "</td><td>%.0f</td><td>%.0f</td><td>%.0f</td><td>%.0f</td><td>%.2f</td>"
                "<td>%.2f</td><td>%.0f</td><td>%.0f</td><td>%+.0f</td><td>%.0f</td>"
                "<td>%.2f</td><td>",
                v[0], v[1], v[2], v[3], v[4], v[0] > 0 ? v[4] / v[0] : 0, v[5], v[6], v[7], v[8],
                v[9]);
        const cJSON *m, *measures = cJSON_GetObjectItem(a, "measures");
        bool first = true;
        cJSON_ArrayForEach(m, measures)
        {
            fprintf(html, "%s", first ? "" : ", ");
            cas__html_text(html, m->string);
            fprintf(html, " %.10g", cJSON_GetNumberValue(m));
            first = false;
        }
        fputs("</td></tr>\n", html);
    }
    fputs("</tbody></table>\n<p class=\"small\">From summary.json <code>agents</code>: orders "
          "the venue accepted, fills of their orders, positions liquidated, equity at the end "
          "minus deposits, lots their orders bought and sold (an option dealer's hedges), the "
          "net position on their instrument at the end (a basis arbitrageur's perpetual leg), "
          "positions taken over as keepers and the discount to the mark they got, and the "
          "figures a type reports of itself (an option dealer's book gamma as the lots its "
          "hedge trades per 1% move; a front-runner's trades ahead of a cluster, and how many "
          "reached it): docs/agents/.</p>\n",
          html);
}

/* The headline figures of the page's instrument: from summary.json when it
 * is the run's first instrument (summary.json describes that one), else
 * from the run's CSVs; and the venue's insurance fund. */
#define N_HEAD 17

struct head {
    const char *what, *unit;
    int decimals;
    char value[64]; /* as text; "" when the run has none */
};

static size_t head_rows(const struct cas_report *r, struct head *h)
{
    char first[128];
    cas__summary_value(r, NULL, "instrument", first, sizeof first);
    bool is_first = strcmp(first, r->instrument) == 0;
    const struct inst_row *in = cas__page_instrument(r);
    size_t n = 0;
#define ROW(w, u, d) (h[n] = (struct head){(w), (u), (d), ""}, h[n++].value)
#define NUM(w, u, d, v) snprintf(ROW(w, u, d), 64, "%.10g", (double)(v))
#define SUM(w, u, d, sec, key) cas__summary_value(r, sec, key, ROW(w, u, d), 64)
    if (in) {
        NUM("price after the book's opening", "quote currency", 2, in->first);
        NUM("price at the end", "quote currency", 2, in->last);
        NUM("lowest price after it, trades included", "quote currency", 2, in->low);
        NUM("highest price after it, trades included", "quote currency", 2, in->high);
    }
    if (is_first) {
        SUM("largest fall from a peak", "bp", 0, "dislocation", "max_drawdown_bps");
        SUM("largest gap between price and index", "bp", 0, "dislocation", "max_basis_bps");
    }
    long long size = 0, gens = 0, longest = 0, count = 0;
    double move = NAN;
    for (size_t k = 0; k < r->n_cas; k++) {
        const struct cascade_row *c = &r->cas[k];
        if (strcmp(c->instrument, r->instrument) != 0)
            continue;
        count++;
        size = c->liquidations > size ? c->liquidations : size;
        gens = c->generations > gens ? c->generations : gens;
        if (isfinite(c->finish) && (long long)c->finish - c->start + 1 > longest)
            longest = (long long)c->finish - c->start + 1;
        move = isnan(move) ? c->move_bps : fmax(move, c->move_bps);
    }
    NUM("liquidations", NULL, 0, r->n_liq);
    NUM("cascades", NULL, 0, count);
    NUM("liquidations in the largest cascade", NULL, 0, size);
    NUM("generations in the deepest cascade", NULL, 0, gens);
    if (isfinite(move))
        NUM("largest price move of a cascade (trades included)", "bp", 0, move);
    else
        ROW("largest price move of a cascade (trades included)", "bp", 0);
    NUM("longest cascade, first trigger to last fill", "steps", 0, longest);
    SUM("insurance fund at the start (the venue's)", "quote currency", 0, "insurance_fund",
        "initial");
    SUM("insurance fund at the end (the venue's)", "quote currency", 0, "insurance_fund", "final");
    if (is_first) {
        SUM("excess kurtosis of 1-minute returns after the warm-up (0 if normal)", NULL, -3,
            "stylized", "excess_kurtosis");
        SUM("tail index of 1-minute returns, Hill (about 3 in real markets)", NULL, -3, "stylized",
            "hill_index");
    }
#undef ROW
#undef NUM
#undef SUM
    return n;
}

/* The headline figures of one or two runs (labelled when two); with two, the second's minus
 * the first's (rows both have). */
static void headline_table(const struct cas_report *const *runs, const char *const *labels,
                           size_t n, FILE *html)
{
    struct head h[2][N_HEAD];
    size_t m[2] = {0, 0};
    for (size_t k = 0; k < n; k++)
        m[k] = head_rows(runs[k], h[k]);
    fputs("<section><h2>Headline figures</h2>\n<table class=\"headline\">\n", html);
    fputs("<tr><th></th>", html);
    for (size_t k = 0; k < n; k++) {
        fputs("<th>", html);
        if (n == 2) {
            cas__html_text(html, labels[k]);
            fputs(": ", html);
        }
        cas__html_text(html, runs[k]->instrument);
        fputs("</th>", html);
    }
    if (n == 2) {
        fputs("<th>", html);
        cas__html_text(html, labels[1]);
        fputs(" − ", html);
        cas__html_text(html, labels[0]);
        fputs("</th>", html);
    }
    fputs("</tr>\n", html);
    for (size_t i = 0; i < m[0]; i++) {
        const struct head *a = &h[0][i], *b = NULL;
        for (size_t j = 0; n == 2 && j < m[1] && !b; j++)
            if (strcmp(h[1][j].what, a->what) == 0)
                b = &h[1][j];
        if (n == 2 && !b)
            continue;
        const struct head *cells[2] = {a, b};
        char shown[96];
        fputs("<tr><th>", html);
        cas__html_text(html, a->what);
        fputs("</th>", html);
        for (size_t k = 0; k < n; k++) {
            format_value(shown, sizeof shown, cells[k]->value, a->decimals);
            fputs("<td>", html);
            cas__html_text(html, shown);
            if (a->unit && strcmp(shown, "none") != 0) {
                fputc(' ', html);
                cas__html_text(html, a->unit);
            }
            fputs("</td>", html);
        }
        if (n == 2) {
            char *e0, *e1;
            double x = strtod(a->value, &e0), y = strtod(b->value, &e1);
            fputs("<td>", html);
            if (a->value[0] && b->value[0] && !*e0 && !*e1 && isfinite(x) && isfinite(y)) {
                char num[64];
                snprintf(num, sizeof num, "%.10g", y - x);
                format_value(shown, sizeof shown, num, a->decimals);
                fprintf(html, "%s%s", y - x > 0 ? "+" : "", shown);
            }
            fputs("</td>", html);
        }
        fputs("</tr>\n", html);
    }
    fputs("</table>\n<p class=\"small\">Figures of the instrument named at the top of each "
          "column (from its rows of timeseries.csv, liquidations.csv and cascades.csv; the "
          "fall, gap and stylized figures from summary.json, which describes the run's first "
          "instrument, and only for that one); the insurance fund is the venue's. Every figure "
          "is documented in docs/outputs.md.</p></section>\n",
          html);
}

/* Every instrument of the run, one row each. */
static void instruments_table(const struct cas_report *r, FILE *html)
{
    fputs(
        "<section id=\"instruments\"><h2>The instruments</h2>\n<table class=\"agents\"><thead>"
        "<tr><th>instrument</th><th>kind</th><th>price: after the opening → end</th>"
        "<th>lowest / highest after it (trades included)</th><th>liquidations</th><th>cascades</th>"
        "<th>largest cascade move</th></tr></thead><tbody>\n",
        html);
    for (size_t k = 0; k < r->n_insts; k++) {
        const struct inst_row *in = &r->insts[k];
        fputs("<tr><td>", html);
        cas__html_text(html, in->name);
        fprintf(html,
                "%s</td><td>%s</td><td>%.10g → %.10g</td><td>%.10g / %.10g</td>"
                "<td>%lld</td><td>%lld</td><td>",
                strcmp(in->name, r->instrument) == 0 ? " (this page)" : "",
                in->perpetual ? "perpetual" : "spot", in->first, in->last, in->low, in->high,
                in->liquidations, in->cascades);
        if (isfinite(in->largest_move))
            fprintf(html, "%.0f bp", in->largest_move);
        else
            fputs("none", html);
        fputs("</td></tr>\n", html);
    }
    fputs("</tbody></table>\n<p class=\"small\">From timeseries.csv, liquidations.csv and "
          "cascades.csv. This page's figures describe one instrument; <code>cascade report "
          "RUNDIR --instrument NAME -o FILE</code> writes the page of another.</p></section>\n",
          html);
}

static void run_heading(FILE *html, const char *label, const struct cas_report *r)
{
    char name[128], seed[32];
    cas__summary_value(r, NULL, "name", name, sizeof name);
    cas__summary_value(r, NULL, "seed", seed, sizeof seed);
    fprintf(html, "<li><b>%s</b>: <code>", label);
    cas__html_text(html, r->rundir);
    fputs("</code> — ", html);
    cas__html_text(html, name);
    fputs(", seed ", html);
    cas__html_text(html, seed);
    fputs("</li>\n", html);
}

/* A run's label on the two-run page: its directory's last name, or the whole path when the
 * two last names are the same. */
static const char *run_label(const char *rundir, char *buf, size_t size)
{
    size_t len = strlen(rundir);
    while (len > 1 && rundir[len - 1] == '/')
        len--;
    size_t start = len;
    while (start > 0 && rundir[start - 1] != '/')
        start--;
    snprintf(buf, size, "%.*s", (int)(len - start), rundir + start);
    return buf;
}

static int write_compare_page(struct cas_report *a, struct cas_report *b, FILE *html)
{
    char la[256], lb[256];
    run_label(a->rundir, la, sizeof la);
    run_label(b->rundir, lb, sizeof lb);
    if (strcmp(la, lb) == 0) {
        snprintf(la, sizeof la, "%s", a->rundir);
        snprintf(lb, sizeof lb, "%s", b->rundir);
    }
    const char *labels[2] = {la, lb};
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<title>cascade report: two runs</title>\n<style>\n",
          html);
    fprintf(html, "%s</style>\n</head>\n<body>\n<header>\n<h1>Two runs side by side</h1>\n<ul>\n",
            page_style);
    run_heading(html, la, a);
    run_heading(html, lb, b);
    fputs("</ul>\n</header>\n", html);
    const struct cas_report *runs[2] = {a, b};
    headline_table(runs, labels, 2, html);
    fputs("<section><h2>Figures</h2>\n", html);
    int rc = cas__fig_compare(a, b, la, lb, html);
    if (rc)
        return rc;
    fputs("</section>\n<section id=\"agents\"><h2>What each agent type did</h2>\n", html);
    agents_table(a, html, la);
    agents_table(b, html, lb);
    fputs("</section>\n", html);
    /* Each run's own section: its cascades' table, trees and replay player, as on its own
     * page; the second's ids (and its player's address key) prefixed "b-", so that the
     * first's are the single page's and none is on the page twice. */
    for (int k = 0; k < 2; k++) {
        fprintf(html, "<section class=\"run\" id=\"run-%c\" data-run=\"", k ? 'b' : 'a');
        cas__html_text(html, labels[k]);
        fputs("\"><h2>", html);
        cas__html_text(html, labels[k]);
        fputs(": its cascades, their trees and its replay</h2>\n", html);
        if ((rc = cascade_table(runs[k], html)) ||
            (rc = cas__report_cascades(html, runs[k]->rundir, k ? "b-" : "", runs[k]->err)))
            return rc;
        fputs("</section>\n", html);
    }
    fputs("<footer class=\"small\"><p>Written by <code>cascade report RUN_A RUN_B</code> ", html);
    cas__html_text(html, CAS_VERSION);
    fprintf(html, " from the two run directories; %s.</p></footer>\n</body>\n</html>\n",
            CAS__FIGURES_BY);
    return 0;
}

static int write_page(struct cas_report *r, FILE *html)
{
    char name[128], seed[32], steps[32], version[32];
    cas__summary_value(r, NULL, "name", name, sizeof name);
    cas__summary_value(r, NULL, "seed", seed, sizeof seed);
    cas__summary_value(r, NULL, "steps", steps, sizeof steps);
    cas__summary_value(r, NULL, "version", version, sizeof version);
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<title>cascade report: ",
          html);
    cas__html_text(html, name[0] ? name : r->rundir);
    fprintf(html, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<header>\n<h1>", page_style);
    cas__html_text(html, name[0] ? name : "a run");
    fputs(r->n_cas ? ": what the cascades did</h1>\n<p>Run directory <code>"
                   : ": a run without liquidations</h1>\n<p>Run directory <code>",
          html);
    cas__html_text(html, r->rundir);
    fputs("</code>, seed ", html);
    cas__html_text(html, seed[0] ? seed : "?");
    fputs(", ", html);
    cas__html_text(html, steps[0] ? steps : "?");
    fprintf(html, " steps of %.10g s. The headline and the figures describe <b>", r->step_seconds);
    cas__html_text(html, r->instrument[0] ? r->instrument : "?");
    fprintf(html, "</b>%s.</p>\n</header>\n",
            r->want          ? ""
            : r->n_insts > 1 ? " (the instrument of the largest cascade, or the "
                               "first)"
                             : "");
    const struct cas_report *runs[1] = {r};
    headline_table(runs, NULL, 1, html);
    instruments_table(r, html);
    fputs("<section><h2>Figures</h2>\n", html);
    int rc = cas__figures(r, html);
    if (rc)
        return rc;
    fputs("</section>\n", html);
    if ((rc = cascade_table(r, html)))
        return rc;
    fputs("<section id=\"agents\"><h2>What each agent type did</h2>\n", html);
    agents_table(r, html, "By type");
    fputs("</section>\n", html);
    if ((rc = cas__report_cascades(html, r->rundir, "", r->err)))
        return rc;
    fputs("<footer class=\"small\"><p>Written by <code>cascade report</code> ", html);
    cas__html_text(html, version[0] ? version : CAS_VERSION);
    fprintf(html,
            " from the run directory's CSV files; %s. Columns and keys: "
            "docs/outputs.md.</p></footer>\n</body>\n</html>\n",
            CAS__FIGURES_BY);
    return 0;
}

/* Write the page to a temporary beside `out`, then rename it into place. */
static int write_report(struct cas_report *r, struct cas_report *r2, const char *out)
{
    int rc = cas__tmp_make(r);
    if (rc)
        return rc;
    struct cas_atomic_file page;
    if ((rc = cas_atomic_open(&page, out)) == CAS_ENOMEM)
        return cas__report_oom(r->err);
    if (rc)
        return cas__report_err(r->err, CAS_EIO, NULL, 0, "cannot write '%s': %s", out,
                               strerror(errno));
    FILE *html = page.f;
    rc = r2 ? write_compare_page(r, r2, html) : write_page(r, html);
    if ((fchmod(page.fd, 0644) != 0 || fflush(html) != 0) && !rc)
        rc = cas__report_err(r->err, CAS_EIO, NULL, 0, "cannot write '%s': %s", out,
                             strerror(errno));
    if (rc == 0)
        rc = cas__stop_now(r);
    if (rc)
        cas_atomic_discard(&page);
    else if (cas_atomic_commit(&page))
        rc = cas__report_err(r->err, CAS_EIO, NULL, 0, "cannot write '%s': %s", out,
                             strerror(errno));
    return rc;
}

/* ---- the module's entry points (include/cascade/report.h) ---- */

int cas__report_check(const char *rundir, FILE *html, struct cas_err *err)
{
    struct cas_report *r = NULL;
    int rc = cas_report_read(&r, rundir, NULL, err);
    if (!rc) {
        const struct cas_report *runs[1] = {r};
        headline_table(runs, NULL, 1, html);
        instruments_table(r, html);
        agents_table(r, html, "By type");
        r->err = err;
        rc = cascade_table(r, html);
        if (rc == 0)
            rc = cas__report_cascades(html, rundir, "", err);
    }
    cas_report_free(r);
    return rc;
}

char *cas_report_default_path(const char *rundir, const char *rundir2)
{
    /* one run: RUNDIR/report.html; two: RUN_A/compare-BASENAME_B.html */
    char name[300] = "report.html", base[256];
    if (rundir2)
        snprintf(name, sizeof name, "compare-%s.html", run_label(rundir2, base, sizeof base));
    return cas_path_join(rundir, name);
}

int cas_report_write(struct cas_report *r, struct cas_report *r2, const char *out,
                     int (*stopped)(void), struct cas_err *err)
{
    if (CAS__GNUPLOT && !cas__gnuplot_on_path())
        return cas__report_err(err, CAS_ENOTFOUND, NULL, 0, CAS__NEEDS_GNUPLOT);
    r->stopped = stopped;
    r->err = err;
    if (r2)
        r2->err = err; /* its tables are written too */
    int rc = write_report(r, r2, out);
    cas__tmp_remove(r);
    r->stopped = NULL;
    r->err = NULL;
    if (r2)
        r2->err = NULL;
    return rc;
}
