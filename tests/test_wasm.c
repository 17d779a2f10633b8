/* test_wasm: the WebAssembly program writes what the native one writes, byte for byte.
 *
 * scripts/lab builds build-wasm/cascade.js, the cascade program for node (emscripten,
 * the real file system through NODERAWFS); CASCADE_WASM names it (tests/meson.build). The
 * simulation's arithmetic is the project's own (src/core/fmath.c, -ffp-contract=off,
 * integer prices, lots and money), so nothing in a run may depend on the machine: every
 * shipped config (configs/ and configs/bench/, the whole-day ones for their first hour)
 * is run with --counterfactual under node and natively, and the run directories must be
 * the same files with the same bytes, summary.json's "performance" object (wall clock and
 * memory) aside; `narrate` and `facts` must print the same. A sweep, whose runs the
 * WebAssembly program makes one after another in its own process (it cannot start one),
 * must leave the same sweep directory as the native -j 2. `report`, which cannot start
 * gnuplot there, writes the native page without the figures' drawings. Skipped, saying why, when the program or node is absent
 * (scripts/test builds it first).
 */
#include <cjson/cJSON.h>
#include <dirent.h>
#include <unistd.h>

#include "lib/runs.h"

TestSuite(wasm, .init = runs_setup, .fini = runs_teardown, .timeout = 1800);

/* The program under node, or the test skipped. */
static const char *wasm_program(void)
{
    const char *js = getenv("CASCADE_WASM");
    cr_assert_not_null(js, "CASCADE_WASM is not set (run through meson test)");
    static char why[2300];
    if (access(js, R_OK) != 0)
        snprintf(why, sizeof why,
                 "SKIP wasm: %s is absent; scripts/lab builds it (scripts/test does)", js);
    else if (system("command -v node >/dev/null 2>&1") != 0)
        snprintf(why, sizeof why, "SKIP wasm: node is not installed; scripts/lab installs it");
    else
        return js;
    fprintf(stderr, "%s\n", why); /* in meson's log too */
    cr_skip_test("%s", why);
}

/* Two files of the scratch directory: the same bytes (summary.json without its
 * "performance"). */
static void same_file(const char *a, const char *b, const char *name)
{
    size_t la, lb;
    char *ta = slurp_file_len(a, &la), *tb = slurp_file_len(b, &lb);
    cr_assert(ta && tb, "cannot read %s or %s", a, b);
    if (strcmp(name, "summary.json") == 0) {
        strip_performance(ta, a);
        strip_performance(tb, b);
        la = strlen(ta);
        lb = strlen(tb);
    }
    size_t at = 0;
    while (at < la && at < lb && ta[at] == tb[at])
        at++;
    cr_assert(at == la && at == lb, "%s and %s differ at byte %zu (of %zu and %zu)", a, b, at, la,
              lb);
    free(ta);
    free(tb);
}

/* Two directories of the scratch directory: the same names, the same bytes (recursing
 * into subdirectories); the number of files compared. */
static size_t same_dir(const char *a, const char *b)
{
    char pa[1024], pb[1024], *na[64], *nb[64];
    snprintf(pa, sizeof pa, "%s/%s", run_tmp, a);
    snprintf(pb, sizeof pb, "%s/%s", run_tmp, b);
    size_t n = list_dir(pa, "", na, 64), m = list_dir(pb, "", nb, 64), files = 0;
    for (size_t k = 0; k < n || k < m; k++)
        cr_assert(k < n && k < m && strcmp(na[k], nb[k]) == 0, "%s has %s where %s has %s", a,
                  k < n ? na[k] : "nothing", b, k < m ? nb[k] : "nothing");
    for (size_t k = 0; k < n; k++) {
        char fa[1100], fb[1100], full[1400];
        snprintf(fa, sizeof fa, "%s/%s", a, na[k]);
        snprintf(fb, sizeof fb, "%s/%s", b, nb[k]);
        snprintf(full, sizeof full, "%s/%s", run_tmp, fa);
        DIR *sub = opendir(full);
        if (sub) {
            closedir(sub);
            files += same_dir(fa, fb);
        } else {
            same_file(fa, fb, na[k]);
            files++;
        }
        free(na[k]);
        free(nb[k]);
    }
    return files;
}

/* The steps of a config file (its "steps"). */
static double config_steps(const char *path)
{
    char *text = slurp_file(path);
    cr_assert_not_null(text, "cannot read %s", path);
    cJSON *j = cJSON_Parse(text);
    cr_assert_not_null(j, "%s is not JSON", path);
    const cJSON *steps = cJSON_GetObjectItemCaseSensitive(j, "steps");
    double n = cJSON_IsNumber(steps) ? steps->valuedouble : 0;
    cJSON_Delete(j);
    free(text);
    return n;
}

/* `ARGS` run by the native program and by the WebAssembly one in the scratch directory,
 * with the environment variables env (NAME=VALUE ... or ""): the same exit status and the
 * same stdout. */
static int same_command_env(const char *js, const char *env, const char *args)
{
    const char *bin = getenv("CASCADE_BIN");
    int native = run_sh("env %s '%s' %s >native.out 2>native.err", env, bin, args);
    int wasm = run_sh("env %s node '%s' %s >wasm.out 2>wasm.err", env, js, args);
    cr_assert_eq(native, wasm, "'cascade %s': exit status %d natively, %d under node", args, native,
                 wasm);
    same_file("native.out", "wasm.out", "stdout");
    return native;
}

static int same_command(const char *js, const char *args)
{
    return same_command_env(js, "", args);
}

Test(wasm, every_shipped_config_runs_byte_identical_to_native)
{
    const char *js = wasm_program(), *root = source_root();
    static const char *const dirs[] = {"configs", "configs/bench"};
    size_t configs = 0, files = 0;
    cr_assert_eq(run_sh("mkdir native wasm"), 0);
    for (size_t d = 0; d < sizeof dirs / sizeof *dirs; d++) {
        char dir[1024], *names[64];
        snprintf(dir, sizeof dir, "%s/%s", root, dirs[d]);
        size_t n = list_dir(dir, ".json", names, 64);
        for (size_t k = 0; k < n; k++) {
            char path[2048], out[128], args[4096];
            snprintf(path, sizeof path, "%s/%s", dir, names[k]);
            /* a whole day (86,400 one-second steps): its first hour */
            const char *steps = config_steps(path) >= 86400 ? "--steps 3600" : "";
            snprintf(out, sizeof out, "%s-%.*s", d ? "bench" : "config", (int)strlen(names[k]) - 5,
                     names[k]);
            snprintf(args, sizeof args, "run -q --counterfactual %s '%s' -o native/%s", steps, path,
                     out);
            cr_assert_eq(run_cascade("%s", args), 0, "'cascade %s' failed natively", args);
            snprintf(args, sizeof args, "run -q --counterfactual %s '%s' -o wasm/%s", steps, path,
                     out);
            cr_assert_eq(run_sh("node '%s' %s", js, args), 0, "'%s %s' failed under node", js,
                         args);
            char a[160], b[160];
            snprintf(a, sizeof a, "native/%s", out);
            snprintf(b, sizeof b, "wasm/%s", out);
            files += same_dir(a, b);
            /* read back: the same words and figures (from the native run directory) */
            snprintf(args, sizeof args, "facts --json native/%s", out);
            same_command(js, args);
            snprintf(args, sizeof args, "narrate native/%s", out);
            same_command(js, args);
            configs++;
            runs_remove(a);
            runs_remove(b);
            free(names[k]);
        }
    }
    cr_assert_geq(configs, 12u, "only %zu shipped configs found", configs);
    fprintf(stderr, "wasm: %zu configs, %zu files byte-identical to native\n", configs, files);
}

Test(wasm, a_sweep_made_one_run_after_another_is_the_native_sweep)
{
    const char *js = wasm_program();
    char spec[2048];
    /* 8 runs, four of which fail (a count of 0), so that their error lines are compared */
    snprintf(spec, sizeof spec,
             "{\"base\": \"%s/configs/long-squeeze.json\",\n"
             " \"set\": {\"steps\": 300, \"shocks\": [{\"step\": 150, \"kind\": "
             "\"market_order\", \"side\": \"sell\", \"qty\": 1000}]},\n"
             " \"parameters\": {\"insurance_fund\": [0, 1e6], \"agents[4].count\": [10, 0]},\n"
             " \"replicates\": 2, \"seed\": 7,\n"
             " \"collect\": [\"prices.min\", \"liquidations.count\", "
             "\"insurance_fund.final\"]}\n",
             source_root());
    write_file("spec.json", spec);
    cr_assert_eq(run_cascade("sweep spec.json -o native -j 2"), 1, "4 of 8 runs fail");
    cr_assert_eq(run_sh("node '%s' sweep spec.json -o wasm -j 2", js), 1);
    static char err[4096];
    read_into("err.txt", err, sizeof err);
    cr_assert_not_null(strstr(err, "cascade: this build of cascade cannot start processes "
                                   "(WebAssembly): the runs are made one after another, not "
                                   "2 at once\n"),
                       "%s", err);
    same_file("native/sweep.csv", "wasm/sweep.csv", "sweep.csv");
    cr_assert_geq(same_dir("native/runs", "wasm/runs"), 4u * 6 + 4);
}

Test(wasm, the_other_commands_say_the_same)
{
    const char *js = wasm_program();
    char args[4096];
    cr_assert_eq(same_command(js, "--help"), 0);
    cr_assert_eq(same_command(js, "list"), 0);
    /* the environment reaches the program (emscripten's own is made up) */
    snprintf(args, sizeof args, "CASCADE_DATADIR='%s/configs/bench'", source_root());
    cr_assert_eq(same_command_env(js, args, "list"), 0);
    static char out[4096];
    read_into("wasm.out", out, sizeof out);
    cr_assert_not_null(strstr(out, "rmsc04-like "), "%s", out);
    snprintf(args, sizeof args, "validate '%s/configs/keepers.json'", source_root());
    cr_assert_eq(same_command(js, args), 0);
    cr_assert_eq(same_command(js, "run --set 'agents[0].count=-1' -o x"), 2);
    same_file("native.err", "wasm.err", "stderr");
    cr_assert_eq(run_sh("mkdir r && touch r/f"), 0);
    cr_assert_eq(same_command(js, "run -q --steps 600 -o r"), 2);
    same_file("native.err", "wasm.err", "stderr");
}

/* A report page with its figures' drawings cut out: from each `<figure id="fig` to its
 * <figcaption> (or its end, for a figure skipped for want of data), and the footer, which
 * says who drew the figures. A new string. */
static char *cut_drawings(const char *page)
{
    char *out = malloc(strlen(page) + 1), *o = out;
    cr_assert_not_null(out);
    for (const char *p = page; *p;) {
        const char *fig = strstr(p, "<figure id=\"fig"), *foot = strstr(p, "<footer");
        const char *at = fig && (!foot || fig < foot) ? fig : foot;
        if (!at) {
            strcpy(o, p);
            return out;
        }
        memcpy(o, p, (size_t)(at - p));
        o += at - p;
        const char *cap = strstr(at, "<figcaption"),
                   *end = strstr(at, at == foot ? "</footer>" : "</figure>");
        cr_assert_not_null(end, "an unclosed figure or footer");
        p = at == fig && cap && cap < end ? cap : end;
        o += sprintf(o, "[cut]");
    }
    *o = 0;
    return out;
}

Test(wasm, report_writes_the_page_with_every_caption_but_no_drawing)
{
    const char *js = wasm_program();
    if (system("command -v gnuplot >/dev/null 2>&1") != 0) {
        fprintf(stderr, "SKIP wasm report: gnuplot is not installed; scripts/test installs it\n");
        cr_skip_test("gnuplot is not installed");
    }
    cr_assert_eq(run_cascade("run -q --steps 3000 --counterfactual '%s/configs/long-squeeze.json' "
                             "-o r",
                             source_root()),
                 0);
    cr_assert_eq(run_cascade("report r -o native.html"), 0);
    cr_assert_eq(run_sh("node '%s' report r -o wasm.html", js), 0);
    char *native = slurp_file("native.html"), *wasm = slurp_file("wasm.html");
    cr_assert(native && wasm);
    /* every figure gnuplot drew natively is there, said undrawn, with its caption */
    size_t drawn = 0, undrawn = 0;
    for (const char *p = native; (p = strstr(p, "<svg class=\"fig\"")); p++)
        drawn++;
    for (const char *p = wasm; (p = strstr(p, "\" class=\"undrawn\" data-title=\"")); p++)
        undrawn++;
    cr_assert_geq(drawn, 6u, "the native page has %zu figures", drawn);
    cr_assert_eq(undrawn, drawn, "%zu figures undrawn under node, %zu drawn natively", undrawn,
                 drawn);
    cr_assert_not_null(strstr(wasm, "cannot start gnuplot"));
    /* and the rest of the page, captions, tables, trees and player, is the same bytes */
    char *a = cut_drawings(native), *b = cut_drawings(wasm);
    size_t at = 0;
    while (a[at] && a[at] == b[at])
        at++;
    cr_assert(a[at] == 0 && b[at] == 0,
              "the pages differ at byte %zu of their cut text: '%.60s' "
              "against '%.60s'",
              at, a + at, b + at);
    free(a);
    free(b);
    free(native);
    free(wasm);
}
