/* test_report: `cascade report` end to end — the page is whole, offline and
 * renders in a real browser; bad input writes nothing.
 *
 * Needs gnuplot (Debian gnuplot-nox) and, for rendering, Chromium (Debian
 * chromium); scripts/test installs both. Without them the tests that need
 * them print one line saying so and are skipped, never passed. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/runs.h"

static char out[1 << 22], err[1 << 16]; /* out holds a dumped DOM */

TestSuite(report, .init = runs_setup, .fini = runs_teardown, .timeout = 240);

static bool exists(const char *name)
{
    char path[1024];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", run_tmp, name);
    return stat(path, &st) == 0;
}

/* Run a shell command in run_tmp; stdout and stderr land in out and err. */
__attribute__((format(printf, 1, 2))) static int sh(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int status = run_sh_v(fmt, ap);
    va_end(ap);
    read_into("out.txt", out, sizeof out);
    read_into("err.txt", err, sizeof err);
    return status;
}

static const char *bin(void)
{
    const char *b = getenv("CASCADE_BIN");
    cr_assert_not_null(b, "CASCADE_BIN is not set (run through meson test)");
    return b;
}

static bool installed(const char *prog)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", prog);
    return system(cmd) == 0;
}

/* Skip, saying so on one line, unless every program the test needs is here. */
static void need(bool chromium)
{
    const char *missing = NULL;
    if (!installed("gnuplot"))
        missing = "gnuplot (apt-get install gnuplot-nox)";
    else if (chromium && !installed("chromium"))
        missing = "chromium (apt-get install chromium)";
    if (missing) {
        fprintf(stderr, "SKIP report: %s is not installed; scripts/test installs it\n", missing);
        cr_skip_test("%s is not installed", missing);
    }
}

static size_t count(const char *s, const char *what)
{
    size_t n = 0;
    for (const char *p = s; (p = strstr(p, what)); p += strlen(what))
        n++;
    return n;
}

static void run_long_squeeze(void)
{
    const char *root = getenv("CASCADE_SOURCE_ROOT");
    cr_assert_not_null(root);
    cr_assert_eq(sh("'%s' run '%s/configs/long-squeeze.json' -o r --quiet", bin(), root), 0, "%s",
                 err);
}

static const char chromium_flags[] =
    "--headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
    "--disable-background-networking --disable-component-update --disable-sync "
    "--hide-scrollbars";

/* The DOM of tmp/PAGE after Chromium loaded it, in out. */
static void dump_dom(const char *page)
{
    cr_assert_eq(sh("timeout 120 chromium %s --user-data-dir=\"$PWD/profile-dom\" --dump-dom "
                    "\"file://$PWD/%s\"",
                    chromium_flags, page),
                 0, "chromium: %s", err);
}

/* The page as Chromium draws it, screenshot into tmp/PNG; what it logged in err. */
static void screenshot(const char *page, const char *png)
{
    cr_assert_eq(sh("timeout 120 chromium %s --user-data-dir=\"$PWD/profile-shot\" "
                    "--enable-logging=stderr --v=0 --window-size=1200,4000 "
                    "--screenshot=\"$PWD/%s\" \"file://$PWD/%s\"",
                    chromium_flags, png, page),
                 0, "chromium: %s", err);
    cr_assert_null(strstr(err, "Uncaught"), "the page raised a JavaScript error:\n%s", err);
    cr_assert_null(strstr(err, "ERROR:CONSOLE"), "the page logged a console error:\n%s", err);
}

static void assert_png(const char *png, unsigned width, unsigned height)
{
    size_t len = 0;
    unsigned char *p = (unsigned char *)slurp_file_len(png, &len);
    cr_assert_not_null(p, "no screenshot %s", png);
    cr_assert_gt(len, 50000, "screenshot only %zu bytes: a blank page?", len);
    cr_assert_eq(memcmp(p, "\x89PNG\r\n\x1a\n", 8), 0, "not a PNG");
    cr_assert_eq(memcmp(p + 12, "IHDR", 4), 0);
    unsigned w = (unsigned)p[16] << 24 | (unsigned)p[17] << 16 | (unsigned)p[18] << 8 | p[19];
    unsigned h = (unsigned)p[20] << 24 | (unsigned)p[21] << 16 | (unsigned)p[22] << 8 | p[23];
    cr_assert_eq(w, width);
    cr_assert_eq(h, height);
    free(p);
}

/* Nothing offline-breaking: no script, no address to fetch. */
static void assert_self_contained(const char *html)
{
    cr_assert_null(strstr(html, "src=\"http"));
    cr_assert_null(strstr(html, "href=\"http"));
    cr_assert_null(strstr(html, "src='http"));
    cr_assert_null(strstr(html, "href='http"));
    cr_assert_null(strstr(html, "<script src"));
    cr_assert_null(strstr(html, "fetch("));
    cr_assert_null(strstr(html, "XMLHttpRequest"));
    cr_assert_null(strstr(html, "<link"));
    cr_assert_null(strstr(html, "<img"));
    cr_assert_null(strstr(html, "url(http"));
    cr_assert_null(strstr(html, "@import"));
}

Test(report, long_squeeze_page_has_every_figure_is_offline_and_renders)
{
    need(true);
    run_long_squeeze();
    cr_assert_eq(sh("'%s' report r", bin()), 0, "%s", err);
    cr_assert_str_eq(out, "r/report.html\n");
    cr_assert_str_eq(err, "");
    char *html = slurp_file("r/report.html");
    cr_assert_not_null(html, "no r/report.html");
    /* 8 gnuplot figures, 3 trees, 3 price paths, the player's ladder and strip */
    cr_assert_eq(count(html, "<svg"), 16, "expected 16 SVGs inline, got %zu", count(html, "<svg"));
    cr_assert_eq(count(html, "<svg class=\"tree\""), 3);
    cr_assert_eq(count(html, "<figcaption"), 8);
    cr_assert_eq(count(html, "class=\"skipped\""), 0);
    for (int i = 1; i <= 8; i++) {
        char id[32];
        snprintf(id, sizeof id, "<figure id=\"fig%d\">", i);
        cr_assert_not_null(strstr(html, id), "figure %d missing", i);
    }
    /* The cascade table: long-squeeze has 13 cascades, so the top 10 are shown. */
    char *table = strstr(html, "<table class=\"cascades\">");
    cr_assert_not_null(table, "no cascade table");
    char *table_end = strstr(table, "</table>");
    cr_assert_not_null(table_end);
    *table_end = 0;
    cr_assert_eq(count(table, "<tr><td>"), 10);
    cr_assert_not_null(strstr(table, "shock:21"), "the whale's closing sell");
    *table_end = '<';
    cr_assert_not_null(strstr(html, "<table class=\"headline\">"));
    /* The headline's largest cascade move is cascades.csv's largest move_bps. */
    cr_assert_eq(sh("awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == \"move_bps\") c = i;"
                    " next } { print $c }' r/cascades.csv | sort -g | tail -1 | "
                    "xargs printf '%%.0f'"),
                 0, "%s", err);
    long move = strtol(out, NULL, 10);
    cr_assert_gt(move, 100, "long-squeeze's largest cascade moves only %ld bp", move);
    char want[128];
    if (move >= 1000)
        snprintf(want, sizeof want,
                 "largest price move of a cascade (trades included)</th><td>%ld,%03ld bp",
                 move / 1000, move % 1000);
    else
        snprintf(want, sizeof want,
                 "largest price move of a cascade (trades included)</th><td>%ld bp", move);
    cr_assert_not_null(strstr(html, want), "the headline does not say %s", want);
    assert_self_contained(html);
    /* Each figure's SVG ids are its own. */
    cr_assert_not_null(strstr(html, "id='fig3-gpPt0'"));
    cr_assert_null(strstr(html, "id='gpPt0'"));
    free(html);

    /* The browser parses all eight SVGs... */
    dump_dom("r/report.html");
    cr_assert_eq(count(out, "<svg"), 16, "the DOM holds %zu svg elements", count(out, "<svg"));
    /* ...and draws the page without any JavaScript error. */
    screenshot("r/report.html", "report.png");
    assert_png("report.png", 1200, 4000);

    /* Kept as a test artefact in the build directory (meson's working directory). */
    char cwd[PATH_MAX];
    cr_assert_not_null(getcwd(cwd, sizeof cwd));
    cr_assert_eq(sh("cp report.png '%s/report-long-squeeze.png'", cwd), 0, "%s", err);
    fprintf(stderr, "report: screenshot of the long-squeeze report: %s/report-long-squeeze.png\n",
            cwd);

    /* -o writes elsewhere, and re-running replaces the page. */
    cr_assert_eq(sh("'%s' report r -o elsewhere.html", bin()), 0, "%s", err);
    cr_assert_str_eq(out, "elsewhere.html\n");
    cr_assert(exists("elsewhere.html"));
    cr_assert_eq(sh("'%s' report r", bin()), 0, "%s", err);
}

/* The DOM after the page's script ran for `ms` of virtual time, at URL
 * fragment `frag`; console errors fail the test. */
static void dom_at(const char *page, const char *frag, int ms)
{
    cr_assert_eq(sh("timeout 120 chromium %s --user-data-dir=\"$PWD/profile-js\" "
                    "--enable-logging=stderr --v=0 --virtual-time-budget=%d --dump-dom "
                    "\"file://$PWD/%s#%s\"",
                    chromium_flags, ms, page, frag),
                 0, "chromium: %s", err);
    cr_assert_null(strstr(err, "Uncaught"), "the page raised a JavaScript error:\n%s", err);
    cr_assert_null(strstr(err, "ERROR:CONSOLE"), "the page logged a console error:\n%s", err);
}

/* A screenshot of one part of a page: the page in a frame at fragment `frag`. */
static void shot_of(const char *page, const char *frag, const char *png)
{
    char html[512];
    snprintf(html, sizeof html,
             "<!DOCTYPE html><html><body style='margin:0'><iframe src='%s#%s' "
             "style='border:0;width:1200px;height:1000px'></iframe></body></html>",
             page, frag);
    char path[1024];
    snprintf(path, sizeof path, "%s/frame.html", run_tmp);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(html, f);
    fclose(f);
    cr_assert_eq(sh("timeout 120 chromium %s --user-data-dir=\"$PWD/profile-shot\" "
                    "--window-size=1200,1000 --virtual-time-budget=2000 "
                    "--screenshot=\"$PWD/%s\" \"file://$PWD/frame.html\"",
                    chromium_flags, png),
                 0, "chromium: %s", err);
    char cwd[PATH_MAX];
    cr_assert_not_null(getcwd(cwd, sizeof cwd));
    cr_assert_eq(sh("cp %s '%s/report-%s'", png, cwd, png), 0, "%s", err);
    fprintf(stderr, "report: screenshot kept: %s/report-%s\n", cwd, png);
}

/* The replay player: #replay=STEP opens it at that step's start (frame 0) with that
 * step's narration; #replay=STEP&play plays it on; no console error. (Frame by frame:
 * tests/browser/player.mjs, run by test_player.) */
Test(report, replay_player_opens_at_a_step_and_plays)
{
    need(true);
    run_long_squeeze();
    cr_assert_eq(sh("'%s' report r", bin()), 0, "%s", err);
    /* the largest cascade's first step, and a liquidation triggered in it */
    cr_assert_eq(sh("awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } "
                    "$c[\"liquidations\"] > n { n = $c[\"liquidations\"]; s = $c[\"start_step\"] } "
                    "END { print s }' r/cascades.csv"),
                 0, "%s", err);
    long step = strtol(out, NULL, 10);
    cr_assert_gt(step, 0);
    cr_assert_eq(sh("awk -F, -v s=%ld '$2 == s { print $1; exit }' r/liquidations.csv", step), 0);
    long liq = strtol(out, NULL, 10);
    cr_assert_gt(liq, 0, "no liquidation in step %ld", step);
    char frag[64], want[128];
    snprintf(frag, sizeof frag, "replay=%ld", step);
    dom_at("r/report.html", frag, 1000);
    snprintf(want, sizeof want, "id=\"replay\" data-step=\"%ld\" data-event=\"0\"", step);
    cr_assert_not_null(strstr(out, want), "the player does not show step %ld's start", step);
    char *nar = strstr(out, "<div id=\"replay-narration\">");
    cr_assert_not_null(nar);
    snprintf(want, sizeof want, "<div id=\"replay-narration\"><div class=\"now\">Step %ld, ", step);
    cr_assert_eq(strncmp(nar, want, strlen(want)), 0, "narration: %.200s", nar);
    snprintf(want, sizeof want, "Liquidation %ld: account ", liq);
    cr_assert_not_null(strstr(nar, want), "the narration lacks '%s'", want);
    /* play: after three seconds the player is further on */
    snprintf(frag, sizeof frag, "replay=%ld&play", step);
    dom_at("r/report.html", frag, 3000);
    const char *at = strstr(out, "id=\"replay\" data-step=\"");
    cr_assert_not_null(at);
    char *end;
    long now = strtol(at + strlen("id=\"replay\" data-step=\""), &end, 10);
    cr_assert_eq(strncmp(end, "\" data-event=\"", 14), 0);
    long event = strtol(end + 14, NULL, 10);
    cr_assert(now > step || (now == step && event > 0),
              "playing did not move on (step %ld, event %ld)", now, event);
    /* kept: the tree, the player */
    shot_of("r/report.html", "trees", "tree.png");
    assert_png("tree.png", 1200, 1000);
    snprintf(frag, sizeof frag, "replay=%ld", step);
    shot_of("r/report.html", frag, "player.png");
    assert_png("player.png", 1200, 1000);
}

static int by_string(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Every id="..." (and gnuplot's id='...') in the page names one element. */
static void assert_unique_ids(const char *html)
{
    size_t n = 0, cap = 1024;
    char **ids = malloc(cap * sizeof *ids);
    cr_assert_not_null(ids);
    for (const char *p = html; (p = strstr(p, " id=")); p += 4) {
        char quote = p[4];
        const char *end = quote == '"' || quote == '\'' ? strchr(p + 5, quote) : NULL;
        if (!end)
            continue;
        if (n == cap) {
            ids = realloc(ids, (cap *= 2) * sizeof *ids);
            cr_assert_not_null(ids);
        }
        ids[n++] = strndup(p + 5, (size_t)(end - p - 5));
    }
    cr_assert_gt(n, 20, "only %zu ids in the page", n);
    qsort(ids, n, sizeof *ids, by_string);
    for (size_t k = 1; k < n; k++)
        cr_assert_str_neq(ids[k - 1], ids[k], "id '%s' is on the page twice", ids[k]);
    for (size_t k = 0; k < n; k++)
        free(ids[k]);
    free(ids);
}

/* A copy of the section of run `which` ('a' or 'b') on a page of two runs, data-run `label`
 * (up to the next run's section or the footer). */
static char *run_section(const char *html, char which, const char *label)
{
    char open[160];
    snprintf(open, sizeof open, "<section class=\"run\" id=\"run-%c\" data-run=\"%s\">", which,
             label);
    const char *from = strstr(html, open);
    cr_assert_not_null(from, "no '%s'", open);
    const char *to = strstr(from + 1, "<section class=\"run\"");
    if (!to)
        to = strstr(from, "<footer");
    cr_assert_not_null(to);
    return strndup(from, (size_t)(to - from));
}

/* Two runs on one page: the squeeze against its control. */
Test(report, two_runs_on_one_page)
{
    need(true);
    run_long_squeeze();
    const char *root = getenv("CASCADE_SOURCE_ROOT");
    cr_assert_eq(sh("'%s' run '%s/configs/no-leverage.json' -o c --quiet", bin(), root), 0, "%s",
                 err);
    cr_assert_eq(sh("'%s' report r c", bin()), 0, "%s", err);
    cr_assert_str_eq(out, "r/compare-c.html\n");
    char *html = slurp_file("r/compare-c.html");
    cr_assert_not_null(html);
    cr_assert_not_null(strstr(html, "<h1>Two runs side by side</h1>"));
    /* the runs are labelled by their directories' names (issue 22: "A" and "B" read as the
     * instruments BTC-PERP-A and -B), each run's section carries data-run */
    cr_assert_not_null(strstr(html, "<b>r</b>: <code>r</code> — long-squeeze, seed 1"));
    cr_assert_not_null(strstr(html, "<b>c</b>: <code>c</code> — no-leverage, seed 1"));
    cr_assert_not_null(strstr(html, "<th>r: BTC-PERP</th><th>c: BTC-PERP</th><th>c − r</th>"));
    /* each run's section: the squeeze's trees and player; the control's note that it has no
     * cascade, and no tree */
    char *a = run_section(html, 'a', "r"), *c = run_section(html, 'b', "c");
    cr_assert_eq(count(a, "<div class=\"cascade-tree\" data-cascade=\""), 3);
    cr_assert_eq(count(a, "<svg class=\"tree\" id=\"tree-"), 3);
    cr_assert_not_null(strstr(a, "<div id=\"replay\" data-step"));
    cr_assert_eq(count(c, "cascade-tree"), 0);
    cr_assert_not_null(
        strstr(c, "<p class=\"note\">No cascades: nobody was liquidated in this run."));
    cr_assert_null(strstr(c, "<svg"));
    free(a);
    free(c);
    assert_unique_ids(html);
    cr_assert_null(strstr(html, "<b>A</b>"));
    /* figures 1 (the prices) and 2 (the liquidated notional), both by minutes */
    cr_assert_not_null(strstr(html, "<figure id=\"fig1\">"));
    cr_assert_not_null(strstr(html, "<figure id=\"fig2\">"));
    cr_assert_eq(count(html, "minutes from the start"), 2, "the figures' axes are not in minutes");
    /* the liquidations row: A's count, the control's 0, and the difference */
    cr_assert_eq(sh("grep -o '\"count\": [0-9]*' r/summary.json | sed -n 1p | cut -d' ' -f2"), 0);
    long n = strtol(out, NULL, 10);
    cr_assert_gt(n, 0);
    char want[256];
    snprintf(want, sizeof want,
             "<tr><th>liquidations</th><td>%ld</td><td>0</td>"
             "<td>-%ld</td>",
             n, n);
    cr_assert_not_null(strstr(html, want), "no '%s'", want);
    /* figures 1 and 2; the squeeze's 3 trees, 3 price paths, ladder and strip */
    cr_assert_eq(count(html, "<svg"), 10);
    cr_assert_eq(count(html, "<table class=\"agents\">"), 2);
    cr_assert_eq(count(html, "<section class=\"run\""), 2);
    assert_self_contained(html);
    free(html);
    shot_of("r/compare-c.html", "", "two-runs.png");
    assert_png("two-runs.png", 1200, 1000);
    /* three run directories is one too many */
    cr_assert_eq(sh("'%s' report r c r", bin()), 2);
    cr_assert_not_null(strstr(err, "unexpected argument 'r'"));
}

/* Two runs with cascades on one page (seeds 1 and 2 of the squeeze): each run's section has
 * its trees and its player, the second's ids prefixed "b-", and no id is on the page twice.
 * (Both players in a browser: tests/browser/player.mjs --two, run by test_player.) */
Test(report, two_runs_each_with_its_trees_and_player)
{
    need(false);
    const char *root = getenv("CASCADE_SOURCE_ROOT");
    for (int seed = 1; seed <= 2; seed++)
        cr_assert_eq(sh("'%s' run '%s/configs/long-squeeze.json' --seed %d -o seed%d --quiet",
                        bin(), root, seed, seed),
                     0, "%s", err);
    cr_assert_eq(sh("'%s' report seed1 seed2 -o two.html", bin()), 0, "%s", err);
    size_t len = 0;
    char *html = slurp_file_len("two.html", &len);
    cr_assert_not_null(html);
    fprintf(stderr, "report: the page of long-squeeze seeds 1 and 2 is %zu bytes\n", len);
    char *a = run_section(html, 'a', "seed1"), *b = run_section(html, 'b', "seed2");
    cr_assert_geq(count(a, "<div class=\"cascade-tree\""), 1);
    cr_assert_geq(count(b, "<div class=\"cascade-tree\""), 1);
    cr_assert_eq(count(a, "<svg class=\"tree\" id=\"tree-"), count(a, "class=\"cascade-tree\""));
    cr_assert_eq(count(b, "<svg class=\"tree\" id=\"b-tree-"), count(b, "class=\"cascade-tree\""));
    /* the first run's player has the single page's ids and address, the second's its own */
    cr_assert_not_null(strstr(a, "<div id=\"replay\" data-step"));
    cr_assert_not_null(strstr(a, "<script type=\"application/json\" id=\"replay-data\">"));
    cr_assert_not_null(strstr(a, "})(\"\");\n</script>"));
    cr_assert_not_null(strstr(b, "<div id=\"b-replay\" data-step"));
    cr_assert_not_null(strstr(b, "<script type=\"application/json\" id=\"b-replay-data\">"));
    cr_assert_not_null(strstr(b, "<code>#b-replay=STEP.K</code>"));
    cr_assert_not_null(strstr(b, "})(\"b-\");\n</script>"));
    cr_assert_not_null(strstr(b, "#b-replay-ladder,#b-replay-strip{"), "the second player's style");
    free(a);
    free(b);
    assert_unique_ids(html);
    free(html);
}

/* The page of the default day (86,400 steps, its replay windows included)
 * stays under 5 MB. */
Test(report, the_default_day_page_is_under_5_mb)
{
    need(false);
    cr_assert_eq(sh("'%s' run -o d --quiet", bin()), 0, "%s", err);
    cr_assert_eq(sh("'%s' report d", bin()), 0, "%s", err);
    size_t len = 0;
    char *html = slurp_file_len("d/report.html", &len);
    cr_assert_not_null(html);
    cr_assert_lt(len, 5u << 20, "the default day's page is %zu bytes", len);
    cr_assert_not_null(strstr(html, "id=\"replay-data\""), "no replay in the default day");
    fprintf(stderr, "report: the default day's page is %zu bytes\n", len);
    free(html);
}

Test(report, spot_run_renders_with_the_skipped_figures_noted)
{
    need(true);
    char path[1024];
    snprintf(path, sizeof path, "%s/spot.json", run_tmp);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs("{\"name\": \"spot\", \"seed\": 3, \"steps\": 3000, \"record\": {\"sample_every\": 10},\n"
          " \"instruments\": [{\"name\": \"X_USD\", \"kind\": \"spot\", \"tick_size\": 0.5,\n"
          "                   \"initial_price\": 100}],\n"
          " \"agents\": [{\"type\": \"noise\", \"count\": 20,\n"
          "   \"params\": {\"mu\": 0.5, \"alpha\": 0.05, \"delta\": 0.02, \"window\": 30}}]}\n",
          f);
    fclose(f);
    cr_assert_eq(sh("'%s' run spot.json -o s --quiet", bin()), 0, "%s", err);
    cr_assert_eq(sh("'%s' report s", bin()), 0, "%s", err);
    char *html = slurp_file("s/report.html");
    cr_assert_not_null(html);
    /* Drawn: prices (without an index), depth, returns, autocorrelations.
     * Skipped, with a note: liquidations, liquidation map, OI/funding, fund. */
    cr_assert_eq(count(html, "<svg"), 4, "got %zu figures", count(html, "<svg"));
    cr_assert_eq(count(html, "class=\"skipped\""), 4);
    for (int i = 1; i <= 8; i++) {
        char id[32];
        snprintf(id, sizeof id, "<figure id=\"fig%d\"", i);
        cr_assert_not_null(strstr(html, id), "figure %d neither drawn nor noted", i);
    }
    cr_assert_not_null(strstr(html, "<figure id=\"fig3\" class=\"skipped\">"));
    cr_assert_not_null(strstr(html, "no index"));
    cr_assert_not_null(strstr(html, "No cascades"));
    cr_assert_not_null(strstr(html, "X_USD"));
    assert_self_contained(html);
    free(html);
    dump_dom("s/report.html");
    cr_assert_eq(count(out, "<svg"), 4);
    cr_assert_not_null(strstr(out, "skipped"));
}

/* Bad input: one line naming what is wrong, exit status 2, no page, no temporary. */
static void assert_refused(const char *dir, const char *says)
{
    char page[300];
    snprintf(page, sizeof page, "%s/report.html", dir);
    cr_assert_eq(sh("'%s' report %s", bin(), dir), 2, "%s", err);
    cr_assert_eq(strncmp(err, "cascade: ", 9), 0, "%s", err);
    cr_assert_not_null(strstr(err, says), "expected '%s' in: %s", says, err);
    cr_assert_eq(count(err, "\n"), 1, "not one line: %s", err);
    cr_assert_str_eq(out, "");
    cr_assert(!exists(page), "%s was written", page);
    cr_assert_eq(sh("! ls -a %s | grep tmp-", dir), 0, "a temporary was left: %s", out);
}

Test(report, not_a_run_directory_exits_2_and_writes_nothing)
{
    /* Input is checked before gnuplot is looked for: no gnuplot needed. */
    cr_assert_eq(sh("'%s' report no-such-dir", bin()), 2);
    cr_assert_not_null(strstr(err, "cascade: 'no-such-dir' is not a run directory"), "%s", err);
    cr_assert_eq(sh("mkdir empty"), 0);
    assert_refused("empty", "'empty' is not a run directory (no timeseries.csv)");
    cr_assert_eq(sh("'%s' report", bin()), 2);
    cr_assert_eq(sh("'%s' report r --bogus", bin()), 2);
}

Test(report, malformed_csvs_name_the_file_and_line)
{
    run_long_squeeze();
    /* timeseries.csv line 5: the mark (10th column) is not a number. */
    cr_assert_eq(sh("cp -r r b1 && sed -i '5s/^\\(\\([^,]*,\\)\\{9\\}\\)[^,]*/\\1oops/' "
                    "b1/timeseries.csv"),
                 0, "%s", err);
    assert_refused("b1", "b1/timeseries.csv:5: 'mark' is not a number: 'oops'");
    /* cascades.csv line 3: a field missing. */
    cr_assert_eq(sh("cp -r r b2 && sed -i '3s/,[^,]*$//' b2/cascades.csv"), 0, "%s", err);
    assert_refused("b2", "b2/cascades.csv:3: 21 fields, the header has 22");
    /* liquidations.csv without its header's 'mark'. */
    cr_assert_eq(sh("cp -r r b3 && sed -i '1s/,mark,/,mork,/' b3/liquidations.csv"), 0, "%s", err);
    assert_refused("b3", "b3/liquidations.csv:1: no column 'mark' in the header");
    /* An empty liqmap.csv (not even a header). */
    cr_assert_eq(sh("cp -r r b4 && : > b4/liqmap.csv"), 0, "%s", err);
    assert_refused("b4", "b4/liqmap.csv:1: empty file");
    /* A run directory without summary.json is not one. */
    cr_assert_eq(sh("cp -r r b5 && rm b5/summary.json"), 0, "%s", err);
    assert_refused("b5", "not a run directory (no summary.json)");
}

Test(report, missing_gnuplot_is_said_and_exit_1)
{
    run_long_squeeze();
    cr_assert_eq(sh("PATH=/nonexistent '%s' report r", bin()), 1, "%s", err);
    cr_assert_str_eq(err, "cascade: report needs gnuplot (apt-get install gnuplot-nox)\n");
    cr_assert(!exists("r/report.html"));
}

/* Issue 22: a tree's boxes name their instrument (cross margin's cascades on BTC-PERP-A have
 * members on BTC-PERP-B, which the tree's heading alone would hide), and a deep tree keeps
 * its size in a box that scrolls instead of shrinking to the page's width. */
Test(report, tree_boxes_name_their_instrument_and_trees_scroll)
{
    need(false);
    cr_assert_eq(sh("'%s' run '%s/configs/cross-margin-contagion.json' -o cm --quiet && '%s' "
                    "report cm",
                    bin(), source_root(), bin()),
                 0, "%s", err);
    char *html = slurp_file("cm/report.html");
    cr_assert_not_null(html);
    size_t boxes = 0, on_b = 0;
    for (const char *p = html; (p = strstr(p, "<g><rect")); p++) {
        const char *name = strstr(p, "class=\"instrument\">");
        cr_assert_not_null(name, "a tree box without its instrument");
        name += strlen("class=\"instrument\">");
        cr_assert(strncmp(name, "BTC-PERP-A: ", 12) == 0 ||
                      strncmp(name, "BTC-PERP-B: ", 12) == 0 || strncmp(name, "BTC: ", 5) == 0,
                  "a tree box names %.20s", name);
        on_b += strncmp(name, "BTC-PERP-B: ", 12) == 0;
        boxes++;
    }
    cr_assert_gt(boxes, 0, "no tree drawn");
    cr_assert_gt(on_b, 0, "no box on BTC-PERP-B: the contagion is not in the trees");
    cr_assert_eq(count(html, "<div class=\"tree-scroll\"><svg class=\"tree\""),
                 count(html, "<svg class=\"tree\""), "a tree outside its scrolling box");
    cr_assert_not_null(strstr(html, ".tree-scroll{overflow-x:auto"));
    cr_assert_not_null(strstr(html, ".tree{max-width:none"), "trees still shrink to the page");
    /* the price strips under the trees: round ticks (1, 2 or 5 times a power of ten, evenly
     * spaced) and their unit */
    size_t strips = 0;
    for (const char *p = html; (p = strstr(p, "<svg class=\"path\"")); p++) {
        const char *end = strstr(p, "</svg>");
        cr_assert_not_null(end);
        double prev = NAN, step = NAN;
        size_t ticks = 0;
        for (const char *t = p; (t = strstr(t, "class=\"tick\">")) && t < end; t++) {
            double v = strtod(t + strlen("class=\"tick\">"), NULL);
            if (!isnan(prev)) {
                double d = v - prev, mag = pow(10, floor(log10(d))), m = d / mag;
                cr_assert(fabs(m - 1) < 1e-9 || fabs(m - 2) < 1e-9 || fabs(m - 5) < 1e-9,
                          "a strip's ticks %g apart", d);
                cr_assert(isnan(step) || fabs(d - step) < 1e-9 * d, "uneven ticks");
                cr_assert(fabs(v / d - round(v / d)) < 1e-6, "tick %g off its %g grid", v, d);
                step = d;
            }
            prev = v;
            ticks++;
        }
        cr_assert_geq(ticks, 2, "a strip with %zu ticks", ticks);
        const char *unit = strstr(p, "price (quote currency)");
        cr_assert(unit && unit < end, "a strip without its unit");
        strips++;
    }
    cr_assert_gt(strips, 0, "no price strip under the trees");
    free(html);
}

/* Episodes on the page: the table of the largest episodes leads with the largest of
 * cascades.csv (most liquidations: the sum over its cascades), and the trees are grouped
 * under their episode's heading (each cascade-tree after an h3.episode of its episode).
 * On cross-margin-contagion every cascade, on both instruments, is one episode. */
Test(report, the_page_groups_cascades_by_episode)
{
    need(false);
    cr_assert_eq(sh("'%s' run '%s/configs/cross-margin-contagion.json' -o ep --quiet && '%s' "
                    "report ep",
                    bin(), source_root(), bin()),
                 0, "%s", err);
    struct table c;
    table_read(&c, "ep/cascades.csv");
    long long best = 0, best_n = -1, episodes = 0;
    for (long long e = 1;; e++) {
        long long n = 0, k = 0;
        for (size_t r = 1; r < c.n_rows; r++)
            if (integer(&c, r, "episode") == e)
                n += integer(&c, r, "liquidations"), k++;
        if (!k)
            break;
        episodes = e;
        if (n > best_n)
            best = e, best_n = n;
    }
    cr_assert_geq(best_n, 20, "the contagion liquidates a crowd");
    char *html = slurp_file("ep/report.html");
    cr_assert_not_null(html);
    const char *table = strstr(html, "<h2>The largest episodes</h2>");
    cr_assert_not_null(table);
    char want[128];
    snprintf(want, sizeof want, "<tr><td>1</td><td>%lld</td>", best);
    cr_assert_not_null(strstr(table, want), "the largest episode %lld is not first", best);
    /* its largest cascade, in the order of cascades everywhere: liquidations, notional, id */
    size_t big = 0;
    for (size_t r = 1; r < c.n_rows; r++)
        if (integer(&c, r, "episode") == best &&
            (!big || integer(&c, r, "liquidations") > integer(&c, big, "liquidations") ||
             (integer(&c, r, "liquidations") == integer(&c, big, "liquidations") &&
              num(&c, r, "notional") > num(&c, big, "notional"))))
            big = r;
    const char *row_end = strstr(table, "</tr>\n<tr><td>2</td>");
    row_end = row_end ? row_end : strstr(strstr(table, want), "</tr>");
    snprintf(want, sizeof want, "<td>%s (%s)</td>", cell(&c, big, "id"),
             cell(&c, big, "liquidations"));
    const char *at = strstr(table, want);
    cr_assert(at && at < row_end, "the largest episode's largest cascade is not %s",
              cell(&c, big, "id"));
    snprintf(want, sizeof want, "%lld episode%s in all", episodes, episodes == 1 ? "" : "s");
    cr_assert_not_null(strstr(table, want), "no '%s'", want);
    size_t trees = 0;
    for (const char *p = html; (p = strstr(p, "<div class=\"cascade-tree\" data-cascade=\""));
         p++) {
        long long id = strtoll(p + strlen("<div class=\"cascade-tree\" data-cascade=\""), NULL, 10);
        const char *h = NULL;
        for (const char *q = html;
             (q = strstr(q, "<h3 class=\"episode\" data-episode=\"")) && q < p; q++)
            h = q;
        cr_assert_not_null(h, "cascade %lld's tree has no episode heading before it", id);
        long long e = strtoll(h + strlen("<h3 class=\"episode\" data-episode=\""), NULL, 10);
        cr_assert(id >= 1 && (size_t)id < c.n_rows);
        cr_assert_eq(e, integer(&c, (size_t)id, "episode"), "cascade %lld under episode %lld", id,
                     e);
        trees++;
    }
    cr_assert_gt(trees, 1);
    cr_assert_not_null(strstr(html, "cascades on BTC-PERP-A, BTC-PERP-B"),
                       "the episode's heading names both instruments");
    table_free(&c);
    free(html);
}
