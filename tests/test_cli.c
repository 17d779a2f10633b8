/* test_cli: `cascade run` and `cascade validate` end to end, through the program. */
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

static char out[8192], err[8192];
#include "lib/capture.h" /* cascade(ARGS), into out and err */

TestSuite(cli, .init = runs_setup, .fini = runs_teardown, .timeout = 120);

static char *read_file(const char *name)
{
    char *buf = slurp_file(name);
    cr_assert_not_null(buf, "missing %s", name);
    return buf;
}

/* summary.json without its "performance" object (the wall-clock figures). */
static char *summary_sans_performance(const char *dir)
{
    char name[256];
    snprintf(name, sizeof name, "%s/summary.json", dir);
    char *s = read_file(name);
    char *p = strstr(s, "\"performance\"");
    cr_assert_not_null(p);
    *p = 0;
    return s;
}

/* Only what run_tmp held before: no run directory, no temporary left behind. */
static void assert_nothing_written(void)
{
    DIR *d = opendir(run_tmp);
    for (struct dirent *e; (e = readdir(d));) {
        const char *n = e->d_name;
        cr_assert(strcmp(n, ".") == 0 || strcmp(n, "..") == 0 || strstr(n, ".txt") ||
                      strstr(n, ".json"),
                  "left behind: %s", n);
    }
    closedir(d);
}

static const char small[] =
    "{\"name\": \"small\", \"seed\": 4, \"steps\": 3000, \"record\": {\"sample_every\": 10},\n"
    " \"instruments\": [{\"name\": \"X\", \"tick_size\": 0.5, \"initial_price\": 100}],\n"
    " \"agents\": [{\"type\": \"noise\", \"count\": 10,\n"
    "   \"params\": {\"mu\": 0.5, \"alpha\": 0.05, \"delta\": 0.02, \"window\": 30}}]}\n";

Test(cli, same_seed_is_byte_identical_other_seed_differs)
{
    write_file("small.json", small);
    cr_assert_eq(cascade("run small.json -o a --quiet"), 0, "%s", err);
    cr_assert_str_eq(out, "a\n");
    cr_assert_eq(cascade("run small.json -o b --quiet"), 0, "%s", err);
    cr_assert_eq(cascade("run small.json -o c --quiet --seed 5"), 0, "%s", err);
    char *ta = read_file("a/timeseries.csv"), *tb = read_file("b/timeseries.csv"),
         *tc = read_file("c/timeseries.csv");
    cr_assert_str_eq(ta, tb);
    cr_assert_str_neq(ta, tc);
    cr_assert_eq(strncmp(ta, "step,time_s,instrument,bid,ask,mid,last,", 40), 0);
    char *sa = summary_sans_performance("a"), *sb = summary_sans_performance("b"),
         *sc = summary_sans_performance("c");
    cr_assert_str_eq(sa, sb);
    cr_assert_str_neq(sa, sc);
    cr_assert_not_null(strstr(sa, "\"seed\": 4"));
    cr_assert_not_null(strstr(sc, "\"seed\": 5"));
    char *ca = read_file("a/config.json"), *cb = read_file("b/config.json");
    cr_assert_str_eq(ca, cb);
    free(ta), free(tb), free(tc), free(sa), free(sb), free(sc), free(ca), free(cb);
}

/* The time series has one row per sample, and the summary every documented key. */
/* clang-format off */
Test(cli, outputs_have_their_documented_shape)
{
    write_file("small.json", small);
    cr_assert_eq(cascade("run small.json -o r --quiet --steps 200"), 0, "%s", err);
    char *ts = read_file("r/timeseries.csv");
    int rows = 0;
    for (char *p = ts; *p; p++)
        rows += *p == '\n';
    cr_assert_eq(rows, 1 + 200 / 10);
    char *s = read_file("r/summary.json");
    static const char *keys[] = {"\"version\"", "\"seed\"", "\"steps\": 200", "\"prices\"",
                                 "\"initial\": 100", "\"final\"", "\"min\"", "\"max\"",
                                 "\"book\"", "\"mean_spread_ticks\"", "\"mean_depth_best_lots\"",
                                 "\"stylized\"", "\"excess_kurtosis\"", "\"std_over_iqr\"",
                                 "\"basis_median_bps\"", "\"performance\"", "\"wall_s\"",
                                 "\"steps_per_s\"", "\"events_per_s\"", "\"orders\"",
                                 "\"trades\"", "\"peak_rss_mb\"", "\"accounting\"",
                                 "\"conserved\": true", "\"liquidations\"",
                                 "\"insurance_fund\"", "\"cascades\"", "\"dislocation\"",
                                 "\"hill_index\"", "\"acf_r\": [", "\"acf_absr\": [",
                                 "\"amplification\": null",
                                 "\"agents\": {\"noise\": {\"count\": 10, \"orders\": "};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        cr_assert_not_null(strstr(s, keys[i]), "summary lacks %s", keys[i]);
    free(ts);
    free(s);
}
/* clang-format on */

/* trades.csv appears with record.trades and holds one row per fill. */
Test(cli, trades_csv_on_request)
{
    write_file("small.json", small);
    cr_assert_eq(cascade("run small.json -o t --quiet --steps 300 --set record.trades=true"), 0,
                 "%s", err);
    char *t = read_file("t/trades.csv"), *sum = read_file("t/summary.json");
    static const char header[] =
        "step,instrument,price,qty,taker_side,taker_order,maker_order,cause\n";
    cr_assert_eq(strncmp(t, header, sizeof header - 1), 0);
    long rows = -1;
    for (char *p = t; *p; p++)
        rows += *p == '\n';
    char want[64];
    snprintf(want, sizeof want, "\"trades\": %ld,", rows);
    cr_assert_not_null(strstr(sum, want), "summary lacks %s", want);
    free(t);
    free(sum);
    cr_assert_eq(cascade("run small.json -o n --quiet --steps 10"), 0, "%s", err);
    struct stat st;
    char path[512];
    snprintf(path, sizeof path, "%s/n/trades.csv", run_tmp);
    cr_assert_neq(stat(path, &st), 0, "trades.csv written without record.trades");
}

/* On a terminal a long run shows a progress bar with steps per second and an
 * ETA on stderr; --quiet silences it; stdout is the run directory either way.
 * "Long": the bar appears once a run has gone 0.2 s; three default days take
 * about 2 s in the release build.
 * The terminal comes from script(1) (util-linux, on every Debian). */
Test(cli, progress_bar_on_a_terminal_only)
{
    if (system("command -v script >/dev/null 2>&1") != 0)
        cr_skip_test("SKIP progress bar: script(1) is not installed: cannot fake a terminal");
    if (system("script -qec true /dev/null >/dev/null 2>&1") != 0)
        cr_skip_test("SKIP progress bar: no pseudo-terminal here (is /dev/pts mounted?)");
    cr_assert_eq(cascade("run --steps 30000 -o p1 --quiet"), 0, "%s", err);
    cr_assert_str_eq(out, "p1\n");
    for (int quiet = 0; quiet < 2; quiet++) {
        char cmd[4096];
        snprintf(cmd, sizeof cmd,
                 "cd '%s' && script -qec \"'%s' run --steps 259200 -o p%d%s\" /dev/null"
                 " > tty.txt 2>&1",
                 run_tmp, getenv("CASCADE_BIN"), quiet + 2, quiet ? " --quiet" : "");
        cr_assert_eq(system(cmd), 0, "%s", cmd);
        /* all of it: a slow (sanitized) build draws the bar for longer */
        char *text = read_file("tty.txt");
        bool bar = strstr(text, "steps/s") && strstr(text, "ETA");
        cr_assert_eq(bar, !quiet, "progress bar %s with%s --quiet: '%.200s'",
                     bar ? "shown" : "missing", quiet ? "" : "out", text);
        char want[16];
        snprintf(want, sizeof want, "p%d", quiet + 2);
        cr_assert_not_null(strstr(text, want), "the run directory was not printed");
        free(text);
    }
}

Test(cli, default_config_runs_without_a_file)
{
    cr_assert_eq(cascade("run --steps 100 --quiet -o d"), 0, "%s", err);
    char *c = read_file("d/config.json");
    cr_assert_not_null(strstr(c, "\"steps\":\t100"));
    free(c);
}

Test(cli, default_output_directory_is_named_and_never_reused)
{
    write_file("small.json", small);
    cr_assert_eq(cascade("run small.json --steps 20 --quiet"), 0, "%s", err);
    cr_assert_str_eq(out, "runs/small-seed4\n");
    cr_assert_eq(cascade("run small.json --steps 20 --quiet"), 0, "%s", err);
    cr_assert_str_eq(out, "runs/small-seed4-2\n");
}

static void assert_input_error(const char *args, const char *expect)
{
    int rc = cascade("run %s -o never", args);
    cr_assert_eq(rc, 2, "exit %d for %s: %s", rc, args, err);
    cr_assert_not_null(strstr(err, expect), "stderr '%s' lacks '%s'", err, expect);
    char *nl = strchr(err, '\n');
    cr_assert(nl && nl[1] == 0, "not one line: '%s'", err);
    cr_assert_str_eq(out, "");
    assert_nothing_written();
}

Test(cli, config_errors_are_one_line_exit_2_and_leave_nothing)
{
    assert_input_error("missing.json", "cascade: missing.json: cannot read: No such file");

    write_file("bad.json", "{\n  \"steps\": 10,\n  \"seed\": ,\n}\n");
    assert_input_error("bad.json", "cascade: bad.json: line 3:");

    write_file("unknown.json", "{\"stepz\": 10, \"instruments\": [{\"name\": \"X\", "
                               "\"initial_price\": 100}]}");
    assert_input_error("unknown.json", "cascade: unknown.json: stepz: unknown key 'stepz' "
                                       "(did you mean 'steps'?)");

    write_file("type.json", "{\"steps\": \"many\", \"instruments\": [{\"name\": \"X\", "
                            "\"initial_price\": 100}]}");
    assert_input_error("type.json", "cascade: type.json: steps:");

    write_file("range.json", small);
    assert_input_error("range.json --set agents[0].params.delta=2",
                       "cascade: range.json: agents[0].params.delta:");
    assert_input_error("range.json --set agents[0].count=0", "agents[0].count:");
    assert_input_error("range.json --set agents[0].params.mu=0 --set agents[0].params.alpha=0",
                       "agents[0].params.mu:");
}

/* A spot book and a perpetual whose index follows it. */
static const char spot_and_perp[] =
    "{\"name\": \"news\", \"steps\": 100,\n"
    " \"instruments\": [{\"name\": \"X\", \"tick_size\": 0.5, \"initial_price\": 100},\n"
    "   {\"name\": \"P\", \"kind\": \"perpetual\", \"tick_size\": 0.5, \"initial_price\": 100,\n"
    "    \"index\": {\"source\": \"spot\", \"instrument\": \"X\"}}]}\n";

/* News moves a spot book's value; a perpetual's value is its index, and an index that
 * follows a spot book moves with the news on that book. */
Test(cli, value_and_news_errors_are_one_line_exit_2)
{
    write_file("news.json", spot_and_perp);
    assert_input_error("news.json --set 'shocks=[{\"step\":1,\"kind\":\"news\",\"instrument\":"
                       "\"P\",\"pct\":-0.1}]'",
                       "cascade: news.json: shocks[0].instrument: 'P' is a perpetual; news moves a"
                       " spot instrument's value (use 'index_jump' to move a perpetual's index)");
    assert_input_error("news.json --set 'shocks=[{\"step\":1,\"kind\":\"index_jump\","
                       "\"instrument\":\"P\",\"pct\":-0.1}]'",
                       "cascade: news.json: shocks[0].instrument: the index of 'P' follows its"
                       " spot book 'X', which would undo the jump at the next step; use a 'news'"
                       " shock on 'X'");
    assert_input_error("news.json --set 'shocks=[{\"step\":1,\"kind\":\"news\",\"pct\":-1}]'",
                       "cascade: news.json: shocks[0].pct: must be greater than -1, got -1");
    assert_input_error("news.json --set 'shocks=[{\"step\":1,\"kind\":\"news\",\"pct\":0.1,"
                       "\"over_steps\":0}]'",
                       "cascade: news.json: shocks[0].over_steps: must be between 1 and");
    assert_input_error("news.json --set 'shocks=[{\"step\":1,\"kind\":\"news\",\"pct\":0.1,"
                       "\"over_steps\":1.5}]'",
                       "cascade: news.json: shocks[0].over_steps: must be an integer, got 1.5");
    assert_input_error("news.json --set 'instruments[1].value={\"vol_annual\":0.5}'",
                       "cascade: news.json: instruments[1].value: 'value' is only for spot"
                       " instruments; a perpetual's value is its 'index'");
    assert_input_error("news.json --set 'instruments[0].value={\"vol_anual\":0.5}'",
                       "cascade: news.json: instruments[0].value.vol_anual: unknown key"
                       " 'vol_anual' (did you mean 'vol_annual'?)");
}

/* The cases of tests/data/cli-usage.test (its first lines say how they read):
 * each command's usage errors and help. */
Test(cli, usage_and_help)
{
    char path[1024], line[1024], args[1024] = "";
    snprintf(path, sizeof path, "%s/tests/data/cli-usage.test", source_root());
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "cannot read %s", path);
    int status = 0, cases = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = 0;
        const char *text = line + 2;
        if (line[0] == '$') {
            snprintf(args, sizeof args, "%s", text);
            status = cascade("%s", args);
            cases++;
        } else if (line[0] == '?') {
            cr_assert_eq(status, atoi(text), "cascade %s: %s", args, err);
        } else if (line[0] == '>' || line[0] == '!') {
            const char *where = line[0] == '>' ? out : err;
            cr_assert_not_null(strstr(where, text), "cascade %s: no '%s' in: %s", args, text,
                               where);
        }
    }
    fclose(f);
    cr_assert_geq(cases, 20);
    assert_nothing_written();
}

Test(cli, existing_output_directory_is_refused)
{
    write_file("small.json", small);
    char full[512];
    snprintf(full, sizeof full, "%s/full", run_tmp);
    cr_assert_eq(mkdir(full, 0777), 0);
    write_file("full/keep.txt", "mine");
    cr_assert_eq(cascade("run small.json -o full --steps 10"), 2);
    cr_assert_not_null(strstr(err, "exists and is not empty"));
    char *k = read_file("full/keep.txt");
    cr_assert_str_eq(k, "mine");
    free(k);
}

Test(cli, validate)
{
    write_file("small.json", small);
    cr_assert_eq(cascade("validate small.json"), 0, "%s", err);
    cr_assert_not_null(strstr(out, "small.json: ok"));
    cr_assert_eq(cascade("validate small.json --set steps=-1"), 2);
    cr_assert_not_null(strstr(err, "small.json: steps:"));
    char *src = getenv("CASCADE_SOURCE_ROOT");
    cr_assert_not_null(src);
    cr_assert_eq(cascade("validate '%s/configs/default.json'", src), 0, "%s", err);
}

/* ---- hardening (issue 13) ---- */

/* A perpetual whose mark follows the index (index_ema), at a price near the
 * top of the tick range: before, a jump took the mark past the exchange's
 * limit and the run failed at step 1 with "invalid input" and no JSON path. */
static const char extreme[] =
    "{\"name\": \"extreme\", \"steps\": 400, \"record\": {\"sample_every\": 10},\n"
    " \"instruments\": [{\"name\": \"P\", \"kind\": \"perpetual\", \"tick_size\": 5,\n"
    "   \"lot_size\": 0.01, \"initial_price\": 1e12,\n"
    "   \"index\": {\"source\": \"gbm\", \"vol_annual\": 100, \"drift_annual\": 100,\n"
    "             \"jumps_per_day\": 1000000, \"jump_mean\": 10, \"jump_sd\": 10},\n"
    "   \"mark\": {\"method\": \"index_ema\", \"ema_seconds\": 60},\n"
    "   \"liquidation\": {\"mode\": \"keeper\", \"close_factor\": 0.5, \"bonus\": 0.02}}],\n"
    " \"agents\": [{\"type\": \"noise\", \"count\": 5}, {\"type\": \"market_maker\", \"count\": 2},\n"
    "   {\"type\": \"liquidator\", \"count\": 1}],\n"
    " \"shocks\": [{\"step\": 1, \"kind\": \"index_jump\", \"instrument\": \"P\", \"pct\": 10},\n"
    "   {\"step\": 200, \"kind\": \"index_jump\", \"instrument\": \"P\", \"pct\": -0.999}]}\n";

Test(cli, what_validate_accepts_runs_at_extreme_prices)
{
    write_file("extreme.json", extreme);
    cr_assert_eq(cascade("validate extreme.json"), 0, "%s", err);
    for (int seed = 1; seed <= 3; seed++) {
        cr_assert_eq(cascade("run extreme.json -q --seed %d -o run%d", seed, seed), 0, "%s", err);
        char name[64];
        snprintf(name, sizeof name, "run%d/summary.json", seed);
        free(read_file(name));
    }
    /* an index path's price above the 2^40-tick limit is refused at validation, by line */
    write_file("path.csv", "step,price\n0,100\n1,1e20\n");
    cr_assert_eq(cascade("validate extreme.json --set 'instruments[0].index={\"source\": \"path\","
                         " \"file\": \"path.csv\"}'"),
                 2);
    cr_assert_not_null(strstr(err, "path.csv:3: price 1e20"), "%s", err);
}

/* Every input file must be a regular file within its size limit: no hang on a FIFO,
 * no unbounded read of a device; the message names the file and the key that named it. */
Test(cli, inputs_are_bounded_regular_files)
{
    char fifo[512];
    snprintf(fifo, sizeof fifo, "%s/fifo", run_tmp);
    cr_assert_eq(mkfifo(fifo, 0600), 0);
    cr_assert_eq(cascade("validate /dev/zero"), 2);
    cr_assert_not_null(strstr(err, "/dev/zero: cannot read: not a regular file (a character"), "%s",
                       err);
    cr_assert_eq(cascade("validate fifo"), 2);
    cr_assert_not_null(strstr(err, "fifo: cannot read: not a regular file (a FIFO)"), "%s", err);
    cr_assert_eq(cascade("validate ."), 2);
    cr_assert_not_null(strstr(err, "not a regular file (a directory)"), "%s", err);
    /* a config over 16 MiB (sparse: nothing is written) */
    char big[512];
    snprintf(big, sizeof big, "%s/big.json", run_tmp);
    FILE *f = fopen(big, "w");
    cr_assert_not_null(f);
    cr_assert_eq(ftruncate(fileno(f), (16 << 20) + 1), 0);
    fclose(f);
    cr_assert_eq(cascade("validate big.json"), 2);
    cr_assert_not_null(strstr(err, "16777217 bytes; the limit is 16 MiB"), "%s", err);
    /* a venue profile and an index path that name a FIFO or a device */
    write_file("small.json", small);
    cr_assert_eq(cascade("validate small.json --set 'instruments[0].kind=\"perpetual\"' --set "
                         "'instruments[0].venue=\"/dev/zero\"'"),
                 2);
    cr_assert_not_null(strstr(err, "small.json: instruments[0].venue: cannot read venue profile "
                                   "'/dev/zero': not a regular file"),
                       "%s", err);
    cr_assert_eq(cascade("validate small.json --set 'instruments[0].kind=\"perpetual\"' --set "
                         "'instruments[0].index={\"source\": \"path\", \"file\": \"fifo\"}'"),
                 2);
    cr_assert_not_null(strstr(err, "small.json: instruments[0].index.file: cannot read the index "
                                   "path"),
                       "%s", err);
    cr_assert_not_null(strstr(err, "not a regular file (a FIFO)"), "%s", err);
    cr_assert_eq(cascade("replay fifo"), 2);
    cr_assert_not_null(strstr(err, "not a regular file (a FIFO)"), "%s", err);
    unlink(fifo);
    unlink(big);
    assert_nothing_written();
}

/* A failed run leaves nothing: not the parents it made for -o, not 20 nested
 * directories for an -o over the path limit. */
Test(cli, a_failed_run_removes_the_parents_it_made)
{
    write_file("small.json", small);
    char name[300];
    memset(name, 'z', 299);
    name[299] = 0; /* too long for one directory entry: mkdtemp fails */
    cr_assert_eq(cascade("run small.json -q -o a/b/%s", name), 1);
    cr_assert_not_null(strstr(err, "File name too long"), "%s", err);
    cr_assert_eq(cascade("run small.json -q -o a/%s/c", name), 1);
    assert_nothing_written();
    mkdir(strcat(strcpy(name, run_tmp), "/keep"), 0777);
    cr_assert_eq(cascade("run small.json -q -o keep/new/%0300d", 7), 1);
    struct stat st;
    cr_assert_eq(stat(name, &st), 0, "a directory that was there was removed");
    rmdir(name);
    static char deep[4400];
    for (int i = 0; i < 2100; i++)
        memcpy(deep + 2 * i, "d/", 2);
    cr_assert_eq(cascade("run small.json -q -o %s", deep), 2);
    cr_assert_not_null(strstr(err, "-o) is 4200 bytes long; the limit is 4095"), "%s", err);
    assert_nothing_written();
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Start `cascade ARGV...` in run_tmp; its pid. */
static pid_t start(char *const argv[])
{
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        if (chdir(run_tmp) != 0 || !freopen("err.txt", "w", stderr) ||
            !freopen("/dev/null", "w", stdout))
            _exit(127);
        execv(getenv("CASCADE_BIN"), argv);
        _exit(127);
    }
    return pid;
}

/* Wait until tmp/DIR holds an entry whose name contains ".tmp-" (a run under way). */
static void wait_for_tmp(const char *sub)
{
    char dir[512];
    snprintf(dir, sizeof dir, "%s/%s", run_tmp, sub);
    for (int i = 0; i < 3000; i++) {
        DIR *d = opendir(dir);
        bool found = false;
        for (struct dirent *e; d && !found && (e = readdir(d));)
            found = strstr(e->d_name, ".tmp-") != NULL;
        if (d)
            closedir(d);
        if (found)
            return;
        sleep_ms(10);
    }
    cr_assert_fail("no temporary directory appeared in %s", dir);
}

/* No name containing ".tmp-" anywhere under run_tmp. */
static void assert_no_tmp(const char *sub)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "test -z \"$(find '%s/%s' -name '*.tmp-*')\"", run_tmp, sub);
    cr_assert_eq(system(cmd), 0, "a temporary directory was left in %s", sub);
}

static const char endless[] =
    "{\"name\": \"endless\", \"steps\": 100000000, \"record\": {\"sample_every\": 1},\n"
    " \"instruments\": [{\"name\": \"X\", \"tick_size\": 0.5, \"initial_price\": 100}],\n"
    " \"agents\": [{\"type\": \"noise\", \"count\": 10}]}\n";

/* SIGINT, SIGTERM and SIGHUP during a run: the temporary directory and the parents
 * made for -o are removed, and the process ends by that signal (status 128 + N). */
Test(cli, a_signal_removes_the_temporary_run_directory)
{
    write_file("endless.json", endless);
    const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
    for (int i = 0; i < 3; i++) {
        char *argv[] = {"cascade", "run", "endless.json", "-q", "-o", "p/q/run", NULL};
        pid_t pid = start(argv);
        wait_for_tmp("p/q");
        sleep_ms(200);
        cr_assert_eq(kill(pid, sigs[i]), 0);
        int status;
        cr_assert_eq(waitpid(pid, &status, 0), pid);
        cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == sigs[i], "signal %d: status %#x",
                  sigs[i], status);
        read_into("err.txt", err, sizeof err);
        cr_assert_not_null(strstr(err, "stopped by signal"), "%s", err);
        assert_nothing_written();
    }
}

/* SIGTERM to a sweep: its running runs are stopped and remove their temporary
 * directories; the sweep ends by the signal and --resume finishes it. */
Test(cli, a_signal_stops_a_sweep_and_its_runs_cleanly)
{
    /* the base is a file in run_tmp, so the runs' command lines name run_tmp (see pgrep below) */
    write_file("endless.json", endless);
    write_file("spec.json",
               "{\"base\": \"endless.json\", \"parameters\": {\"agents[0].count\": [4, 5, 6]}}");
    char *argv[] = {"cascade", "sweep", "spec.json", "-q", "-j", "2", "-o", "sw", NULL};
    pid_t pid = start(argv);
    wait_for_tmp("sw/runs");
    sleep_ms(200);
    cr_assert_eq(kill(pid, SIGTERM), 0);
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM, "status %#x", status);
    assert_no_tmp("sw");
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "test -z \"$(find '%s/sw/runs' -name '*.error')\"", run_tmp);
    cr_assert_eq(system(cmd), 0, "a stopped run was recorded as failed");
    /* no run of this sweep is still going (other tests' sweeps may be) */
    snprintf(cmd, sizeof cmd, "! pgrep -f '[r]un %s/endless.json' >/dev/null", run_tmp);
    cr_assert_eq(system(cmd), 0, "a run outlived its sweep");
}

/* Item 8's messages: a NUL byte names the file once; -o naming a file says so;
 * JSON nested past cJSON's limit is called too deep. */
Test(cli, clear_messages_for_nul_file_output_and_deep_nesting)
{
    char path[512];
    snprintf(path, sizeof path, "%s/nul.json", run_tmp);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fwrite("{\"name\": \"a\0b\"}", 1, 15, f);
    fclose(f);
    cr_assert_eq(cascade("validate nul.json"), 2);
    cr_assert_str_eq(err, "cascade: nul.json: contains a NUL byte at offset 11; it must be JSON "
                          "text\n");
    write_file("small.json", small);
    write_file("file", "x");
    cr_assert_eq(cascade("run small.json -q -o file"), 2);
    cr_assert_not_null(strstr(err, "output 'file' exists and is not a directory"), "%s", err);
    static char deep[200100];
    size_t n = (size_t)sprintf(deep, "{\"a\": ");
    memset(deep + n, '[', 100000);
    memset(deep + n + 100000, ']', 100000);
    strcpy(deep + n + 200000, "}");
    write_file("deep.json", deep);
    cr_assert_eq(cascade("validate deep.json"), 2);
    cr_assert_not_null(strstr(err, "deep.json: line 1: arrays and objects nested deeper than "
                                   "1000 levels"),
                       "%s", err);
}

/* The agent docs' collateral range is the one validation applies: below 9e17 money
 * units, 9e11 at the default money_decimals 6. */
Test(cli, collateral_range_is_the_documented_one)
{
    write_file("small.json", small);
    cr_assert_eq(cascade("validate small.json --set agents[0].params.collateral=8.99e11"), 0, "%s",
                 err);
    cr_assert_eq(cascade("validate small.json --set agents[0].params.collateral=9e11"), 2);
    cr_assert_not_null(strstr(err, "agents[0].params.collateral"), "%s", err);
    cr_assert_eq(cascade("validate small.json --set money_decimals=3"
                         " --set agents[0].params.collateral=1e12"),
                 0, "%s", err);
    const char *types[] = {"noise",         "market_maker", "fundamental", "basis_arb", "leveraged",
                           "option_dealer", "front_runner", "liquidator",  "scripted"};
    for (size_t i = 0; i < sizeof types / sizeof *types; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/docs/agents/%s.md", getenv("CASCADE_SOURCE_ROOT"),
                 types[i]);
        FILE *f = fopen(path, "r");
        cr_assert_not_null(f, "%s", path);
        static char doc[1 << 17];
        doc[fread(doc, 1, sizeof doc - 1, f)] = 0;
        fclose(f);
        const char *row = strstr(doc, "| `collateral` |");
        cr_assert_not_null(row, "%s", path);
        cr_assert_not_null(strstr(row, "0 – 1e12, and below 9e17 money units: 9e11 at the "
                                       "default `money_decimals` 6 |"),
                           "%s: the collateral row does not state the money_decimals bound", path);
    }
}
