/* test_facts: `cascade facts RUNDIR` prints each stylized fact of summary.json beside its
 * published range and says whether the run is inside it, at the ranges' edges as
 * docs/outputs.md states them; a missing or damaged summary.json is one line naming the
 * file and the JSON path, exit status 2. */
#include <cjson/cJSON.h>
#include <sys/stat.h>

#include "lib/runs.h"

TestSuite(facts, .init = runs_setup, .fini = runs_teardown, .timeout = 300);

/* The line of `facts` output that starts with NAME followed by a space (NULL: none). */
static const char *line_of(const char *out, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = out; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        if (strncmp(p, name, n) == 0 && p[n] == ' ')
            return p;
    return NULL;
}

/* Its verdict: "inside", "outside" or "n/a" (the word after the range). */
static void verdict_of(const char *out, const char *name, char *word, size_t n)
{
    const char *p = line_of(out, name);
    cr_assert_not_null(p, "no line for %s in:\n%s", name, out);
    const char *pub = strstr(p, "published ");
    cr_assert_not_null(pub);
    /* the range is one to three words ("2.5 to 3.8", ">= 1.3"); the verdict follows */
    const char *words[] = {" inside ", " outside ", " n/a "};
    const char *eol = strchr(p, '\n'), *best = NULL;
    size_t which = 0;
    for (size_t k = 0; k < 3; k++) {
        const char *at = strstr(pub, words[k]);
        if (at && at < eol && (!best || at < best))
            best = at, which = k;
    }
    cr_assert_not_null(best, "no verdict in: %.*s", (int)(eol - p), p);
    snprintf(word, n, "%s", which == 0 ? "inside" : which == 1 ? "outside" : "n/a");
}

static void expect_verdict(const char *out, const char *name, const char *want)
{
    char got[16];
    verdict_of(out, name, got, sizeof got);
    cr_assert_str_eq(got, want, "%s: %s, want %s", name, got, want);
}

/* A run directory D holding a summary.json whose stylized block has these figures
 * (NULL: null) and acf_r's lags 2-60 all equal to acf (lag 1: 0.9, beyond 60: 0.5, which
 * the measure must not read). */
static void fake_run(const char *dir, const char *hill, const char *sd_iqr, const char *absr,
                     double acf, const char *basis, const char *at_interest, const char *positive)
{
    char path[1024], text[8192];
    snprintf(path, sizeof path, "%s/%s", run_tmp, dir);
    cr_assert(mkdir(path, 0777) == 0);
    int n = snprintf(text, sizeof text,
                     "{\"name\": \"fake\", \"seed\": 7, \"stylized\": {\"warmup_s\": 3600, "
                     "\"horizon_steps\": 60, \"horizon_s\": 60, \"returns\": 1380, "
                     "\"hill_index\": %s, \"std_over_iqr\": %s, \"excess_kurtosis\": 1, "
                     "\"acf_absr_mean_30_120\": %s, \"acf_r\": [0.9",
                     hill ? hill : "null", sd_iqr ? sd_iqr : "null", absr ? absr : "null");
    for (int lag = 2; lag <= 120; lag++)
        n += snprintf(text + n, sizeof text - (size_t)n, ", %.17g", lag <= 60 ? acf : 0.5);
    snprintf(text + n, sizeof text - (size_t)n,
             "], \"acf_absr\": [], \"basis_median_bps\": %s, \"funding_prints\": 3, "
             "\"funding_at_interest_share\": %s, \"funding_positive_share\": %s}}\n",
             basis ? basis : "null", at_interest ? at_interest : "null",
             positive ? positive : "null");
    snprintf(path, sizeof path, "%s/summary.json", dir);
    write_file(path, text);
}

/* The ranges of issue 20, at their edges: 2.5-3.8 inclusive, at least 1.3, above 0.05
 * (strictly), within +-0.05, at most 5 bp, at least 75% and at least 90%. */
Test(facts, each_range_holds_at_its_edges)
{
    fake_run("edge", "2.5", "1.3", "0.05", -0.05, "5", "0.75", "0.9");
    cr_assert_eq(run_cascade("facts edge"), 0);
    char *out = slurp_file("out.txt");
    expect_verdict(out, "hill_index", "inside");
    expect_verdict(out, "std_over_iqr", "inside");
    expect_verdict(out, "acf_absr_mean_30_120", "outside");
    expect_verdict(out, "acf_r_max_2_60", "inside");
    expect_verdict(out, "basis_median_bps", "inside");
    expect_verdict(out, "funding_at_interest_share", "inside");
    expect_verdict(out, "funding_positive_share", "inside");
    cr_assert_not_null(strstr(out, "fake, seed 7: 1380 returns of 60 s after a 3600 s warm-up"),
                       "%s", out);
    cr_assert_not_null(strstr(out, "6 of 7 measures inside their published ranges"), "%s", out);
    free(out);

    fake_run("over", "3.81", "1.29", "0.0501", 0.0501, "5.01", "0.74", "0.89");
    cr_assert_eq(run_cascade("facts over"), 0);
    out = slurp_file("out.txt");
    expect_verdict(out, "hill_index", "outside");
    expect_verdict(out, "std_over_iqr", "outside");
    expect_verdict(out, "acf_absr_mean_30_120", "inside");
    expect_verdict(out, "acf_r_max_2_60", "outside");
    expect_verdict(out, "basis_median_bps", "outside");
    expect_verdict(out, "funding_at_interest_share", "outside");
    expect_verdict(out, "funding_positive_share", "outside");
    cr_assert_not_null(strstr(out, "1 of 7 measures inside"), "%s", out);
    free(out);

    fake_run("low", "2.49", "3", NULL, 0, NULL, "1", "1");
    cr_assert_eq(run_cascade("facts low"), 0);
    out = slurp_file("out.txt");
    expect_verdict(out, "hill_index", "outside");
    expect_verdict(out, "acf_absr_mean_30_120", "n/a");
    expect_verdict(out, "basis_median_bps", "n/a");
    cr_assert_not_null(strstr(out, "; 2 n/a (null: the run is too short for them)"), "%s", out);
    free(out);
}

/* A real run: every measure printed with summary.json's value, and --json says the same. */
Test(facts, a_run_s_measures_beside_their_ranges)
{
    cr_assert_eq(run_cascade("run '%s/configs/btc-perp.json' --steps 14400 -o r -q", source_root()),
                 0);
    cr_assert_eq(run_cascade("facts r"), 0);
    char *out = slurp_file("out.txt"), *err = slurp_file("err.txt");
    cr_assert_str_empty(err);
    char *text = slurp_file("r/summary.json");
    cJSON *sum = cJSON_Parse(text), *st = cJSON_GetObjectItem(sum, "stylized");
    static const char *const keys[] = {"hill_index", "std_over_iqr", "acf_absr_mean_30_120",
                                       "basis_median_bps"};
    for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) {
        const char *line = line_of(out, keys[k]);
        cr_assert_not_null(line, "no %s in:\n%s", keys[k], out);
        double v = cJSON_GetObjectItem(st, keys[k])->valuedouble;
        cr_assert(isfinite(v), "%s is null after three hours", keys[k]);
        char want[64];
        snprintf(want, sizeof want, " %.4g ", v);
        cr_assert_not_null(strstr(line, want), "%s: want %s in %.*s", keys[k], want,
                           (int)(strchr(line, '\n') - line), line);
    }
    /* no 8-hour funding print in four hours */
    expect_verdict(out, "funding_at_interest_share", "n/a");
    cr_assert_not_null(strstr(out, "180 returns of 60 s after a 3600 s warm-up; 0 funding prints"),
                       "%s", out);
    size_t lines = 0;
    for (const char *p = out; *p; p++)
        lines += *p == '\n';
    cr_assert_eq(lines, 9, "a header, seven measures and a count:\n%s", out);

    cr_assert_eq(run_cascade("facts r --json"), 0);
    char *js = slurp_file("out.txt");
    cJSON *j = cJSON_Parse(js), *list = cJSON_GetObjectItem(j, "facts");
    cr_assert_eq(cJSON_GetArraySize(list), 7, "%s", js);
    const cJSON *hill = cJSON_GetArrayItem(list, 0);
    cr_assert_str_eq(cJSON_GetObjectItem(hill, "name")->valuestring, "hill_index");
    cr_assert_eq(cJSON_GetObjectItem(hill, "value")->valuedouble,
                 cJSON_GetObjectItem(st, "hill_index")->valuedouble);
    cr_assert_eq(cJSON_GetObjectItem(hill, "low")->valuedouble, 2.5);
    cr_assert_eq(cJSON_GetObjectItem(hill, "high")->valuedouble, 3.8);
    char word[16];
    verdict_of(out, "hill_index", word, sizeof word);
    cr_assert_eq(cJSON_IsTrue(cJSON_GetObjectItem(hill, "inside")), strcmp(word, "inside") == 0);
    cr_assert(cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetArrayItem(list, 5), "inside")),
              "no funding print: n/a");
    cJSON_Delete(j);
    cJSON_Delete(sum);
    free(js);
    free(text);
    free(err);
    free(out);
}

/* Bad input: one line on stderr naming the file (and the JSON path), nothing on stdout,
 * exit status 2; never a crash. */
Test(facts, a_missing_or_damaged_summary_is_exit_status_2)
{
    static const struct {
        const char *summary; /* NULL: no file at all */
        const char *message; /* what stderr says after "cascade: DIR/summary.json" */
    } cases[] = {
        {NULL, ": cannot open: "},
        {"", ":1: not a JSON object"},
        {"{\"stylized\": {\"warmup_s\": 3600,\n", ":2: not a JSON object"},
        {"[1, 2]\n", ":1: not a JSON object"},
        {"{\"name\": \"x\"}\n", ": stylized: missing"},
        {"{\"stylized\": 3}\n", ": stylized: must be an object"},
        {"{\"stylized\": {\"warmup_s\": 3600}}\n", ": stylized.horizon_s: missing"},
        {"{\"stylized\": {\"warmup_s\": 3600, \"horizon_s\": 60, \"returns\": 5, "
         "\"funding_prints\": 0, \"hill_index\": \"3\"}}\n",
         ": stylized.hill_index: must be a number or null, got a string"},
        {"{\"stylized\": {\"warmup_s\": 3600, \"horizon_s\": null}}\n",
         ": stylized.horizon_s: must be a number, got null"},
        {"{\"stylized\": {\"warmup_s\": 3600, \"horizon_s\": 60, \"returns\": 5, "
         "\"funding_prints\": 0, \"hill_index\": 3, \"std_over_iqr\": 1, "
         "\"acf_absr_mean_30_120\": 0, \"acf_r\": [0, 0, 0]}}\n",
         ": stylized.acf_r: has 3 lags, fewer than 60"},
        {"{\"stylized\": {\"warmup_s\": 3600, \"horizon_s\": 60, \"returns\": 5, "
         "\"funding_prints\": 0, \"hill_index\": 3, \"std_over_iqr\": 1, "
         "\"acf_absr_mean_30_120\": 0, \"acf_r\": {}}}\n",
         ": stylized.acf_r: must be an array of autocorrelations"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        char dir[32], path[1024], want[256];
        snprintf(dir, sizeof dir, "bad%zu", k);
        snprintf(path, sizeof path, "%s/%s", run_tmp, dir);
        cr_assert(mkdir(path, 0777) == 0);
        if (cases[k].summary) {
            snprintf(path, sizeof path, "%s/summary.json", dir);
            write_file(path, cases[k].summary);
        }
        cr_assert_eq(run_cascade("facts %s", dir), 2, "case %zu", k);
        char *out = slurp_file("out.txt"), *err = slurp_file("err.txt");
        snprintf(want, sizeof want, "cascade: %s/summary.json%s", dir, cases[k].message);
        cr_assert_eq(strncmp(err, want, strlen(want)), 0, "case %zu: want '%s', got '%s'", k, want,
                     err);
        cr_assert_eq(strchr(err, '\n'), err + strlen(err) - 1, "case %zu: one line: %s", k, err);
        cr_assert_str_empty(out, "case %zu printed %s", k, out);
        free(out);
        free(err);
    }
    /* no run directory at all */
    cr_assert_eq(run_cascade("facts no-such-run --json"), 2);
    char *err = slurp_file("err.txt");
    cr_assert_not_null(strstr(err, "cascade: no-such-run/summary.json: cannot open: "), "%s", err);
    free(err);
}
