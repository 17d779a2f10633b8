/* test_sweep: `cascade sweep` end to end, through the program: the same sweep.csv
 * whatever -j or sharding, a killed sweep resumed, failed runs, spec errors, --dry-run. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/runs.h"

static char out[1 << 16], err[1 << 14];
#include "lib/capture.h" /* cascade(ARGS), into out and err */

TestSuite(sweep, .init = runs_setup, .fini = runs_teardown, .timeout = 300);

static const char *bin(void)
{
    const char *b = getenv("CASCADE_BIN");
    cr_assert_not_null(b, "CASCADE_BIN is not set (run through meson test)");
    return b;
}

static char *read_in(const char *name)
{
    static char bufs[4][1 << 14];
    static int next;
    char path[512], *buf = bufs[next++ % 4];
    snprintf(path, sizeof path, "%s/%s", run_tmp, name);
    read_into(path, buf, sizeof bufs[0]);
    return buf;
}

static bool exists_in(const char *name)
{
    char path[512];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", run_tmp, name);
    return stat(path, &st) == 0;
}

/* 300 steps of long-squeeze with one 1000-lot market sell at step 150 (no whale): 2 x 2
 * points x 2 replicates. */
static void write_spec(const char *name, const char *count_values)
{
    const char *root = getenv("CASCADE_SOURCE_ROOT");
    cr_assert_not_null(root, "CASCADE_SOURCE_ROOT is not set (run through meson test)");
    char spec[2048];
    snprintf(spec, sizeof spec,
             "{\"base\": \"%s/configs/long-squeeze.json\",\n"
             " \"set\": {\"steps\": 300, \"shocks\": [{\"step\": 150, \"kind\":"
             " \"market_order\", \"side\": \"sell\", \"qty\": 1000}]},\n"
             " \"parameters\": {\"insurance_fund\": {\"from\": 0, \"to\": 1e6, \"steps\": 2},\n"
             "                \"agents[4].count\": %s},\n"
             " \"replicates\": 2, \"seed\": 7}\n",
             root, count_values);
    write_file(name, spec);
}

/* Complete run directories in DIR/runs, and every entry there. */
static int count_runs(const char *dir, int *entries)
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s/runs", run_tmp, dir);
    DIR *d = opendir(path);
    int whole = 0;
    *entries = 0;
    for (struct dirent *e; d && (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        ++*entries;
        char s[900];
        struct stat st;
        snprintf(s, sizeof s, "%s/%s/summary.json", path, e->d_name);
        whole += stat(s, &st) == 0;
    }
    if (d)
        closedir(d);
    return whole;
}

Test(sweep, csv_is_the_same_for_any_jobs_and_shards)
{
    write_spec("spec.json", "[10, 20]");
    cr_assert_eq(cascade("sweep spec.json -o a -j 1 -q"), 0, "%s", err);
    char *a = read_in("a/sweep.csv");
    cr_assert(strncmp(a, "id,seed,status,error,insurance_fund,agents[4].count,", 51) == 0, "%s", a);
    cr_assert_not_null(strstr(a, "prices.min"), "default collect has every scalar: %s", a);
    cr_assert_null(strstr(a, "performance"), "no wall-clock figures: %s", a);
    cr_assert_not_null(strstr(a, "\nr000007,"));
    cr_assert_eq(cascade("sweep spec.json -o b -j 2 -q"), 0, "%s", err);
    cr_assert_str_eq(read_in("b/sweep.csv"), a);
    for (int k = 0; k < 3; k++)
        cr_assert_eq(cascade("sweep spec.json -o c -j 2 -q --shard %d/3", k), 0, "%s", err);
    cr_assert(!exists_in("c/sweep.csv"), "a shard writes no sweep.csv");
    cr_assert_eq(cascade("sweep --merge c"), 0, "%s", err);
    cr_assert_str_eq(read_in("c/sweep.csv"), a);
    cr_assert_str_eq(read_in("c/manifest.jsonl"), read_in("a/manifest.jsonl"));

    /* a missing run makes --merge fail, naming it */
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s/c/runs/r000003'", run_tmp);
    cr_assert_eq(system(cmd), 0);
    cr_assert_eq(cascade("sweep --merge c"), 1);
    cr_assert_not_null(strstr(err, "missing run r000003"), "%s", err);
}

Test(sweep, killed_sweep_resumes_with_every_run_once)
{
    write_spec("spec.json", "[10, 20]");
    cr_assert_eq(cascade("sweep spec.json -o ref -j 2 -q"), 0, "%s", err);
    char dir[512];
    snprintf(dir, sizeof dir, "%s/k", run_tmp);
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        if (chdir(run_tmp) != 0)
            _exit(127);
        execl(bin(), "cascade", "sweep", "spec.json", "-o", "k", "-j", "1", "-q", (char *)NULL);
        _exit(127);
    }
    int entries = 0, whole = 0;
    for (int i = 0; i < 20000 && whole < 2; i++) {
        nanosleep(&(struct timespec){0, 2000000}, NULL);
        whole = count_runs("k", &entries);
    }
    kill(pid, SIGKILL);
    int status;
    waitpid(pid, &status, 0);
    whole = count_runs("k", &entries);
    cr_assert(whole >= 2 && whole < 8, "killed half way: %d complete runs", whole);
    cr_assert_eq(cascade("sweep spec.json -o k -j 2 -q"), 2, "no --resume: refused");
    cr_assert_eq(cascade("sweep spec.json -o k -j 2 -q --resume"), 0, "%s", err);
    cr_assert_eq(count_runs("k", &entries), 8);
    cr_assert_eq(entries, 8, "nothing left over in runs/");
    cr_assert_str_eq(read_in("k/sweep.csv"), read_in("ref/sweep.csv"));
    /* resuming a finished sweep runs nothing and changes nothing */
    cr_assert_eq(cascade("sweep spec.json -o k -q --resume"), 0, "%s", err);
    cr_assert_str_eq(read_in("k/sweep.csv"), read_in("ref/sweep.csv"));
}

Test(sweep, a_bad_point_fails_its_runs_and_the_rest_complete)
{
    write_spec("spec.json", "[10, -1]");
    cr_assert_eq(cascade("sweep spec.json -o bad -j 2 -q"), 1, "%s", err);
    cr_assert_not_null(strstr(err, "4 of 8 runs failed"), "%s", err);
    char *csv = read_in("bad/sweep.csv");
    int ok = 0, failed = 0;
    for (char *nl = strchr(csv, '\n'); nl && nl[1]; nl = strchr(nl + 1, '\n')) {
        char line[4096];
        snprintf(line, sizeof line, "%.*s\n", (int)strcspn(nl + 1, "\n"), nl + 1);
        bool is_bad = strstr(line, ",-1,") != NULL || strstr(line, ",-1\n") != NULL;
        if (strstr(line, ",ok,")) {
            ok++;
            cr_assert(!is_bad);
        } else {
            failed++;
            cr_assert(strstr(line, ",failed,") && is_bad, "%.200s", line);
            cr_assert_not_null(strstr(line, "agents[4].count"), "the error: %.200s", line);
        }
    }
    cr_assert_eq(ok, 4);
    cr_assert_eq(failed, 4);
}

Test(sweep, spec_errors_name_the_path_and_write_nothing)
{
    write_spec("spec.json", "[10, 20]");
    write_file("typo.json", "{\"base\": {\"steps\": 10}, \"parameters\": {\"seed\": [1]},"
                            " \"replicate\": 2}");
    cr_assert_eq(cascade("sweep typo.json -o x"), 2);
    cr_assert_not_null(strstr(err, "replicate: unknown key 'replicate' (did you mean "
                                   "'replicates'?"),
                       "%s", err);
    cr_assert_null(strchr(err, '\n') == err + strlen(err) - 1 ? NULL : "", "one line: %s", err);
    write_file("range.json", "{\"base\": {\"steps\": 10}, \"parameters\": {\"insurance_fund\":"
                             " {\"from\": 0, \"to\": 10, \"steps\": 0}}}");
    cr_assert_eq(cascade("sweep range.json -o x"), 2);
    cr_assert_not_null(strstr(err, "parameters.insurance_fund.steps: must be"), "%s", err);
    write_file("log.json", "{\"base\": {\"steps\": 10}, \"parameters\": {\"insurance_fund\":"
                           " {\"from\": 0, \"to\": 10, \"steps\": 3, \"scale\": \"lgo\"}}}");
    cr_assert_eq(cascade("sweep log.json -o x"), 2);
    cr_assert_not_null(strstr(err, "parameters.insurance_fund.scale: unknown scale 'lgo' "
                                   "(did you mean 'log'?"),
                       "%s", err);
    write_file("base.json", "{\"base\": {\"stpes\": 10}, \"parameters\": {\"seed\": [1]}}");
    cr_assert_eq(cascade("sweep base.json -o x"), 2);
    cr_assert_not_null(strstr(err, "stpes"), "%s", err);
    cr_assert_eq(cascade("sweep spec.json -o x --shard 3/3"), 2);
    cr_assert_not_null(strstr(err, "'--shard' K must be"), "%s", err);
    cr_assert_eq(cascade("sweep spec.json -o x --shard 1"), 2);
    cr_assert_eq(cascade("sweep spec.json -o x -j 0"), 2);
    cr_assert(!exists_in("x") && !exists_in("sweeps"), "nothing written");
}

/* clang-format off */
Test(sweep, dry_run_prints_the_manifest_and_runs_nothing)
{
    write_spec("spec.json", "[10, 20]");
    cr_assert_eq(cascade("sweep spec.json --dry-run"), 0, "%s", err);
    int lines = 0;
    for (char *p = out; (p = strchr(p, '\n')); p++)
        lines++;
    cr_assert_eq(lines, 8);
    cr_assert(strncmp(out, "{\"id\":\"r000000\",\"index\":0,\"parameters\":{\"insurance_fund\":0,"
                           "\"agents[4].count\":10},\"seed\":", 86) == 0, "%s", out);
    cr_assert_not_null(strstr(out, "{\"id\":\"r000007\",\"index\":7,\"parameters\":"
                                   "{\"insurance_fund\":1000000,\"agents[4].count\":20}"), "%s", out);
    cr_assert(!exists_in("sweeps"), "nothing written");
}
/* clang-format on */

Test(sweep, sampled_parameters_are_reproducible)
{
    char spec[1024];
    snprintf(spec, sizeof spec,
             "{\"base\": \"%s/configs/default.json\", \"parameters\": {"
             "\"insurance_fund\": {\"sample\": \"lhs\", \"n\": 4, \"low\": 0, \"high\": 100},"
             "\"agents[0].count\": [1, 2]}, \"seed\": 3}",
             getenv("CASCADE_SOURCE_ROOT"));
    write_file("s.json", spec);
    cr_assert_eq(cascade("sweep s.json --dry-run"), 0, "%s", err);
    char first[sizeof out];
    memcpy(first, out, sizeof out);
    cr_assert_eq(cascade("sweep s.json --dry-run"), 0, "%s", err);
    cr_assert_str_eq(out, first);
    /* a Latin hypercube: one draw in each quarter of [0, 100) */
    bool quarter[4] = {0};
    for (char *p = out; (p = strstr(p, "\"insurance_fund\":")); p++) {
        double v = strtod(p + 17, NULL);
        cr_assert(v >= 0 && v < 100);
        if (strstr(p, "\"agents[0].count\":1}"))
            quarter[(int)(v / 25)] = true;
    }
    cr_assert(quarter[0] && quarter[1] && quarter[2] && quarter[3], "%s", out);
}

/* scripts/plot-sweep draws a finished sweep: one panel per figure, the mean
 * over replicates and its range, as SVG; unknown columns are an error. */
Test(sweep, plot_script_draws_a_sweep)
{
    if (system("command -v gnuplot >/dev/null 2>&1") != 0)
        cr_skip_test("SKIP plot-sweep: gnuplot is not installed; scripts/test installs it");
    const char *root = getenv("CASCADE_SOURCE_ROOT");
    write_spec("spec.json", "[10, 20]");
    cr_assert_eq(cascade("sweep spec.json -o a -j 2 -q"), 0, "%s", err);
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "cd '%s' && '%s/scripts/plot-sweep' a 'agents[4].count' liquidations.count "
             "prices.min -o plot.svg > plot.out 2>&1",
             run_tmp, root);
    cr_assert_eq(system(cmd), 0, "%s", cmd);
    static char svg[1 << 18]; /* larger than read_in's buffers */
    char path[512];
    snprintf(path, sizeof path, "%s/plot.svg", run_tmp);
    read_into(path, svg, sizeof svg);
    cr_assert_not_null(strstr(svg, "<svg"));
    const char *first = strstr(svg, "against agents[4].count");
    cr_assert_not_null(first);
    cr_assert_not_null(strstr(first + 1, "against agents[4].count"), "one panel per figure");
    cr_assert_not_null(strstr(svg, "liquidations.count"));
    cr_assert_not_null(strstr(svg, "prices.min"));
    snprintf(cmd, sizeof cmd,
             "cd '%s' && '%s/scripts/plot-sweep' a 'agents[4].count' no.such.figure "
             "> plot.out 2>&1",
             run_tmp, root);
    int status = system(cmd);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 2, "unknown column must exit 2");
}

/* Parameter i of a spec of 19 parameters of 2 values (3 for the last). */
static int many_parameters(char *buf, size_t n, int i)
{
    return snprintf(buf, n, "%s\"agents[0].params.p%d\": [1, 2%s]", i ? ", " : "", i,
                    i == 18 ? ", 3" : "");
}

/* Value i of 1000 values of 300 characters. */
static int wide_values(char *buf, size_t n, int i)
{
    return snprintf(buf, n, "%s\"%0300d\"", i ? ", " : "", i);
}

/* The spec head, count items and tail, written to NAME: `cascade sweep NAME
 * --dry-run` must refuse it, saying msg. */
static void assert_spec_refused(const char *name, const char *head, int count,
                                int (*item)(char *, size_t, int), const char *tail, const char *msg)
{
    static char spec[400000];
    size_t n = (size_t)snprintf(spec, sizeof spec, "%s", head);
    for (int i = 0; i < count; i++)
        n += (size_t)item(spec + n, sizeof spec - n, i);
    snprintf(spec + n, sizeof spec - n, "%s", tail);
    write_file(name, spec);
    cr_assert_eq(cascade("sweep %s -o x --dry-run", name), 2);
    cr_assert_not_null(strstr(err, msg), "%s", err);
}

/* A sweep whose manifest would hold more than 10 million values (runs x parameters),
 * or take more than 256 MiB, is refused at once, not expanded into gigabytes (found by
 * tests/fuzz/fuzz_sweep: a spec that took over 25 s and 1.1 GB to expand). */
Test(sweep, a_sweep_of_too_many_values_is_refused)
{
    assert_spec_refused("big.json", "{\"base\": {\"steps\": 10}, \"parameters\": {", 19,
                        many_parameters, "}}",
                        "parameters: the sweep has 786432 runs of 19 parameters, "
                        "14942208 values; at most 10000000 are allowed");
    /* 1000 values of 300 characters, 1000 replicates: a manifest of over 300 MB */
    assert_spec_refused("wide.json",
                        "{\"base\": {\"steps\": 10}, \"replicates\": 1000,"
                        " \"parameters\": {\"name\": [",
                        1000, wide_values, "]}}",
                        "parameters: the sweep's manifest would take up to 406 MB "
                        "(1000000 runs of 406 bytes); at most 256 MiB are allowed");
    cr_assert(!exists_in("x"), "nothing written");
}
